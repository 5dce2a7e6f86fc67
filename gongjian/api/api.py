"""The JSON API root: every app's router mounted under /api/.

Docs at /api/docs, schema at /api/openapi.json (committed as docs/openapi.json;
regenerate with ``gongjian openapi > docs/openapi.json``).
"""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from gongjian.appeals.api import router as appeals_router
from gongjian.attraction.api import router as attraction_router
from gongjian.enterprises.api import router as enterprises_router
from gongjian.indicators.api import router as indicators_router
from gongjian.policies.api import router as policies_router
from gongjian.projects.api import router as projects_router
from gongjian.units.api import router as units_router

from . import errors
from .auth import api_token_auth, session_auth


class ChineseJSONRenderer(JSONRenderer):
    """ninja's renderer (its encoder keeps dates and Decimals), without \\u-escaping Chinese."""

    json_dumps_params = {"ensure_ascii": False}


class GongjianAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # View names are unique across the routers: "project_list", "report_submit" …
        return operation.view_func.__name__


api = GongjianAPI(
    title="gongjian 攻坚 API",
    version="1",
    description=(
        "攻坚平台的 JSON 接口。认证:浏览器会话(写操作须带 CSRF 令牌),或请求头 "
        "`Authorization: Bearer gj_…`(API 令牌)。金额均为整数“元”。"
        "超出本人权限范围的对象与不存在的对象一样返回 404。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[api_token_auth, session_auth],
    renderer=ChineseJSONRenderer(),
)
errors.install(api)

api.add_router("", units_router)
api.add_router("", projects_router)
api.add_router("", indicators_router)
api.add_router("", enterprises_router)
api.add_router("", attraction_router)
api.add_router("", appeals_router)
api.add_router("", policies_router)

"""The JSON API root: every app's router mounted under /api/ (each app registers its
router in ``AppConfig.ready()``, ``kit.registration.api_routers``).

Docs at /api/docs, schema at /api/openapi.json (committed as docs/openapi.json;
regenerate with ``gongjian openapi > docs/openapi.json``).
"""

from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from gongjian.kit.registration import api_routers
from gongjian.units.auth import api_token_auth

from . import errors
from .auth import session_auth


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

for _app, dotted in api_routers.items():
    api.add_router("", import_string(dotted))

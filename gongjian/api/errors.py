"""Exception → response mapping: every error the API answers with speaks Chinese.

- django ``ValidationError`` (services, ``full_clean``) and ninja's request
  validation → 422 ``{"detail": ["字段: 信息", …], "fields": {字段: [信息]}}``
- ``PermissionDenied`` → 403, ``Http404`` → 404 (the same body whether the
  object is missing or outside the caller's scope), ``ConflictError`` → 409 (412 for a stale ``If-Match``), an update naming no
  version → 428.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gongjian.kit.api import NOT_FOUND
from gongjian.kit.errors import (
    ConflictError,
    PreconditionRequired,
    messages_of,
    pydantic_message,
)

if TYPE_CHECKING:
    from ninja import NinjaAPI

# Where a value came from → the part of ninja's ``loc`` to drop before the field name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
        # ninja nests a body schema under the view's parameter name ("payload").
        if parts and parts[0] in {"payload", "filters", "ninja_pagination"}:
            parts = parts[1:]
    return ".".join(parts)


def _validation_body(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    detail = []
    for field, message in pairs:
        detail.append(f"{field}: {message}" if field else message)
        fields.setdefault(field or "__all__", []).append(message)
    return {"detail": detail, "fields": fields}


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/ that no operation matches answers the API's JSON 404, not
    the site's HTML page (mounted after the API's own URLs)."""
    return JsonResponse(
        {"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``."""

    def on_django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = dict(exc.message_dict)
        else:
            fields = {"__all__": list(exc.messages)}
        return api.create_response(
            request, {"detail": messages_of(exc), "fields": fields}, status=422
        )

    def on_request_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        pairs = [(_field_of(e.get("loc", ())), pydantic_message(e)) for e in exc.errors]
        return api.create_response(request, _validation_body(pairs), status=422)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "无权执行此操作"}, status=403)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)

    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        body = {
            "detail": exc.message,
            "current_version": exc.current_version,
            "current": exc.changes,
            "changed": exc.changed,
        }
        # a stale If-Match is a failed precondition (412), a stale expected_version a 409
        status = 412 if getattr(exc, "precondition", False) else 409
        response = api.create_response(request, body, status=status)
        response["ETag"] = f'"{exc.current_version}"'
        return response

    def on_precondition_required(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message}, status=428)

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, {"detail": "未登录,或 API 令牌无效、已撤销"}, status=401
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if "CSRF" in exc.message:
            message = "CSRF 校验失败,请刷新页面后重试"
        elif exc.status_code == 400 and "parse" in exc.message:
            message = "请求体无法解析,须为有效的 JSON"
        else:
            message = exc.message
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    api.add_exception_handler(ValidationError, on_django_validation)
    api.add_exception_handler(NinjaValidationError, on_request_validation)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ConflictError, on_conflict)
    api.add_exception_handler(PreconditionRequired, on_precondition_required)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)

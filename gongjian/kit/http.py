"""What every app's pages share to answer a request: file downloads, errors on forms, the
conflict page of a stale save, a refused query.

Use ``file_response`` for every download (an .xlsx export, an error sheet, a .docx),
``add_errors`` / ``errors_text`` to put a service's ``ValidationError`` or
``PermissionDenied`` on a form or a message, ``conflict_context`` when a service refused a
stale save (``ConflictError``) so the page shows who changed what beside the user's input.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import ValidationError as PydanticError

from .errors import ConflictError, messages_of, pydantic_problems
from .history import Labels

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"


# --- downloads ---------------------------------------------------------------------


def file_response(
    path: Path, name: str, content_type: str = XLSX, *, temporary: bool = True
) -> FileResponse:
    """Stream the file at ``path`` as the attachment ``name``; a ``temporary`` file is
    deleted at once (the open handle keeps its data until it is sent, on POSIX)."""
    handle = path.open("rb")
    if temporary:
        path.unlink(missing_ok=True)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


def bytes_response(data: bytes, name: str, content_type: str) -> HttpResponse:
    """``data`` as the attachment ``name`` (a generated .docx or .pdf)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def list_query(request) -> str:
    """A list page's filters as a query string (without the page number): the export link
    of the page carries them to the export view."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def stamp() -> str:
    """The local time for a download's file name (``20241031-0930``)."""
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# --- errors ------------------------------------------------------------------------------


def errors_text(exc: ValidationError | PermissionDenied | PydanticError | Exception) -> str:
    """One line of every problem a service (or a query's parsing) refused, in Chinese."""
    if isinstance(exc, PydanticError):
        return ";".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return ";".join(" ".join(v) for v in exc.message_dict.values())
        return ";".join(exc.messages)
    return str(exc)


def add_errors(form: Any, exc: ValidationError | PermissionDenied | PydanticError) -> None:
    """Put a refusal of the input schema or of a service on ``form``: each field's messages
    on that field, the others before the form — worded as the API and an Excel import word
    them."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    if isinstance(exc, PydanticError):
        pairs = pydantic_problems(exc)
    elif hasattr(exc, "error_dict"):
        pairs = [(field, m) for field, msgs in exc.message_dict.items() for m in msgs]
    else:
        pairs = [("", m) for m in exc.messages]
    for field, message in pairs:
        form.add_error(field if field in form.fields else None, message)


def bad_query(exc: Exception) -> HttpResponseBadRequest:
    """400 for a download whose query string could not be used."""
    return HttpResponseBadRequest(f"查询条件有误:{errors_text(exc)}", content_type=TEXT)


def refused(exc: ValidationError | PermissionDenied) -> HttpResponse:
    """A plain-text answer to a refused write (400, or 403 when not allowed)."""
    if isinstance(exc, PermissionDenied):
        return HttpResponse(str(exc), status=403, content_type=TEXT)
    return HttpResponseBadRequest(";".join(messages_of(exc)), content_type=TEXT)


# --- a stale save ---------------------------------------------------------------------


def conflict_context(exc: ConflictError, model: Any, yours: dict) -> dict:
    """What the conflict block (``kit/_conflict.html``) shows: the message and each field
    changed since the user opened the page — as opened, as saved by the other person, and
    as the user typed it."""
    labels = Labels()
    fields = {f.name: f for f in model._meta.concrete_fields}
    for name, value in yours.items():
        if name in fields:
            labels.want(fields[name], getattr(value, "pk", value))
    labels.fetch()
    rows = []
    for change in exc.changed:
        name = change["field"]
        mine = "—"
        if name in yours and name in fields:
            mine = labels.show(fields[name], getattr(yours[name], "pk", yours[name]))
        rows.append({**change, "yours": mine if name in yours else _("(本页无此项)")})
    return {"message": exc.message, "rows": rows}


def versioned_save(form: Any, model: Any, save: Any) -> tuple[Any, dict | None]:
    """Run ``save()`` (a service given the version the form carries): its result, or on a
    stale version None and the conflict context (the form rebound to the current
    version), or on a refusal None with the errors put on the form."""
    try:
        return save(), None
    except ConflictError as exc:
        conflict = conflict_context(exc, model, form.cleaned_data)
        rebound(form, exc.current_version)
        return None, conflict
    except (ValidationError, PermissionDenied) as exc:
        add_errors(form, exc)
        return None, None


def rebound(form: Any, version: int) -> Any:
    """The same input, with the hidden version moved to ``version`` (a second save, made
    knowingly after a conflict, goes through)."""
    data = form.data.copy()
    data["version"] = str(version)
    form.data = data
    return form


# --- who the client is ------------------------------------------------------------


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``GONGJIAN_PROXY_COUNT`` trusted
    reverse proxies in front, the ``X-Forwarded-For`` entry the outermost one appended
    (entries further left are whatever the client sent and are not trusted)."""
    if request is None:
        return None
    meta = request.META
    proxies = getattr(settings, "GONGJIAN_PROXY_COUNT", 0)
    if proxies:
        forwarded = [p for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            ip = _valid_ip(forwarded[-proxies])
            if ip:
                return ip
    return _valid_ip(meta.get("REMOTE_ADDR"))


# --- the product's error pages --------------------------------------------------------

ERROR_TITLES = {
    400: gettext_noop("请求有误"),
    403: gettext_noop("没有权限"),
    404: gettext_noop("页面不存在"),
}
ERROR_HINTS = {
    400: gettext_noop("请检查地址或表单后重试。"),
    403: gettext_noop("这一页或这项操作不在您的权限范围内;如需要,请联系本单位的攻坚办。"),
    404: gettext_noop("您要找的页面或数据不存在,可能已被删除,或地址有误。"),
}


def _said_in_chinese(exception: Any) -> str:
    """The exception's message when the product wrote it (in Chinese: "没有这个单位",
    "无权查看…"); Django's own English messages are not shown to users."""
    text = str(exception or "")
    if isinstance(exception, Exception) and exception.args:
        text = str(exception.args[0])
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


def error_page(request: HttpRequest, status: int, exception: Any = None) -> HttpResponse:
    """A friendly page for a refused or missing page, in the product's frame and
    language (``handler400/403/404`` in the root URLconf)."""
    from django.shortcuts import render

    return render(
        request,
        "kit/error.html",
        {
            "status": status,
            "title": _(ERROR_TITLES[status]),
            "hint": _(ERROR_HINTS[status]),
            "detail": _said_in_chinese(exception),
        },
        status=status,
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 400, exception)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 403, exception)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: a page that needs neither the database nor a context processor (whatever
    failed may be one of them)."""
    from django.template import loader

    return HttpResponse(loader.get_template("kit/500.html").render({}), status=500)


def form_errors(form) -> list[str]:
    """A refused form's messages, each naming its field (``权重:…``)."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines += [f"{label}:{e}" if label else str(e) for e in errors]
    return lines

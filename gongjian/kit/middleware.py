"""Request-wide middleware: the request size cap, and the language (Chinese first)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

MB = 1024 * 1024
# room beside the largest file a form may carry: the other fields and the multipart framing
FORM_ROOM_BYTES = 5 * MB


def request_max_bytes() -> int:
    """The largest request body accepted: ``settings.GONGJIAN["REQUEST_MAX_BYTES"]`` when
    set, else the largest file any upload accepts (``kit.uploads``, the Excel import's
    ``kit.tabular.files``; 50 MB by default) plus ``FORM_ROOM_BYTES``."""
    explicit = getattr(settings, "GONGJIAN", {}).get("REQUEST_MAX_BYTES")
    if explicit:
        return int(explicit)
    from .tabular.files import limit as import_limit
    from .uploads import limit as upload_limit

    largest = max(
        upload_limit("UPLOAD_MAX_BYTES"),
        upload_limit("IMAGE_MAX_BYTES"),
        import_limit("IMPORT_MAX_BYTES"),
    )
    return largest + FORM_ROOM_BYTES


class RequestSizeLimitMiddleware:
    """Refuse (413) a request whose ``Content-Length`` is over ``request_max_bytes()``
    before anything reads its body. Django's own limits do not bound a file upload, which
    it streams to a temporary file in full before any form sees its size; this answer
    comes before that. A body without ``Content-Length`` (chunked) is never read by Django
    (its length counts as 0), so the header is the whole of what needs checking."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        maximum = request_max_bytes()
        if length > maximum:
            return too_large(request, length, maximum)
        return self.get_response(request)


def too_large(request: HttpRequest, length: int, maximum: int) -> HttpResponse:
    """413, in Chinese: JSON ``{"detail": …}`` under /api/, plain text elsewhere."""
    message = (
        f"请求过大:提交的内容有 {length / MB:.1f} MB,超过了 {maximum / MB:.0f} MB 的上限。"
        f"请压缩或拆分文件后重试。"
    )
    if request.path.startswith("/api/"):  # the API's error body
        return JsonResponse(
            {"detail": message}, status=413, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user picked another language with the header's switch (the
    language cookie). The browser's Accept-Language is not consulted: an office's
    machines often run an English browser, and the product speaks Chinese first."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

"""Clean text in, clean text out: the characters no field may hold, refused where input
arrives and removed where text goes into Word.

The characters are NUL and the other control characters (Unicode category Cc: U+0000–
U+001F, U+007F–U+009F) except tab, line feed and carriage return, lone surrogates and
U+FFFE/U+FFFF. PostgreSQL cannot store NUL in a text column, XML (a .docx, an .xlsx)
cannot hold the C0 controls, surrogates or U+FFFE/U+FFFF (lxml refuses them: "All
strings must be XML compatible"), and none of them belongs in a name, a title or a report.

- ``control_chars(text)`` / ``text_problem(text)``: the shared check — what is wrong
  with ``text``, in Chinese ("" when nothing). ``kit.validators.validate_plain_text`` is
  the same check as a Django validator; the Excel import refuses such a cell with it, as
  a row error naming row and column (``kit.tabular.schema.check_plain``).
- ``InputCleaningMiddleware``: every request — query parameters, form fields, the URL's
  parts and a JSON body (keys and values, at any depth) — is checked before its view
  runs (an uploaded file's name Django already cleans of what is not printable). A page
  answers 400 (the product's error page naming the field, in Chinese), the JSON API 422
  (``kit.api.ValidationErrorOut``), and a view that speaks another error format names
  its own answer with ``@input_refusal(...)`` (Open311's GeoReport errors).
- ``xml_text(value)``: the same characters removed; every text a Word document is
  written from passes through it (``docx_finalize`` for a docxtpl template).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.request import RawPostDataException

# NUL, the C0 controls but tab (09), line feed (0A) and carriage return (0D), DEL and the
# C1 controls, lone surrogates, and the two non-characters XML forbids.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

API_PREFIX = "/api/"


def control_chars(text: str) -> list[str]:
    """The distinct refused characters in ``text``, in the order they first appear."""
    return list(dict.fromkeys(CONTROL_CHARS.findall(text)))


def _code_points(chars: list[str]) -> str:
    return "、".join(f"U+{ord(ch):04X}" for ch in chars)


def text_problem(text: str) -> str:
    """What is wrong with ``text`` in Chinese, or "" when it holds no refused character."""
    if not isinstance(text, str) or CONTROL_CHARS.search(text) is None:
        return ""
    return f"含有不允许的控制字符({_code_points(control_chars(text))}),请删除后重试"


def printable(text: str) -> str:
    """``text`` with each refused character written as its escape (``\\x00``): a field
    name that holds one can still be named."""
    return CONTROL_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


# --- text out (Word) -------------------------------------------------------------------


def xml_text(value: Any) -> Any:
    """``value`` with the refused characters removed from its text: a string (a
    ``Markup`` stays a ``Markup``), or every string in a dict, list or tuple of them, at
    any depth; anything else is returned as it is. Whatever reached the database before
    these checks, or came in another way (a document's text), cannot break a Word file."""
    if isinstance(value, str):
        if CONTROL_CHARS.search(value) is None:
            return value
        return type(value)(CONTROL_CHARS.sub("", value))
    if isinstance(value, dict):
        return {xml_text(k): xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_text(v) for v in value]
    if isinstance(value, tuple):
        cleaned = [xml_text(v) for v in value]
        return value._make(cleaned) if hasattr(value, "_make") else tuple(cleaned)
    return value


def docx_finalize(value: Any) -> Any:
    """The Jinja ``finalize`` of a docxtpl template: each ``{{ … }}`` output cleaned by
    ``xml_text`` before it is escaped into the document's XML."""
    return xml_text(value)


# --- text in (HTTP) --------------------------------------------------------------------


def _json_texts(data: Any) -> Iterator[tuple[str, str]]:
    """(field path, text) of every string of a parsed JSON body, keys included, in the
    body's order; the path is written as the API names fields (``stage_events.0.stage``).
    Iterative: the body's depth is whatever the client sent."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                yield name, str(key)
                children.append((name, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            named = [(f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value)]
            stack.extend(reversed(named))


def _body_texts(request: HttpRequest) -> Iterator[tuple[str, str]]:
    try:
        data = json.loads(request.body) if request.body else None
    except (ValueError, RecursionError, RawPostDataException):
        return  # not JSON: the view answers that
    yield from _json_texts(data)


def _is_json(request: HttpRequest) -> bool:
    content_type = (request.content_type or "").lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _texts(request: HttpRequest, view_args: tuple, view_kwargs: dict) -> Iterator[tuple[str, str]]:
    """(field, text) of everything the request carries that a view may read as text."""
    for name, value in view_kwargs.items():
        if isinstance(value, str):
            yield name, value
    for value in view_args:
        if isinstance(value, str):
            yield "地址", value
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.path_info.startswith(API_PREFIX) or _is_json(request):
        # the API reads every body as JSON whatever its content type says (ninja's
        # parser), and never as a form: a form is not parsed here, or the body could no
        # longer be read
        yield from _body_texts(request)
        return
    try:
        form = request.POST  # an upload's file name: Django drops what is not printable
    except UnreadablePostError:
        return  # the view meets the same broken body
    for key, values in form.lists():
        yield key, key
        for value in values:
            yield key, value


def input_problems(
    request: HttpRequest, view_args: tuple = (), view_kwargs: dict | None = None
) -> list[tuple[str, str]]:
    """(field, Chinese message) of each field whose text ``request`` carries is refused,
    each field once, in the order they come; [] when all is clean."""
    found: dict[str, str] = {}
    for field, text in _texts(request, view_args, view_kwargs or {}):
        message = text_problem(text)
        if message:
            found.setdefault(printable(field), message)
    return list(found.items())


def input_problem(
    request: HttpRequest, view_args: tuple = (), view_kwargs: dict | None = None
) -> tuple[str, str] | None:
    """The first of ``input_problems``, or None."""
    problems = input_problems(request, view_args, view_kwargs)
    return problems[0] if problems else None


Refusal = Callable[[HttpRequest, dict, str, str], HttpResponse]


def input_refusal(answer: Refusal) -> Callable[[Callable], Callable]:
    """Decorate a view (outermost) whose clients expect their own error format: a request
    carrying a refused character is answered by ``answer(request, view_kwargs, field,
    message)`` instead of the page or the API answer."""

    def decorate(view: Callable) -> Callable:
        view.input_refusal = answer  # type: ignore[attr-defined]
        return view

    return decorate


def api_refusal(problems: list[tuple[str, str]]) -> JsonResponse:
    """The API's 422 (``kit.api.ValidationErrorOut``), every refused field named."""
    return JsonResponse(
        {
            "detail": [f"{field}: {message}" for field, message in problems],
            "fields": {field: [message] for field, message in problems},
        },
        status=422,
        json_dumps_params={"ensure_ascii": False},
    )


def page_refusal(request: HttpRequest, field: str, message: str) -> HttpResponse:
    """The product's 400 page, naming the field."""
    from .http import error_page

    return error_page(request, 400, ValueError(f"“{field}”{message}"))


class InputCleaningMiddleware:
    """Refuse a request carrying a control character before its view runs (after the CSRF
    check, which runs in an earlier ``process_view``). Listed after the authentication
    and message middleware: the 400 page is drawn in the product's frame."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        problems = input_problems(request, view_args, view_kwargs)
        if not problems:
            return None
        field, message = problems[0]
        answer = getattr(view_func, "input_refusal", None)
        if answer is not None:
            return answer(request, view_kwargs, field, message)
        if request.path_info.startswith(API_PREFIX):
            return api_refusal(problems)
        return page_refusal(request, field, message)

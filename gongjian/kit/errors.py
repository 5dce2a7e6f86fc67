"""Errors that services raise and the API, the pages and the imports turn into clear
Chinese messages — the same message whichever way the bad input came in."""

import re
from typing import Any

from django.core.exceptions import ValidationError


class ConflictError(Exception):
    """Someone else saved the object since the caller read it (no lost update)."""

    def __init__(
        self,
        message: str,
        current_version: int,
        changes: dict | None = None,
        changed: list[dict] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.current_version = current_version
        self.changes = changes or {}
        # what moved since the caller read the object: [{"field", "label", "before", "after"}]
        self.changed = changed or []


class PreconditionRequired(Exception):
    """An update of a versioned object that names no version (neither ``If-Match`` nor
    ``expected_version``): refused (428) rather than saved over whatever is there."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def messages_of(error: Exception) -> list[str]:
    """Flatten a ValidationError into ``["字段: 信息", ...]`` strings; any other refusal
    (``PermissionDenied`` …) is its one message."""
    if not isinstance(error, ValidationError):
        return [str(error)]
    if hasattr(error, "error_dict"):
        out: list[str] = []
        for field, errors in error.message_dict.items():
            prefix = "" if field == "__all__" else f"{field}: "
            out.extend(prefix + m for m in errors)
        return out
    return list(error.messages)


# pydantic error type → Chinese message (``{…}`` filled from the error's context).
PYDANTIC_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "decimal_parsing": "须为数字",
    "decimal_type": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "string_type": "须为文本",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_too_short": "不能少于 {min_length} 个字符",
    "date_parsing": "须为日期,格式为 YYYY-MM-DD",
    "date_type": "须为日期,格式为 YYYY-MM-DD",
    "date_from_datetime_parsing": "须为日期,格式为 YYYY-MM-DD",
    "date_from_datetime_inexact": "须为日期,不含时间",
    "literal_error": "须为以下之一:{expected}",
    "enum": "须为以下之一:{expected}",
    "greater_than_equal": "须大于或等于 {ge}",
    "greater_than": "须大于 {gt}",
    "less_than_equal": "须小于或等于 {le}",
    "less_than": "须小于 {lt}",
    "list_type": "须为列表",
    "dict_type": "须为 JSON 对象",
    "model_type": "须为 JSON 对象",
    "model_attributes_type": "须为 JSON 对象",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "请求体不是有效的 JSON",
}


def pydantic_message(error: Any) -> str:
    """A pydantic (input schema) error in Chinese: the API body, the page form and the
    Excel row that break the same schema rule read the same message."""
    template = PYDANTIC_MESSAGES.get(error.get("type", ""), "格式不正确")
    ctx = dict(error.get("ctx") or {})
    if "expected" in ctx:
        # pydantic writes "'a', 'b' or 'c'"; list the choices the Chinese way.
        choices = re.findall(r"'([^']*)'", str(ctx["expected"]))
        ctx["expected"] = "、".join(choices) if choices else ctx["expected"]
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def pydantic_problems(exc) -> list[tuple[str, str]]:
    """A pydantic ``ValidationError`` as ``[(field, Chinese message)]``."""
    return [(".".join(str(p) for p in e.get("loc", ())), pydantic_message(e)) for e in exc.errors()]

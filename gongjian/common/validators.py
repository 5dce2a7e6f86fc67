"""Validators for codes with national standards."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# GB/T 2260 province-level prefixes (first two digits of every division code).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)


def division_level(code: str) -> str:
    """The level a valid GB/T 2260 code denotes: ``province``, ``city`` or ``county``."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def validate_division_code(code: str) -> None:
    """Check a GB/T 2260 administrative division code (6 ASCII digits, known province).

    Raises ``ValidationError`` with a Chinese message naming the problem.
    """
    if not isinstance(code, str) or len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(
            "行政区划代码“%(code)s”应为 6 位数字(GB/T 2260)", params={"code": code}, code="format"
        )
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            "行政区划代码“%(code)s”的省级代码“%(p)s”不存在",
            params={"code": code, "p": code[:2]},
            code="province",
        )
    if code[2:4] == "00" and code[4:] != "00":
        raise ValidationError(
            "行政区划代码“%(code)s”无效:地级代码为 00 时县级代码也须为 00",
            params={"code": code},
            code="structure",
        )


def validate_division_child(parent_code: str, child_code: str) -> None:
    """A division code must lie inside its parent's division (same prefix)."""
    parent_level = division_level(parent_code)
    prefix = parent_code[:2] if parent_level == "province" else parent_code[:4]
    if parent_level == "county" or not child_code.startswith(prefix) or child_code == parent_code:
        raise ValidationError(
            "行政区划代码“%(child)s”不属于上级单位的区划“%(parent)s”",
            params={"child": child_code, "parent": parent_code},
            code="hierarchy",
        )

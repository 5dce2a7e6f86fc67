"""Validators for codes with national standards, and for plain text."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .cleaning import text_problem


def validate_plain_text(value: object) -> None:
    """Text may hold no control character but tab, line feed and carriage return (NUL, the
    other C0 and C1 controls, lone surrogates; ``kit.cleaning``): PostgreSQL cannot store
    NUL and a Word or Excel file cannot hold any of them. Raises ``ValidationError`` with
    the check's Chinese message; anything but text passes."""
    problem = text_problem(value) if isinstance(value, str) else ""
    if problem:
        raise ValidationError(problem, code="control_character")


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


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------

# The 31 characters a credit code may use (no I, O, S, V, Z) and each one's value.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARS)}
# Weight of position i (0-based) is 3**i mod 31.
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_char(first17: str) -> str:
    """The check character (18th) of a credit code whose first 17 characters are given."""
    total = sum(_CREDIT_VALUES[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def _is_full_width(ch: str) -> bool:
    return ch == "\u3000" or "\uff01" <= ch <= "\uff5e"


def validate_credit_code(code: str) -> None:
    """Check a 统一社会信用代码: 18 upper-case ASCII characters of the GB 32100-2015 set,
    positions 3–8 a division code, and the check character.

    Raises ``ValidationError`` with a Chinese message naming the problem.
    """
    if not isinstance(code, str) or not code:
        raise ValidationError("统一社会信用代码不能为空", code="required")
    wide = [ch for ch in code if _is_full_width(ch)]
    if wide:
        raise ValidationError(
            "统一社会信用代码“%(code)s”含有全角字符“%(chars)s”,请使用半角字母和数字",
            params={"code": code, "chars": "".join(wide)},
            code="full_width",
        )
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码“%(code)s”应为 18 位,现为 %(n)d 位",
            params={"code": code, "n": len(code)},
            code="length",
        )
    if any(ch.isascii() and ch.islower() for ch in code):
        raise ValidationError(
            "统一社会信用代码“%(code)s”含有小写字母,须使用大写字母",
            params={"code": code},
            code="lowercase",
        )
    for position, ch in enumerate(code, start=1):
        if ch not in _CREDIT_VALUES:
            raise ValidationError(
                "统一社会信用代码“%(code)s”第 %(pos)d 位“%(ch)s”不是有效字符"
                "(只用数字和除 I、O、S、V、Z 以外的大写字母)",
                params={"code": code, "pos": position, "ch": ch},
                code="character",
            )
    if not code[2:8].isdigit():
        raise ValidationError(
            "统一社会信用代码“%(code)s”第 3–8 位应为行政区划代码(6 位数字)",
            params={"code": code},
            code="division",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码“%(code)s”校验码错误:第 18 位应为“%(expected)s”,实为“%(actual)s”",
            params={"code": code, "expected": expected, "actual": code[17]},
            code="check",
        )

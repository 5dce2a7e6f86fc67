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


# --- 全国固定资产投资项目代码 (GB/T 40058-2021) ------------------------------------------

NATIONAL_PROJECT_CODE_LENGTH = 24
# Project codes issued from November 2020 on (发改投资〔2020〕1439号); the time code of
# earlier codes is a four-digit year (2017–2020), never a month 13–20.
_SEGMENTS = (4, 6, 2, 2, 6)


def national_project_code_check_digit(body: str) -> str:
    """The check digit of a project code whose first 19 digits (hyphens removed) are
    ``body``: ISO/IEC 7064 MOD 11,10 (GB/T 17710), the hybrid system for numeric strings
    with one numeric check digit. ``P = 10``; for each digit ``a`` from the left,
    ``S = (P + a) mod 10`` (0 read as 10) and ``P = 2·S mod 11``; the check digit ``c``
    makes ``(P + c) mod 10 = 1``."""
    product = 10
    for ch in body:
        total = (product + int(ch)) % 10 or 10
        product = total * 2 % 11
    return str((11 - product) % 10)


def normalize_national_project_code(value: object) -> object:
    """The code as it is stored: blanks and full-width hyphens/digits made plain, and 20
    bare digits given their four hyphens; an empty value is ``None``; anything else is
    returned unchanged (the validator reports it)."""
    if not isinstance(value, str):
        return value
    text = "".join(value.split()).translate(_FULL_WIDTH)
    if not text:
        return None
    if len(text) == 20 and text.isascii() and text.isdigit():
        parts, start = [], 0
        for size in _SEGMENTS[:-1]:
            parts.append(text[start : start + size])
            start += size
        parts.append(text[start:])
        return "-".join(parts)
    return text


_FULL_WIDTH = str.maketrans(
    {"－": "-", "—": "-", "–": "-", **{chr(0xFF10 + i): str(i) for i in range(10)}}
)


def validate_national_project_code(code: str) -> None:
    """Check a 全国固定资产投资项目代码 by GB/T 40058-2021 《全国固定资产投资项目代码编码规范》.

    Structure (clause 4.1): 24 characters, five segments joined by hyphens::

        YYMM - RRRRRR - DD - TT - NNNNNC
        2104 - 210703 - 04 - 01 - 52817 9

    * clause 4.2 时间代码: 4 digits, the year and month the code was given (``YYMM``,
      month 01–12);
    * clause 4.3 地区代码: the 6-digit GB/T 2260 administrative division code of the
      approving authority's region (checked with ``validate_division_code``);
    * clause 4.4 中央业务指导部门代码: 2 digits;
    * clause 4.5 项目类型代码: 2 digits (clause 3.4: by confidentiality and main
      content — 基本建设、技术改造、单纯购置、信息化、其他);
    * clause 4.6 随机码: 5 digits;
    * clause 4.7 校验码: 1 digit over the 19 digits before it.

    Source and its limit: the clause numbers, the segment names and their order are those
    of the standard's table of contents and clauses 1–3 as published (the standard is
    not freely available; its clause 4.7 text and Annex A examples could not be read).
    The check digit is computed with ISO/IEC 7064 MOD 11,10 (GB/T 17710,
    ``national_project_code_check_digit``), the national standard check-character system
    for an all-numeric code with one numeric check digit; codes issued by the
    investment-project online approval platform are all-numeric, which rules out the
    MOD 11-2 system (it yields ``X``). Should the standard's own text name another
    system, only that function changes.

    Codes given before the standard (2017 – October 2020, first segment the year
    2017–2020, last segment a 6-digit serial without check digit) are still carried by
    continuing projects; they are accepted by structure alone.

    Raises ``ValidationError`` with a Chinese message naming the problem.
    """
    if not isinstance(code, str) or not code:
        raise ValidationError("项目代码不能为空", code="required")
    parts = code.split("-")
    if (
        len(code) != NATIONAL_PROJECT_CODE_LENGTH
        or len(parts) != len(_SEGMENTS)
        or any(len(p) != n for p, n in zip(parts, _SEGMENTS, strict=True))
        or not all(p.isascii() and p.isdigit() for p in parts)
    ):
        raise ValidationError(
            "项目代码“%(code)s”格式不对:应为 24 位“年月-地区代码-部门代码-类型代码-"
            "随机码和校验码”,如 2104-210703-04-01-528179(GB/T 40058-2021)",
            params={"code": code},
            code="format",
        )
    time, region = parts[0], parts[1]
    try:
        validate_division_code(region)
    except ValidationError:
        raise ValidationError(
            "项目代码“%(code)s”的地区代码“%(region)s”不是有效的行政区划代码(GB/T 2260)",
            params={"code": code, "region": region},
            code="region",
        ) from None
    if time in ("2017", "2018", "2019", "2020"):
        return  # a code given before GB/T 40058-2021: no check digit
    if not 1 <= int(time[2:]) <= 12:
        raise ValidationError(
            "项目代码“%(code)s”的时间代码“%(time)s”无效:应为赋码的年份和月份(YYMM)",
            params={"code": code, "time": time},
            code="time",
        )
    digits = code.replace("-", "")
    expected = national_project_code_check_digit(digits[:19])
    if digits[19] != expected:
        raise ValidationError(
            "项目代码“%(code)s”校验码错误:最后一位应为“%(expected)s”,实为“%(actual)s”",
            params={"code": code, "expected": expected, "actual": digits[19]},
            code="check",
        )

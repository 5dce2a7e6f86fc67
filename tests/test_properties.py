"""Property tests (hypothesis) for the validators and the money, date and header helpers.

The check character of a 统一社会信用代码 and the structure of a GB/T 2260 code are computed
here from the standards' own definitions (GB 32100-2015 §5 and appendix, GB/T 2260),
independently of ``gongjian.kit.validators``. Bounded and derandomized for CI.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gongjian.enterprises.models import Enterprise
from gongjian.kit.dates import Period
from gongjian.kit.money import UNIT_FACTORS, format_amount, to_yuan
from gongjian.kit.tabular import schema as S
from gongjian.kit.validators import validate_credit_code, validate_division_code
from gongjian.projects.sheets import PROJECT_SCHEMA, REPORT_SCHEMA

PROPERTY = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def chinese_message(exc: Exception) -> str:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    assert CHINESE.search(text), f"not a Chinese message: {text!r}"
    return text


# --- GB 32100-2015: the code's alphabet, weights and check character -------------------

# Table 1 of the standard: the 31 characters (no I, O, S, V, Z) and their values 0–30.
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The weights Wi of positions 1–17 as printed in the standard.
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门码 (position 1) and 机构类别码 (position 2) as the standard lists them.
REGISTRARS = {
    "1": "1239",
    "5": "1239",
    "9": "123",
    "Y": "1",
    "A": "19",
    "N": "1239",
}


def gb32100_check(first17: str) -> str:
    """C18 = 31 − mod(Σ Ci·Wi, 31); 31 is written as 0."""
    total = sum(GB32100_CHARS.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True))
    value = 31 - total % 31
    return GB32100_CHARS[0 if value == 31 else value]


# --- GB/T 2260: province codes and the code's structure -------------------------------

GB2260_PROVINCES = (
    "11", "12", "13", "14", "15",  # 北京 天津 河北 山西 内蒙古
    "21", "22", "23",  # 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46",  # 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54",  # 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65",  # 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82",  # 台湾 香港 澳门
)  # fmt: skip


@st.composite
def division_codes(draw) -> str:
    """A structurally valid GB/T 2260 code: province 省, then 地 and 县 levels, where a
    00 prefecture part means the code names the province itself (县 part 00 too)."""
    province = draw(st.sampled_from(GB2260_PROVINCES))
    prefecture = draw(st.integers(0, 99))
    county = 0 if prefecture == 0 else draw(st.integers(0, 99))
    return f"{province}{prefecture:02d}{county:02d}"


@st.composite
def credit_codes(draw) -> str:
    registrar = draw(st.sampled_from(sorted(REGISTRARS)))
    kind = draw(st.sampled_from(REGISTRARS[registrar]))
    division = draw(division_codes())
    # 主体标识码 (organisation code, 9 characters of the same alphabet)
    subject = draw(st.text(alphabet=GB32100_CHARS, min_size=9, max_size=9))
    first17 = registrar + kind + division + subject
    return first17 + gb32100_check(first17)


# Replacement characters: the alphabet, the five excluded letters, lower case, full width,
# non-ASCII digits, punctuation and anything else.
REPLACEMENTS = st.one_of(
    st.sampled_from(GB32100_CHARS),
    st.sampled_from("IOSVZ" + "abcxyz" + "０９ＡＹ" + "٣३" + " -_*" + "\u3000"),
    st.characters(codec="utf-8", exclude_categories=["Cs"]),
)


@PROPERTY
@given(credit_codes())
def test_valid_credit_code_is_accepted(code):
    validate_credit_code(code)
    # the model field runs the same check (and its length limit)
    Enterprise._meta.get_field("credit_code").run_validators(code)


@PROPERTY
@given(credit_codes(), st.integers(0, 17), REPLACEMENTS)
def test_any_single_character_change_of_a_credit_code_is_refused(code, position, replacement):
    assume(code[position] != replacement)
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError) as info:
        validate_credit_code(changed)
    chinese_message(info.value)
    with pytest.raises(ValidationError):
        Enterprise._meta.get_field("credit_code").run_validators(changed)


@PROPERTY
@given(credit_codes(), st.integers(0, 17))
def test_a_credit_code_missing_or_doubling_a_character_is_refused(code, position):
    for changed in (code[:position] + code[position + 1 :], code[:position] + code[position:] * 2):
        with pytest.raises(ValidationError) as info:
            validate_credit_code(changed[:19])
        chinese_message(info.value)


@PROPERTY
@given(st.one_of(st.text(max_size=30), st.text(alphabet=GB32100_CHARS, min_size=18, max_size=18)))
def test_credit_code_check_never_fails_otherwise(text):
    """Any text is either a valid code or a ValidationError with a Chinese message."""
    try:
        validate_credit_code(text)
    except ValidationError as exc:
        chinese_message(exc)
    else:
        assert len(text) == 18 and text[17] == gb32100_check(text[:17])


@PROPERTY
@given(division_codes())
def test_valid_division_code_is_accepted(code):
    validate_division_code(code)


@PROPERTY
@given(
    division_codes(),
    st.integers(0, 5),
    st.characters(codec="utf-8", exclude_categories=["Cs", "Nd"]) | st.sampled_from("٣३０９"),
)
def test_a_division_code_with_a_non_digit_is_refused(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError) as info:
        validate_division_code(changed)
    chinese_message(info.value)


@PROPERTY
@given(division_codes(), st.sampled_from("0123456789"), st.booleans())
def test_a_division_code_under_an_unknown_province_is_refused(code, digit, first):
    changed = digit + code[1:] if first else code[0] + digit + code[2:]
    assume(changed[:2] not in GB2260_PROVINCES)
    with pytest.raises(ValidationError) as info:
        validate_division_code(changed)
    chinese_message(info.value)


@PROPERTY
@given(st.sampled_from(GB2260_PROVINCES), st.integers(1, 99))
def test_a_county_without_its_prefecture_is_refused(province, county):
    with pytest.raises(ValidationError) as info:
        validate_division_code(f"{province}00{county:02d}")
    chinese_message(info.value)


@PROPERTY
@given(division_codes(), st.integers(0, 5))
def test_a_division_code_of_the_wrong_length_is_refused(code, cut):
    for changed in (code[:cut], code + code[cut]):
        with pytest.raises(ValidationError):
            validate_division_code(changed)


# --- money: integer 元, shown in 万元/亿元 ---------------------------------------------

YUAN = st.integers(0, 9_223_372_036_854_775_807)  # the range of a BigIntegerField
UNITS = st.sampled_from(sorted(UNIT_FACTORS))


@PROPERTY
@given(YUAN, UNITS)
def test_amount_round_trips_through_every_unit_exactly(yuan, unit):
    shown = Decimal(yuan) / UNIT_FACTORS[unit]
    assert to_yuan(shown, unit) == yuan
    assert to_yuan(str(shown), unit) == yuan
    # what a person types, with the unit in the header or in the cell
    assert S.parse_amount(f"{shown:f}", unit) == yuan
    assert S.parse_amount(f"{shown:f}{unit}", "元") == yuan
    assert S.parse_amount(f"{shown:,f}", unit) == yuan


@PROPERTY
@given(st.integers(10**27, 10**40), UNITS)
def test_long_amounts_convert_without_rounding(yuan, unit):
    """More digits than the default Decimal context keeps (28) are converted exactly."""
    places = len(str(UNIT_FACTORS[unit])) - 1
    assert to_yuan(Decimal(f"{yuan}E-{places}"), unit) == yuan  # exact: built from text
    assert to_yuan(str(yuan), unit) == yuan * UNIT_FACTORS[unit]


@PROPERTY
@given(YUAN, UNITS)
def test_formatted_amount_reads_back_exactly(yuan, unit):
    places = len(str(UNIT_FACTORS[unit])) - 1
    text = format_amount(yuan, unit, places=places)
    assert text.endswith(unit)
    assert S.parse_amount(text, "元") == yuan


@PROPERTY
@given(YUAN, UNITS, st.integers(1, 9))
def test_fractions_of_a_yuan_are_refused(yuan, unit, tenths):
    amount = Decimal(yuan) + Decimal(tenths) / 10
    shown = amount / UNIT_FACTORS[unit]
    with pytest.raises(ValueError):
        to_yuan(shown, unit)
    with pytest.raises(S.CellError) as info:
        S.parse_amount(f"{shown:f}", unit)
    chinese_message(info.value)


CELL_VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,,-+ 亿万元e", max_size=40),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.none(),
)


@PROPERTY
@given(CELL_VALUES, UNITS)
@example(float("nan"), "元")
@example(float("inf"), "万元")
@example(1e300, "元")
@example("9" * 40, "元")
@example("9223372036854775808", "元")
@example(Decimal("NaN"), "元")
def test_parsing_an_amount_raises_only_the_cell_error(value, unit):
    try:
        result = S.parse_amount(value, unit)
    except S.CellError as exc:
        chinese_message(exc)
    else:
        assert isinstance(result, int) and 0 <= result <= 2**63 - 1


# --- dates -------------------------------------------------------------------------------

DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@PROPERTY
@given(DATES)
def test_unambiguous_dates_are_read(day):
    y, m, d = day.year, day.month, day.day
    for text in (
        day.isoformat(),
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m}月{d}号",
        f"{y}{m:02d}{d:02d}",
        full_width(day.isoformat()),
        f" {day.isoformat()} 00:00:00",
    ):
        assert S.parse_date(text) == day, text
    assert S.parse_date(dt.datetime(y, m, d)) == day


@PROPERTY
@given(DATES)
def test_ambiguous_dates_are_refused(day):
    y, m, d = day.year, day.month, day.day
    for text in (
        f"{d:02d}/{m:02d}/{y}",  # day first
        f"{m:02d}/{d:02d}/{y}",  # month first
        f"{y % 100:02d}-{m}-{d}",  # two-digit year
        f"{d:02d}{m:02d}{y}",
    ):
        with pytest.raises(S.CellError) as info:
            S.parse_date(text)
        chinese_message(info.value)
    # a bare number (an Excel serial without date format) is not a day
    for number in (day.toordinal() - 693594, float(day.toordinal() - 693594)):
        with pytest.raises(S.CellError) as info:
            S.parse_date(number)
        chinese_message(info.value)


@PROPERTY
@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 40))
def test_invalid_days_are_refused(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        with pytest.raises(S.CellError) as info:
            S.parse_date(f"{year}-{month:02d}-{day:02d}")
        chinese_message(info.value)
    else:
        assert S.parse_date(f"{year}-{month:02d}-{day:02d}") == dt.date(year, month, day)


@PROPERTY
@given(st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)))
def test_a_date_with_a_time_is_refused(moment):
    assume(moment.time() != dt.time(0))
    with pytest.raises(S.CellError) as info:
        S.parse_date(moment)
    chinese_message(info.value)


@PROPERTY
@given(CELL_VALUES)
def test_parsing_a_date_raises_only_the_cell_error(value):
    try:
        result = S.parse_date(value)
    except S.CellError as exc:
        chinese_message(exc)
    else:
        assert isinstance(result, dt.date)


@PROPERTY
@given(st.text(max_size=12) | st.from_regex(r"\A-?\d{1,5}(-(Q-?\d{1,2}|\d{1,3}))?\Z"))
def test_period_parse_refuses_with_a_chinese_message(text):
    try:
        period = Period.parse(text)
    except ValueError as exc:
        chinese_message(exc)
    else:
        assert period.start <= period.end


# --- the sheet header folding --------------------------------------------------------------

HEADER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
) | st.sampled_from(
    [c.title for c in PROJECT_SCHEMA.columns] + [c.header() for c in REPORT_SCHEMA.columns]
)


@PROPERTY
@given(HEADER_TEXT)
@example("e \u0301")  # a space between a letter and its combining accent
@example("总投资*\u0301(万元)")
@example("\u00a8")  # NFKC turns it into a space and a combining mark
def test_header_folding_is_idempotent(text):
    once = S.normalize(text)
    assert S.normalize(once) == once
    assert unicodedata.normalize("NFKC", once) == once
    assert not re.search(r"\s", once)


@PROPERTY
@given(
    st.sampled_from([PROJECT_SCHEMA, REPORT_SCHEMA]),
    st.data(),
)
def test_headers_match_whatever_the_width_spacing_and_marks(schema, data):
    """A header written in full width, with spaces and "*" anywhere, maps to the same
    column as the template's header."""
    columns = data.draw(st.permutations(schema.columns))
    cells = []
    for column in columns:
        header = column.header()
        if data.draw(st.booleans()):
            header = full_width(header)
        spaces = data.draw(st.lists(st.sampled_from([" ", "\u3000", "\u00a0", "*"]), max_size=3))
        for space in spaces:
            at = data.draw(st.integers(0, len(header)))
            header = header[:at] + space + header[at:]
        cells.append(header)
    positions, units, unmatched = S.match_row(schema, cells)
    assert unmatched == []
    assert positions == {column.key: index for index, column in enumerate(columns)}
    for column in columns:
        if column.kind == S.AMOUNT:
            assert units[column.key] == column.default_unit


@pytest.mark.parametrize("cell", [float("inf"), float("nan"), 1e20, 10**20, -5, -0.5])
def test_the_fast_amount_reader_refuses_what_parse_amount_refuses(cell):
    """Excel's numbers read by the import's compiled amount reader: a value out of range,
    negative or not finite is a row error with parse_amount's message, never a crash or
    a number the database cannot hold."""
    column = S.Column("total_investment", "总投资", kind=S.AMOUNT, default_unit="万元")
    read = S.cell_reader(column, "万元", {})
    with pytest.raises(S.CellError):
        S.parse_amount(cell, "万元")
    with pytest.raises(S.CellError):
        read(cell)
    assert read(12.5) == S.parse_amount(12.5, "万元") == 125_000

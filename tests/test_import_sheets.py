"""The sheet schema: header matching and cell parsing, without a database."""

import datetime as dt

import pytest

from gongjian.kit.tabular import schema as S
from gongjian.projects.sheets import PROJECT_SCHEMA


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/3/5", dt.date(2024, 3, 5)),
        ("2024.3.5", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        ("２０２４年３月５日", dt.date(2024, 3, 5)),
        (" 2024.03.05 ", dt.date(2024, 3, 5)),
        ("20240305", dt.date(2024, 3, 5)),
        (dt.datetime(2024, 3, 5), dt.date(2024, 3, 5)),
        (dt.date(2024, 3, 5), dt.date(2024, 3, 5)),
    ],
)
def test_dates_a_person_means(text, expected):
    assert S.parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["05/03/2024", "3/5/24", "24.3.5", "2024年2月30日", "下月初", 45356, "2024-3"]
)
def test_ambiguous_or_impossible_dates_are_refused(text):
    with pytest.raises(S.CellError) as exc:
        S.parse_date(text)
    assert str(exc.value)  # a Chinese message naming the value


@pytest.mark.parametrize(
    "value, unit, yuan",
    [
        (25000, "万元", 250_000_000),
        (1.5, "亿元", 150_000_000),
        ("1,234.5678", "万元", 12_345_678),
        ("３.５亿元", "万元", 350_000_000),
        ("800万", "元", 8_000_000),
        (12345, "元", 12345),
        (12345.6789, "万元", 123_456_789),
    ],
)
def test_amounts_in_the_unit_the_header_names(value, unit, yuan):
    assert S.parse_amount(value, unit) == yuan


@pytest.mark.parametrize("value", ["abc", "-5", "1.23456", True])
def test_bad_amounts(value):
    with pytest.raises(S.CellError):
        S.parse_amount(value, "万元")


def test_headers_tolerate_spaces_full_width_order_and_titles():
    rows = [
        ["2024年重点项目清单", None, None, None, None],
        [" 项目 名称 ", "所属单位", "*项目编号", "总投资（亿元）", "项目类别\u3000"],
    ]
    match = S.match_headers(PROJECT_SCHEMA, rows)
    assert match.row_index == 1
    assert match.positions == {
        "name": 0,
        "unit": 1,
        "code": 2,
        "total_investment": 3,
        "category": 4,
    }
    assert match.units["total_investment"] == "亿元"


def test_missing_required_headers_are_named():
    with pytest.raises(S.HeaderError) as exc:
        S.match_headers(PROJECT_SCHEMA, [["项目编号", "项目名称", "备注"]])
    assert "所属单位" in str(exc.value) and "项目类别" in str(exc.value)
    assert "备注" in str(exc.value)


def test_a_saved_mapping_maps_own_headers():
    rows = [["编码", "工程名", "区县", "类型", "投资额(万元)"]]
    mapping = {
        "编码": "code",
        "工程名": "name",
        "区县": "unit",
        "类型": "category",
        "投资额": "total_investment",
    }
    match = S.match_headers(PROJECT_SCHEMA, rows, mapping)
    assert match.positions["total_investment"] == 4
    assert match.units["total_investment"] == "万元"


def test_duplicate_header_refused():
    with pytest.raises(S.HeaderError, match="两次"):
        S.match_headers(PROJECT_SCHEMA, [["项目编号", "编号", "项目名称"]])

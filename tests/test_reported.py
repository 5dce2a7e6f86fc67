"""Reported indicators end to end: roll-up methods up the unit tree, the draft → submit →
approve workflow with versions, and the three ways in (page, API, Excel sheet)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator, ReportedValue
from gongjian.indicators.services import (
    indicator_define,
    reported_value_record,
    reported_value_review,
    reported_value_submit,
)
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM

from .factories import UnitFactory, api_key, build_city_world, read_xlsx, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


def _define(code, **fields):
    return indicator_define(
        actor=SYSTEM, code=code, name=fields.pop("name", code), kind="reported", **fields
    )


def _put(indicator, unit, value, day):
    return reported_value_record(
        actor=SYSTEM, indicator=indicator, unit=unit, as_of=day, value=value
    )


def test_each_roll_up_method_at_the_city(world):
    """甲 5 %, 乙 7 %, 丙 9 %: the city is never their sum."""
    c = UnitFactory(name="丙区", parent=world.city, code=world.city.code[:4] + "04")
    units = [world.district_a, world.district_b, c]
    end = world.day(6, 30)
    period = Period.year_to_date(world.year, end)
    output = _define("t_output", display_unit="元")
    made = {
        method: _define(f"t_{method}", rollup=method, display_unit="比率")
        for method in ("sum", "mean", "max", "min", "latest")
    }
    weighted = _define("t_weighted", rollup="weighted_mean", weight=output, display_unit="比率")
    for unit, rate, weight in zip(units, ["0.05", "0.07", "0.09"], [100, 300, 600], strict=True):
        _put(output, unit, weight, end)
        _put(weighted, unit, rate, end)
        for method, indicator in made.items():
            day = world.day(5, 31) if (method == "latest" and unit != world.district_b) else end
            _put(indicator, unit, rate, day)
    city = world.city
    assert engine.evaluate(made["sum"], city, period) == Decimal("0.21")
    assert engine.evaluate(made["mean"], city, period) == Decimal("0.07")
    assert engine.evaluate(made["max"], city, period) == Decimal("0.09")
    assert engine.evaluate(made["min"], city, period) == Decimal("0.05")
    assert engine.evaluate(made["latest"], city, period) == Decimal("0.07")  # 乙 on 6-30
    # (5·100 + 7·300 + 9·600) / 1000 = 8.0 %
    assert engine.evaluate(weighted, city, period) == Decimal("0.08")
    # a district's value is its own
    assert engine.evaluate(weighted, c, period) == Decimal("0.09")
    # a unit with no value below it has none (not 0)
    empty = UnitFactory(name="空区", parent=world.city, code=world.city.code[:4] + "05")
    assert engine.evaluate(made["mean"], empty, period) is None


def test_ratio_of_sums_not_the_sum_of_rates(world):
    """两区 100 % 到位: the city is 100 %, not 200 %; 到位 and 需求 are reported apart."""
    need = _define("t_need", display_unit="元")
    got = _define("t_got", display_unit="元")
    rate = indicator_define(
        actor=SYSTEM,
        code="t_rate",
        name="到位率",
        kind="ratio",
        base_indicator=got,
        denominator=need,
        display_unit="比率",
    )
    end = world.day(9, 30)
    for unit, amount in [(world.district_a, 30), (world.district_b, 70)]:
        _put(need, unit, amount, end)
        _put(got, unit, amount, end)
    period = Period.year_to_date(world.year, end)
    assert engine.evaluate(rate, world.district_a, period) == 1
    assert engine.evaluate(rate, world.city, period) == 1
    _put(got, world.district_b, 35, end)  # 乙 half guaranteed: (30 + 35) / 100
    assert engine.evaluate(rate, world.city, period) == Decimal("0.65")


def test_a_weighted_mean_needs_a_summed_reported_weight(world):
    with pytest.raises(ValidationError) as caught:
        _define("t_w1", rollup="weighted_mean")
    assert "权重指标" in str(caught.value)
    mean = _define("t_w2", rollup="mean")
    with pytest.raises(ValidationError):
        _define("t_w3", rollup="weighted_mean", weight=mean)


def test_draft_submit_approve_and_corrections_as_versions(world):
    ind = _define("t_km", display_unit="公里")
    end = world.day(4, 30)
    period = Period.year_to_date(world.year, end)
    row = reported_value_record(
        actor=world.operator_a, indicator=ind, unit=world.district_a, as_of=end, value="12.5"
    )
    assert row.status == ReportedValue.Status.DRAFT
    assert engine.evaluate(ind, world.district_a, period) is None  # not approved: not counted
    with pytest.raises(PermissionDenied):  # an operator approves nothing
        reported_value_review(actor=world.operator_a, row=row, approve=True)
    reported_value_submit(actor=world.operator_a, row=row)
    with pytest.raises(ValidationError) as caught:  # a return says why
        reported_value_review(actor=world.office, row=row, approve=False, note=" ")
    assert "原因" in str(caught.value)
    reported_value_review(actor=world.office, row=row, approve=True)
    assert engine.evaluate(ind, world.district_a, period) == Decimal("12.5")
    # a correction is version 2; the approved 12.5 stays the figure until it is approved
    fix = reported_value_record(
        actor=world.operator_a,
        indicator=ind,
        unit=world.district_a,
        as_of=end,
        value=13,
        submit=True,
    )
    assert (fix.version, fix.status) == (2, ReportedValue.Status.SUBMITTED)
    assert engine.evaluate(ind, world.district_a, period) == Decimal("12.5")
    reported_value_review(actor=world.office, row=fix, approve=False, note="与台账不符")
    fix.refresh_from_db()
    assert fix.status == ReportedValue.Status.RETURNED and fix.review_note == "与台账不符"
    fix = reported_value_record(
        actor=world.operator_a, indicator=ind, unit=world.district_a, as_of=end, value=13.2
    )
    assert fix.version == 2  # the returned version is corrected, not a third one
    reported_value_submit(actor=world.operator_a, row=fix)
    reported_value_review(actor=world.office, row=fix, approve=True)
    assert engine.evaluate(ind, world.district_a, period) == Decimal("13.2")
    assert [v.value for v in ReportedValue.objects.filter(indicator=ind).order_by("version")] == [
        Decimal("12.5"),
        Decimal("13.2"),
    ]
    assert fix.history.count() >= 3  # every change recorded
    # another district's operator may not report for 甲区; a date off the cadence is refused
    with pytest.raises(PermissionDenied):
        reported_value_record(
            actor=world.operator_b, indicator=ind, unit=world.district_a, as_of=end, value=1
        )
    with pytest.raises(ValidationError) as caught:
        reported_value_record(
            actor=world.operator_a,
            indicator=ind,
            unit=world.district_a,
            as_of=world.day(4, 15),
            value=1,
        )
    assert "期末" in str(caught.value)


def test_the_reporting_page(world, client):
    growth = _define("t_growth", name="增速", display_unit="比率")
    money = _define("t_money", name="到位资金", display_unit="元")
    client.force_login(world.operator_a)
    as_of = world.day(5, 10)  # April is the period reported in early May
    url = f"/indicators/?unit={world.district_a.pk}&year={world.year}&as_of={as_of}"
    page = client.get(url).content.decode()
    assert f"{world.year}-04-30" in page and 'name="v_' in page
    # bad input: named, nothing saved
    response = client.post(
        url, {f"v_{growth.pk}": "8.6", f"v_{money.pk}": "十亿", "submit": "1"}, follow=True
    )
    assert "到位资金:数值“十亿”无效" in response.content.decode()
    assert not ReportedValue.objects.filter(indicator__code__startswith="t_").exists()
    client.post(url, {f"v_{growth.pk}": "8.6", f"v_{money.pk}": "12.5", "submit": "1"})
    values = {
        v.indicator.code: v for v in ReportedValue.objects.filter(indicator__code__startswith="t_")
    }
    assert values["t_growth"].value == Decimal("0.086")  # typed in %
    assert values["t_money"].value == Decimal("1250000000")  # typed in 亿元
    assert {v.status for v in values.values()} == {"submitted"}
    # the city office sees them waiting and approves one from the page
    client.force_login(world.office)
    page = client.get(f"/indicators/?year={world.year}&as_of={as_of}").content.decode()
    assert 'data-testid="review-queue"' in page and "甲区" in page
    client.post(f"/indicators/review/{values['t_growth'].pk}/", {"decision": "approve", "note": ""})
    values["t_growth"].refresh_from_db()
    assert values["t_growth"].status == "approved"
    # a viewer reads the sheet with no form to post
    client.force_login(world.viewer_a)
    page = client.get(url).content.decode()
    assert "8.6%" in page
    assert 'data-testid="reporting-form"' not in page and 'name="v_' not in page
    assert client.post(url, {f"v_{growth.pk}": "1"}).status_code == 403


def test_the_api(world, client):
    ind = _define("t_api", display_unit="个")
    _token, key = api_key(world.operator_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"indicator": "t_api", "unit": world.district_a.code, "as_of": str(world.day(3, 31))}
    r = client.post(
        "/api/reported-values",
        json.dumps({**body, "value": 7, "submit": True}),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "submitted" and r.json()["version"] == 1
    r = client.post(
        "/api/reported-values",
        json.dumps({**body, "unit": world.district_b.code, "value": 7}),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 404  # 乙区 is not the operator's to see
    r = client.post(
        "/api/reported-values",
        json.dumps({**body, "as_of": str(world.day(3, 15)), "value": 7}),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and "期末" in r.content.decode()
    _token, office_key = api_key(world.office)
    pk = ReportedValue.objects.get(indicator=ind).pk
    r = client.post(
        f"/api/reported-values/{pk}/review",
        json.dumps({"approve": True}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {office_key}",
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.get(f"/api/kpi?unit={world.district_a.code}&as_of={world.day(3, 31)}", **auth)
    assert r.json()[ind.code] == 7


def test_the_excel_sheet_in_and_out(world, client, tmp_path, settings):
    _define("t_xl", name="老旧小区改造", display_unit="个")
    _define("t_xl_rate", name="增速", display_unit="比率")
    settings.GONGJIAN = {**settings.GONGJIAN, "IMPORT_IN_BACKGROUND": False}
    header = ["填报单位", "指标代码", "指标名称", "期末", "数值", "计量单位", "说明", "提交审核"]
    path = tmp_path / "in.xlsx"
    write_xlsx(
        path,
        [
            header,
            ["甲区", "t_xl", "老旧小区改造", world.day(6, 30), 12, "个", "", "是"],
            ["甲区", "t_xl_rate", "增速", world.day(6, 30), 8.6, "%", "", ""],
            ["乙区", "t_xl", "老旧小区改造", world.day(6, 30), 4, "个", "", "是"],
        ],
    )
    client.force_login(world.operator_a)
    with path.open("rb") as upload:
        r = client.post("/reports/import/reported_values/", {"file": upload}, follow=True)
    text = r.content.decode()
    assert "第 4 行" in text or "乙区" in text  # the row of another district is named
    assert not ReportedValue.objects.filter(
        indicator__code__startswith="t_"
    ).exists()  # and the whole sheet changed nothing
    write_xlsx(path, [header, *[row for row in read_xlsx_rows(path) if row[0] != "乙区"]])
    with path.open("rb") as upload:
        client.post("/reports/import/reported_values/", {"file": upload}, follow=True)
    rows = {
        v.indicator.code: v for v in ReportedValue.objects.filter(indicator__code__startswith="t_")
    }
    assert rows["t_xl"].value == 12 and rows["t_xl"].status == "submitted"
    assert rows["t_xl_rate"].value == Decimal("0.086") and rows["t_xl_rate"].status == "draft"
    r = client.get(f"/reports/export/reported_values.xlsx?year={world.year}")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"".join(r.streaming_content))
    table = read_xlsx(out)
    assert ["甲区", "t_xl_rate", "增速"] == table[-1][:3] or any(
        row[:2] == ["甲区", "t_xl_rate"] for row in table
    )
    assert any(row[4] == "8.6" and row[5] == "%" for row in table if row[1] == "t_xl_rate")


def read_xlsx_rows(path) -> list[list]:
    return read_xlsx(path)[1:]


def test_the_demo_reports_per_county_and_rolls_up(demo):
    """The seed's reported figures are the counties' own, rolled up by the engine."""
    from gongjian.units.models import Unit

    growth = Indicator.objects.get(code="industrial_value_added_growth")
    assert growth.rollup == "weighted_mean" and growth.weight.code == "industrial_value_added"
    county = Unit.objects.get(name="古塔区")
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    assert ReportedValue.objects.filter(indicator=growth, unit=county).count() == 1
    assert engine.evaluate(growth, county, period) != engine.evaluate(growth, county.parent, period)

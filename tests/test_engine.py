"""The indicator engine on small hand-made registries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongjian.indicators import engine, periods
from gongjian.indicators.models import Campaign, Indicator, RankingItem, RankingScheme
from gongjian.indicators.services import indicator_define, reported_value_record, target_set
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.scope import SYSTEM
from gongjian.projects import lights as light_rules
from gongjian.projects.models import Batch, Tag
from gongjian.projects.services import progress_report_submit, project_create
from gongjian.units.services import unit_create

YI = 100_000_000
pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    city = unit_create(actor=SYSTEM, name="样例市", kind="city", code="130100")
    a = unit_create(actor=SYSTEM, name="甲区", kind="district", parent=city, code="130102")
    b = unit_create(actor=SYSTEM, name="乙县", kind="county", parent=city, code="130121")
    dept = unit_create(actor=SYSTEM, name="甲区发改局", kind="department", parent=a)
    return {"city": city, "a": a, "b": b, "dept": dept}


_seq = iter(range(1, 10_000))


def make(unit, amount, events, **kw):
    return project_create(
        actor=SYSTEM,
        code=f"T{next(_seq):05d}",
        name=kw.pop("name", "测试项目"),
        unit=unit,
        category=kw.pop("category", "industry"),
        total_investment=amount,
        stage_events=events,
        **kw,
    )


def define(code, **fields):
    base = {
        "name": code,
        "kind": "computed",
        "registry": "projects",
        "measure": "count",
        "event": "signed",
    }
    base.update(fields)
    return indicator_define(actor=SYSTEM, code=code, **base)


D = dt.date


def test_count_and_sum_by_event_threshold_and_subtree(tree):
    make(tree["a"], 2 * YI, [("signed", D(2024, 2, 1))])
    make(tree["dept"], 5 * YI, [("signed", D(2024, 5, 1))])  # below 甲区: in its subtree
    make(tree["b"], 50_000_000, [("signed", D(2024, 3, 1))])  # under the threshold
    make(tree["b"], 3 * YI, [("signed", D(2023, 12, 31))])  # last year
    count = define("t_signed", filters={"total_investment__gte": YI})
    amount = define(
        "t_signed_amt",
        measure="sum",
        measure_field="total_investment",
        filters={"total_investment__gte": YI},
    )
    ytd = Period.year_to_date(2024, D(2024, 10, 31))
    assert engine.evaluate(count, tree["city"], ytd) == 2
    assert engine.evaluate(amount, tree["city"], ytd) == 7 * YI
    assert engine.evaluate(count, tree["a"], ytd) == 2
    assert engine.evaluate(count, tree["b"], ytd) == 0
    assert engine.evaluate(count, tree["city"], Period.quarter(2024, 1)) == 1
    assert engine.evaluate(count, tree["city"], Period.month(2024, 5)) == 1
    assert engine.evaluate(count, tree["city"], Period.year_to_date(2024, D(2024, 4, 30))) == 1
    assert engine.evaluate(count, tree["city"], Period.year_to_date(2023)) == 1
    by_unit = engine.evaluate_by_unit(count, [tree["city"], tree["a"], tree["b"]], ytd)
    assert by_unit == {tree["city"].pk: 2, tree["a"].pk: 2, tree["b"].pk: 0}


def test_started_or_resumed_counts_each_project_once(tree):
    make(tree["a"], YI, [("started", D(2023, 5, 1)), ("resumed", D(2024, 3, 1))])
    make(tree["a"], YI, [("signed", D(2024, 1, 5)), ("started", D(2024, 4, 1))])
    make(tree["a"], YI, [("started", D(2023, 6, 1))])  # started last year, not resumed
    ind = define("t_sr", event="started_or_resumed")
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2024)) == 2
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2023)) == 2


def test_active_mode_follows_the_list_across_years(tree):
    make(
        tree["a"],
        12 * YI,
        [("signed", D(2022, 5, 1)), ("started", D(2023, 4, 1)), ("resumed", D(2024, 3, 1))],
    )
    make(tree["a"], 15 * YI, [("signed", D(2024, 6, 1))])
    make(tree["b"], 11 * YI, [("started", D(2022, 4, 1)), ("completed", D(2023, 9, 1))])
    make(tree["b"], 20 * YI, [])  # 谋划: on no year's list yet
    ind = define(
        "t_big", period_mode="active", event="", filters={"total_investment__gte": 10 * YI}
    )
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2023)) == 2
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2024)) == 2
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2024, D(2024, 5, 31))) == 1


def test_tags_batches_category_and_fixed_unit(tree):
    major = Tag.objects.create(slug="t_major", name="测试重大")
    coop = Tag.objects.create(slug="t_coop", name="测试合作")
    batch = Batch.objects.create(
        code="t-batch", name="测试批次", kind="collective_start", year=2024
    )
    make(tree["a"], YI, [("signed", D(2024, 2, 1))], tags=[major, coop], batches=[batch])
    make(tree["a"], YI, [("signed", D(2024, 2, 1))], tags=[major], category="commerce")
    make(tree["b"], YI, [("signed", D(2024, 2, 1))], tags=[coop], batches=[batch])
    ytd = Period.year_to_date(2024)
    assert (
        engine.evaluate(define("t1", filters={"tags": ["t_major", "t_coop"]}), tree["city"], ytd)
        == 1
    )
    assert (
        engine.evaluate(
            define("t2", filters={"tags_any": ["t_major", "t_coop"]}), tree["city"], ytd
        )
        == 3
    )
    assert engine.evaluate(define("t3", filters={"tags_none": "t_major"}), tree["city"], ytd) == 1
    assert (
        engine.evaluate(
            define("t4", period_mode="none", event="", filters={"batch": "t-batch"}),
            tree["city"],
            ytd,
        )
        == 2
    )
    assert engine.evaluate(define("t5", filters={"category": "commerce"}), tree["city"], ytd) == 1
    fixed = define("t6", fixed_unit=tree["a"])
    assert engine.evaluate(fixed, tree["city"], ytd) == 2  # the city asks: 甲区's figure
    assert engine.evaluate(fixed, tree["a"], ytd) == 2
    assert engine.evaluate(fixed, tree["b"], ytd) is None  # not applicable to 乙县
    assert "t6" not in engine.evaluate_all(tree["b"], ytd)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"registry": "nothing"}, "registry", "未知的数据清单"),
        ({"event": "flying"}, "event", "没有事件"),
        ({"measure": "sum", "measure_field": "name"}, "measure_field", "没有可求和字段"),
        ({"filters": {"colour": "red"}}, "filters", "未知的筛选条件"),
        ({"filters": {"total_investment__gte": "many"}}, "filters", "值类型不正确"),
        ({"kind": "checkpoint"}, "checkpoint", "须选择判定节点"),
    ],
)
def test_invalid_definitions_are_refused(fields, field, message):
    with pytest.raises(ValidationError) as exc:
        define("bad", **fields)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Indicator.objects.filter(code="bad").exists()


def test_targets_completion_and_checkpoints(tree):
    city = tree["city"]
    count = define("t_cnt", in_checkpoints=True)
    amount = define("t_amt", measure="sum", measure_field="total_investment", in_checkpoints=True)
    # 4 signings: Feb, May, Aug, Oct — 1 亿 each
    for day in (D(2024, 2, 1), D(2024, 5, 1), D(2024, 8, 1), D(2024, 10, 1)):
        make(tree["a"], YI, [("signed", day)])
    target_set(actor=SYSTEM, indicator=count, unit=city, year=2024, value=4)
    target_set(actor=SYSTEM, indicator=amount, unit=city, year=2024, value=4 * YI)
    result = engine.completion(count, city, 2024, D(2024, 6, 30))
    assert (result.value, result.target, result.rate) == (2, Decimal(4), 0.5)
    assert result.pro_rata == pytest.approx(pro_rata(D(2024, 6, 30)))
    status = {
        k: engine.checkpoint_status(k, city, 2024, D(2024, 10, 31))
        for k in ("q1", "h1", "q3", "early")
    }
    # Q1: 25 % ≥ 序时 24.9 %; H1: 50 % (双过半, both count and amount); Q3: 75 % ≥ 74.9 %;
    # all four signed before the year's end: 提前完成
    assert status == {"q1": True, "h1": True, "q3": True, "early": True}
    assert engine.checkpoint_status("q3", city, 2024, D(2024, 9, 29)) is None  # not yet due
    # raise the amount target: the amount half falls short of 双过半, whatever the count says
    target_set(actor=SYSTEM, indicator=amount, unit=city, year=2024, value=5 * YI)
    assert engine.checkpoint_status("h1", city, 2024, D(2024, 10, 31)) is False
    assert engine.checkpoint_status("early", city, 2024, D(2024, 10, 31)) is False
    assert engine.checkpoint_status("q1", tree["b"], 2024, D(2024, 10, 31)) is None  # no targets


def test_reported_values_latest_and_roll_up(tree):
    ind = indicator_define(actor=SYSTEM, code="t_km", name="管网", kind="reported")
    reported_value_record(
        actor=SYSTEM, indicator=ind, unit=tree["a"], as_of=D(2024, 3, 31), value=10
    )
    reported_value_record(
        actor=SYSTEM, indicator=ind, unit=tree["a"], as_of=D(2024, 6, 30), value=25.5
    )
    reported_value_record(
        actor=SYSTEM, indicator=ind, unit=tree["b"], as_of=D(2024, 6, 30), value=4
    )
    assert engine.evaluate(ind, tree["a"], Period.year_to_date(2024, D(2024, 4, 30))) == 10
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2024)) == Decimal("29.5")
    reported_value_record(
        actor=SYSTEM, indicator=ind, unit=tree["city"], as_of=D(2024, 6, 30), value=30
    )
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2024)) == 30  # its own figure
    assert engine.evaluate(ind, tree["city"], Period.year_to_date(2025)) is None
    rate = indicator_define(
        actor=SYSTEM, code="t_km_rate", name="完成率", kind="completion", base_indicator=ind
    )
    target_set(actor=SYSTEM, indicator=ind, unit=tree["a"], year=2024, value=20)
    assert engine.evaluate(rate, tree["a"], Period.year_to_date(2024)) == Decimal("1.275")
    with pytest.raises(ValidationError):
        reported_value_record(
            actor=SYSTEM, indicator=define("t_c"), unit=tree["a"], as_of=D(2024, 1, 1), value=1
        )


def test_warning_lights(tree):
    campaign = Campaign.objects.create(year=2024, name="测试", root_unit=tree["city"])
    assert periods.campaign_for(tree["a"], 2024) == campaign
    as_of = D(2024, 6, 30)  # 序时进度 49.7 %
    paces = {"green": 45, "yellow": 30, "red": 10}  # % of the annual plan done
    made = {}
    for colour, pct in paces.items():
        p = make(tree["a"], 10 * YI, [("started", D(2024, 1, 10))], planned_investment=YI)
        progress_report_submit(  # a monthly project: its June report, the first it made
            actor=SYSTEM,
            project=p,
            period_start=D(2024, 6, 1),
            period_end=D(2024, 6, 30),
            investment_this_period=pct * YI // 100,
        )
        made[colour] = p
    stalled = make(tree["a"], YI, [("started", D(2023, 5, 1)), ("stalled", D(2024, 2, 1))])
    planned = make(tree["a"], YI, [])
    from gongjian.projects.models import Project

    lights = light_rules.warning_lights(Project.objects.in_subtree(tree["a"]), as_of, campaign)
    assert {c: lights[p.pk].color for c, p in made.items()} == {c: c for c in paces}
    assert lights[made["yellow"].pk].behind_points == pytest.approx(19.7, abs=0.1)
    assert lights[stalled.pk].color == "red"
    assert lights[planned.pk].color == ""
    # thresholds are configurable per campaign
    Campaign.objects.filter(pk=campaign.pk).update(yellow_points=25, red_points=45)
    campaign.refresh_from_db()
    lights = light_rules.warning_lights(Project.objects.in_subtree(tree["a"]), as_of, campaign)
    assert lights[made["yellow"].pk].color == "green"
    assert lights[made["red"].pk].color == "yellow"


def test_ranking_weights_targets_and_movement(tree):
    city, a, b = tree["city"], tree["a"], tree["b"]
    signed = define("t_rank_signed")
    amount = define("t_rank_amt", measure="sum", measure_field="total_investment")
    make(a, 4 * YI, [("signed", D(2024, 1, 10))])
    make(a, 4 * YI, [("signed", D(2024, 1, 20))])
    make(b, 2 * YI, [("signed", D(2024, 1, 15))])
    make(b, 9 * YI, [("signed", D(2024, 2, 15))])
    make(b, 1 * YI, [("signed", D(2024, 2, 20))])
    for unit, target in ((a, 2), (b, 6)):
        target_set(actor=SYSTEM, indicator=signed, unit=unit, year=2024, value=target)
    scheme = RankingScheme.objects.create(
        code="t-race",
        name="测试赛马",
        year=2024,
        parent_unit=city,
        unit_kinds=["district", "county"],
    )
    RankingItem.objects.create(scheme=scheme, indicator=signed, weight=60)
    RankingItem.objects.create(
        scheme=scheme, indicator=amount, weight=40, scoring=RankingItem.Scoring.RELATIVE
    )
    rows = engine.ranking(
        scheme,
        Period.year_to_date(2024, D(2024, 2, 29)),
        previous=Period.year_to_date(2024, D(2024, 1, 31)),
    )
    # 甲区: count 2/2 → 100; amount 8亿 vs best 12亿 → 66.67; 0.6*100 + 0.4*66.67 = 86.67
    # 乙县: count 3/6 → 50; amount 12亿 → 100; 0.6*50 + 0.4*100 = 70
    assert [(r.unit.name, r.score, r.rank) for r in rows] == [("甲区", 86.67, 1), ("乙县", 70.0, 2)]
    assert rows[0].parts["t_rank_amt"]["score"] == pytest.approx(66.67)
    # end of January: 甲区 2/2 → 100 and 8亿 best → 100; 乙县 1/6 and 2亿/8亿 → 0.6*16.67+0.4*25
    assert [r.previous_rank for r in rows] == [1, 2]
    assert [r.movement for r in rows] == [0, 0]


def test_ratio_indicator(tree):
    signed = define("t_ratio_signed")
    started = define("t_ratio_started", event="started")
    make(tree["a"], YI, [("signed", D(2024, 2, 1)), ("started", D(2024, 3, 1))])
    make(tree["a"], YI, [("signed", D(2024, 2, 1))])
    make(tree["a"], YI, [("signed", D(2024, 2, 1))])
    ratio = indicator_define(
        actor=SYSTEM,
        code="t_ratio",
        name="开工转化率",
        kind="ratio",
        base_indicator=started,
        denominator=signed,
    )
    ytd = Period.year_to_date(2024)
    assert engine.evaluate(ratio, tree["a"], ytd) == Decimal("0.3333")
    assert engine.evaluate(ratio, tree["b"], ytd) is None  # nothing signed: no rate
    with pytest.raises(ValidationError, match="分母"):
        indicator_define(
            actor=SYSTEM, code="t_ratio_bad", name="坏", kind="ratio", base_indicator=started
        )


def test_completion_by_month(tree):
    count = define("t_monthly")
    for day in (D(2024, 1, 15), D(2024, 3, 2), D(2024, 3, 20)):
        make(tree["a"], YI, [("signed", day)])
    values = engine.completion_by_month(count, tree["city"], 2024, D(2024, 3, 10), Decimal(4))
    assert values[:3] == [25.0, 25.0, 50.0]  # March counted to the 10th
    assert values[3:] == [None] * 9

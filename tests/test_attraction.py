"""招商引资: the lead → project link, indicators on small registries, pages and API scope."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongjian.attraction import selectors, services
from gongjian.attraction.models import Lead, LeadStage, Outreach
from gongjian.indicators.engine import completion, evaluate, evaluate_all, ratio_value
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects.models import Project, Stage, StageTransition
from gongjian.units.models import Unit

from .factories import (
    EnterpriseFactory,
    IndicatorFactory,
    LeadFactory,
    OutreachFactory,
    ProjectFactory,
    TargetFactory,
    build_city_world,
)

YI = 100_000_000


@pytest.fixture
def world(db):
    return build_city_world()


@pytest.fixture
def lead(world):
    firm = EnterpriseFactory(name="甲区新能源装备有限公司", unit=world.district_a)
    return LeadFactory(
        enterprise=firm,
        name="甲区储能装备产业园",
        unit=world.district_a,
        contacted_on=world.day(1, 10),
        next_step="对接用地需求",
        next_step_due=world.day(2, 1),
    )


def _walk(actor, lead, year):
    services.lead_transition(
        actor=actor, lead=lead, to_stage="negotiating", on_date=dt.date(year, 2, 1)
    )
    services.lead_transition(actor=actor, lead=lead, to_stage="signed", on_date=dt.date(year, 3, 5))
    services.lead_transition(actor=actor, lead=lead, to_stage="landed", on_date=dt.date(year, 4, 1))
    services.lead_transition(
        actor=actor, lead=lead, to_stage="started", on_date=dt.date(year, 5, 1)
    )
    services.lead_transition(
        actor=actor, lead=lead, to_stage="in_production", on_date=dt.date(year, 11, 1)
    )


# --- the lead → project link --------------------------------------------------------


def test_signing_creates_the_registry_project_and_keeps_one_history(world, lead):
    _walk(world.operator_a, lead, world.year)
    lead.refresh_from_db()
    project = lead.project
    assert project is not None
    assert project.name == "甲区储能装备产业园"
    assert project.unit == world.district_a
    assert project.total_investment == lead.intended_investment
    assert project.enterprise_name == "甲区新能源装备有限公司"
    assert project.stage == Stage.IN_PRODUCTION
    assert lead.current_stage == LeadStage.IN_PRODUCTION
    # 签约 is stored once: the project's history; the lead reads it from there
    assert lead.signed_on == project.signed_on == world.day(3, 5)
    assert not lead.transitions.filter(stage__in=["signed", "landed", "started"]).exists()
    history = services.lead_history(lead)
    assert [h["stage"] for h in history] == [
        "contact",
        "negotiating",
        "signed",
        "landed",
        "started",
        "in_production",
    ]
    # the project's history records who moved it
    assert project.history.first().history_user == world.operator_a


def test_lead_signing_date_follows_the_project(world, lead):
    """Correcting the project's signing date moves the lead's with it: nothing to disagree."""
    services.lead_transition(actor=SYSTEM, lead=lead, to_stage="signed", on_date=world.day(3, 5))
    lead.refresh_from_db()
    StageTransition.objects.filter(project=lead.project, stage="signed").update(
        occurred_on=world.day(3, 20)
    )
    project = Project.objects.get(pk=lead.project_id)
    signed = IndicatorFactory(registry="leads", event="signed")
    march = Period(world.day(3, 15), world.day(3, 31))
    assert evaluate(signed, world.city, march) == 1  # the event indicator reads the history
    assert Lead.objects.get(pk=lead.pk).project.signed_on == project.signed_on


def test_signing_links_an_existing_planned_project(world, lead):
    planned = ProjectFactory(unit=world.district_a, name="甲区已谋划项目")
    services.lead_transition(
        actor=world.operator_a,
        lead=lead,
        to_stage="signed",
        on_date=world.day(3, 1),
        project=planned,
    )
    planned.refresh_from_db()
    assert planned.stage == Stage.SIGNED and planned.signed_on == world.day(3, 1)
    assert Lead.objects.get(pk=lead.pk).project_id == planned.pk
    assert Project.objects.filter(unit=world.district_a).count() == 2  # no second project


def test_linking_an_already_signed_project_keeps_its_date(world, lead):
    services.lead_transition(
        actor=world.operator_a,
        lead=lead,
        to_stage="signed",
        on_date=world.day(6, 1),
        project=world.project_a,
    )
    lead.refresh_from_db()
    assert lead.signed_on == world.project_a.signed_on == world.day(3, 1)
    assert lead.current_stage == LeadStage.STARTED  # world.project_a is under construction


def test_a_project_links_to_one_lead_only(world, lead):
    other = LeadFactory(unit=world.district_a, enterprise=lead.enterprise, name="另一条线索")
    services.lead_transition(
        actor=SYSTEM, lead=lead, to_stage="signed", on_date=world.day(3, 1), project=world.project_a
    )
    with pytest.raises(ValidationError) as caught:
        services.lead_transition(
            actor=SYSTEM,
            lead=other,
            to_stage="signed",
            on_date=world.day(3, 2),
            project=world.project_a,
        )
    assert "已关联其他招商线索" in caught.value.messages[0]


def test_operator_cannot_link_another_districts_project(world, lead):
    with pytest.raises(ValidationError):
        services.lead_transition(
            actor=world.operator_a,
            lead=lead,
            to_stage="signed",
            on_date=world.day(3, 1),
            project=world.project_b,
        )
    world.project_b.refresh_from_db()
    assert Lead.objects.get(pk=lead.pk).project_id is None


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        ([("landed", (4, 1))], "尚未签约"),
        ([("negotiating", (2, 1)), ("contact", (2, 2))], "只能向前推进"),
        ([("negotiating", (1, 5))], "早于上一阶段"),
        ([("terminated", (3, 1))], "终止原因"),
    ],
)
def test_impossible_moves_are_refused(world, lead, moves, message):
    *ok, (stage, (month, day)) = moves
    for s, (m, d) in ok:
        services.lead_transition(actor=SYSTEM, lead=lead, to_stage=s, on_date=world.day(m, d))
    before = Lead.objects.get(pk=lead.pk).version
    with pytest.raises(ValidationError) as caught:
        services.lead_transition(
            actor=SYSTEM, lead=lead, to_stage=stage, on_date=world.day(month, day)
        )
    assert message in " ".join(caught.value.messages)
    assert Lead.objects.get(pk=lead.pk).version == before


def test_terminate_with_reason_and_not_after_signing(world, lead):
    services.lead_transition(
        actor=SYSTEM,
        lead=lead,
        to_stage="terminated",
        on_date=world.day(2, 1),
        reason="选址条件不满足",
    )
    lead.refresh_from_db()
    assert lead.current_stage == LeadStage.TERMINATED
    assert lead.terminated_reason == "选址条件不满足"
    with pytest.raises(ValidationError):
        services.lead_transition(
            actor=SYSTEM, lead=lead, to_stage="negotiating", on_date=world.day(2, 2)
        )
    signed = LeadFactory(unit=world.district_a, enterprise=lead.enterprise, name="已签约线索")
    services.lead_transition(actor=SYSTEM, lead=signed, to_stage="signed", on_date=world.day(3, 1))
    with pytest.raises(ValidationError) as caught:
        services.lead_transition(
            actor=SYSTEM, lead=signed, to_stage="terminated", on_date=world.day(4, 1), reason="x"
        )
    assert "项目清单" in caught.value.messages[0]


def test_other_district_cannot_move_a_lead(world, lead):
    with pytest.raises(PermissionDenied):
        services.lead_transition(
            actor=world.operator_b, lead=lead, to_stage="negotiating", on_date=world.day(2, 1)
        )
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.CONTACT


# --- indicators on small registries ---------------------------------------------------


def test_outreach_and_distinct_enterprises_contacted(world):
    a1 = EnterpriseFactory(unit=world.district_a)
    a2 = EnterpriseFactory(unit=world.district_a)
    b1 = EnterpriseFactory(unit=world.district_b)
    late = EnterpriseFactory(unit=world.district_b)
    OutreachFactory(unit=world.district_a, held_on=world.day(3, 1), enterprises=[a1, a2])
    OutreachFactory(unit=world.district_a, held_on=world.day(4, 1), enterprises=[a1, b1])
    OutreachFactory(unit=world.district_b, held_on=world.day(5, 1), enterprises=[b1])
    OutreachFactory(unit=world.district_b, held_on=world.day(11, 1), enterprises=[late])
    batches = IndicatorFactory(registry="outreach", event="held")
    contacted = IndicatorFactory(registry="enterprises", event="contacted")
    period = Period.year_to_date(world.year, world.day(10, 31))
    assert evaluate(batches, world.city, period) == 3
    assert evaluate(batches, world.district_a, period) == 2
    assert evaluate(contacted, world.city, period) == 3  # a1 met twice counts once; late not yet
    assert evaluate(contacted, world.district_b, period) == 1
    assert evaluate(contacted, world.city, Period.year_to_date(world.year)) == 4
    going_out = IndicatorFactory(registry="outreach", event="held", filters={"kind": "online"})
    assert evaluate(going_out, world.city, period) == 0


def test_lead_funnel_stage_counts_rates_and_amount(world, lead):
    other = LeadFactory(
        unit=world.district_b,
        enterprise=EnterpriseFactory(unit=world.district_b),
        contacted_on=world.day(2, 1),
        intended_investment=5 * YI,
    )
    third = LeadFactory(
        unit=world.district_b, enterprise=other.enterprise, contacted_on=world.day(2, 3)
    )
    _walk(SYSTEM, lead, world.year)
    services.lead_transition(actor=SYSTEM, lead=other, to_stage="signed", on_date=world.day(6, 1))
    services.lead_transition(
        actor=SYSTEM, lead=third, to_stage="negotiating", on_date=world.day(3, 1)
    )
    period = Period.year_to_date(world.year, world.day(10, 31))
    contacted = IndicatorFactory(registry="leads", event="contacted")
    signed = IndicatorFactory(registry="leads", event="signed")
    landed = IndicatorFactory(registry="leads", event="landed")
    produced = IndicatorFactory(registry="leads", event="in_production")
    amount = IndicatorFactory(
        registry="leads",
        event="signed",
        measure=Indicator.Measure.SUM,
        measure_field="project__total_investment",
    )
    rate = IndicatorFactory(
        kind=Indicator.Kind.RATIO,
        registry="",
        measure="",
        event="",
        base_indicator=signed,
        denominator=contacted,
    )
    assert evaluate(contacted, world.city, period) == 3
    assert evaluate(signed, world.city, period) == 2
    assert evaluate(landed, world.city, period) == 1
    assert evaluate(produced, world.city, period) == 0  # 投产 on 11-01
    assert evaluate(produced, world.city, Period.year_to_date(world.year)) == 1
    assert evaluate(amount, world.city, period) == 3 * YI + 5 * YI
    assert evaluate(amount, world.district_b, period) == 5 * YI
    assert evaluate(rate, world.city, period) == Decimal("0.6667")

    def at(stage):
        return IndicatorFactory(
            registry="leads", period_mode="none", event="", filters={"stage": stage}
        )

    assert evaluate(at("negotiating"), world.city, period) == 1
    assert evaluate(at("signed"), world.city, period) == 1  # `other`, via its project
    assert evaluate(at("in_production"), world.city, period) == 1
    assert evaluate(at(["signed", "in_production"]), world.district_a, period) == 1


def test_tier_counts_against_matrix_targets(world):
    EnterpriseFactory(unit=world.district_a, revenues={world.year - 1: 120 * YI})
    EnterpriseFactory(unit=world.district_b, revenues={world.year - 1: 150 * YI})
    EnterpriseFactory(unit=world.district_b, revenues={world.year - 1: 20 * YI})
    tier = IndicatorFactory(
        registry="enterprises", period_mode="none", event="", filters={"tier": "ge_10bn"}
    )
    TargetFactory(indicator=tier, unit=world.city, year=world.year, value=10)
    result = completion(tier, world.city, world.year, world.day(10, 31))
    assert (result.value, result.target, result.rate) == (2, Decimal(10), 0.2)
    assert evaluate(tier, world.district_a, Period.year_to_date(world.year)) == 1


def test_unknown_lead_filter_is_refused_in_chinese(world):
    with pytest.raises(ValidationError) as caught:
        IndicatorFactory(registry="leads", event="signed", filters={"colour": "red"})
    assert "未知的筛选条件" in caught.value.messages[0]


# --- conversion rates over one cohort, the funnel of one cohort ----------------------


def _lead_indicators() -> dict[str, Indicator]:
    """The lead indicators as the demo defines them: the yearly counts (the demo's
    indicator file), the cohort counts and the rates (``gongjian.demo.attraction``)."""
    from gongjian.demo.attraction import COHORTS, RATIOS

    out = {}
    for code, event in [
        ("leads_contacted", "contacted"),
        ("leads_signed", "signed"),
        ("leads_landed", "landed"),
        ("leads_started", "started"),
    ]:
        out[code] = IndicatorFactory(code=code, name=code, registry="leads", event=event)
    for code, name, event, quote in COHORTS:
        out[code] = IndicatorFactory(
            code=code, name=name, registry="leads", event=event, quote=quote
        )
    for code, name, numerator, denominator, quote in RATIOS:
        out[code] = IndicatorFactory(
            code=code,
            name=name,
            kind=Indicator.Kind.RATIO,
            registry="",
            measure="",
            event="",
            base_indicator=out[numerator],
            denominator=out[denominator],
            quote=quote,
        )
    return out


def _lead_moved(world, contacted_on, *moves, unit=None):
    """A new lead contacted on ``contacted_on``, then moved ((stage, date), …)."""
    unit = unit or world.district_a
    lead = LeadFactory(
        unit=unit, enterprise=EnterpriseFactory(unit=unit), contacted_on=contacted_on
    )
    for stage, day in moves:
        services.lead_transition(actor=SYSTEM, lead=lead, to_stage=stage, on_date=day)
    return lead


def test_landing_rate_counts_the_leads_signed_in_the_year(world):
    year, last = world.year, world.year - 1
    for _ in range(3):  # signed last year, landed this year
        _lead_moved(
            world,
            dt.date(last, 2, 1),
            ("signed", dt.date(last, 6, 1)),
            ("landed", world.day(3, 1)),
        )
    _lead_moved(world, world.day(1, 5), ("signed", world.day(2, 1)), ("landed", world.day(5, 1)))
    _lead_moved(world, world.day(1, 5), ("signed", world.day(4, 1)))
    indicators = _lead_indicators()
    period = Period.year_to_date(year, world.day(10, 31))

    def value(code, period=period, unit=world.city):
        return evaluate(indicators[code], unit, period)

    assert (value("leads_signed"), value("leads_landed")) == (2, 4)
    assert value("lead_cohort.signed_landed") == 1
    assert value("lead_conversion.landed") == Decimal("0.5")
    # the year's landings over its signings — the old definition — would say 200 %
    assert ratio_value(value("leads_landed"), value("leads_signed")) == 2
    # as of a date before the 05-01 landing, none of the year's signings had landed
    assert value("lead_conversion.landed", Period.year_to_date(year, world.day(4, 30))) == 0
    # last year's signings as of last year's end: none landed yet; signed since then: 4 of 5
    assert value("lead_conversion.landed", Period.year_to_date(last)) == 0
    since_last_year = Period(dt.date(last, 1, 1), world.day(10, 31))
    assert value("lead_conversion.landed", since_last_year) == Decimal("0.8")
    assert value("lead_conversion.landed", unit=world.district_b) is None  # no signings

    # a project that skips 落地 (签约 → 开工) has landed for the rate, not in the year's count
    _lead_moved(world, world.day(1, 5), ("signed", world.day(3, 1)), ("started", world.day(6, 1)))
    assert (value("leads_signed"), value("leads_landed")) == (3, 4)
    assert value("lead_conversion.landed") == Decimal("0.6667")
    # 开工率: of the 4 landed this year, how many started — none yet
    assert value("lead_cohort.landed_started") == 0
    assert value("lead_conversion.started") == 0


def test_signing_rate_counts_the_leads_contacted_in_the_year(world):
    last = world.year - 1
    _lead_moved(world, world.day(1, 5), ("signed", world.day(3, 1)))
    _lead_moved(world, world.day(2, 5), ("negotiating", world.day(3, 1)))
    _lead_moved(world, world.day(9, 5))
    _lead_moved(world, world.day(9, 6), ("signed", world.day(11, 20)))  # after the as-of date
    for _ in range(4):  # contacted last year, signed this year: in the year's signings only
        _lead_moved(world, dt.date(last, 11, 1), ("signed", world.day(2, 1)))
    indicators = _lead_indicators()
    period = Period.year_to_date(world.year, world.day(10, 31))
    rate = indicators["lead_conversion.signed"]
    assert evaluate(indicators["leads_contacted"], world.city, period) == 4
    assert evaluate(indicators["leads_signed"], world.city, period) == 5
    assert evaluate(rate, world.city, period) == Decimal("0.25")
    assert evaluate(rate, world.city, Period.year_to_date(world.year)) == Decimal("0.5")


def test_funnel_is_one_cohort_and_never_widens(world):
    year, last = world.year, world.year - 1
    day = world.day
    _lead_moved(
        world,
        day(1, 5),
        ("signed", day(2, 1)),
        ("landed", day(3, 1)),
        ("started", day(4, 1)),
        ("in_production", day(12, 1)),  # after the as-of date
    )
    _lead_moved(world, day(1, 6), ("signed", day(2, 1)), ("started", day(6, 1)))  # skips 落地
    _lead_moved(world, day(1, 7), ("signed", day(9, 1)), unit=world.district_b)
    _lead_moved(world, day(1, 8), unit=world.district_b)
    for _ in range(3):  # contacted and signed last year, landed and started this year
        _lead_moved(
            world,
            dt.date(last, 2, 1),
            ("signed", dt.date(last, 6, 1)),
            ("landed", day(3, 1)),
            ("started", day(5, 1)),
        )
    indicators = _lead_indicators()
    as_of = day(10, 31)
    period = Period.year_to_date(year, as_of)
    # the year's counts are of different leads: more landings than signings
    assert evaluate(indicators["leads_signed"], world.city, period) == 3
    assert evaluate(indicators["leads_landed"], world.city, period) == 4

    view = selectors.funnel(world.city, year, as_of)
    assert [(str(s["name"]), s["value"]) for s in view.steps] == [
        ("接洽", 4),
        ("签约", 3),
        ("落地", 2),  # the skipping project is past 落地
        ("开工", 2),
        ("投产", 0),
    ]
    assert [s["value"] for s in selectors.funnel(world.district_b, year, as_of).steps] == [
        2,
        1,
        0,
        0,
        0,
    ]
    assert [s["value"] for s in selectors.funnel(world.city, year, day(12, 31)).steps] == [
        4,
        3,
        2,
        2,
        1,
    ]
    rates = {indicator.code: value for indicator, value in view.rates}
    assert rates == {
        "lead_conversion.signed": Decimal("0.75"),  # 3 of the 4 contacted
        "lead_conversion.landed": Decimal("0.6667"),  # 2 of the 3 signed this year
        "lead_conversion.started": Decimal("1.0000"),  # the 4 landed this year all started
    }


def test_demo_conversion_rates_stay_within_100_percent_and_the_funnel_narrows(demo):
    as_of = dt.date(2024, 10, 31)
    period = Period.year_to_date(2024, as_of)
    rates = {
        code: value
        for code, value in evaluate_all(demo, period).items()
        if code.startswith("lead_conversion.")
    }
    assert set(rates) == set(selectors.RATES)
    assert all(Decimal(0) < value <= 1 for value in rates.values()), rates
    landed = Indicator.objects.get(code="lead_conversion.landed")
    assert landed.base_indicator.code == "lead_cohort.signed_landed"
    assert landed.denominator.code == "leads_signed"
    assert "期间内签约" in landed.quote
    for unit in [demo, *Unit.objects.filter(parent=demo)]:
        view = selectors.funnel(unit, 2024, as_of)
        values = [step["value"] for step in view.steps]
        assert len(values) == 5
        assert values == sorted(values, reverse=True), (unit.name, values)
        for _indicator, value in view.rates:
            assert value is None or 0 <= value <= 1, (unit.name, view.rates)
    city = [step["value"] for step in selectors.funnel(demo, 2024, as_of).steps]
    assert city[0] > city[1] > city[2] > 0


# --- pages: a unit operator walks a lead from 接洽 to 投产 -------------------------------


def test_operator_walks_a_lead_on_the_pages(client, world, lead):
    client.force_login(world.operator_a)
    url = f"/attraction/leads/{lead.pk}/"
    assert client.get(url).status_code == 200
    steps = [
        ("negotiating", (2, 1)),
        ("signed", (3, 5)),
        ("landed", (4, 1)),
        ("started", (5, 1)),
        ("in_production", (11, 1)),
    ]
    for stage, (m, d) in steps:
        response = client.post(
            f"{url}transition/",
            {"stage": stage, "occurred_on": world.day(m, d).isoformat(), "note": "推进"},
        )
        assert response.status_code == 302, response.content.decode()
        page = client.get(url).content.decode()
        assert f'data-stage="{stage}"' in page
    lead.refresh_from_db()
    assert lead.project.stage == Stage.IN_PRODUCTION
    assert lead.project.signed_on == world.day(3, 5)
    assert "签约日期" in page and str(world.day(3, 5)) in page


def test_page_shows_a_refused_move_in_chinese_and_changes_nothing(client, world, lead):
    client.force_login(world.operator_a)
    response = client.post(
        f"/attraction/leads/{lead.pk}/transition/",
        {"stage": "landed", "occurred_on": world.day(4, 1).isoformat()},
    )
    assert response.status_code == 422
    assert "尚未签约" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).version == lead.version


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("operator_b", 404, 404),
        ("viewer_a", 200, 403),
        ("operator_a", 200, 302),
        ("office", 200, 302),
    ],
)
def test_lead_page_permission_matrix(client, world, lead, who, get_status, post_status):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    assert client.get(f"/attraction/leads/{lead.pk}/").status_code == get_status
    response = client.post(
        f"/attraction/leads/{lead.pk}/transition/",
        {"stage": "negotiating", "occurred_on": world.day(2, 1).isoformat()},
    )
    assert response.status_code == post_status
    expected = (
        LeadStage.NEGOTIATING if post_status == 302 and who != "anonymous" else LeadStage.CONTACT
    )
    assert Lead.objects.get(pk=lead.pk).stage == expected


def test_lead_board_is_scoped_and_flags_overdue_next_steps(client, world, lead):
    LeadFactory(
        unit=world.district_b,
        enterprise=EnterpriseFactory(unit=world.district_b),
        name="乙区保密线索",
    )
    client.force_login(world.operator_a)
    page = client.get("/attraction/leads/").content.decode()
    assert "甲区储能装备产业园" in page and "乙区保密线索" not in page
    assert 'class="overdue"' in page  # next step due 02-01, long past
    assert client.get(f"/attraction/leads/?unit={world.district_b.pk}").status_code == 404


def test_funnel_page_has_the_chart_and_engine_figures(client, world, lead):
    indicators = _lead_indicators()
    if not Indicator.objects.filter(code="outreach_batches").exists():
        IndicatorFactory(code="outreach_batches", registry="outreach", event="held")
    services.lead_transition(actor=SYSTEM, lead=lead, to_stage="signed", on_date=world.day(3, 1))
    new_year = dt.date(timezone.localdate().year, 1, 1)  # the page shows this year
    _lead_moved(world, new_year, ("signed", new_year))
    client.force_login(world.operator_a)
    response = client.get("/attraction/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="funnel-chart"' in page
    assert 'src="/static/attraction/funnel.js"' in page
    start = page.index('<script id="funnel-data" type="application/json">') + len(
        '<script id="funnel-data" type="application/json">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    period = Period.year_to_date(response.context["view"].year, response.context["view"].as_of)
    expected = evaluate(indicators["lead_cohort.contacted_signed"], world.district_a, period)
    assert expected == 1
    assert {"name": "签约", "value": expected} in data
    assert 'id="funnel-cohort"' in page
    assert indicators["lead_conversion.landed"].quote in page  # the rate's 口径 is shown
    assert "<script>" not in page  # no inline script code


def test_outreach_pages_are_scoped(client, world):
    OutreachFactory(unit=world.district_a, title="甲区赴深圳招商", held_on=world.day(6, 3))
    OutreachFactory(unit=world.district_b, title="乙区线上招商", held_on=world.day(6, 4))
    client.force_login(world.operator_a)
    page = client.get("/attraction/outreach/").content.decode()
    assert "甲区赴深圳招商" in page and "乙区线上招商" not in page
    calendar = client.get(f"/attraction/outreach/calendar/?month={world.year}-06").content.decode()
    assert "甲区赴深圳招商" in calendar and "乙区线上招商" not in calendar


def test_outreach_created_on_the_page(client, world):
    firm = EnterpriseFactory(unit=world.district_a, name="甲区对接企业有限公司")
    client.force_login(world.operator_a)
    response = client.post(
        "/attraction/outreach/new/",
        {
            "held_on": world.day(7, 1).isoformat(),
            "kind": "inviting_in",
            "theme": "biomedicine",
            "title": "生物医药企业来锦考察",
            "unit": world.district_a.pk,
            "enterprises": "甲区对接企业有限公司\n",
        },
    )
    assert response.status_code == 302
    outreach = Outreach.objects.get(title="生物医药企业来锦考察")
    assert list(outreach.enterprises.all()) == [firm]
    # another district's unit is not offered, and a forged post is refused
    client.force_login(world.operator_b)
    response = client.post(
        "/attraction/outreach/new/",
        {
            "held_on": world.day(7, 2).isoformat(),
            "kind": "online",
            "theme": "other",
            "title": "越权活动",
            "unit": world.district_a.pk,
        },
    )
    assert response.status_code == 200
    assert not Outreach.objects.filter(title="越权活动").exists()


# --- API ---------------------------------------------------------------------------


def test_api_lead_walk_and_scope(client, world, lead):
    client.force_login(world.operator_b)
    assert client.get(f"/api/leads/{lead.pk}").status_code == 404
    denied = client.post(
        f"/api/leads/{lead.pk}/transitions",
        {"stage": "negotiating", "occurred_on": world.day(2, 1).isoformat()},
        content_type="application/json",
    )
    assert denied.status_code == 404
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.CONTACT
    client.force_login(world.operator_a)
    ok = client.post(
        f"/api/leads/{lead.pk}/transitions",
        {"stage": "signed", "occurred_on": world.day(3, 1).isoformat()},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["stage"] == "signed"
    assert body["signed_on"] == world.day(3, 1).isoformat()
    assert [h["stage"] for h in body["history"]] == ["contact", "signed"]
    bad = client.post(
        f"/api/leads/{lead.pk}/transitions",
        {"stage": "terminated", "occurred_on": world.day(4, 1).isoformat(), "reason": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    listed = client.get("/api/leads").json()
    assert [row["id"] for row in listed["items"]] == [lead.pk]


def test_api_outreach_create_refuses_other_units_enterprises(client, world):
    other = EnterpriseFactory(unit=world.district_b)
    client.force_login(world.operator_a)
    response = client.post(
        "/api/outreach",
        {
            "held_on": world.day(5, 5).isoformat(),
            "kind": "going_out",
            "theme": "electronics",
            "title": "赴深圳电子信息招商",
            "unit_id": world.district_a.pk,
            "enterprise_ids": [other.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not Outreach.objects.filter(title="赴深圳电子信息招商").exists()


def test_history_records_who_moved_a_lead(world, lead):
    services.lead_transition(
        actor=world.operator_a, lead=lead, to_stage="negotiating", on_date=world.day(2, 1)
    )
    record = Lead.objects.get(pk=lead.pk).history.first()
    assert record.history_user == world.operator_a
    assert record.stage == "negotiating" and record.prev_record.stage == "contact"


# --- the demo ------------------------------------------------------------------------


def test_demo_signed_projects_are_linked_to_leads(demo):
    signed = Project.objects.filter(
        unit__path__startswith=demo.path, transitions__stage="signed"
    ).distinct()
    assert signed.count() > 0
    assert not signed.filter(lead__isnull=True).exists()
    for lead in Lead.objects.filter(project__isnull=False).select_related("project")[:200]:
        assert lead.signed_on == lead.project.signed_on
        assert lead.contacted_on < lead.signed_on


def test_demo_matrix_targets_are_loaded(demo):
    import yaml

    from gongjian.demo.loader import FACTS_FILE

    facts = {f["id"]: f for f in yaml.safe_load(FACTS_FILE.read_text("utf-8"))["facts"]}
    goals = facts["matrix_21152"]["value"]
    for key, value in goals.items():
        indicator = Indicator.objects.get(code=f"matrix_21152.{key}")
        assert indicator.targets.get(unit=demo, year=2024).value == value
    tier = Indicator.objects.get(code="matrix_21152.enterprises_ge_10bn")
    assert tier.registry == "enterprises" and tier.filters == {"tier": "ge_10bn"}
    assert evaluate(tier, demo, Period.year_to_date(2024, dt.date(2024, 10, 31))) > 0


def test_list_pages_query_counts_do_not_grow_with_rows(
    client, world, django_assert_max_num_queries
):
    firm = EnterpriseFactory(unit=world.district_a)
    for i in range(3):
        LeadFactory(unit=world.district_a, enterprise=firm, name=f"计数线索{i}")
        OutreachFactory(unit=world.district_a, enterprises=[firm], held_on=world.day(6, i + 1))
    client.force_login(world.operator_a)
    with django_assert_max_num_queries(25):
        assert client.get("/attraction/leads/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/attraction/outreach/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/enterprises/").status_code == 200
    for i in range(3, 12):
        LeadFactory(unit=world.district_a, enterprise=firm, name=f"计数线索{i}")
        OutreachFactory(unit=world.district_a, enterprises=[firm], held_on=world.day(7, i))
    with django_assert_max_num_queries(25):
        assert client.get("/attraction/leads/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/attraction/outreach/").status_code == 200

"""Demo data for the working mechanisms: 双高 cadence rules, 提级 routing, a closed 拉练.

Nothing here changes a figure the facts file states: cadence rules only add
report obligations (weekly 双高 dispatch starts with the 2025 双高 list), and the
tour's results live in their own registry (``tour_results``).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from gongjian.indicators.models import Indicator
from gongjian.indicators.services import indicator_define
from gongjian.kit.scope import SYSTEM
from gongjian.projects.models import CadenceRule, EscalationRule, Project, Stage, Tag
from gongjian.projects.services import escalation_rule_set_routing, report_obligations_sync
from gongjian.units.models import Unit, User

TOUR_NAME = "2024年第三季度重点项目建设拉练"
FORM_NAME = "锦州重点项目拉练评分表"
TOUR_INDICATOR = "inspections.tour_score"
CADENCE_PREFIX = "锦州:"
PANEL = ["wang_min", "liu_yang", "chen_jing"]


def load_mechanisms(loader) -> None:
    from gongjian.inspections import services as tours

    office = loader.office
    tags = {t.slug: t for t in Tag.objects.filter(slug__in=["shuanggao", "escalated"])}
    CadenceRule.objects.create(
        name=f"{CADENCE_PREFIX}双高项目每周调度",
        cadence="weekly",
        unit=loader.city,
        tag=tags["shuanggao"],
        priority=1,
        valid_from=dt.date(2025, 1, 1),
    )
    CadenceRule.objects.create(
        name=f"{CADENCE_PREFIX}签约待建项目每季度调度",
        cadence="quarterly",
        unit=loader.city,
        stage=Stage.SIGNED,
        priority=5,
    )
    rule = EscalationRule.objects.filter(name__startswith="锦州").first()
    if rule is not None:
        escalation_rule_set_routing(
            actor=SYSTEM,
            rule=rule,
            leader=User.objects.get(username="li_qiang"),
            department=Unit.objects.filter(name="市发展和改革委员会").first(),
        )
    as_of = loader.campaign.reporting_date or dt.date(2024, 12, 31)
    report_obligations_sync(year=2024, through=as_of)

    # a closed 拉练: each county-level unit shows a project started this year and one in
    # production this year (or else one resumed)
    form = tours.score_form_create(
        actor=office,
        name=FORM_NAME,
        description="项目推进、投资强度、建设质量、要素保障四项,满分 100 分",
        criteria_text="项目推进,35,10\n投资强度,30,10\n建设质量,20,10\n要素保障,15,10",
    )
    panel = list(User.objects.filter(username__in=PANEL).order_by("username"))
    tour = tours.tour_create(
        actor=office,
        name=TOUR_NAME,
        year=2024,
        quarter=3,
        starts_on=dt.date(2024, 9, 18),
        ends_on=dt.date(2024, 9, 20),
        form=form,
        route="凌海市 → 北镇市 → 黑山县 → 义县 → 太和区 → 古塔区 → 凌河区 → 锦州经济技术开发区",
        panel=panel,
    )
    for unit in loader.by_code.values():
        projects = Project.objects.filter(unit=unit).order_by("-total_investment", "code")
        started = projects.filter(
            started_on__year=2024, started_on__lte=dt.date(2024, 9, 1), stage=Stage.STARTED
        ).first()
        produced = projects.filter(
            in_production_on__year=2024, in_production_on__lte=dt.date(2024, 9, 20)
        ).first()
        resumed = projects.filter(resumed_on__year=2024, stage=Stage.RESUMED).first()
        if started:
            tours.stop_add(actor=office, tour=tour, project=started, kind="new_start")
        if produced:
            tours.stop_add(actor=office, tour=tour, project=produced, kind="new_production")
        elif resumed:
            tours.stop_add(actor=office, tour=tour, project=resumed, kind="under_way")
    tours.tour_start_scoring(actor=office, tour=tour)
    rng = random.Random(2024_09_20)
    criteria = list(form.criteria.all())
    for stop in tour.stops.order_by("visit_order"):
        for member in panel:
            values = {c.pk: Decimal(rng.randint(12, 20)) / 2 for c in criteria}
            tours.sheet_save(actor=member, stop=stop, values=values, submit=True)
    tours.tour_close(actor=office, tour=tour)
    # a unit's tour score over the year: the mean of its tours' scores weighted by the
    # tours' weights (never their sum), in points
    tour_indicator(code=TOUR_INDICATOR)


def tour_indicator(*, code: str, name: str = "拉练得分", is_active: bool = False) -> Indicator:
    """The weighted-mean tour score indicator (a ratio of two sums over ``tour_results``,
    see ``inspections.registries``) and its two terms, ``<code>.weighted`` and
    ``<code>.weight``."""
    from gongjian.inspections.registries import WEIGHT, WEIGHTED_SCORE

    terms = {}
    for suffix, field, label in (
        ("weighted", WEIGHTED_SCORE, "拉练得分×权重"),
        ("weight", WEIGHT, "拉练权重×100"),
    ):
        terms[suffix] = indicator_define(
            actor=SYSTEM,
            code=f"{code}.{suffix}",
            name=f"{name}({label})",
            kind=Indicator.Kind.COMPUTED,
            registry="tour_results",
            measure=Indicator.Measure.SUM,
            measure_field=field,
            period_mode=Indicator.PeriodMode.EVENT,
            event="held",
            is_active=False,
        )
    return indicator_define(
        actor=SYSTEM,
        code=code,
        name=name,
        kind=Indicator.Kind.RATIO,
        base_indicator=terms["weighted"],
        denominator=terms["weight"],
        display_unit="分",
        quote="各单位年内各次拉练得分按拉练权重的加权平均,可加入赛马方案",
        is_active=is_active,
    )


def remove_mechanisms(units) -> None:
    from gongjian.inspections.models import ScoreForm, Tour

    Tour.objects.filter(name=TOUR_NAME).delete()
    Tour.objects.filter(stops__project__unit__in=units).delete()
    Tour.objects.filter(unit__in=units).delete()  # also those the office added since
    ScoreForm.objects.filter(name=FORM_NAME).delete()
    CadenceRule.objects.filter(name__startswith=CADENCE_PREFIX).delete()
    Indicator.objects.filter(code=TOUR_INDICATOR).delete()
    Indicator.objects.filter(code__startswith=f"{TOUR_INDICATOR}.").delete()

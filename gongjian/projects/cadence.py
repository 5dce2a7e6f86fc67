"""双高 cadence: which projects report, how often, and for which periods (reads only).

The dispatch pages stay month-based: for a month, a weekly project owes a report
for every week (Monday–Sunday) whose Sunday falls in the month, a monthly one for
the month, a quarterly one for the quarter — only in the quarter's last month.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, In

from gongjian.kit.dates import Period

from .models import Cadence, CadenceRule, ProgressReport, Project, Stage

DEFAULT = Cadence.MONTHLY
UNDER_CONSTRUCTION = (Stage.STARTED, Stage.RESUMED)


def active_rules(month: Period | None = None) -> list[CadenceRule]:
    """Active rules, in priority order; with ``month``, those in force by its end. A rule
    applies to the projects of its unit's subtree (its city)."""
    qs = (
        CadenceRule.objects.filter(is_active=True).select_related("unit").order_by("priority", "pk")
    )
    if month is not None:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=month.end))
    return list(qs)


def _rule_q(rule: CadenceRule) -> Q:
    cond = Q(unit__path__startswith=rule.unit.path) if rule.unit_id else Q()
    if rule.tag_id:
        through = Project.tags.through
        cond &= Q(Exists(through.objects.filter(project_id=OuterRef("pk"), tag_id=rule.tag_id)))
    if rule.stage:
        cond &= Q(stage=rule.stage)
    return cond


def cadence_expression(rules: list[CadenceRule]):
    """SQL for each project's cadence: the first matching rule, else monthly."""
    whens = [When(_rule_q(r), then=Value(r.cadence)) for r in rules]
    if not whens:
        return Value(DEFAULT, output_field=CharField())
    return Case(*whens, default=Value(DEFAULT), output_field=CharField())


def cadence_of(
    project: Project, month: Period | None = None, rules: list[CadenceRule] | None = None
) -> str:
    rules = active_rules(month) if rules is None else rules
    tag_ids = set(project.tags.values_list("pk", flat=True))
    path = project.unit.path
    for r in rules:
        if r.unit_id and not path.startswith(r.unit.path):
            continue  # another city's rule
        if (r.tag_id is None or r.tag_id in tag_ids) and (not r.stage or r.stage == project.stage):
            return r.cadence
    return DEFAULT


def week_periods(month: Period) -> list[Period]:
    """Weeks (Monday–Sunday) whose Sunday falls in ``month``."""
    first_sunday = month.start + dt.timedelta(days=(6 - month.start.weekday()) % 7)
    weeks = []
    sunday = first_sunday
    while sunday <= month.end:
        monday = sunday - dt.timedelta(days=6)
        weeks.append(Period(monday, sunday, f"{monday:%m月%d日}–{sunday:%m月%d日}"))
        sunday += dt.timedelta(days=7)
    return weeks


def quarter_of(month: Period) -> Period:
    return Period.quarter(month.start.year, (month.start.month - 1) // 3 + 1)


def is_quarter_end(month: Period) -> bool:
    return month.start.month % 3 == 0


def due_periods(cadence: str, month: Period) -> list[Period]:
    """The periods a project of ``cadence`` owes a report for, within ``month``."""
    if cadence == Cadence.WEEKLY:
        return week_periods(month)
    if cadence == Cadence.QUARTERLY:
        return [quarter_of(month)] if is_quarter_end(month) else []
    return [month]


def on_dispatch_list_q(month: Period, rules: list[CadenceRule]) -> Q:
    """Projects that report at all in ``month``: under construction by its end, or at a
    stage a cadence rule names (e.g. 谋划 projects quarterly)."""
    building = Q(stage__in=UNDER_CONSTRUCTION) & (
        Q(started_on__lte=month.end) | Q(resumed_on__lte=month.end)
    )
    stages = {r.stage for r in rules if r.stage and r.stage not in UNDER_CONSTRUCTION}
    if stages:
        building |= Q(stage__in=stages)
    return building


def rows_owed_for(model, month: Period, cadence) -> Case:
    """How many rows of ``model`` (reports, obligations: a ``project`` and a
    ``period_start``) a project has for the periods its ``cadence`` (an expression over
    the project row) owes in ``month``: each week's, the quarter's or the month's."""

    def count(starts) -> Coalesce:
        return Coalesce(
            Subquery(
                model.objects.filter(project=OuterRef("pk"), period_start__in=starts)
                .values("project")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    weeks = [w.start for w in week_periods(month)]
    return Case(
        When(Exact(cadence, Cadence.WEEKLY), then=count(weeks) if weeks else Value(0)),
        When(Exact(cadence, Cadence.QUARTERLY), then=count([quarter_of(month).start])),
        default=count([month.start]),
        output_field=IntegerField(),
    )


class _Owing:
    """The SQL of what projects owe in ``month``: which are on the dispatch list, their
    cadence, the reports they owe and the reports they sent — expressions over a project
    row, for annotations (``with_cadence``) or a row's own condition (``owing``)."""

    def __init__(self, month: Period) -> None:
        rules = active_rules(month)
        weeks = [w.start for w in week_periods(month)]
        self.listed = on_dispatch_list_q(month, rules)
        self.cadence = cadence_expression(rules)
        # the cadences owing nothing this month
        self.idle = [
            *([] if is_quarter_end(month) else [Cadence.QUARTERLY]),
            *([] if weeks else [Cadence.WEEKLY]),
        ]

        self.due_count = Case(
            When(Exact(self.cadence, Cadence.WEEKLY), then=Value(len(weeks))),
            default=Value(1),
            output_field=IntegerField(),
        )
        self.reported_count = rows_owed_for(ProgressReport, month, self.cadence)

    def due(self) -> Q:
        return self.listed & ~Q(In(self.cadence, self.idle)) if self.idle else self.listed


def owing(month: Period, *, reported: bool = False) -> Q:
    """A project row's own condition: it owes reports in ``month``; with ``reported``, it
    sent them all (the rows ``with_cadence`` keeps, and those it marks ``reported``)."""
    owing = _Owing(month)
    due = owing.due()
    if reported:
        due &= Q(GreaterThanOrEqual(owing.reported_count, owing.due_count))
    return due


def with_cadence(qs: QuerySet[Project], month: Period) -> QuerySet:
    """Annotate ``cadence``, ``due_count`` (reports owed in the month), ``reported_count``
    and ``reported`` (all owed reports are in); drop projects owing nothing this month."""
    owing = _Owing(month)
    return (
        qs.filter(owing.due())
        .annotate(
            cadence=owing.cadence,
            due_count=owing.due_count,
            reported_count=owing.reported_count,
        )
        .annotate(
            reported=Case(
                When(reported_count__gte=F("due_count"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def next_period(project: Project, month: Period, chosen: dt.date | None = None) -> Period:
    """The period a report form for ``project`` in ``month`` is for: the chosen week, else
    the first week not yet reported (weekly); the quarter (quarterly); else the month."""
    cadence = cadence_of(project, month)
    if cadence == Cadence.QUARTERLY:
        return quarter_of(month)
    if cadence != Cadence.WEEKLY:
        return month
    weeks = week_periods(month)
    if chosen is not None:
        for w in weeks:
            if w.start == chosen:
                return w
    done = set(
        ProgressReport.objects.filter(
            project=project, period_start__in=[w.start for w in weeks]
        ).values_list("period_start", flat=True)
    )
    return next((w for w in weeks if w.start not in done), weeks[-1] if weeks else month)


def check_period(project: Project, start: dt.date, end: dt.date) -> None:
    """Refuse a report period ``project`` does not owe under its 双高 cadence: a weekly
    project reports weeks (Monday–Sunday), a monthly one calendar months, a quarterly one
    quarters — judged in the month the period ends in."""
    from django.core.exceptions import ValidationError

    month = Period.month(end.year, end.month)
    cadence = cadence_of(project, month)
    owed = due_periods(cadence, month)
    if any(p.start == start and p.end == end for p in owed):
        return
    shape = {
        Cadence.WEEKLY: "周一至周日的一周",
        Cadence.MONTHLY: "一个自然月",
        Cadence.QUARTERLY: "一个季度",
    }[Cadence(cadence)]
    raise ValidationError(
        {
            "period_start": f"项目“{project.name}”按{Cadence(cadence).label}调度,报告期间须为"
            f"{shape},{start}至{end}不是"
        }
    )

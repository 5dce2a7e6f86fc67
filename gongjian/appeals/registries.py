"""Appeals as the indicator engine sees them (``RegistrySpec``).

Every event is about the appeals *received* in the period, so that a rate's numerator
and denominator count the same appeals: 办结率 = ``closed`` ÷ ``received`` (closed by the
period's end), on-time rate = ``closed_on_time`` ÷ ``received``, satisfaction =
``satisfied`` ÷ ``closed`` (an appeal is closed only after its visit), reopen rate = ``reopened`` ÷ ``closed``.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet

from gongjian.indicators.registries import FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def appeal_registry() -> RegistrySpec:
    from .models import Appeal, AppealStep, Satisfaction

    def received(qs: QuerySet, period: Period) -> QuerySet:
        return qs.filter(received_on__gte=period.start, received_on__lte=period.end)

    def closed(qs: QuerySet, period: Period) -> QuerySet:
        return received(qs, period).filter(closed_on__lte=period.end)

    def closed_on_time(qs: QuerySet, period: Period) -> QuerySet:
        return closed(qs, period).filter(closed_on__lte=F("due_on"))

    def visited(qs: QuerySet, period: Period) -> QuerySet:
        return closed(qs, period).exclude(satisfaction="")

    def satisfied(qs: QuerySet, period: Period) -> QuerySet:
        return closed(qs, period).filter(
            satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]
        )

    def reopened(qs: QuerySet, period: Period) -> QuerySet:
        return received(qs, period).filter(
            Exists(
                AppealStep.objects.filter(
                    appeal_id=OuterRef("pk"),
                    action=AppealStep.Action.REOPEN,
                    at__date__lte=period.end,
                )
            )
        )

    return RegistrySpec(
        key="appeals",
        label="12345诉求",
        queryset=lambda: Appeal.objects.all(),
        unit_path="unit__path",
        measure_fields={},
        events={
            "received": ("期间内受理", received),
            "closed": ("期间内受理且已办结", closed),
            "closed_on_time": ("期间内受理且按期办结", closed_on_time),
            "visited": ("期间内受理、已办结且已回访", visited),
            "satisfied": ("期间内受理、已办结且回访满意或基本满意", satisfied),
            "reopened": ("期间内受理且曾重办", reopened),
        },
        filters={
            "category": FilterSpec(
                "诉求类别", (str, list), lambda qs, v: qs.filter(category__code__in=as_list(v))
            ),
            "channel": FilterSpec(
                "来源渠道", (str, list), lambda qs, v: qs.filter(channel__in=as_list(v))
            ),
            "appellant_kind": FilterSpec(
                "诉求人类型", (str, list), lambda qs, v: qs.filter(appellant_kind__in=as_list(v))
            ),
        },
    )


def register() -> None:
    register_registry(appeal_registry())

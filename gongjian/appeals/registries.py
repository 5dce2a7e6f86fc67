"""Appeals as the indicator engine sees them (``RegistrySpec``).

Every event is about the appeals *received* in the period, so that a rate's numerator
and denominator count the same appeals: 办结率 = ``closed`` ÷ ``received`` (closed by the
period's end), on-time rate = ``closed_on_time`` ÷ ``received``, satisfaction =
``satisfied`` ÷ ``closed`` (an appeal is closed only after its visit), reopen rate = ``reopened`` ÷ ``closed``.
"""

from __future__ import annotations

from django.db.models import F, Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def appeal_registry() -> RegistrySpec:
    from .models import Appeal, AppealStep, Satisfaction

    def received(period: Period) -> Q:
        return Q(received_on__gte=period.start, received_on__lte=period.end)

    def closed(period: Period) -> Q:
        return received(period) & Q(closed_on__lte=period.end)

    def closed_on_time(period: Period) -> Q:
        return closed(period) & Q(closed_on__lte=F("due_on"))

    def visited(period: Period) -> Q:
        return closed(period) & ~Q(satisfaction="")

    def satisfied(period: Period) -> Q:
        return closed(period) & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])

    def reopened(period: Period) -> Q:
        # an uncorrelated semi-join on the reopen steps: read once, not once per appeal
        steps = AppealStep.objects.filter(action=AppealStep.Action.REOPEN, at__date__lte=period.end)
        return received(period) & Q(pk__in=steps.values("appeal_id"))

    return RegistrySpec(
        key="appeals",
        label="12345诉求",
        queryset=lambda: Appeal.objects.all(),
        unit_path="unit__path",
        measure_fields={},
        events={
            "received": Event("期间内受理", within=received),
            "closed": Event("期间内受理且已办结", within=closed),
            "closed_on_time": Event("期间内受理且按期办结", within=closed_on_time),
            "visited": Event("期间内受理、已办结且已回访", within=visited),
            "satisfied": Event("期间内受理、已办结且回访满意或基本满意", within=satisfied),
            "reopened": Event("期间内受理且曾重办", within=reopened),
        },
        filters={
            "category": FilterSpec(
                "诉求类别", (str, list), lambda v: Q(category__code__in=as_list(v))
            ),
            "channel": FilterSpec("来源渠道", (str, list), lambda v: Q(channel__in=as_list(v))),
            "appellant_kind": FilterSpec(
                "诉求人类型", (str, list), lambda v: Q(appellant_kind__in=as_list(v))
            ),
            # the 12345 centre an appeal was taken in at (by id): a centre's own figures
            "intake_unit": FilterSpec(
                "受理中心", (int, list), lambda v: Q(intake_unit_id__in=as_list(v))
            ),
        },
    )


def register() -> None:
    register_registry(appeal_registry())

"""办件 as the indicator engine sees them (``RegistrySpec``).

The events are about the transactions of the period: ``received`` (办件量), ``completed``
(办结, the figure average handling time and on-time rate divide by) and
``completed_on_time``; ``handling_minutes`` sums. 平均办理时长 = Σ handling_minutes ÷
completed (a ratio indicator), 按时办结率 = completed_on_time ÷ completed, 业务办理效率提升 =
the decline of the average handling time against the same dates a year before (a
``decline`` indicator on the average).
"""

from __future__ import annotations

from django.db.models import F, Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def transaction_registry() -> RegistrySpec:
    from .models import Transaction

    def received(period: Period) -> Q:
        return Q(received_on__gte=period.start, received_on__lte=period.end)

    def completed(period: Period) -> Q:
        return Q(completed_on__gte=period.start, completed_on__lte=period.end)

    def completed_on_time(period: Period) -> Q:
        return completed(period) & Q(completed_on__lte=F("due_on"))

    return RegistrySpec(
        key="govservice_transactions",
        label="政务服务办件",
        queryset=lambda: Transaction.objects.all(),
        unit_path="point__unit__path",
        measure_fields={"handling_minutes": "办理时长(分钟)"},
        events={
            "received": Event("期间内受理", within=received),
            "completed": Event("期间内办结", within=completed),
            "completed_on_time": Event("期间内按时办结", within=completed_on_time),
        },
        filters={
            "point_kind": FilterSpec(
                "网点类型", (str, list), lambda v: Q(point__kind__in=as_list(v))
            ),
            "channel": FilterSpec("办理渠道", (str, list), lambda v: Q(channel__in=as_list(v))),
            "item": FilterSpec("事项编码", (str, list), lambda v: Q(item__code__in=as_list(v))),
        },
        date_field="completed_on",
    )


def register() -> None:
    register_registry(transaction_registry())

"""The financing platform as the indicator engine sees it (``RegistrySpec``s).

``finance_needs``: every event counts the needs *posted* in the period, so that a rate's
numerator and denominator count the same needs — 对接率 = ``contacted`` ÷ ``posted`` (a
match of the need had reached 对接 or later by the period's end). ``finance_matches``:
matches by the date of their own steps — ``loaned`` (放款 in the period) sums
``loan_amount``, ``granted`` (授信) ``credit_amount``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def need_registry() -> RegistrySpec:
    from .models import Match, Need

    def posted(period: Period) -> Q:
        return Q(posted_on__gte=period.start, posted_on__lte=period.end)

    def with_match(date: str) -> Callable[[Period], Q]:
        """Posted in the period, with a match dated ``date`` by the period's end."""

        def within(period: Period) -> Q:
            # an uncorrelated semi-join on the matches: read once, not once per need
            found = Match.objects.filter(**{f"{date}__lte": period.end})
            return posted(period) & Q(pk__in=found.values("need_id"))

        return within

    def institution(value) -> Q:
        found = Match.objects.filter(product__institution_id__in=as_list(value))
        return Q(pk__in=found.values("need_id"))

    return RegistrySpec(
        key="finance_needs",
        label="融资信用服务:企业需求",
        queryset=lambda: Need.objects.all(),
        unit_path="unit__path",
        measure_fields={"amount": "融资金额"},
        events={
            "posted": Event("期间内发布", within=posted),
            "matched": Event("期间内发布且已匹配产品", within=with_match("matched_on")),
            "contacted": Event("期间内发布且已对接", within=with_match("contacted_on")),
            "loaned": Event("期间内发布且已放款", within=with_match("loan_on")),
        },
        filters={
            "kind": FilterSpec("需求类型", (str, list), lambda v: Q(kind__in=as_list(v))),
            "institution": FilterSpec("对接的金融机构(编号)", (int, list), institution),
        },
        date_field="posted_on",
    )


def match_registry() -> RegistrySpec:
    from .models import Match

    def dated(field: str):
        def within(period: Period) -> Q:
            return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})

        return within

    return RegistrySpec(
        key="finance_matches",
        label="融资信用服务:融资对接",
        queryset=lambda: Match.objects.all(),
        unit_path="need__unit__path",
        measure_fields={"loan_amount": "放款金额", "credit_amount": "授信金额"},
        events={
            "matched": Event("期间内匹配", within=dated("matched_on")),
            "contacted": Event("期间内对接", within=dated("contacted_on")),
            "granted": Event("期间内授信", within=dated("credit_on")),
            "loaned": Event("期间内放款", within=dated("loan_on")),
        },
        filters={
            "institution": FilterSpec(
                "金融机构(编号)", (int, list), lambda v: Q(product__institution_id__in=as_list(v))
            ),
            "stage": FilterSpec("进展", (str, list), lambda v: Q(stage__in=as_list(v))),
            "need_kind": FilterSpec(
                "需求类型", (str, list), lambda v: Q(need__kind__in=as_list(v))
            ),
        },
        date_field="loan_on",
    )


def register() -> None:
    register_registry(need_registry())
    register_registry(match_registry())

"""Reads of the financing platform: who works for which institution, the scoped lists,
the reason a product fits a need, an enterprise's credit profile, and every figure
through the indicator engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.display import display
from gongjian.indicators.engine import evaluate_by_unit, evaluate_many
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.money import format_amount
from gongjian.kit.scope import Action, allows, path_ids, principal
from gongjian.units.models import Unit

from .models import (
    Collateral,
    CreditConsent,
    Institution,
    InstitutionStaff,
    Match,
    Need,
    NeedKind,
    Product,
    Stage,
)

# --- the 金融机构 role ---------------------------------------------------------------------


def institution_ids(user: Any) -> list[int]:
    """The institutions ``user`` works for (the 金融机构 role); none for anyone else."""
    if getattr(user, "pk", None) is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_gongjian_institutions", None)
    if cached is None:
        cached = list(
            InstitutionStaff.objects.filter(user_id=user.pk, institution__is_active=True)
            .order_by("institution_id")
            .values_list("institution_id", flat=True)
        )
        user._gongjian_institutions = cached
    return cached


def is_institution_staff(user: Any) -> bool:
    return bool(institution_ids(user))


def only_institution_staff(user: Any) -> bool:
    """A user whose only role is the 金融机构 one (no unit role): their home is the
    financing platform."""
    return not principal(user).grants and is_institution_staff(user)  # no query for units


def works_for(user: Any, institution: Institution) -> bool:
    """Whether ``user`` may maintain ``institution``'s products and follow its matches:
    its own staff, or the office of its unit."""
    return institution.pk in institution_ids(user) or allows(user, Action.MANAGE, institution)


def uses_platform(user: Any) -> bool:
    """Who sees the platform in the menu: the units' readers and the institutions' staff."""
    return principal(user).holds(Action.VIEW) or is_institution_staff(user)


# --- matching ------------------------------------------------------------------------------


def fit(product: Product, need: Need, enterprise: Enterprise) -> tuple[bool, list[str]]:
    """Whether ``product`` fits the 资金 ``need`` of ``enterprise``, and why (or why not),
    criterion by criterion: amount, term, industry, 21152 tier, collateral."""
    reasons: list[str] = []
    ok = True
    amount = need.amount or 0
    span = f"{format_amount(product.amount_min)}–{format_amount(product.amount_max)}"
    if product.amount_min <= amount <= product.amount_max:
        reasons.append(f"金额 {format_amount(amount)}在产品额度 {span} 内")
    else:
        ok = False
        reasons.append(f"金额 {format_amount(amount)}不在产品额度 {span} 内")
    term = need.term or 0
    if product.term_min <= term <= product.term_max:
        reasons.append(f"期限 {term} 个月在 {product.term_min}–{product.term_max} 个月内")
    else:
        ok = False
        reasons.append(f"期限 {term} 个月不在 {product.term_min}–{product.term_max} 个月内")
    if not product.industries:
        reasons.append("产品不限行业")
    elif enterprise.industry and enterprise.industry in product.industries:
        reasons.append(f"行业“{enterprise.industry}”在适用行业内")
    else:
        ok = False
        reasons.append(f"行业“{enterprise.industry or '未填'}”不在适用行业内")
    if not product.tiers:
        reasons.append("产品不限企业档次")
    elif enterprise.tier and enterprise.tier in product.tiers:
        reasons.append(f"企业档次“{enterprise.get_tier_display()}”在适用档次内")
    else:
        ok = False
        reasons.append("企业档次不在适用档次内")
    if product.collateral == Collateral.CREDIT:
        reasons.append("信用类产品,无需抵押担保")
    elif need.collateral == product.collateral:
        reasons.append(f"企业可提供{Collateral(product.collateral).label}")
    else:
        ok = False
        reasons.append(f"产品要求{Collateral(product.collateral).label}")
    return ok, reasons


def candidate_products(need: Need):
    """The products on offer where the need's unit lies: active products of the active
    institutions of the need's unit or a unit above it."""
    above = path_ids(need.unit.path)
    return (
        Product.objects.filter(
            is_active=True, institution__is_active=True, institution__unit_id__in=above
        )
        .select_related("institution")
        .order_by("institution__name", "name", "pk")
    )


# --- lists -----------------------------------------------------------------------------------


def need_rows(user: Any, query) -> tuple[Any, dict]:
    """The needs ``user`` sees, filtered by ``kind``, ``status``, ``q`` (enterprise name)."""
    qs = Need.objects.restrict(user, Action.VIEW).select_related("enterprise", "unit")
    filters = {k: query.get(k, "").strip() for k in ("kind", "status", "q")}
    if filters["kind"] in NeedKind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters["status"] in Need.Status.values:
        qs = qs.filter(status=filters["status"])
    if filters["q"]:
        qs = qs.filter(
            Q(enterprise__name__icontains=filters["q"]) | Q(title__icontains=filters["q"])
        )
    return qs.annotate(match_count=Count("matches")).order_by("-posted_on", "-pk"), filters


def product_rows(user: Any, query) -> tuple[Any, dict]:
    qs = Product.objects.restrict(user, Action.VIEW).select_related("institution")
    filters = {k: query.get(k, "").strip() for k in ("institution", "q")}
    if filters["institution"].isdigit():
        qs = qs.filter(institution_id=int(filters["institution"]))
    if filters["q"]:
        qs = qs.filter(name__icontains=filters["q"])
    return qs.order_by("institution__name", "name", "pk"), filters


def match_rows(user: Any, query) -> tuple[Any, dict]:
    """The matches ``user`` sees — a unit's for its needs, an institution's staff's for its
    products — filtered by ``stage`` and ``institution``."""
    qs = Match.objects.restrict(user, Action.VIEW).select_related(
        "need", "need__enterprise", "need__unit", "product", "product__institution__unit"
    )
    filters = {k: query.get(k, "").strip() for k in ("stage", "institution")}
    if filters["stage"] in Stage.values:
        qs = qs.filter(stage=filters["stage"])
    if filters["institution"].isdigit():
        qs = qs.filter(product__institution_id=int(filters["institution"]))
    return qs.order_by("-matched_on", "-pk"), filters


def visible_institutions(user: Any):
    return Institution.objects.restrict(user, Action.VIEW).select_related("unit")


# --- the credit profile ----------------------------------------------------------------------


def may_read_profile(user: Any, enterprise: Enterprise) -> bool:
    """The enterprise's own units read it; an institution's staff only with the
    enterprise's standing consent for their institution."""
    if allows(user, Action.VIEW, enterprise):
        return True
    ids = institution_ids(user)
    return (
        bool(ids)
        and CreditConsent.objects.filter(
            enterprise=enterprise, institution_id__in=ids, revoked_on__isnull=True
        ).exists()
    )


@dataclass
class CreditProfile:
    enterprise: Enterprise
    tier: str
    latest_revenue: str
    labels: list[str] = field(default_factory=list)
    grants: dict = field(default_factory=dict)
    appeals: dict = field(default_factory=dict)
    projects: list[dict] = field(default_factory=list)
    financing: dict = field(default_factory=dict)
    consents: list[CreditConsent] = field(default_factory=list)


def credit_profile(enterprise: Enterprise) -> CreditProfile:
    """What the platform already knows about an enterprise, assembled: credit code,
    21152 tier and revenue, labels, the grants it was given, its appeals, its projects
    (through its 招商 leads), and its financing on this platform. The caller decides who
    may read it (``may_read_profile``)."""
    profile = CreditProfile(
        enterprise=enterprise,
        tier=enterprise.get_tier_display() if enterprise.tier else "",
        latest_revenue=(
            f"{format_amount(enterprise.latest_revenue, '亿元')}({enterprise.revenue_year})"
            if enterprise.latest_revenue is not None
            else ""
        ),
    )
    labels = getattr(enterprise, "labels", None)
    if labels is not None:
        profile.labels = [x.label for x in labels.all()]
    grants = getattr(enterprise, "grants", None)
    if grants is not None:
        approved = grants.filter(status__in=["approved", "paid"]).aggregate(
            n=Count("pk"), total=Sum("amount")
        )
        profile.grants = {
            "approved": approved["n"] or 0,
            "amount": format_amount(approved["total"] or 0),
            "years": sorted(
                set(grants.filter(status__in=["approved", "paid"]).values_list("year", flat=True))
            ),
        }
    appeals = getattr(enterprise, "appeals", None)
    if appeals is not None:
        profile.appeals = {
            "total": appeals.count(),
            "closed": appeals.filter(closed_on__isnull=False).count(),
        }
    leads = getattr(enterprise, "leads", None)
    if leads is not None:
        for lead in leads.filter(project__isnull=False).select_related("project"):
            project = lead.project
            profile.projects.append(
                {
                    "name": project.name,
                    "stage": project.get_stage_display(),
                    "total_investment": format_amount(project.total_investment, "亿元"),
                }
            )
    loans = Match.objects.filter(need__enterprise=enterprise, stage=Stage.LOANED).aggregate(
        n=Count("pk"), total=Sum("loan_amount")
    )
    profile.financing = {
        "needs": Need.objects.filter(enterprise=enterprise).count(),
        "loans": loans["n"] or 0,
        "loan_amount": format_amount(loans["total"] or 0),
    }
    profile.consents = list(
        CreditConsent.objects.filter(enterprise=enterprise).select_related("institution")
    )
    return profile


# --- figures ---------------------------------------------------------------------------------

# (code, label, registry, event, measure field, display unit) — each evaluated by the engine
FIGURES = [
    ("finance_needs_posted", "发布需求", "finance_needs", "posted", "", "件"),
    ("finance_needs_matched", "匹配成功的需求", "finance_needs", "matched", "", "件"),
    ("finance_needs_contacted", "已对接的需求", "finance_needs", "contacted", "", "件"),
    ("finance_contact_rate", "对接率", "", "", "", "比率"),
    ("finance_loans", "放款笔数", "finance_matches", "loaned", "", "笔"),
    ("finance_loan_amount", "放款金额", "finance_matches", "loaned", "loan_amount", "元"),
    ("finance_credit_amount", "授信金额", "finance_matches", "granted", "credit_amount", "元"),
]


def _indicator(code: str, filters: dict) -> Indicator:
    """The defined indicator ``code`` (with ``filters`` added), or its ad-hoc twin when the
    instance has not defined it."""
    row = next(f for f in FIGURES if f[0] == code)
    if code == "finance_contact_rate":
        return Indicator(
            code=code,
            name=row[1],
            kind=Indicator.Kind.RATIO,
            base_indicator=_indicator("finance_needs_contacted", filters),
            denominator=_indicator("finance_needs_posted", filters),
            display_unit="比率",
        )
    _code, label, registry, event, measure_field, unit = row
    indicator = Indicator.adhoc(
        code, registry, name=label, measure_field=measure_field, event=event, filters=filters
    )
    indicator.display_unit = unit
    return indicator


def defined_figures(filters: dict | None = None) -> list[Indicator]:
    """The platform's figures: the standard definitions where the instance has them (an
    office may have changed one), else the same definitions ad hoc; with ``filters``
    (e.g. one institution's matches) always ad hoc."""
    if filters:
        return [_indicator(code, dict(filters)) for code, *_ in FIGURES]
    defined = {
        i.code: i
        for i in Indicator.objects.filter(
            code__in=[f[0] for f in FIGURES], is_active=True
        ).select_related("base_indicator", "denominator", "fixed_unit")
    }
    return [defined.get(code) or _indicator(code, {}) for code, *_ in FIGURES]


@dataclass
class Figures:
    unit: Unit
    period: Period
    tiles: list[tuple[str, str, object, str]] = field(default_factory=list)
    by_unit: list[dict] = field(default_factory=list)


def figures(unit: Unit, year: int, as_of: dt.date, *, filters: dict | None = None) -> Figures:
    """The platform's figures for ``unit``'s subtree over ``year`` up to ``as_of`` — and
    for each unit below it — all through the engine (one batch)."""
    period = Period.year_to_date(year, as_of)
    indicators = defined_figures(filters)
    values = evaluate_many([(i, unit, period) for i in indicators])
    out = Figures(unit=unit, period=period)
    for indicator, value in zip(indicators, values, strict=True):
        out.tiles.append(
            (indicator.code, indicator.name, value, display(value, indicator.display_unit))
        )
    children = list(
        Unit.objects.filter(parent=unit, is_active=True)
        .exclude(kind=Unit.Kind.DEPARTMENT)
        .order_by("sort_order", "pk")
    )
    if children:
        per = {i.code: evaluate_by_unit(i, children, period) for i in indicators}
        for child in children:
            row: dict[str, Any] = {"unit": child}
            for indicator in indicators:
                value = per[indicator.code][child.pk]
                row[indicator.code] = display(value, indicator.display_unit)
            out.by_unit.append(row)
    return out


def institution_figures(institution: Institution, year: int, as_of: dt.date) -> Figures:
    """An institution's own figures: the matches to its products (the engine's matches
    registry filtered by institution), counted over the institution's unit."""
    return figures(institution.unit, year, as_of, filters={"institution": institution.pk})

"""Every write of the financing platform (keyword-only, one transaction, ``full_clean()``
before saving, history recorded with its author).

Who may do what: the office of a unit keeps its institutions and their staff; the office
or the institution's own staff keep its products; a unit's operator (or office) posts its
enterprises' needs, runs the matching, records 对接 and the enterprise's consent; the
institution's staff (or the office) record 受理, 授信, 放款 or 未通过.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.enterprises.models import Enterprise
from gongjian.kit.clock import today
from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, allows, require
from gongjian.units.models import Actor, Unit, User

from .models import (
    STAGE_ORDER,
    CreditConsent,
    Institution,
    InstitutionStaff,
    Match,
    MatchStep,
    Need,
    NeedKind,
    Product,
    Stage,
)
from .selectors import candidate_products, fit, works_for

PRODUCT_FIELDS = (
    "name",
    "amount_min",
    "amount_max",
    "term_min",
    "term_max",
    "rate_min",
    "rate_max",
    "industries",
    "tiers",
    "collateral",
    "requirements",
    "is_active",
)
NEED_FIELDS = (
    "title",
    "posted_on",
    "amount",
    "term",
    "purpose",
    "collateral",
    "offering",
    "customers",
    "roles",
    "headcount",
    "notes",
)


def _save(instance, actor: Actor) -> None:
    instance.full_clean()
    record_actor(instance, actor)
    instance.save()


# --- institutions and their staff ---------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: Actor, name: str, unit: Unit, **fields: Any) -> Institution:
    require(actor, Action.MANAGE, unit)
    if Institution.objects.filter(unit=unit, name=name).exists():
        raise ValidationError({"name": f"“{unit}”已有金融机构“{name}”"})
    institution = Institution(name=name, unit=unit, **fields)
    _save(institution, actor)
    return institution


@transaction.atomic
def institution_staff_add(
    *, actor: Actor, institution: Institution, user: User
) -> InstitutionStaff:
    """Give ``user`` the 金融机构 role for ``institution`` (the office of its unit)."""
    require(actor, Action.MANAGE, institution)
    found = InstitutionStaff.objects.filter(institution=institution, user=user).first()
    if found:
        return found
    staff = InstitutionStaff(institution=institution, user=user)
    _save(staff, actor)
    return staff


# --- products ---------------------------------------------------------------------------------


def _require_works_for(actor: Actor, institution: Institution) -> None:
    if not works_for(actor, institution):
        raise PermissionDenied(f"只有“{institution}”的工作人员或攻坚办可以维护其产品")


@transaction.atomic
def product_create(*, actor: Actor, institution: Institution, **fields: Any) -> Product:
    _require_works_for(actor, institution)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能设置" for f in sorted(unknown)})
    if Product.objects.filter(institution=institution, name=fields.get("name", "")).exists():
        raise ValidationError({"name": f"“{institution}”已有产品“{fields.get('name')}”"})
    product = Product(institution=institution, **fields)
    _save(product, actor)
    return product


@transaction.atomic
def product_update(*, actor: Actor, product: Product, **fields: Any) -> Product:
    _require_works_for(actor, product.institution)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能修改" for f in sorted(unknown)})
    locked = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if (
        Product.objects.filter(institution_id=locked.institution_id, name=locked.name)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError({"name": f"“{locked.institution}”已有产品“{locked.name}”"})
    _save(locked, actor)
    return locked


# --- needs ------------------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *, actor: Actor, enterprise: Enterprise, kind: str, title: str, **fields: Any
) -> Need:
    """Post an enterprise's need on its behalf (its tracking unit's operator or office)."""
    require(actor, Action.CHANGE, enterprise.unit)
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能设置" for f in sorted(unknown)})
    if kind not in NeedKind.values:
        raise ValidationError({"kind": f"需求类型“{kind}”不存在,可选:{'、'.join(NeedKind.values)}"})
    fields.setdefault("posted_on", today())
    if fields["posted_on"] > today():
        raise ValidationError({"posted_on": "发布日期不能晚于今天"})
    for name in ("purpose", "collateral", "offering", "customers", "roles", "notes"):
        if fields.get(name) is None:
            fields.pop(name, None)  # blank text: the model's default
    need = Need(enterprise=enterprise, unit=enterprise.unit, kind=kind, title=title, **fields)
    _save(need, actor)
    return need


@transaction.atomic
def need_close(*, actor: Actor, need: Need) -> Need:
    require(actor, Action.CHANGE, need)
    locked = Need.objects.select_for_update().get(pk=need.pk)
    locked.status = Need.Status.CLOSED
    _save(locked, actor)
    return locked


@transaction.atomic
def need_match(*, actor: Actor, need: Need, on: dt.date | None = None) -> list[Match]:
    """Match a 资金 need to every product on offer that fits it (amount, term, industry,
    21152 tier, collateral), each with its reason. A product matched before is not
    matched again; returns the new matches."""
    require(actor, Action.CHANGE, need)
    if need.kind != NeedKind.FUNDS:
        raise ValidationError({"kind": "只有资金需求匹配金融产品"})
    if need.status == Need.Status.CLOSED:
        raise ValidationError({"status": "需求已关闭"})
    on = on or today()
    if on < need.posted_on:
        raise ValidationError({"matched_on": "匹配日期不能早于需求发布日期"})
    done = set(need.matches.values_list("product_id", flat=True))
    created: list[Match] = []
    for product in candidate_products(need):
        if product.pk in done:
            continue
        ok, reasons = fit(product, need, need.enterprise)
        if not ok:
            continue
        match = Match(need=need, product=product, reason=";".join(reasons), matched_on=on)
        _save(match, actor)
        MatchStep.objects.create(
            match=match, stage=Stage.MATCHED, occurred_on=on, by=_user(actor), note="系统匹配"
        )
        created.append(match)
    if created and need.status == Need.Status.OPEN:
        locked = Need.objects.select_for_update().get(pk=need.pk)
        locked.status = Need.Status.MATCHED
        _save(locked, actor)
        need.status = locked.status
    return created


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# --- following a match -----------------------------------------------------------------------


def may_follow(actor: Actor, match: Match, stage: str) -> bool:
    """The institution's staff and the office follow every step; the need's unit's
    operator records 对接 too."""
    if works_for(actor, match.product.institution) or allows(actor, Action.MANAGE, match.need):
        return True
    return stage == Stage.CONTACTED and allows(actor, Action.CHANGE, match.need)


@transaction.atomic
def match_advance(
    *,
    actor: Actor,
    match: Match,
    stage: str,
    on: dt.date | None = None,
    amount: int | None = None,
    note: str = "",
) -> Match:
    """Move a match forward: 对接 → 受理 → 授信 (amount) → 放款 (amount, not above the
    credit), or to 未通过 with a reason (``note``) from any open stage."""
    if stage not in Stage.values or stage == Stage.MATCHED:
        raise ValidationError({"stage": f"进展“{stage}”不正确"})
    if not may_follow(actor, match, stage):
        raise PermissionDenied(f"无权记录“{match.product.institution}”的对接进展")
    locked = Match.objects.select_for_update().select_related("need").get(pk=match.pk)
    on = on or today()
    if locked.stage in (Stage.LOANED, Stage.DECLINED):
        raise ValidationError({"stage": f"已{locked.get_stage_display()},不能再变更"})
    if on > today():
        raise ValidationError({"occurred_on": "日期不能晚于今天"})
    last = locked.steps.order_by("-occurred_on").values_list("occurred_on", flat=True).first()
    if on < (last or locked.matched_on):
        raise ValidationError({"occurred_on": f"日期不能早于上一步({last or locked.matched_on})"})
    if stage == Stage.DECLINED:
        if not note.strip():
            raise ValidationError({"note": "未通过须填写原因"})
        locked.declined_reason = note.strip()[:200]
    else:
        current = STAGE_ORDER.index(Stage(locked.stage))
        wanted = STAGE_ORDER.index(Stage(stage))
        if wanted != current + 1:
            raise ValidationError(
                {
                    "stage": f"当前为“{locked.get_stage_display()}”,下一步应为“{STAGE_ORDER[current + 1].label}”"
                }
            )
        if stage == Stage.CONTACTED:
            locked.contacted_on = on
        elif stage in (Stage.GRANTED, Stage.LOANED):
            if amount is None or amount <= 0:
                raise ValidationError({"amount": f"{Stage(stage).label}须填写金额"})
            if stage == Stage.GRANTED:
                locked.credit_amount, locked.credit_on = amount, on
            else:
                if locked.credit_amount is not None and amount > locked.credit_amount:
                    raise ValidationError({"amount": "放款金额不能超过授信金额"})
                locked.loan_amount, locked.loan_on = amount, on
    locked.stage = stage
    _save(locked, actor)
    MatchStep.objects.create(
        match=locked,
        stage=stage,
        occurred_on=on,
        amount=amount,
        note=note.strip()[:200],
        by=_user(actor),
    )
    return locked


# --- consent ----------------------------------------------------------------------------------


@transaction.atomic
def consent_grant(
    *,
    actor: Actor,
    enterprise: Enterprise,
    institution: Institution,
    granted_on: dt.date | None = None,
    note: str = "",
) -> CreditConsent:
    """Record the enterprise's consent that ``institution`` reads its credit profile (the
    enterprise's tracking unit records it on the enterprise's behalf)."""
    require(actor, Action.CHANGE, enterprise.unit)
    granted_on = granted_on or today()
    consent = CreditConsent.objects.filter(enterprise=enterprise, institution=institution).first()
    consent = consent or CreditConsent(enterprise=enterprise, institution=institution)
    consent.granted_on, consent.revoked_on, consent.note = granted_on, None, note
    _save(consent, actor)
    return consent


@transaction.atomic
def consent_revoke(
    *, actor: Actor, consent: CreditConsent, on: dt.date | None = None
) -> CreditConsent:
    require(actor, Action.CHANGE, consent.enterprise.unit)
    consent.revoked_on = on or today()
    _save(consent, actor)
    return consent

"""Every write to policies and grants (keyword-only, one transaction, ``full_clean()``
before saving, who/when/before/after in the history), and the matching that proposes
each eligible enterprise's grant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch

from gongjian.appeals.workdays import WorkCalendar
from gongjian.enterprises.models import Enterprise
from gongjian.kit.clock import today as clock_today
from gongjian.kit.history import actor_user, record_actor
from gongjian.kit.money import format_amount
from gongjian.kit.scope import Action, allows
from gongjian.notices.models import Kind
from gongjian.notices.services import notify, unit_people
from gongjian.units.models import Actor, Role, Unit

from . import rules as R
from .models import EnterpriseLabel, Grant, Policy

POLICY_FIELDS = (
    "name",
    "unit",
    "department",
    "mode",
    "summary",
    "rules",
    "benefit",
    "valid_from",
    "valid_to",
)


def _require_write(actor: Actor, unit: Unit) -> None:
    if not allows(actor, Action.CHANGE, unit):
        raise PermissionDenied(f"无权修改“{unit}”的政策")


@transaction.atomic
def policy_create(*, actor: Actor, code: str, unit: Unit, **fields) -> Policy:
    _require_write(actor, unit)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接设置" for f in sorted(unknown)})
    if Policy.objects.filter(code=code).exists():
        raise ValidationError({"code": f"政策编号“{code}”已存在"})
    policy = Policy(code=code, unit=unit, **fields)
    policy.full_clean()
    record_actor(policy, actor)
    policy.save()
    return policy


@transaction.atomic
def policy_update(*, actor: Actor, policy: Policy, **fields) -> Policy:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    _require_write(actor, policy.unit)
    if "unit" in fields:
        _require_write(actor, fields["unit"])
    for key, value in fields.items():
        setattr(policy, key, value)
    policy.full_clean()
    record_actor(policy, actor)
    policy.save()
    return policy


@transaction.atomic
def policy_set_status(*, actor: Actor, policy: Policy, status: str) -> Policy:
    """发布 or 废止 a policy (a withdrawn policy proposes no more grants)."""
    _require_write(actor, policy.unit)
    if status not in Policy.Status.values:
        raise ValidationError({"status": f"未知的政策状态“{status}”"})
    policy.status = status
    policy.full_clean()
    record_actor(policy, actor)
    policy.save()
    return policy


@transaction.atomic
def label_set(
    *, actor: Actor, enterprise: Enterprise, label: str, since: dt.date | None = None
) -> EnterpriseLabel:
    if not allows(actor, Action.CHANGE, enterprise.unit):
        raise PermissionDenied(f"无权修改“{enterprise.unit}”的企业")
    row = EnterpriseLabel.objects.filter(enterprise=enterprise, label=label.strip()).first()
    row = row or EnterpriseLabel(enterprise=enterprise, label=label.strip())
    row.since = since
    row.full_clean()
    record_actor(row, actor)
    row.save()
    return row


# --- matching --------------------------------------------------------------------------


@dataclass
class Match:
    enterprise: Enterprise
    explanation: R.Explanation
    amount: int | None


def enterprises_for_matching(qs=None):
    """Enterprises with what rules read (revenues, labels, unit) loaded in four queries."""
    qs = qs if qs is not None else Enterprise.objects.all()
    return qs.select_related("unit").prefetch_related(
        Prefetch("revenues"), Prefetch("labels", queryset=EnterpriseLabel.objects.all())
    )


def _unit_paths(policy: Policy) -> dict[str, str]:
    refs = R.unit_refs(policy.rules)
    out: dict[str, str] = {}
    for ref in refs:
        unit = Unit.objects.filter(code=ref).first() if ref.isdigit() else None
        unit = unit or Unit.objects.filter(name=ref).order_by("depth").first()
        if unit is not None:
            out[ref] = unit.path
    return out


def jurisdiction(policy: Policy) -> Unit:
    """The area a policy applies in: its issuing unit, or for a department the unit above
    it (a city bureau's policy covers the city's enterprises)."""
    unit = policy.unit
    while unit.kind == Unit.Kind.DEPARTMENT and unit.parent is not None:
        unit = unit.parent
    return unit


def check(policy: Policy, enterprise: Enterprise, units: dict | None = None) -> Match:
    """The policy calculator: is ``enterprise`` eligible for ``policy``, and why."""
    facts = R.Facts.of(enterprise)
    explanation = R.explain(
        policy.rules, facts, units if units is not None else _unit_paths(policy)
    )
    area = jurisdiction(policy)
    if not enterprise.unit.path.startswith(area.path):
        explanation.eligible = False
        explanation.lines.insert(
            0, R.Line(False, f"企业不在本政策的适用范围“{area}”内 — 不符合", 0)
        )
    amount = R.benefit_amount(policy.benefit, facts) if explanation.eligible else None
    if explanation.eligible and amount is None:
        explanation.eligible = False
        explanation.lines.append(R.Line(False, "缺少计算兑现金额所需的营收数据 — 不符合", 0))
    return Match(enterprise, explanation, amount)


def match(policy: Policy, enterprises=None) -> list[Match]:
    """Every enterprise of ``enterprises`` (default: those in the policy's area) the rules
    accept."""
    units = _unit_paths(policy)
    if enterprises is None:
        enterprises = Enterprise.objects.filter(unit__path__startswith=jurisdiction(policy).path)
    found = []
    for enterprise in enterprises_for_matching(enterprises).iterator(chunk_size=2000):
        result = check(policy, enterprise, units)
        if result.explanation.eligible:
            found.append(result)
    return found


def match_many(policies: list[Policy], enterprises=None) -> dict[int, list[Match]]:
    """``match`` for several policies, reading each enterprise (revenues, labels) once."""
    facts = [
        (e, R.Facts.of(e)) for e in enterprises_for_matching(enterprises).iterator(chunk_size=2000)
    ]
    out: dict[int, list[Match]] = {}
    for policy in policies:
        units = _unit_paths(policy)
        area = jurisdiction(policy).path
        found = out.setdefault(policy.pk, [])
        for enterprise, fact in facts:
            if not fact.unit_path.startswith(area):
                continue
            explanation = R.explain(policy.rules, fact, units)
            if not explanation.eligible:
                continue
            amount = R.benefit_amount(policy.benefit, fact)
            if amount is not None:
                found.append(Match(enterprise, explanation, amount))
    return out


@transaction.atomic
def grants_propose(
    *, actor: Actor, policy: Policy, year: int, on: dt.date | None = None
) -> list[Grant]:
    """Run the matching and add a proposed grant (待审核) for each eligible enterprise that
    has none for ``year`` yet; returns the new grants."""
    _require_write(actor, policy.unit)
    on = on or clock_today()
    if policy.status != Policy.Status.PUBLISHED:
        raise ValidationError({"status": f"政策“{policy.name}”未发布,不能生成兑现名单"})
    if policy.mode != Policy.Mode.AUTO:
        raise ValidationError({"mode": f"政策“{policy.name}”须企业申请,不能免申即享"})
    if policy.valid_from > dt.date(year, 12, 31) or (
        policy.valid_to is not None and policy.valid_to < dt.date(year, 1, 1)
    ):
        raise ValidationError({"valid_from": f"政策“{policy.name}”在 {year} 年不在有效期内"})
    have = set(
        Grant.objects.filter(policy=policy, year=year).values_list("enterprise_id", flat=True)
    )
    grants = []
    for result in match(policy):
        if result.enterprise.pk in have or result.amount is None:
            continue  # an eligible match always has its amount (``check``)
        grant = Grant(
            policy=policy,
            enterprise=result.enterprise,
            year=year,
            amount=result.amount,
            reason=result.explanation.text(),
            proposed_on=on,
        )
        grant.full_clean(validate_unique=False)
        record_actor(grant, actor)
        grant.save()
        grants.append(grant)
    return grants


@transaction.atomic
def grant_decide(
    *,
    actor: Actor,
    grants: list[Grant],
    approve: bool,
    note: str = "",
    on: dt.date | None = None,
) -> list[Grant]:
    """核准 or 不予兑现 proposed grants (all or none)."""
    on = on or clock_today()
    for grant in grants:
        _require_write(actor, grant.policy.unit)
        if grant.status != Grant.Status.PROPOSED:
            raise ValidationError(
                {
                    "status": f"{grant.enterprise} 的兑现已是“{grant.get_status_display()}”,不能再审核"
                }
            )
        if not approve and not note.strip():
            raise ValidationError({"note": "不予兑现须填写审核意见"})
    for grant in grants:
        grant.status = Grant.Status.APPROVED if approve else Grant.Status.REJECTED
        grant.decided_on = on
        grant.decided_by = actor_user(actor)
        grant.note = note
        grant.full_clean()
        record_actor(grant, actor)
        grant.save()
        if approve:
            _tell(
                grant,
                f"政策兑现已核准:{grant.policy.name}",
                f"核准金额 {format_amount(grant.amount)}",
            )
        else:
            _tell(grant, f"政策兑现不予兑现:{grant.policy.name}", note)
    return grants


def _tell(grant: Grant, title: str, body: str) -> None:
    """Tell the enterprise's unit (its operators and office) of a step of its grant, in
    their inbox (and their channels)."""
    enterprise = grant.enterprise
    notify(
        unit_people([enterprise.unit_id], [Role.OPERATOR, Role.OFFICE]),
        Kind.GRANT,
        f"{enterprise.name} · {title}",
        body,
        link=f"/policies/grants/{grant.pk}/",
        unit=enterprise.unit,
    )


# --- 快申快享 and 拨付 ----------------------------------------------------------------


@transaction.atomic
def grant_apply(
    *,
    actor: Actor,
    policy: Policy,
    enterprise: Enterprise,
    year: int,
    on: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> Grant:
    """快申快享: an enterprise (its unit's operator on its behalf) applies for a policy
    that needs an application. The rules are checked at once (a refusal says which
    condition failed); an accepted application waits for the office's review, due within
    the policy's working-day limit."""
    if not allows(actor, Action.CHANGE, enterprise.unit):
        raise PermissionDenied(f"无权代“{enterprise.name}”申请")
    on = on or clock_today()
    if policy.status != Policy.Status.PUBLISHED:
        raise ValidationError({"policy": f"政策“{policy.name}”未发布,不能申请"})
    if policy.mode != Policy.Mode.APPLICATION:
        raise ValidationError({"policy": f"政策“{policy.name}”为免申即享,无需申请"})
    if not policy.in_force_on(on):
        raise ValidationError({"policy": f"政策“{policy.name}”不在有效期内"})
    if Grant.objects.filter(policy=policy, enterprise=enterprise, year=year).exists():
        raise ValidationError({"enterprise": f"{enterprise.name} 已申请过 {year} 年的该政策"})
    result = check(policy, enterprise)
    if not result.explanation.eligible or result.amount is None:
        failed = [line.text for line in result.explanation.lines if not line.ok]
        raise ValidationError({"enterprise": ["不符合申请条件:", *failed[:5]]})
    calendar = calendar or WorkCalendar.load()
    grant = Grant(
        policy=policy,
        enterprise=enterprise,
        year=year,
        amount=result.amount,
        reason=result.explanation.text(),
        proposed_on=on,
        source=Grant.Source.APPLIED,
        applied_on=on,
        review_due_on=calendar.add_working_days(on, policy.review_days),
    )
    grant.full_clean(validate_unique=False)
    record_actor(grant, actor)
    grant.save()
    _tell(grant, f"快申快享申请已受理:{policy.name}", f"审核期限 {grant.review_due_on}")
    return grant


@transaction.atomic
def grant_pay(
    *,
    actor: Actor,
    grant: Grant,
    amount: int,
    paid_on: dt.date,
    voucher: str,
) -> Grant:
    """拨付: record the money paid out for an approved grant (amount in 元, at most the
    approved amount; the date; the payment voucher) and tell the enterprise's unit."""
    _require_write(actor, grant.policy.unit)
    grant = (
        Grant.objects.select_for_update().select_related("policy", "enterprise").get(pk=grant.pk)
    )
    if grant.status != Grant.Status.APPROVED:
        raise ValidationError(
            {"status": f"{grant.enterprise} 的兑现是“{grant.get_status_display()}”,核准后才能拨付"}
        )
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["paid_amount"] = "拨付金额须大于 0"
    elif amount > grant.amount:
        errors["paid_amount"] = f"拨付金额不能超过核准金额 {format_amount(grant.amount)}"
    if not voucher.strip():
        errors["voucher"] = "请填写拨付凭证号"
    if grant.decided_on and paid_on < grant.decided_on:
        errors["paid_on"] = f"拨付日期不能早于核准日期 {grant.decided_on}"
    if errors:
        raise ValidationError(errors)
    grant.status = Grant.Status.PAID
    grant.paid_amount = amount
    grant.paid_on = paid_on
    grant.voucher = voucher.strip()
    grant.paid_by = actor_user(actor)
    # from the day the grant came to be (matched, or applied for) to the money
    grant.payout_days = (paid_on - grant.proposed_on).days
    grant.full_clean()
    record_actor(grant, actor)
    grant.save()
    _tell(
        grant,
        f"政策资金已拨付:{grant.policy.name}",
        f"拨付金额 {format_amount(amount)},拨付日期 {paid_on},凭证号 {grant.voucher}",
    )
    return grant

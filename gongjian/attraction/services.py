"""Every write to outreach batches and leads.

Signing a lead creates (or links) its registry project through
``projects.services.project_create`` / ``project_transition``; from then on the
lead's stages are the project's stage history — there is no second copy to drift.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from gongjian.enterprises.models import Enterprise
from gongjian.kit.clock import today as clock_today
from gongjian.kit.history import actor_user, record_actor
from gongjian.kit.scope import Action, require
from gongjian.projects import services as project_services
from gongjian.projects.models import Project, Stage
from gongjian.units.models import Actor, Unit

from .models import (
    LEAD_CHAIN,
    TO_PROJECT_STAGE,
    Lead,
    LeadStage,
    LeadTransition,
    Outreach,
    OutreachContact,
)

LEAD_EDITABLE = (
    "name",
    "intended_investment",
    "category",
    "industry_cluster",
    "official",
    "expected_sign_on",
    "expected_start_on",
    "next_step",
    "next_step_due",
)


def _visible_enterprises(actor: Actor, enterprises) -> list[Enterprise]:
    enterprises = list(dict.fromkeys(enterprises))
    if actor is None:
        return enterprises
    visible = set(
        Enterprise.objects.restrict(actor, Action.VIEW)
        .filter(pk__in=[e.pk for e in enterprises])
        .values_list("pk", flat=True)
    )
    missing = [e for e in enterprises if e.pk not in visible]
    if missing:
        raise ValidationError({"enterprises": [f"企业“{e.pk}”不存在" for e in missing]})
    return enterprises


# --- outreach ------------------------------------------------------------------------


@transaction.atomic
def outreach_create(
    *,
    actor: Actor,
    held_on: dt.date,
    kind: str,
    theme: str,
    title: str,
    unit: Unit,
    enterprises=(),
    place: str = "",
    leader_name: str = "",
    notes: str = "",
) -> Outreach:
    """Record an outreach batch and the enterprises met."""
    require(actor, Action.CHANGE, unit)
    if held_on > clock_today():
        raise ValidationError({"held_on": f"日期 {held_on} 晚于今天,不能登记尚未开展的活动"})
    outreach = Outreach(
        held_on=held_on,
        kind=kind,
        theme=theme,
        title=title,
        unit=unit,
        place=place,
        leader_name=leader_name,
        notes=notes,
    )
    outreach.full_clean()
    record_actor(outreach, actor)
    outreach.save()
    outreach_add_enterprises(actor=actor, outreach=outreach, enterprises=enterprises)
    return outreach


OUTREACH_EDITABLE = ("held_on", "kind", "theme", "title", "place", "leader_name", "notes")


@transaction.atomic
def outreach_update(*, actor: Actor, outreach: Outreach, **fields) -> Outreach:
    """Correct an outreach batch's date, kind, theme, title, place, leader or notes."""
    unknown = set(fields) - set(OUTREACH_EDITABLE)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    require(actor, Action.CHANGE, outreach.unit)
    held_on = fields.get("held_on")
    if held_on is not None and held_on > clock_today():
        raise ValidationError({"held_on": f"日期 {held_on} 晚于今天,不能登记尚未开展的活动"})
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    record_actor(locked, actor)
    locked.save()
    return locked


@transaction.atomic
def outreach_add_enterprises(
    *, actor: Actor, outreach: Outreach, enterprises, note: str = ""
) -> int:
    """Add enterprises met in the batch (those already there are left alone)."""
    require(actor, Action.CHANGE, outreach.unit)
    enterprises = _visible_enterprises(actor, enterprises)
    have = set(outreach.contacts.values_list("enterprise_id", flat=True))
    added = 0
    for enterprise in enterprises:
        if enterprise.pk in have:
            continue
        contact = OutreachContact(outreach=outreach, enterprise=enterprise, note=note)
        contact.full_clean()
        record_actor(contact, actor)
        contact.save()
        added += 1
    return added


# --- leads ---------------------------------------------------------------------------


@transaction.atomic
def lead_create(
    *,
    actor: Actor,
    enterprise: Enterprise,
    name: str,
    unit: Unit,
    intended_investment: int,
    contacted_on: dt.date,
    note: str = "",
    **fields,
) -> Lead:
    """Open a lead at 接洽 on ``contacted_on``."""
    require(actor, Action.CHANGE, unit)
    _visible_enterprises(actor, [enterprise])
    if contacted_on > clock_today():
        raise ValidationError({"contacted_on": f"日期 {contacted_on} 晚于今天"})
    unknown = set(fields) - set(LEAD_EDITABLE)
    if unknown:
        raise ValidationError({f: "该字段不能在此设置" for f in sorted(unknown)})
    lead = Lead(
        enterprise=enterprise,
        name=name,
        unit=unit,
        intended_investment=intended_investment,
        contacted_on=contacted_on,
        stage=LeadStage.CONTACT,
        **fields,
    )
    lead.full_clean()
    record_actor(lead, actor)
    lead.save()
    LeadTransition.objects.create(
        lead=lead,
        stage=LeadStage.CONTACT,
        occurred_on=contacted_on,
        note=note,
        recorded_by=actor_user(actor),
    )
    return lead


@transaction.atomic
def lead_update(*, actor: Actor, lead: Lead, **fields) -> Lead:
    """Change the lead's plan: amount, dates, next step, responsible official."""
    unknown = set(fields) - set(LEAD_EDITABLE)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    require(actor, Action.CHANGE, lead.unit)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version += 1
    record_actor(locked, actor)
    locked.save()
    return locked


def lead_history(lead: Lead) -> list[dict]:
    """One history: the lead's own moves before signing, then its project's stage moves."""
    rows = [
        {"stage": t.stage, "label": t.get_stage_display(), "on": t.occurred_on, "note": t.note}
        for t in lead.transitions.order_by("occurred_on", "pk")
    ]
    if lead.project is not None:
        rows += [
            {"stage": t.stage, "label": t.get_stage_display(), "on": t.occurred_on, "note": t.note}
            for t in lead.project.transitions.order_by("occurred_on", "pk")
        ]
    return rows


def _last_own_date(lead: Lead) -> dt.date | None:
    last = lead.transitions.order_by("-occurred_on", "-pk").first()
    return last.occurred_on if last else None


def _project_code(lead: Lead, on_date: dt.date) -> str:
    return f"ZS{on_date.year}{lead.pk:06d}"


@transaction.atomic
def lead_transition(
    *,
    actor: Actor,
    lead: Lead,
    to_stage: str,
    on_date: dt.date,
    note: str = "",
    reason: str = "",
    project: Project | None = None,
    project_code: str = "",
) -> Lead:
    """Move a lead along 接洽 → 洽谈 → 签约 → 落地 → 开工 → 投产, or 终止 it with a reason.

    签约 creates the registry project (or links ``project``, an existing one in the
    actor's scope); 落地 and later are recorded on the project. Refuses impossible moves
    with a Chinese message and changes nothing.
    """
    require(actor, Action.CHANGE, lead.unit)
    locked = Lead.objects.select_for_update(of=("self",)).select_related("project").get(pk=lead.pk)
    try:
        target = LeadStage(to_stage)
    except ValueError:
        raise ValidationError({"stage": f"未知的阶段“{to_stage}”"}) from None
    current = LeadStage(locked.current_stage)
    if current == LeadStage.TERMINATED:
        raise ValidationError({"stage": "线索已终止,不能再变更阶段"})
    if on_date > clock_today():
        raise ValidationError({"occurred_on": f"日期 {on_date} 晚于今天,不能登记未发生的阶段"})
    last = _last_own_date(locked)
    if last and on_date < last and locked.project_id is None:
        raise ValidationError(
            {"occurred_on": f"日期 {on_date} 早于上一阶段“{current.label}”的日期 {last}"}
        )

    if target == LeadStage.TERMINATED:
        if locked.project_id is not None:
            raise ValidationError(
                {"stage": "线索已签约并纳入项目清单,不能终止;请在项目清单中处理该项目"}
            )
        if not reason.strip():
            raise ValidationError({"reason": "终止线索须填写终止原因"})
        locked.terminated_reason = reason.strip()
        return _own_move(actor, locked, target, on_date, note or reason.strip(), lead)

    if target == LeadStage.CONTACT or LEAD_CHAIN.index(target) <= LEAD_CHAIN.index(current):
        raise ValidationError(
            {"stage": f"不能从“{current.label}”变更为“{target.label}”:阶段只能向前推进"}
        )
    if target == LeadStage.NEGOTIATING:
        return _own_move(actor, locked, target, on_date, note, lead)
    if target == LeadStage.SIGNED:
        return _sign(actor, locked, on_date, note, project, project_code, lead)
    # 落地 / 开工 / 投产: the project's history
    if locked.project is None:
        raise ValidationError({"stage": f"线索尚未签约,不能登记“{target.label}”"})
    project_services.project_transition(
        actor=actor,
        project=locked.project,
        to_stage=TO_PROJECT_STAGE[target],
        on_date=on_date,
        note=note,
    )
    return _touch(actor, locked, lead)


def _own_move(actor, locked: Lead, target, on_date, note, original: Lead) -> Lead:
    transition = LeadTransition(
        lead=locked, stage=target, occurred_on=on_date, note=note, recorded_by=actor_user(actor)
    )
    transition.full_clean()
    transition.save()
    locked.stage = target
    return _touch(actor, locked, original)


def _touch(actor, locked: Lead, original: Lead) -> Lead:
    locked.version += 1
    locked.full_clean()
    record_actor(locked, actor)
    locked.save()
    locked.refresh_from_db()
    original.__dict__.update(
        {k: getattr(locked, k) for k in ("stage", "version", "project_id", "terminated_reason")}
    )
    original.__dict__.pop("_project_cache", None)
    original._state.fields_cache.pop("project", None)
    return locked


def _sign(actor, locked: Lead, on_date, note, project, project_code, original) -> Lead:
    if project is not None:
        if (
            actor is not None
            and not Project.objects.restrict(actor, Action.CHANGE).filter(pk=project.pk).exists()
        ):
            raise ValidationError({"project": f"项目“{project.pk}”不存在"})
        if Lead.objects.filter(project=project).exclude(pk=locked.pk).exists():
            raise ValidationError({"project": f"项目“{project.name}”已关联其他招商线索"})
        if project.stage == Stage.PLANNED:
            project_services.project_transition(
                actor=actor, project=project, to_stage=Stage.SIGNED, on_date=on_date, note=note
            )
        elif project.signed_on is None:
            raise ValidationError(
                {"project": f"项目“{project.name}”没有签约记录,不能作为线索的签约项目"}
            )
        # an already signed project: the lead's 签约 is the project's, whatever date was sent
    else:
        project = project_services.project_create(
            actor=actor,
            code=project_code or _project_code(locked, on_date),
            name=locked.name,
            unit=locked.unit,
            category=locked.category,
            total_investment=locked.intended_investment,
            industry_cluster=locked.industry_cluster,
            enterprise_name=locked.enterprise.name,
            leader=locked.official,
            stage_events=[(Stage.SIGNED, on_date)],
        )
    locked.project = project
    locked.stage = LeadStage.SIGNED
    return _touch(actor, locked, original)

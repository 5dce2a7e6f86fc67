"""Every write of the strategy and the parks: keyword-only, one transaction,
``full_clean()`` before saving, the actor (and what changed) in the history. Pillars and
themes are the campaign office's (``MANAGE`` on the campaign's unit); a park is its
unit's office's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gongjian.enterprises.models import Enterprise, IndustryCluster
from gongjian.indicators.models import Campaign, Indicator
from gongjian.kit.history import record_actor, record_reason
from gongjian.kit.scope import Action, require
from gongjian.policies.models import Policy
from gongjian.projects.models import Category, Project, Tag
from gongjian.units.models import Actor, Unit

from .models import Park, Pillar, Theme

PILLAR_FIELDS = ("code", "name", "description", "sort_order")
PARK_FIELDS = ("code", "name", "level", "area_km2", "unit", "latitude", "longitude", "clusters")


def _unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({f: "该字段不能直接设置" for f in sorted(unknown)})


def _by_key(model, field: str, keys: Iterable[str], label: str, qs=None) -> list:
    """The rows of ``model`` whose ``field`` is one of ``keys``; an unknown key is refused
    by name."""
    keys = [k.strip() for k in keys if k and k.strip()]
    rows = {
        getattr(r, field): r
        for r in (qs if qs is not None else model.objects).filter(**{f"{field}__in": keys})
    }
    missing = [k for k in keys if k not in rows]
    if missing:
        raise ValidationError({label: f"{label}不存在:{'、'.join(missing)}"})
    return [rows[k] for k in dict.fromkeys(keys)]


# --- pillars and themes ---------------------------------------------------------------


@transaction.atomic
def pillar_save(
    *,
    actor: Actor,
    campaign: Campaign,
    pillar: Pillar | None = None,
    categories: Sequence[str] = (),
    indicator_codes: Sequence[str] = (),
    tag_slugs: Sequence[str] = (),
    policies: Sequence[Policy] = (),
    **fields: Any,
) -> Pillar:
    """Create or change a pillar of ``campaign`` and set what is assigned to it: project
    categories, tags (its projects), indicators (by code) and policies."""
    require(actor, Action.MANAGE, campaign.root_unit)
    _unknown(fields, PILLAR_FIELDS)
    if pillar is not None and pillar.pk:
        pillar = Pillar.objects.select_for_update().get(pk=pillar.pk)
        if pillar.campaign_id != campaign.pk:
            raise ValidationError({"campaign": "该支柱不属于此攻坚年度"})
    pillar = pillar or Pillar(campaign=campaign)
    for name, value in fields.items():
        setattr(pillar, name, value.strip() if isinstance(value, str) else value)
    known = set(Category.values)
    wrong = [c for c in categories if c not in known]
    if wrong:
        raise ValidationError({"categories": f"未知的项目类别:{'、'.join(wrong)}"})
    pillar.categories = list(dict.fromkeys(categories))
    indicators = _by_key(Indicator, "code", indicator_codes, "指标")
    tags = _by_key(Tag, "slug", tag_slugs, "标签")
    for policy in policies:
        require(actor, Action.VIEW, policy)
    pillar.full_clean()
    record_actor(pillar, actor)
    record_reason(
        pillar,
        f"指标 {len(indicators)} 项、标签 {len(tags)} 个、政策 {len(policies)} 项",
    )
    pillar.save()
    pillar.indicators.set(indicators)
    pillar.tags.set(tags)
    pillar.policies.set(list(policies))
    return pillar


@transaction.atomic
def pillar_delete(*, actor: Actor, pillar: Pillar) -> None:
    require(actor, Action.MANAGE, pillar.campaign.root_unit)
    record_actor(pillar, actor)
    pillar.delete()


def parse_terms(text: str) -> list[str]:
    """Terms typed one per line or separated by 、,; blanks dropped, each once."""
    for sep in "、,,;;\n\r\t":
        text = text.replace(sep, " ")
    return list(dict.fromkeys(t for t in text.split(" ") if t))


@transaction.atomic
def theme_save(
    *,
    actor: Actor,
    campaign: Campaign,
    theme: Theme | None = None,
    name: str,
    terms: Sequence[str],
    sort_order: int = 0,
) -> Theme:
    """Create or change a heading of the review and the terms it gathers."""
    require(actor, Action.MANAGE, campaign.root_unit)
    if theme is not None and theme.pk:
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        if theme.campaign_id != campaign.pk:
            raise ValidationError({"campaign": "该主题不属于此攻坚年度"})
    theme = theme or Theme(campaign=campaign)
    theme.name = name.strip()
    theme.terms = list(dict.fromkeys(t.strip() for t in terms if t.strip()))
    theme.sort_order = sort_order
    if not theme.terms:
        raise ValidationError({"terms": "请至少填写一个高频词"})
    theme.full_clean()
    record_actor(theme, actor)
    theme.save()
    return theme


@transaction.atomic
def theme_delete(*, actor: Actor, theme: Theme) -> None:
    require(actor, Action.MANAGE, theme.campaign.root_unit)
    record_actor(theme, actor)
    theme.delete()


# --- parks ----------------------------------------------------------------------------


def _decimal(value, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({label: f"{label}:不是数字"}) from None


@transaction.atomic
def park_save(*, actor: Actor, park: Park | None = None, **fields: Any) -> Park:
    """Create or change a park; the actor must run its unit (and, when moving it, the
    unit it leaves)."""
    _unknown(fields, PARK_FIELDS)
    if park is not None and park.pk:
        park = Park.objects.select_for_update().get(pk=park.pk)
        require(actor, Action.MANAGE, park.unit)
    park = park or Park()
    for name in ("area_km2", "latitude", "longitude"):
        if name in fields:
            fields[name] = _decimal(
                fields[name], str(getattr(Park._meta.get_field(name), "verbose_name", name))
            )
    for name, value in fields.items():
        setattr(park, name, value.strip() if isinstance(value, str) else value)
    if park.unit_id is None:
        raise ValidationError({"unit": "请选择园区所属单位"})
    require(actor, Action.MANAGE, park.unit)
    park.full_clean()
    record_actor(park, actor)
    park.save()
    return park


@transaction.atomic
def park_link_projects(*, actor: Actor, park: Park, codes: Sequence[str]) -> Park:
    """Set the park's projects by their codes: each must be a project of the park's unit
    the actor may change."""
    park = Park.objects.select_for_update().get(pk=park.pk)
    require(actor, Action.MANAGE, park.unit)
    qs = Project.objects.restrict(actor, Action.CHANGE).in_subtree(park.unit)
    projects = _by_key(Project, "code", codes, "项目编码", qs=qs)
    record_actor(park, actor)
    record_reason(park, f"园区项目 {len(projects)} 个")
    park.save()
    park.projects.set(projects)
    return park


@transaction.atomic
def park_link_enterprises(*, actor: Actor, park: Park, credit_codes: Sequence[str]) -> Park:
    """Set the park's enterprises by their 统一社会信用代码."""
    park = Park.objects.select_for_update().get(pk=park.pk)
    require(actor, Action.MANAGE, park.unit)
    qs = Enterprise.objects.restrict(actor, Action.VIEW).filter(
        unit__path__startswith=park.unit.path
    )
    enterprises = _by_key(Enterprise, "credit_code", credit_codes, "统一社会信用代码", qs=qs)
    record_actor(park, actor)
    record_reason(park, f"入园企业 {len(enterprises)} 户")
    park.save()
    park.enterprises.set(enterprises)
    return park


@transaction.atomic
def cluster_track_set(*, actor: Actor, cluster: IndustryCluster, track: str) -> IndustryCluster:
    """Set an industrial cluster's place in the strategy (重点发展 / 重点培育)."""
    cluster = IndustryCluster.objects.select_for_update().get(pk=cluster.pk)
    assert cluster.unit is not None
    require(actor, Action.MANAGE, cluster.unit)
    cluster.track = track
    cluster.full_clean()
    record_actor(cluster, actor)
    cluster.save()
    return cluster


def units_for_parks(actor: Actor) -> list[Unit]:
    """The units the actor may run parks in."""
    return list(Unit.objects.restrict(actor, Action.MANAGE).order_by("path"))

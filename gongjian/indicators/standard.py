"""A city's standard campaign: the standard indicator set, a year's campaign, and the
rollover of a year into the next.

- ``define_indicators``: the definitions of ``data/standard-indicators.yaml`` (the
  indicator set every city starts with; the Jinzhou demo reproduces its figures with
  them). Indicators are instance-wide rows: one set serves every city and every year.
- ``campaign_create``: a city's Campaign of a year, with the model's default thresholds;
  ``campaign_update``: the office changes its settings (年度设置) on the page.
- ``campaign_rollover``: next year's campaigns from this year's — thresholds and 赛马
  schemes copied, targets proposed only when asked (last year's × a factor).

What a rollover does not need to carry: the projects. A project is on a year's list by
its dated stage events, not by a per-year row (the projects registry's ``active`` rule:
its first event — 签约, 落地, 开工 — by the period's end, and not completed or in
production before the period began). A project started in 2024 and not completed is on
the 2025 list as 续建 by itself; registering its 复工 in 2025 counts it among 2025's
开复工 (event ``started_or_resumed``). The indicators stay as they are for the same
reason: they are defined once for every year.

Each write checks its actor (a user or ``SYSTEM``) like the app's ``services``, and
nothing of the earlier year is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from gongjian.kit.history import record_actor
from gongjian.kit.scope import SYSTEM, Action, require
from gongjian.units.models import Actor, Unit

from . import services as indicator_services
from .models import Campaign, Indicator, RankingItem, RankingScheme, Target

STANDARD_FILE = Path(__file__).parent / "data" / "standard-indicators.yaml"
LINKS = (("base", "base_indicator"), ("denominator", "denominator"), ("weight", "weight"))


def standard_rows() -> list[dict[str, Any]]:
    """The rows of the standard file, in file order (each a fresh dict)."""
    rows = yaml.safe_load(STANDARD_FILE.read_text(encoding="utf-8"))["indicators"]
    return [dict(row) for row in rows]


def standard_codes() -> list[str]:
    """The codes of the standard set a city is given: every row without a fixed unit
    (and without a reference to a row that has one)."""
    codes: list[str] = []
    for row in standard_rows():
        refs = [row[key] for key, _field in LINKS if key in row]
        if not row.get("fixed_unit") and all(ref in codes for ref in refs):
            codes.append(row["code"])
    return codes


def define_indicators(
    units_by_code: dict[str, Unit], *, actor: Actor = SYSTEM, keep_existing: bool = False
) -> dict[str, Indicator]:
    """The standard definitions by code, in file order; those whose fixed unit is not
    among ``units_by_code`` (pass ``{}`` to leave out every unit-specific row), or that
    refer to a left-out indicator, are left out. An existing definition is updated to the
    file's (the demo's load), or with ``keep_existing`` kept as it is (an office may have
    changed it since)."""
    existing = {i.code: i for i in Indicator.objects.all()} if keep_existing else {}
    defined: dict[str, Indicator] = {}
    for order, row in enumerate(standard_rows(), start=1):
        code = row.pop("code")
        fixed = row.pop("fixed_unit", None)
        refs = {field: row.pop(key) for key, field in LINKS if key in row}
        if (fixed and fixed not in units_by_code) or any(r not in defined for r in refs.values()):
            continue
        if code in existing:
            defined[code] = existing[code]
            continue
        defined[code] = indicator_services.indicator_define(
            actor=actor,
            code=code,
            sort_order=order,
            fixed_unit=units_by_code[fixed] if fixed else None,
            **{field: defined.get(ref) for field, ref in refs.items()},
            **{field: None for _key, field in LINKS if field not in refs},
            **row,
        )
    return defined


def standard_indicators_define(*, actor: Actor) -> list[str]:
    """Define the standard set where it is missing (an existing definition is kept);
    the codes defined now."""
    before = set(Indicator.objects.values_list("code", flat=True))
    define_indicators({}, actor=actor, keep_existing=True)
    return [code for code in standard_codes() if code not in before]


# --- campaigns ---------------------------------------------------------------------------


def campaign_name(unit: Unit, year: int) -> str:
    """``2025 葫芦岛攻坚``: the year and the unit's short name (the demo's style)."""
    short = unit.name[:-1] if len(unit.name) > 2 and unit.name.endswith("市") else unit.name
    return f"{year} {short}攻坚"


@transaction.atomic
def campaign_create(
    *, actor: Actor, root_unit: Unit, year: int, name: str = "", **fields: Any
) -> Campaign:
    """The year's campaign of ``root_unit`` (its office, or the system); thresholds not
    given take the model's defaults. A second campaign of the same unit and year is
    refused."""
    require(actor, Action.MANAGE, root_unit)
    campaign = Campaign(
        root_unit=root_unit, year=year, name=name or campaign_name(root_unit, year), **fields
    )
    campaign.full_clean()
    record_actor(campaign, actor)
    campaign.save()
    return campaign


CAMPAIGN_SETTINGS = (
    "reporting_date",
    "yellow_points",
    "red_points",
    "start_red_months",
    "stats_yellow_months",
    "stats_red_months",
    "funds_yellow_rate",
    "funds_red_rate",
    "report_due_days",
    "problem_escalation_days",
)


def campaign_seen(campaign: Campaign) -> int:
    """The mark of the campaign's settings as a form shows them: its latest history row."""
    latest = campaign.history.order_by("-history_id").values_list("history_id", flat=True)
    return latest.first() or 0


@transaction.atomic
def campaign_update(
    *, actor: Actor, campaign: Campaign, seen: int | None = None, **fields
) -> Campaign:
    """Change the year's settings (thresholds, deadlines, the data date) — the office of
    the campaign's unit. With ``seen`` (``campaign_seen`` when the form was opened), a
    campaign someone saved in the meantime is refused and nothing is changed."""
    require(actor, Action.MANAGE, campaign.root_unit)
    unknown = set(fields) - set(CAMPAIGN_SETTINGS)
    if unknown:
        raise ValidationError({name: "不可修改" for name in sorted(unknown)})
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if seen is not None and campaign_seen(locked) != seen:
        last = locked.history.order_by("-history_id").first()
        who = getattr(last, "history_user", None) if last else None
        when = last.history_date if last else None
        raise ValidationError(
            f"年度设置已被{who or '他人'}于 {when:%Y-%m-%d %H:%M} 修改:请刷新页面后重新修改"
            if when
            else "年度设置已被他人修改:请刷新页面后重新修改"
        )
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, fields[name])
    locked.full_clean()
    record_actor(locked, actor)
    locked.save()
    return locked


# the fields a rollover does not copy: the year's own
NOT_COPIED = frozenset({"id", "year", "name", "reporting_date", "root_unit"})


def _next_name(text: str, from_year: int, to_year: int) -> str:
    if str(from_year) in text:
        return text.replace(str(from_year), str(to_year))
    return f"{to_year} {text}"


def proposed_target(value: Decimal, factor: Decimal, indicator: Indicator) -> Decimal:
    """Last year's target × ``factor``, rounded: an amount in 元 to whole 万元, any
    other figure to last year's own precision (whole counts stay whole, 216.4 km keeps
    its tenth); never below one step."""
    raw = Decimal(value) * factor
    if indicator.display_unit == "元":
        step = Decimal(10_000)
        return max(step, (raw / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)
    exponent = Decimal(value).normalize().as_tuple().exponent
    step = Decimal(1).scaleb(min(0, exponent if isinstance(exponent, int) else 0))
    return max(step, raw.quantize(step, rounding=ROUND_HALF_UP))


@dataclass
class RolloverResult:
    """What a rollover created (and what it found already there), as lines to show."""

    lines: list[str] = field(default_factory=list)
    created: int = 0

    @property
    def changed(self) -> bool:
        return self.created > 0


@transaction.atomic
def campaign_rollover(
    *,
    actor: Actor,
    from_year: int,
    to_year: int,
    unit: Unit | None = None,
    factor: Decimal | None = None,
) -> RolloverResult:
    """Next year's campaign of each campaign of ``from_year`` the actor manages (within
    ``unit``'s subtree when given): the thresholds copied, the 赛马 schemes of the
    campaign's tree copied to ``to_year`` with their items, and — only with ``factor`` —
    each target of ``from_year`` proposed for ``to_year`` as last year's × factor
    (``proposed_target``). What ``to_year`` already has is kept (a second run creates
    nothing); nothing of ``from_year`` is changed. The indicators and the projects need
    no copy (see the module's docstring)."""
    if to_year <= from_year:
        raise ValidationError(f"新年度({to_year})须晚于原年度({from_year})")
    if factor is not None and factor <= 0:
        raise ValidationError(f"目标系数须大于 0(收到 {factor})")
    found = (
        Campaign.objects.restrict(actor, Action.MANAGE)
        .filter(year=from_year)
        .select_related("root_unit")
        .order_by("root_unit__path")
    )
    if unit is not None:
        found = found.filter(root_unit__path__startswith=unit.path)
    campaigns = list(found)
    if not campaigns:
        where = f"“{unit.name}”" if unit is not None else "您管理的单位"
        raise ValidationError(f"{where}没有 {from_year} 年度的攻坚,无法结转")
    result = RolloverResult()
    for old in campaigns:
        _roll_campaign(actor, old, to_year, factor, result)
    return result


def _roll_campaign(
    actor: Actor, old: Campaign, to_year: int, factor: Decimal | None, result: RolloverResult
) -> None:
    root = old.root_unit
    lines = result.lines
    new = Campaign.objects.filter(root_unit=root, year=to_year).first()
    if new is None:
        copied = {
            f.name: getattr(old, f.name)
            for f in Campaign._meta.concrete_fields
            if f.name not in NOT_COPIED and not f.primary_key
        }
        new = campaign_create(
            actor=actor,
            root_unit=root,
            year=to_year,
            name=_next_name(old.name, old.year, to_year),
            **copied,
        )
        result.created += 1
        lines.append(f"{root.name}:已创建“{new.name}”,阈值沿用 {old.year} 年")
    else:
        lines.append(f"{root.name}:“{new.name}”已存在,未改动")

    # 赛马 schemes of the campaign's tree, with their items
    schemes = RankingScheme.objects.filter(
        year=old.year, parent_unit__path__startswith=root.path
    ).order_by("code")
    copied_schemes, kept_schemes = [], []
    for scheme in schemes:
        code = _next_code(scheme.code, old.year, to_year)
        if RankingScheme.objects.filter(code=code).exists():
            kept_schemes.append(code)
            continue
        copy = RankingScheme(
            code=code,
            name=_next_name(scheme.name, old.year, to_year),
            year=to_year,
            parent_unit=scheme.parent_unit,
            unit_kinds=list(scheme.unit_kinds or []),
        )
        require(actor, Action.MANAGE, scheme.parent_unit)
        copy.full_clean()
        record_actor(copy, actor)
        copy.save()
        for item in scheme.items.order_by("pk"):
            values = {
                f.name: getattr(item, f.name)
                for f in RankingItem._meta.concrete_fields
                if f.name not in ("id", "scheme")
            }
            row = RankingItem(scheme=copy, **values)
            row.full_clean()
            record_actor(row, actor)
            row.save()
        copied_schemes.append(copy.name)
        result.created += 1
    if copied_schemes:
        lines.append(f"  赛马方案:已复制 {len(copied_schemes)} 个({'、'.join(copied_schemes)})")
    elif kept_schemes:
        lines.append(f"  赛马方案:{len(kept_schemes)} 个已存在,未改动")
    else:
        lines.append(f"  赛马方案:{old.year} 年没有赛马方案")

    # targets: only on request, never over one already set
    targets = Target.objects.filter(year=old.year, unit__path__startswith=root.path)
    if factor is None:
        count = targets.count()
        lines.append(
            f"  目标任务:未复制({old.year} 年 {count} 项;需要按上年目标乘系数生成建议值时指定系数)"
        )
    else:
        have = set(
            Target.objects.filter(year=to_year, unit__path__startswith=root.path).values_list(
                "indicator_id", "unit_id"
            )
        )
        made = 0
        for target in targets.select_related("indicator", "unit").order_by("unit__path", "pk"):
            if (target.indicator_id, target.unit_id) in have:
                continue
            indicator_services.target_set(
                actor=actor,
                indicator=target.indicator,
                unit=target.unit,
                year=to_year,
                value=proposed_target(target.value, factor, target.indicator),
            )
            made += 1
        result.created += made
        lines.append(
            f"  目标任务:按 {old.year} 年目标 × {factor} 生成 {made} 项建议值"
            + (f"({len(have)} 项已有目标,未改动)" if have else "")
        )


def _next_code(code: str, from_year: int, to_year: int) -> str:
    if str(from_year) in code:
        return code.replace(str(from_year), str(to_year))
    return f"{code}-{to_year}"

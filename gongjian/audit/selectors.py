"""Reads over every history table at once: the office's audit list, its Excel export,
and the per-object history shown on object pages.

One list is built from all of simple-history's models with a ``UNION ALL`` of the
same columns (the ``HistoryContext`` base gives every table the unit path and the
object's name), filtered inside each part, ordered by time. The before/after of a page
of rows costs two queries per table that appears on the page (the rows and their
predecessors) and one per related model named in the changes — never one per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from gongjian.kit.history import HistoryContext, Labels, describe_changes
from gongjian.kit.scope import Action, paths_q, principal
from gongjian.units.models import Membership, Unit, User

ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
COLUMNS = (
    "history_id",
    "history_date",
    "history_type",
    "history_user_id",
    "history_object_repr",
    "history_unit_path",
    "history_ip",
    "history_user_agent",
    "history_change_reason",
    "audit_object_id",
    "audit_source",
)


@dataclass(frozen=True)
class Source:
    """One registry model with history: ``key`` is its ``app_label.model_name``."""

    key: str
    label: str
    model: Any
    history: Any


@cache
def sources() -> dict[str, Source]:
    found = {}
    for model in apps.get_models():
        attr = getattr(model._meta, "simple_history_manager_attribute", None)
        if not attr:
            continue
        history = getattr(model, attr).model
        if not issubclass(history, HistoryContext):
            continue
        found[model._meta.label_lower] = Source(
            model._meta.label_lower, str(model._meta.verbose_name), model, history
        )
    return dict(sorted(found.items(), key=lambda kv: (kv[1].model._meta.app_label, kv[0])))


@dataclass
class AuditFilter:
    """What the office narrows the list by; every field optional."""

    source: str = ""
    user: User | None = None
    unit: Unit | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    q: str = ""

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.user is not None:
            qs = qs.filter(history_user_id=self.user.pk)
        if self.unit is not None:
            qs = qs.filter(history_unit_path__startswith=self.unit.path)
        if self.date_from is not None:
            qs = qs.filter(history_date__gte=_day_start(self.date_from))
        if self.date_to is not None:
            qs = qs.filter(history_date__lt=_day_start(self.date_to + dt.timedelta(days=1)))
        if self.action in ACTIONS:
            qs = qs.filter(history_type=self.action)
        if self.q:
            qs = qs.filter(history_object_repr__icontains=self.q)
        return qs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def scope_of(user) -> Q | None:
    """The history rows ``user`` (an office) may read: those of the units it manages, and
    of rows no unit owns (shared configuration) the changes its own people made; None for
    a user who reaches everything."""
    who = principal(user)
    if who.everything:
        return None
    paths = who.paths(Action.MANAGE)
    if not paths:
        return Q(pk__in=[])
    own = reduce(or_, (Q(history_unit_path__startswith=p) for p in paths))
    people = Membership.objects.filter(paths_q(paths, "unit")).values("user_id")
    return own | Q(history_unit_path="", history_user_id__in=people)


def history_rows(flt: AuditFilter, user) -> QuerySet:
    """Every history row the filter lets through among those ``user`` may read, newest
    first, as dicts of ``COLUMNS``."""
    chosen = [sources()[flt.source]] if flt.source in sources() else list(sources().values())
    scope = scope_of(user)
    parts = [
        flt.apply(src.history.objects.filter(*([scope] if scope is not None else [])).order_by())
        .annotate(audit_source=Value(src.key, output_field=CharField()), audit_object_id=F("id"))
        .values(*COLUMNS)
        for src in chosen
    ]
    qs = parts[0]
    if len(parts) > 1:
        qs = qs.union(*parts[1:], all=True)
    return qs.order_by("-history_date", "-history_id")


@dataclass
class AuditEntry:
    """One history row with its before/after, ready for the page and the sheet."""

    source: Source
    history_id: int
    object_id: int
    at: dt.datetime
    action: str
    user: User | None
    object_repr: str
    ip: str
    user_agent: str
    reason: str
    changes: list[dict] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        from django.utils.translation import gettext

        return gettext(ACTIONS[self.action]) if self.action in ACTIONS else self.action


def entries(rows: list[dict]) -> list[AuditEntry]:
    """Turn a page of ``history_rows`` into entries with the changed fields' before/after."""
    users = {u.pk: u for u in User.objects.filter(pk__in={r["history_user_id"] for r in rows})}
    by_source: dict[str, list[int]] = {}
    for r in rows:
        by_source.setdefault(r["audit_source"], []).append(r["history_id"])
    pairs: dict[tuple[str, int], tuple] = {}
    for key, ids in by_source.items():
        history = sources()[key].history
        previous = (
            history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        records = list(
            history.objects.filter(history_id__in=ids).annotate(prev_id=Subquery(previous))
        )
        prev_ids = [r.prev_id for r in records if r.prev_id is not None]
        older = {r.history_id: r for r in history.objects.filter(history_id__in=prev_ids)}
        for r in records:
            pairs[(key, r.history_id)] = (r, older.get(r.prev_id))
    order = [(r["audit_source"], r["history_id"]) for r in rows]
    described = describe_changes([pairs[k] for k in order], Labels())
    out = []
    for r, changes in zip(rows, described, strict=True):
        if r["history_type"] == "-":
            changes = []
        out.append(
            AuditEntry(
                source=sources()[r["audit_source"]],
                history_id=r["history_id"],
                object_id=r["audit_object_id"],
                at=timezone.localtime(r["history_date"]),
                action=r["history_type"],
                user=users.get(r["history_user_id"]),
                object_repr=r["history_object_repr"] or f"#{r['audit_object_id']}",
                ip=r["history_ip"] or "",
                user_agent=r["history_user_agent"] or "",
                reason=r["history_change_reason"] or "",
                changes=changes,
            )
        )
    return out


def iter_entries(
    flt: AuditFilter, user, chunk: int = 500, limit: int = 100_000
) -> Iterator[AuditEntry]:
    """Every entry of the filtered list for the export, a chunk at a time."""
    qs = history_rows(flt, user)
    for start in range(0, limit, chunk):
        rows = list(qs[start : start + chunk])
        if not rows:
            return
        yield from entries(rows)


def object_history(obj, limit: int = 30) -> list[AuditEntry]:
    """The latest changes of one object, newest first (the object pages' 变更记录)."""
    attr = getattr(obj._meta, "simple_history_manager_attribute", None)
    if not attr:
        return []
    history = getattr(type(obj), attr).model
    key = obj._meta.label_lower
    records = list(
        history.objects.filter(id=obj.pk).order_by("-history_date", "-history_id")[: limit + 1]
    )
    users = {
        u.pk: u for u in User.objects.filter(pk__in={r.history_user_id for r in records} - {None})
    }
    pairs = [(r, records[i + 1] if i + 1 < len(records) else None) for i, r in enumerate(records)]
    pairs = pairs[:limit]  # the extra row fetched is the oldest shown row's predecessor
    described = describe_changes(pairs, Labels())
    return [
        AuditEntry(
            source=sources()[key],
            history_id=r.history_id,
            object_id=obj.pk,
            at=timezone.localtime(r.history_date),
            action=r.history_type,
            user=users.get(r.history_user_id),
            object_repr=r.history_object_repr or str(obj),
            ip=r.history_ip or "",
            user_agent=r.history_user_agent or "",
            reason=r.history_change_reason or "",
            changes=[] if r.history_type == "-" else changes,
        )
        for (r, _older), changes in zip(pairs, described, strict=True)
    ]

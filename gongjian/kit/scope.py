"""Row scope: which rows a user may see, change or manage — the only place it is decided.

Use it whenever a view, API endpoint, export, report, search or service reads or writes
rows on someone's behalf:

- ``Model.objects.restrict(user, Action.VIEW)`` (a ``RestrictedQuerySet``) gives the rows
  ``user`` may see; ``Action.CHANGE`` those they may change; ``Action.MANAGE`` those an
  office may configure, approve or supervise. An object outside the result answers 404,
  exactly like a missing one.
- ``allows(user, action, obj)`` / ``require(user, action, obj)`` decide for one object or
  one unit (``require`` raises ``PermissionDenied`` with a Chinese message).
- ``holds(user, action)``: whether the user holds ``action`` anywhere (menus, office pages).

Each model declares how it is owned, as data (NetBox's ``RestrictedQuerySet``; the
declaration also names the unit and object its change-log rows belong to,
``kit.history``)::

    class Project(models.Model):
        ownership = Ownership(units=("unit",), leaders=("leader",))

A role held in a unit covers the unit's whole subtree — the office role included: a
city's office manages its city, a province's office its province; only a superuser
and the explicit ``SYSTEM`` actor (commands, the demo loader, scheduled jobs) reach
everything. Which actions each role grants is the units app's business: it registers
the function that turns a user into a ``Principal`` (``set_principal_source``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from operator import or_
from typing import Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q


def path_ids(path: str) -> list[int]:
    """The primary keys of the units on a materialised path (``"1/7/42/"``), root first:
    the unit and every unit above it."""
    return [int(pk) for pk in path.split("/") if pk]


class Action(StrEnum):
    VIEW = "view"  # read the rows
    CHANGE = "change"  # create and change the rows (operators and the office)
    MANAGE = "manage"  # configure, approve, supervise (the office)


@dataclass(frozen=True)
class Ownership:
    """How a model's rows are owned: declared once on the model as ``ownership``.

    - ``units``: lookups from the row to the unit(s) owning it (``"unit"``,
      ``"project__unit"``); a role covering any of them covers the row.
    - ``leaders``: lookups to users who see the row because it is theirs (包保领导).
    - ``members``: lookups to users who see the row as members (a tour's panel).
    - ``above``: a row owned by a unit above the user's is visible too (a city's
      policy applies in its districts; a city's campaign and 赛马 scheme).
    - ``shared``: a row with no owning unit is visible to every signed-in user (an
      indicator that counts for every unit).
    - ``parent``: the object whose change log the row's history belongs to (a report's
      changes show on its project), ``None`` for the row itself.
    """

    units: tuple[str, ...] = ("unit",)
    leaders: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    above: bool = False
    shared: bool = False
    parent: str | None = None

    def unit_of(self, obj: models.Model) -> Any:
        """The first owning unit of ``obj`` (following ``units`` in turn), or None."""
        found = self.units_of(obj)
        return found[0] if found else None

    def units_of(self, obj: models.Model) -> list[Any]:
        """The units owning ``obj`` (single-valued lookups only)."""
        found = [obj if lookup == "self" else follow(obj, lookup) for lookup in self.units]
        return [u for u in found if u is not None and hasattr(u, "path")]


def follow(obj: Any, lookup: str) -> Any:
    """``obj.a.b`` for ``"a__b"``, None where a link is empty (reads ``<fk>_id`` first so
    an empty link costs no query)."""
    for name in lookup.split("__"):
        if obj is None:
            return None
        if getattr(obj, f"{name}_id", 0) is None:
            return None
        obj = getattr(obj, name, None)
    return obj


def ownership_of(model: type[models.Model]) -> Ownership:
    found = getattr(model, "ownership", None)
    if not isinstance(found, Ownership):
        raise TypeError(f"{model.__name__} declares no ownership (kit.scope.Ownership)")
    return found


# --- who the user is ------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """What a user holds: for each unit path (a subtree), the actions granted there, and
    the names of the roles held (for menus)."""

    user_id: int | None
    everything: bool = False
    grants: tuple[tuple[str, frozenset[Action]], ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    def paths(self, action: Action) -> list[str]:
        return sorted({path for path, actions in self.grants if action in actions})

    def covers(self, action: Action, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths(action))

    def holds(self, action: Action) -> bool:
        return self.everything or bool(self.paths(action))

    def above_ids(self, action: Action) -> set[int]:
        """Primary keys of the units above (and at) each unit the action is granted in."""
        ids: set[int] = set()
        for path in self.paths(action):
            ids.update(path_ids(path))
        return ids


NOBODY = Principal(user_id=None)


class SystemActor:
    """The system itself as the actor of a write: a management command, the demo loader,
    a scheduled job. Passes every scope check and is recorded as no user in history.
    Services take ``actor: User | SystemActor`` — never ``None``."""

    pk = None
    id = None
    username = "system"
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False

    def __str__(self) -> str:
        return "系统"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

_source: Callable[[Any], Principal] | None = None


def set_principal_source(source: Callable[[Any], Principal]) -> None:
    """Register how a signed-in user becomes a ``Principal`` (the units app, in ready())."""
    global _source
    _source = source


def principal(user: Any) -> Principal:
    """``user``'s principal, cached on the user object for the request."""
    if user is None:
        return NOBODY
    if isinstance(user, SystemActor):
        return Principal(user_id=None, everything=True, roles=frozenset({"system"}))
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOBODY
    cached = getattr(user, "_gongjian_principal", None)
    if cached is not None:
        return cached
    if _source is None:
        raise RuntimeError("no principal source registered (the units app registers it)")
    found = _source(user)
    user._gongjian_principal = found
    return found


def forget(user: Any) -> None:
    """Drop the cached principal (after a membership of ``user`` changed)."""
    if user is not None and hasattr(user, "_gongjian_principal"):
        del user._gongjian_principal


# --- rows ------------------------------------------------------------------------------


def paths_q(paths: Iterable[str], unit_lookup: str) -> Q:
    """Rows whose ``unit_lookup`` unit lies in any of the subtrees ``paths``; none when empty
    (``"self"``: the unit rows themselves)."""
    field = "path" if unit_lookup == "self" else f"{unit_lookup}__path"
    wanted = [Q(**{f"{field}__startswith": p}) for p in paths]
    if not wanted:
        return Q(pk__in=[])
    return reduce(or_, wanted)


def _spans_many(model: type[models.Model], lookup: str) -> bool:
    """Whether ``lookup`` goes through a to-many relation (a condition on it would repeat
    rows, so it is asked as ``pk IN (…)`` instead)."""
    opts = model._meta
    for name in lookup.split("__"):
        try:
            f = opts.get_field(name)
        except Exception:  # noqa: BLE001 - a plain attribute ends the walk
            return False
        if f.many_to_many or f.one_to_many:
            return True
        if not f.is_relation or f.related_model is None:
            return False
        opts = f.related_model._meta
    return False


def _condition(model: type[models.Model], lookup: str, q: Q) -> Q:
    if _spans_many(model, lookup):
        return Q(pk__in=model._base_manager.filter(q).values("pk"))
    return q


def scope_q(
    model: type[models.Model], user: Any, action: Action = Action.VIEW, *, unit_field: str = ""
) -> Q | None:
    """The condition restricting ``model``'s rows to ``user``'s scope for ``action``;
    ``None`` when the user reaches every row. ``unit_field`` is for the Unit model itself
    (its own path)."""
    who = principal(user)
    if who.everything:
        return None
    if who.user_id is None:
        return Q(pk__in=[])
    own = ownership_of(model)
    paths = who.paths(action)
    conditions = [_condition(model, lookup, paths_q(paths, lookup)) for lookup in own.units]
    if action == Action.VIEW:
        for lookup in own.leaders + own.members:
            conditions.append(_condition(model, lookup, Q(**{lookup: who.user_id})))
        if own.above and paths:
            above = who.above_ids(action)
            for lookup in own.units:
                q = Q(pk__in=above) if lookup == "self" else Q(**{f"{lookup}__in": above})
                conditions.append(_condition(model, lookup, q))
        if own.shared:
            conditions.append(Q(**{f"{own.units[0]}__isnull": True}))
    return reduce(or_, conditions)


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows its model's ``ownership``: ``restrict(user, action)``."""

    def restrict(self, user: Any, action: Action = Action.VIEW) -> Self:
        condition = scope_q(self.model, user, action)
        return self if condition is None else self.filter(condition)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def restrict(queryset: models.QuerySet, user: Any, action: Action = Action.VIEW) -> Any:
    """``queryset.restrict(user, action)`` for a queryset of any manager."""
    condition = scope_q(queryset.model, user, action)
    return queryset if condition is None else queryset.filter(condition)


# --- one object -------------------------------------------------------------------------


def _is_unit(obj: Any) -> bool:
    return getattr(type(obj), "ownership", None) is not None and ownership_of(type(obj)).units == (
        "self",
    )


def allows(user: Any, action: Action, obj: Any) -> bool:
    """May ``user`` do ``action`` to ``obj`` — a unit (its subtree's rows) or a row of a
    model with ``ownership``?"""
    who = principal(user)
    if who.everything:
        return True
    if who.user_id is None or obj is None:
        return False
    if _is_unit(obj):
        return who.covers(action, obj.path)
    if not isinstance(getattr(type(obj), "ownership", None), Ownership):
        # what the instance shares (tags, the calendar …): seen by every signed-in user,
        # managed by the office of a top unit
        return action == Action.VIEW or manages_shared(user)
    own = ownership_of(type(obj))
    model = type(obj)
    if obj.pk is not None and any(_spans_many(model, lookup) for lookup in own.units):
        # owned through a to-many relation (a person through their memberships): ask the
        # database, as ``restrict`` would
        condition = scope_q(model, user, action)
        return condition is None or model._base_manager.filter(condition, pk=obj.pk).exists()
    units = own.units_of(obj)
    if any(who.covers(action, u.path) for u in units):
        return True
    if action != Action.VIEW:
        return False
    for lookup in own.leaders:
        if getattr(follow(obj, lookup), "pk", None) == who.user_id:
            return True
    if own.members and obj.pk is not None:
        for lookup in own.members:
            if type(obj)._base_manager.filter(pk=obj.pk, **{lookup: who.user_id}).exists():
                return True
    if own.above and any(u.pk in who.above_ids(action) for u in units):
        return True
    return own.shared and not units


def require(user: Any, action: Action, obj: Any) -> None:
    """Refuse (``PermissionDenied``, in Chinese) what ``allows`` does not allow."""
    if allows(user, action, obj):
        return
    unit = obj if _is_unit(obj) else (ownership_of(type(obj)).unit_of(obj) if obj else None)
    if action == Action.VIEW:
        raise PermissionDenied(f"无权查看“{unit or obj}”的数据")
    if action == Action.MANAGE:
        raise PermissionDenied(f"只有攻坚办可以进行此操作(“{unit or obj}”)")
    raise PermissionDenied(f"无权修改“{unit or obj}”的数据")


def manages_shared(user: Any) -> bool:
    """Whether ``user`` may manage what the whole instance shares (the 21152 thresholds,
    an indicator that counts for every unit, the holiday calendar): the office of a top
    unit, a superuser or the system."""
    who = principal(user)
    return who.everything or any(p.count("/") == 1 for p in who.paths(Action.MANAGE))


def holds(user: Any, action: Action) -> bool:
    """Whether ``user`` holds ``action`` in some unit (e.g. MANAGE: is an office)."""
    return principal(user).holds(action)


def has_role(user: Any, role: str) -> bool:
    who = principal(user)
    return who.everything or role in who.roles

"""Reads about units and what a user may see or change.

Scope rule: a role held in a unit covers the unit's whole subtree. Office
admins (and superusers) see everything. Leaders additionally see the projects
they are 包保 for (that part lives in ``projects.models.ProjectQuerySet``);
a leader role alone opens no subtree.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .models import Membership, Role, Unit, User

# A leader's membership says where the leader belongs; it does not open the unit's
# subtree: a 包保 leader sees the projects assigned to them (ProjectQuerySet).
READ_ROLES = (Role.OFFICE, Role.OPERATOR, Role.VIEWER)
WRITE_ROLES = (Role.OFFICE, Role.OPERATOR)


def _memberships(user: User) -> list[tuple[str, str]]:
    """(role, unit path) pairs of a user, cached on the user object for the request."""
    cached = getattr(user, "_gongjian_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, unit__is_active=True).values_list(
                "role", "unit__path"
            )
        )
        user._gongjian_memberships = cached
    return cached


def is_office(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(role == Role.OFFICE for role, _ in _memberships(user))


def scope_paths(user: User, roles=READ_ROLES) -> list[str]:
    """Unit paths whose subtrees the user holds one of ``roles`` in."""
    if not user.is_authenticated or not user.is_active:
        return []
    return sorted({path for role, path in _memberships(user) if role in roles})


def path_q(paths: list[str], field: str = "unit__path") -> Q:
    """A Q matching rows whose ``field`` starts with any of ``paths``; none when empty."""
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def units_visible_to(user: User):
    if is_office(user):
        return Unit.objects.all()
    return Unit.objects.filter(path_q(scope_paths(user), field="path"))


def can_write_unit(user: User, unit: Unit) -> bool:
    """May ``user`` create or change rows owned by ``unit``?"""
    if is_office(user):
        return True
    return any(unit.path.startswith(p) for p in scope_paths(user, WRITE_ROLES))


def require_write(user: User | None, unit: Unit) -> None:
    """Refuse (PermissionDenied) a write by ``user`` to rows owned by ``unit``;
    ``None`` is the system itself (demo loader, commands)."""
    if user is not None and not can_write_unit(user, unit):
        raise PermissionDenied(f"无权修改“{unit}”的数据")


def root_unit() -> Unit | None:
    """The top unit of the campaign (the city), if any."""
    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def unit_resolve(ref: str | int) -> Unit | None:
    """Find a unit by primary key, division code or exact name."""
    ref = str(ref).strip()
    qs = Unit.objects.all()
    if ref.isdigit():
        if len(ref) == 6:
            found = qs.filter(code=ref).first()
            if found:
                return found
        return qs.filter(pk=int(ref)).first()
    return qs.filter(name=ref).order_by("depth").first()


def login_events(*, kind: str = "", username: str = "", ip: str = ""):
    """The login audit, newest first, filtered by event kind, user name and address."""
    from .models import LoginEvent

    qs = LoginEvent.objects.select_related("user").order_by("-at", "-pk")
    if kind in LoginEvent.Kind.values:
        qs = qs.filter(kind=kind)
    if username:
        qs = qs.filter(username__icontains=username)
    if ip:
        qs = qs.filter(ip_address__startswith=ip) if ":" not in ip else qs.filter(ip_address=ip)
    return qs

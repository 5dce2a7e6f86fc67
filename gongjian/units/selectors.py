"""Reads about units and people, and what each role grants.

A role held in a unit covers the unit's whole subtree (``kit.scope``): 攻坚办 (office)
views, changes and manages it — a city's office its city, a province's office its
province; 填报员 (operator) views and changes it; 查看 (viewer) views it. A 包保 leader's
membership says where the leader belongs and opens no subtree: the leader sees the rows
assigned to them (each model's ``Ownership.leaders``).
"""

from __future__ import annotations

import re
import unicodedata

from django.http import Http404

from gongjian.kit.scope import Action, Principal, paths_q, principal
from gongjian.kit.tabular.imports import Lookup

from .models import LoginEvent, Membership, Role, Unit, User

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.OFFICE: frozenset({Action.VIEW, Action.CHANGE, Action.MANAGE}),
    Role.OPERATOR: frozenset({Action.VIEW, Action.CHANGE}),
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.LEADER: frozenset({Action.VIEW}),
}

NOT_FOUND = "未找到"


def principal_of(user: User) -> Principal:
    """What ``user`` holds (registered as ``kit.scope``'s principal source)."""
    if user.is_superuser:
        return Principal(user_id=user.pk, everything=True, roles=frozenset(ROLE_ACTIONS))
    rows = list(
        Membership.objects.filter(user=user, unit__is_active=True).values_list("role", "unit__path")
    )
    grants = tuple((path, ROLE_ACTIONS.get(role, frozenset())) for role, path in rows)
    return Principal(user_id=user.pk, grants=grants, roles=frozenset(role for role, _ in rows))


def is_office(user: User) -> bool:
    """Whether ``user`` is an office (攻坚办) somewhere (menus, office pages); what the
    office may do is decided per unit by ``kit.scope``."""
    return principal(user).holds(Action.MANAGE)


def top_unit(user: User, action: Action = Action.VIEW) -> Unit | None:
    """The highest unit ``user`` holds ``action`` in (the office's city; a superuser's
    first root unit)."""
    return (
        Unit.objects.restrict(user, action)
        .filter(is_active=True)
        .order_by("depth", "sort_order", "pk")
        .first()
    )


def root_unit() -> Unit | None:
    """The first top unit of the instance: the default of commands run by the system."""
    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def unit_resolve(ref: str | int, queryset=None) -> Unit | None:
    """A unit of ``queryset`` (default: all) by primary key, division code or exact name."""
    ref = str(ref).strip()
    if not ref:
        return None
    qs = queryset if queryset is not None else Unit.objects.all()
    if ref.isdigit():
        if len(ref) == 6:
            found = qs.filter(code=ref).first()
            if found:
                return found
        return qs.filter(pk=int(ref)).first()
    return qs.filter(name=ref).order_by("depth", "pk").first()


def unit_visible_or_404(user: User, ref: str | int | None) -> Unit:
    """The unit ``ref`` names if ``user`` may see it; without ``ref``, the user's own top
    unit. Anything else answers 404."""
    if ref is None or str(ref).strip() == "":
        unit = top_unit(user)
    else:
        unit = unit_resolve(ref, Unit.objects.restrict(user, Action.VIEW))
    if unit is None:
        raise Http404(NOT_FOUND)
    return unit


def login_events(user: User, *, kind: str = "", username: str = "", ip: str = ""):
    """The login audit of ``user``'s units, newest first, filtered by event kind, user
    name and address."""
    qs = (
        LoginEvent.objects.restrict(user, Action.MANAGE)
        .select_related("user")
        .order_by("-at", "-pk")
    )
    if kind in LoginEvent.Kind.values:
        qs = qs.filter(kind=kind)
    if username:
        qs = qs.filter(username__icontains=username)
    if ip:
        qs = qs.filter(ip_address__startswith=ip) if ":" not in ip else qs.filter(ip_address=ip)
    return qs


def compared_units(unit: Unit) -> list[Unit]:
    """The units a page compares side by side: the unit's children that are areas
    (districts, counties, zones), not departments."""
    return list(
        Unit.objects.filter(parent=unit, is_active=True)
        .exclude(kind=Unit.Kind.DEPARTMENT)
        .order_by("sort_order", "pk")
    )


def _trees(user: User) -> list[str] | None:
    """The root paths of the trees (cities, provinces) ``user``'s units lie in; None for
    a user who reaches everything."""
    who = principal(user)
    if who.everything:
        return None
    return sorted({path.split("/", 1)[0] + "/" for path, _ in who.grants})


def units_in_trees(user: User):
    """Every active unit of the trees ``user``'s units lie in: what a form may offer as a
    department or a unit to hand a problem to (a district may name a city department)."""
    roots = _trees(user)
    units = Unit.objects.filter(is_active=True)
    return units if roots is None else units.filter(paths_q(roots, "self"))


def leaders_for(user: User):
    """The 包保 leaders ``user`` may name: holders of the leader role anywhere in the
    trees (cities) of ``user``'s units."""
    roots = _trees(user)
    within = Membership.objects.filter(role=Role.LEADER)
    if roots is not None:
        within = within.filter(paths_q(roots, "unit"))
    return User.objects.filter(is_active=True, pk__in=within.values("user_id"))


_PERSON_RE = re.compile(r"^(.+?)\s*\((.+)\)$")


def _person_text(text: str) -> tuple[str, bool]:
    """The login of ``姓名(登录名)`` as an export writes a person, else the text itself."""
    m = _PERSON_RE.match(unicodedata.normalize("NFKC", text))
    return (m.group(2), True) if m else (text, False)


def sheet_lookups(actor: User) -> dict:
    """Look-ups an import sheet's unit and person columns use for ``actor``: any unit of
    the trees (cities) the actor's units lie in (whether the actor may write for it is the
    service's check), and the people there by name or login."""
    unit = Lookup(units_in_trees(actor), ("name", "code"), "单位", ",请填写 6 位行政区划代码")
    user = Lookup(
        people_in_trees(actor),
        ("full_name", "username"),
        "用户",
        ",请填写登录名",
        parse=_person_text,
    )
    return {"unit": unit, "any_unit": unit, "user": user}


def ambiguous_unit_names() -> set[str]:
    """Unit names several units share (a sheet names those units by their code)."""
    seen: set[str] = set()
    dup: set[str] = set()
    for name in Unit.objects.values_list("name", flat=True):
        (dup if name in seen else seen).add(name)
    return dup


def people_in_trees(user: User):
    """The active people of the trees (cities) ``user``'s units lie in: whom a form may
    name (a panel member, a leader, a person in a sheet)."""
    roots = _trees(user)
    people = User.objects.filter(is_active=True)
    if roots is None:
        return people
    return people.filter(pk__in=Membership.objects.filter(paths_q(roots, "unit")).values("user_id"))

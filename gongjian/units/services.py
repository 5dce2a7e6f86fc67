"""Writes to units, users and memberships."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from gongjian.kit.history import record_actor
from gongjian.kit.scope import SYSTEM, Action, SystemActor, forget, require

from .models import ApiToken, MapConfig, Membership, Role, Unit, User

Actor = User | SystemActor


def unit_paths_refresh(unit: Unit) -> None:
    """Recompute ``path``/``depth`` for ``unit`` and, when it moved, its descendants."""
    old_path = unit.path
    parent = unit.parent
    parent_path = parent.path if parent is not None else ""
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = unit.path.count("/") - 1
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    if old_path and old_path != unit.path:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.depth = child.path.count("/") - 1
            Unit.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    parent: Unit | None = None,
    code: str | None = None,
    sort_order: int = 0,
) -> Unit:
    """Create a unit below ``parent`` (whose office may do it), or a top unit (the system
    or a superuser)."""
    if parent is not None:
        require(actor, Action.MANAGE, parent)
    else:
        _require_everything(actor)
    unit = Unit(name=name, kind=kind, parent=parent, code=code or None, sort_order=sort_order)
    unit.full_clean(exclude=["path", "depth"])
    record_actor(unit, actor)
    unit.save()
    unit_paths_refresh(unit)
    return unit


def _require_everything(actor: Actor) -> None:
    if actor is not SYSTEM and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("只有系统管理员可以创建顶级单位")


@transaction.atomic
def unit_update(*, actor: Actor, unit: Unit, **fields) -> Unit:
    require(actor, Action.MANAGE, unit)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "depth"])
    record_actor(unit, actor)
    unit.save()
    unit_paths_refresh(unit)
    return unit


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str | None = None,
    full_name: str = "",
    title: str = "",
    memberships: Sequence[tuple[Unit, str]] = (),
    is_staff: bool = False,
) -> User:
    user = User(username=username, full_name=full_name, title=title, is_staff=is_staff)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    for unit, role in memberships:
        membership_grant(actor=actor, user=user, unit=unit, role=role)
    return user


OFFICE_GROUP = "攻坚办"
OFFICE_APPS = (
    "units",
    "projects",
    "indicators",
    "enterprises",
    "attraction",
    "reports",
    "review",
    "inspections",
    "appeals",
    "policies",
)


def office_group() -> Group:
    """The permission group of office admins: every permission on the campaign's data,
    so that the Django admin is their data-fixing tool."""
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    wanted = Permission.objects.filter(content_type__app_label__in=OFFICE_APPS)
    missing = wanted.exclude(pk__in=group.permissions.values("pk"))
    if missing.exists():
        group.permissions.add(*missing)
    return group


@transaction.atomic
def membership_grant(*, actor: Actor, user: User, unit: Unit, role: str) -> Membership:
    """Give ``user`` ``role`` in ``unit`` (the unit's office may do it)."""
    require(actor, Action.MANAGE, unit)
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    forget(user)
    if role == Role.OFFICE:
        office_rights(user)
    return membership


def office_rights(user: User) -> None:
    """An office membership brings the office's permission group and the admin site;
    losing the last one takes them away again (a superuser keeps the admin site)."""
    is_office = Membership.objects.filter(user=user, role=Role.OFFICE).exists()
    if is_office:
        user.groups.add(office_group())
    else:
        user.groups.remove(office_group())
    staff = is_office or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def api_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token; the clear key is returned once and never stored."""
    key = "gj_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[3:11], digest=ApiToken.digest_of(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


@transaction.atomic
def map_config_set(
    *,
    actor: Actor,
    unit: Unit,
    map_name: str,
    package_map: str = "",
    geojson: str = "",
) -> MapConfig:
    """Set the district map of ``unit`` (a package map name or an uploaded GeoJSON)."""
    require(actor, Action.MANAGE, unit)
    config = MapConfig.objects.filter(unit=unit).first() or MapConfig(unit=unit)
    config.map_name = map_name
    config.package_map = package_map
    config.geojson = geojson
    config.full_clean()
    record_actor(config, actor)
    config.save()
    return config

"""Writes at a directory sign-in: the profile, the memberships and the directory link."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gongjian.kit.history import record_actor, record_reason
from gongjian.kit.scope import SYSTEM, forget
from gongjian.units.models import Membership, Role, User
from gongjian.units.services import office_rights

from . import mapping
from .models import DirectoryAccount

logger = logging.getLogger(__name__)

NO_MEMBERSHIP = "统一身份认证通过,但目录中没有可对应的单位和角色,请联系攻坚办开通"


@transaction.atomic
def _sync(
    *, user: User, source: str, external_id: str, attributes: Mapping[str, list[str]]
) -> DirectoryAccount:
    reason = f"统一身份认证({DirectoryAccount.Source(source).label})"
    changed = []
    for name, value in mapping.profile(attributes).items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)

    account = DirectoryAccount.objects.filter(user=user).first()
    if account is None:
        # the same directory identity may have been linked to another local user
        DirectoryAccount.objects.filter(source=source, external_id=external_id).delete()
        account = DirectoryAccount(user=user)
    given = mapping.grants(attributes)
    wanted = {(unit.pk, role) for unit, role in given.pairs}
    previously = {(int(unit_id), str(role)) for unit_id, role in account.managed or []}
    held = set(Membership.objects.filter(user=user).values_list("unit_id", "role"))
    was_office = any(role == Role.OFFICE for _, role in held)

    for unit, role in given.pairs:
        if (unit.pk, role) in held:
            continue
        membership = Membership(user=user, unit=unit, role=role)
        membership.full_clean()
        record_actor(membership, SYSTEM)
        record_reason(membership, reason)
        membership.save()
    for membership in Membership.objects.filter(user=user).select_related("unit"):
        key = (membership.unit_id, membership.role)
        if key in previously and key not in wanted:
            record_actor(membership, SYSTEM)
            record_reason(membership, reason)
            membership.delete()
    if was_office != Membership.objects.filter(user=user, role=Role.OFFICE).exists():
        office_rights(user)  # the office's group and the admin site follow the role
    forget(user)

    fields: dict[str, Any] = {
        "source": source,
        "external_id": external_id[:255],
        "attributes": {k: v for k, v in attributes.items() if k.lower() != "userpassword"},
        "managed": sorted([unit_id, role] for unit_id, role in wanted),
        "unmatched": given.unmatched,
    }
    if account.pk is None or any(getattr(account, k) != v for k, v in fields.items()):
        for name, value in fields.items():
            setattr(account, name, value)
        account.full_clean(exclude=["user"])
        record_actor(account, SYSTEM)
        record_reason(account, reason)
        account.save()
    if given.unmatched:
        logger.warning("directory sign-in of %s: no unit or role for %s", user, given.unmatched)
    return account


def directory_sign_in(
    *, user: User, source: str, external_id: str, attributes: Mapping[str, Any] | None
) -> User:
    """Bring ``user`` in line with their directory entry at a sign-in through ``source``
    (``DirectoryAccount.Source``): profile fields, the memberships the directory gives
    (granted and revoked with history, the system as the author) and the directory link.

    Refuses the sign-in (``PermissionDenied``) when the user then holds no role at all:
    a directory user the mapping cannot place sees nothing, and is told so.
    """
    clean = mapping.normalise(attributes)
    _sync(user=user, source=source, external_id=external_id, attributes=clean)
    if not user.is_superuser and not Membership.objects.filter(user=user).exists():
        logger.warning("directory sign-in of %s refused: no unit and role", user)
        raise PermissionDenied(NO_MEMBERSHIP)
    return user

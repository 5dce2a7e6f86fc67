"""From a directory entry to gongjian: one mapping for LDAP, CAS and OpenID Connect.

The entry's attributes (LDAP attributes, CAS attributes, OpenID claims) are read as
``{name: [text, ...]}``; ``settings.GONGJIAN_SSO`` (``sso.conf.mapping_config``) names
the attributes that give the units and the roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from gongjian.units.models import Role, Unit

# the profile fields a sign-in refreshes, each from the first attribute the entry has
PROFILE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "full_name": ("displayName", "cn", "name"),
    "email": ("mail", "email"),
    "title": ("title",),
    "phone": ("telephoneNumber", "mobile", "phone_number"),
}
PROFILE_MAX = {"full_name": 50, "email": 254, "title": 100, "phone": 30}


def normalise(attributes: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """``{name: [text, ...]}`` from whatever shape a protocol hands over (single values,
    lists, bytes); empty values dropped."""
    out: dict[str, list[str]] = {}
    for name, value in (attributes or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        texts = []
        for item in values:
            if item is None:
                continue
            if isinstance(item, bytes):
                try:
                    item = item.decode()
                except UnicodeDecodeError:
                    continue
            text = str(item).strip()
            if text:
                texts.append(text)
        if texts:
            out[str(name)] = texts
    return out


def _values(attributes: Mapping[str, list[str]], name: str) -> list[str]:
    """The values of ``name``, matched without regard to case (LDAP names are not)."""
    if not name:
        return []
    wanted = name.lower()
    return [v for key, values in attributes.items() if key.lower() == wanted for v in values]


def profile(attributes: Mapping[str, list[str]]) -> dict[str, str]:
    """The user's name, e-mail, title and phone as the directory has them."""
    out = {}
    for field_name, names in PROFILE_ATTRIBUTES.items():
        for name in names:
            found = _values(attributes, name)
            if found:
                out[field_name] = found[0][: PROFILE_MAX[field_name]]
                break
    return out


@dataclass
class Grants:
    """What an entry gives: ``(unit, role)`` pairs, and the values nothing matched."""

    pairs: list[tuple[Unit, str]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def add(self, unit: Unit, role: str) -> None:
        if (unit, role) not in self.pairs:
            self.pairs.append((unit, role))


def find_unit(value: str) -> Unit | None:
    """The active unit a directory value names: its 行政区划代码, or its exact name when
    only one unit has it."""
    value = value.strip()
    if re.fullmatch(r"\d{6}", value):
        return Unit.objects.filter(code=value, is_active=True).first()
    named = list(Unit.objects.filter(name=value, is_active=True)[:2])
    return named[0] if len(named) == 1 else None


def find_role(value: str, roles: Mapping[str, str]) -> str | None:
    role = roles.get(value.strip()) or roles.get(value.strip().lower())
    return role if role in Role.values else None


def grants(attributes: Mapping[str, list[str]], config: Mapping[str, Any] | None = None) -> Grants:
    """The memberships a directory entry gives.

    Two ways, both read: the unit attribute (each value a unit) with the role attribute
    (each value a role; the default role when there is none); and group names matching
    the group pattern (``gongjian_520102_operator``: one unit and one role each).
    """
    config = config if config is not None else getattr(settings, "GONGJIAN_SSO")  # noqa: B009
    roles: Mapping[str, str] = config["roles"]
    out = Grants()
    unit_values = _values(attributes, config["unit_attribute"])
    role_values = _values(attributes, config["role_attribute"])
    found_roles = []
    for value in role_values:
        role = find_role(value, roles)
        if role is None:
            out.unmatched.append(f"{config['role_attribute']}={value}")
        elif role not in found_roles:
            found_roles.append(role)
    if not found_roles and not role_values and config["default_role"]:
        found_roles = [config["default_role"]]
    for value in unit_values:
        unit = find_unit(value)
        if unit is None:
            out.unmatched.append(f"{config['unit_attribute']}={value}")
            continue
        for role in found_roles:
            out.add(unit, role)
    pattern = re.compile(config["group_pattern"])
    for value in _group_names(_values(attributes, config["group_attribute"])):
        match = pattern.match(value)
        if match is None:
            continue  # a group that is not about gongjian
        unit = find_unit(match.group("unit"))
        role = find_role(match.group("role"), roles)
        if unit is None or role is None:
            out.unmatched.append(f"{config['group_attribute']}={value}")
            continue
        out.add(unit, role)
    return out


def _group_names(values: Iterable[str]) -> list[str]:
    """Group names; a group given as a DN (``cn=name,ou=groups,…``) by its first RDN's value."""
    names = []
    for value in values:
        head = value.split(",", 1)[0]
        names.append(head.split("=", 1)[1] if "=" in head and "," in value else value)
    return names

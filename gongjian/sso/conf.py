"""The single sign-on settings, read from the environment by ``gongjian/settings.py``.

Each of the three ways to sign in through the government's identity system is
switched on by its own variables and stays off otherwise; local passwords always work:

- LDAP: ``GONGJIAN_LDAP_URI`` (``ldap://host:389``), ``GONGJIAN_LDAP_SEARCH_BASE``, and
  optionally ``GONGJIAN_LDAP_USER_DN_TEMPLATE``, ``GONGJIAN_LDAP_BIND_DN`` /
  ``GONGJIAN_LDAP_BIND_PASSWORD``, ``GONGJIAN_LDAP_USER_ATTRIBUTE``,
  ``GONGJIAN_LDAP_OBJECT_CLASS``, ``GONGJIAN_LDAP_GROUP_SEARCH_BASE``,
  ``GONGJIAN_LDAP_GROUP_FILTER``, ``GONGJIAN_LDAP_START_TLS``, ``GONGJIAN_LDAP_TIMEOUT``.
- CAS: ``GONGJIAN_CAS_URL`` and optionally ``GONGJIAN_CAS_VERSION``, ``GONGJIAN_CAS_LABEL``.
- OpenID Connect: ``GONGJIAN_OIDC_CLIENT_ID``, ``GONGJIAN_OIDC_CLIENT_SECRET``,
  ``GONGJIAN_OIDC_AUTHORIZATION_ENDPOINT``, ``GONGJIAN_OIDC_TOKEN_ENDPOINT``,
  ``GONGJIAN_OIDC_USERINFO_ENDPOINT``, ``GONGJIAN_OIDC_JWKS_ENDPOINT`` and optionally
  ``GONGJIAN_OIDC_SIGN_ALGO``, ``GONGJIAN_OIDC_SCOPES``, ``GONGJIAN_OIDC_USERNAME_CLAIM``,
  ``GONGJIAN_OIDC_LABEL``.

How a directory entry becomes units and roles is the same for the three
(``GONGJIAN_SSO_*``, see ``mapping_config``). This module imports nothing from Django's
app registry: the settings module calls it before the apps are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

LDAP_BACKEND = "gongjian.sso.backends.LDAPBackend"
CAS_BACKEND = "gongjian.sso.backends.CASBackend"
OIDC_BACKEND = "gongjian.sso.backends.OIDCBackend"

# the role codes of ``units.models.Role`` (this module runs before the models load)
ROLE_CODES = ("office", "operator", "leader", "viewer")
# the roles' Chinese names as a directory may hold them
ROLE_LABELS = {
    "攻坚办管理员": "office",
    "单位填报员": "operator",
    "包保领导": "leader",
    "查看": "viewer",
}

DEFAULT_GROUP_PATTERN = r"^gongjian_(?P<unit>.+)_(?P<role>[a-z]+)$"


def _get(environ: Mapping[str, str], name: str, default: str = "") -> str:
    return environ.get(name, "").strip() or default


def _bool(environ: Mapping[str, str], name: str) -> bool:
    value = _get(environ, name).lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def _role(name: str, value: str) -> str:
    role = ROLE_LABELS.get(value, value)
    if role not in ROLE_CODES:
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not a role (expected one of {', '.join(ROLE_CODES)})"
        )
    return role


def mapping_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """How directory attributes become memberships, shared by LDAP, CAS and OIDC.

    - ``GONGJIAN_SSO_UNIT_ATTRIBUTE`` (default ``departmentNumber``): the attribute or
      claim naming the user's unit(s), by 行政区划代码 or by the unit's exact name.
    - ``GONGJIAN_SSO_ROLE_ATTRIBUTE`` (default ``employeeType``): the role held in those
      units; ``GONGJIAN_SSO_DEFAULT_ROLE`` (default ``viewer``, empty for none) when the
      entry names a unit but no role.
    - ``GONGJIAN_SSO_GROUP_ATTRIBUTE`` (default ``groups``) and
      ``GONGJIAN_SSO_GROUP_PATTERN``: group names that each give one unit and one role,
      read with a regular expression whose named groups are ``unit`` and ``role``
      (default ``gongjian_<unit>_<role>``, e.g. ``gongjian_520102_operator``).
    - ``GONGJIAN_SSO_ROLE_MAP``: the directory's own role names,
      ``name=role,name=role`` (e.g. ``admin=office,staff=operator``); the role codes and
      their Chinese names are always understood.
    """
    roles = {code: code for code in ROLE_CODES} | dict(ROLE_LABELS)
    for item in filter(
        None, (part.strip() for part in _get(environ, "GONGJIAN_SSO_ROLE_MAP").split(","))
    ):
        name, sep, role = item.partition("=")
        if not sep or not name.strip():
            raise ImproperlyConfigured(f"GONGJIAN_SSO_ROLE_MAP: {item!r} is not name=role")
        roles[name.strip()] = _role("GONGJIAN_SSO_ROLE_MAP", role.strip())
    pattern = _get(environ, "GONGJIAN_SSO_GROUP_PATTERN", DEFAULT_GROUP_PATTERN)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ImproperlyConfigured(f"GONGJIAN_SSO_GROUP_PATTERN: {exc}") from None
    if not {"unit", "role"} <= set(compiled.groupindex):
        raise ImproperlyConfigured(
            "GONGJIAN_SSO_GROUP_PATTERN needs the named groups (?P<unit>…) and (?P<role>…)"
        )
    default_role = environ.get("GONGJIAN_SSO_DEFAULT_ROLE", "viewer").strip()
    return {
        "unit_attribute": _get(environ, "GONGJIAN_SSO_UNIT_ATTRIBUTE", "departmentNumber"),
        "role_attribute": _get(environ, "GONGJIAN_SSO_ROLE_ATTRIBUTE", "employeeType"),
        "default_role": _role("GONGJIAN_SSO_DEFAULT_ROLE", default_role) if default_role else "",
        "group_attribute": _get(environ, "GONGJIAN_SSO_GROUP_ATTRIBUTE", "groups"),
        "group_pattern": pattern,
        "roles": roles,
    }


def _require(environ: Mapping[str, str], names: tuple[str, ...], what: str) -> None:
    missing = [name for name in names if not _get(environ, name)]
    if missing:
        raise ImproperlyConfigured(f"{what} needs {', '.join(missing)}")


def ldap_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """django-python3-ldap's settings (pure Python over ldap3: no C headers to build)."""
    _require(environ, ("GONGJIAN_LDAP_SEARCH_BASE",), "GONGJIAN_LDAP_URI")
    base = _get(environ, "GONGJIAN_LDAP_SEARCH_BASE")
    user_attribute = _get(environ, "GONGJIAN_LDAP_USER_ATTRIBUTE", "uid")
    timeout = _get(environ, "GONGJIAN_LDAP_TIMEOUT", "10")
    if not timeout.isdigit():
        raise ImproperlyConfigured(f"GONGJIAN_LDAP_TIMEOUT={timeout!r}: expected seconds")
    return {
        "LDAP_AUTH_URL": [u.strip() for u in _get(environ, "GONGJIAN_LDAP_URI").split(",")],
        "LDAP_AUTH_USE_TLS": _bool(environ, "GONGJIAN_LDAP_START_TLS"),
        "LDAP_AUTH_SEARCH_BASE": base,
        "LDAP_AUTH_OBJECT_CLASS": _get(environ, "GONGJIAN_LDAP_OBJECT_CLASS", "inetOrgPerson"),
        # the profile (name, e-mail, title, phone) is written by the shared mapping
        "LDAP_AUTH_USER_FIELDS": {"username": user_attribute},
        "LDAP_AUTH_USER_LOOKUP_FIELDS": ("username",),
        "LDAP_AUTH_FORMAT_USERNAME": "gongjian.sso.backends.ldap_bind_dn",
        "LDAP_AUTH_SYNC_USER_RELATIONS": "gongjian.sso.backends.ldap_sync",
        "LDAP_AUTH_CONNECTION_USERNAME": _get(environ, "GONGJIAN_LDAP_BIND_DN") or None,
        "LDAP_AUTH_CONNECTION_PASSWORD": _get(environ, "GONGJIAN_LDAP_BIND_PASSWORD") or None,
        "LDAP_AUTH_CONNECT_TIMEOUT": int(timeout),
        "LDAP_AUTH_RECEIVE_TIMEOUT": int(timeout),
        "GONGJIAN_LDAP_USER_DN_TEMPLATE": _get(
            environ, "GONGJIAN_LDAP_USER_DN_TEMPLATE", f"{user_attribute}={{username}},{base}"
        ),
        "GONGJIAN_LDAP_GROUP_SEARCH_BASE": _get(environ, "GONGJIAN_LDAP_GROUP_SEARCH_BASE"),
        "GONGJIAN_LDAP_GROUP_FILTER": _get(
            environ,
            "GONGJIAN_LDAP_GROUP_FILTER",
            "(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
            "(|(member={dn})(uniqueMember={dn})))",
        ),
    }


def cas_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    url = _get(environ, "GONGJIAN_CAS_URL")
    return {
        "CAS_SERVER_URL": url if url.endswith("/") else url + "/",
        "CAS_VERSION": _get(environ, "GONGJIAN_CAS_VERSION", "3"),
        "CAS_CREATE_USER": True,
        "CAS_APPLY_ATTRIBUTES_TO_USER": False,  # the shared mapping writes the profile
        "CAS_REDIRECT_URL": "/",
        "CAS_LOGIN_MSG": None,
        "CAS_LOGGED_MSG": None,
        "GONGJIAN_CAS_LABEL": _get(environ, "GONGJIAN_CAS_LABEL"),
    }


def oidc_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    _require(
        environ,
        (
            "GONGJIAN_OIDC_CLIENT_SECRET",
            "GONGJIAN_OIDC_AUTHORIZATION_ENDPOINT",
            "GONGJIAN_OIDC_TOKEN_ENDPOINT",
            "GONGJIAN_OIDC_USERINFO_ENDPOINT",
        ),
        "GONGJIAN_OIDC_CLIENT_ID",
    )
    algo = _get(environ, "GONGJIAN_OIDC_SIGN_ALGO", "RS256")
    if algo.startswith("RS") or algo.startswith("ES"):
        _require(environ, ("GONGJIAN_OIDC_JWKS_ENDPOINT",), f"GONGJIAN_OIDC_SIGN_ALGO={algo}")
    return {
        "OIDC_RP_CLIENT_ID": _get(environ, "GONGJIAN_OIDC_CLIENT_ID"),
        "OIDC_RP_CLIENT_SECRET": _get(environ, "GONGJIAN_OIDC_CLIENT_SECRET"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": _get(environ, "GONGJIAN_OIDC_AUTHORIZATION_ENDPOINT"),
        "OIDC_OP_TOKEN_ENDPOINT": _get(environ, "GONGJIAN_OIDC_TOKEN_ENDPOINT"),
        "OIDC_OP_USER_ENDPOINT": _get(environ, "GONGJIAN_OIDC_USERINFO_ENDPOINT"),
        "OIDC_OP_JWKS_ENDPOINT": _get(environ, "GONGJIAN_OIDC_JWKS_ENDPOINT") or None,
        "OIDC_RP_SIGN_ALGO": algo,
        "OIDC_RP_SCOPES": _get(environ, "GONGJIAN_OIDC_SCOPES", "openid profile email"),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_oidc_callback",
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/?sso=failed",
        "OIDC_TIMEOUT": 10,
        "GONGJIAN_OIDC_USERNAME_CLAIM": _get(
            environ, "GONGJIAN_OIDC_USERNAME_CLAIM", "preferred_username"
        ),
        "GONGJIAN_OIDC_LABEL": _get(environ, "GONGJIAN_OIDC_LABEL"),
    }


def sso_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The Django settings for the configured sign-in ways; ``SSO_BACKENDS`` lists the
    authentication backends to append after the local-password one."""
    out: dict[str, Any] = {"GONGJIAN_SSO": mapping_config(environ), "SSO_BACKENDS": []}
    if _get(environ, "GONGJIAN_LDAP_URI"):
        out.update(ldap_settings(environ))
        out["SSO_BACKENDS"].append(LDAP_BACKEND)
    if _get(environ, "GONGJIAN_CAS_URL"):
        out.update(cas_settings(environ))
        out["SSO_BACKENDS"].append(CAS_BACKEND)
    if _get(environ, "GONGJIAN_OIDC_CLIENT_ID"):
        out.update(oidc_settings(environ))
        out["SSO_BACKENDS"].append(OIDC_BACKEND)
    return out

"""The three authentication backends, each a thin layer over its library that hands the
directory entry to the one shared mapping (``services.directory_sign_in``).

- LDAP: django-python3-ldap (pure Python, over ldap3: installs with pip alone, where
  python-ldap would need the OpenLDAP and SASL headers to build).
- CAS: django-cas-ng.
- OpenID Connect: mozilla-django-oidc (authorization code flow).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.dispatch import receiver
from django_cas_ng.backends import CASBackend as _CASBackend
from django_cas_ng.signals import cas_user_authenticated
from django_python3_ldap.auth import LDAPBackend as _LDAPBackend
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from gongjian.kit.scope import SYSTEM
from gongjian.units.models import User
from gongjian.units.services import user_create

from .models import DirectoryAccount
from .services import directory_sign_in


def _setting(name: str) -> Any:
    """A setting that ``gongjian/settings.py`` sets from ``sso.conf`` when a way is on."""
    return getattr(settings, name)


# ---------------------------------------------------------------------------- LDAP


def ldap_bind_dn(model_fields: dict[str, str]) -> str:
    """The DN to bind as (``LDAP_AUTH_FORMAT_USERNAME``): the user's, from
    ``GONGJIAN_LDAP_USER_DN_TEMPLATE``, or the service account's DN as configured."""
    username = model_fields["username"]
    if _setting("LDAP_AUTH_CONNECTION_USERNAME") and username == _setting(
        "LDAP_AUTH_CONNECTION_USERNAME"
    ):
        return username
    return _setting("GONGJIAN_LDAP_USER_DN_TEMPLATE").format(username=escape_rdn(username))


def ldap_groups(connection: Any, dn: str) -> list[str]:
    """The names (``cn``) of the groups ``dn`` is a member of, when
    ``GONGJIAN_LDAP_GROUP_SEARCH_BASE`` is set."""
    base = getattr(settings, "GONGJIAN_LDAP_GROUP_SEARCH_BASE", "")
    if not base or not dn:
        return []
    connection.search(
        search_base=base,
        search_filter=_setting("GONGJIAN_LDAP_GROUP_FILTER").format(dn=escape_filter_chars(dn)),
        attributes=["cn"],
    )
    names = []
    for entry in connection.response or []:
        if entry.get("type") != "searchResEntry":
            continue
        cn = entry.get("attributes", {}).get("cn") or []
        names.extend(cn if isinstance(cn, list) else [cn])
    return names


def ldap_sync(user: User, ldap_attributes: dict[str, Any], *, connection: Any, dn: str) -> None:
    """``LDAP_AUTH_SYNC_USER_RELATIONS``: the entry's attributes, with its groups under the
    group attribute, through the shared mapping."""
    attributes = dict(ldap_attributes)
    groups = ldap_groups(connection, dn)
    if groups:
        key = _setting("GONGJIAN_SSO")["group_attribute"]
        present = attributes.get(key) or []
        attributes[key] = [*(present if isinstance(present, list) else [present]), *groups]
    directory_sign_in(
        user=user, source=DirectoryAccount.Source.LDAP, external_id=dn, attributes=attributes
    )


class LDAPBackend(_LDAPBackend):
    """User name and password checked by a bind to the directory."""

    def authenticate(self, *args, **kwargs):
        user = super().authenticate(*args, **kwargs)
        return user if user is not None and user.is_active else None


# ----------------------------------------------------------------------------- CAS


class CASBackend(_CASBackend):
    """A CAS service ticket validated with the CAS server (``serviceValidate``)."""

    def configure_user(self, user):
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return user


@receiver(cas_user_authenticated)
def _cas_signed_in(sender, user, username, attributes, **kwargs) -> None:
    if isinstance(sender, CASBackend) and user is not None:
        directory_sign_in(
            user=user,
            source=DirectoryAccount.Source.CAS,
            external_id=username,
            attributes=attributes,
        )


# -------------------------------------------------------------------- OpenID Connect


class OIDCBackend(OIDCAuthenticationBackend):
    """The authorization code flow; the user is found by the provider's ``sub`` (then by
    the user-name claim), and the claims of the ID token and of the userinfo endpoint go
    through the shared mapping."""

    id_claims: dict[str, Any]

    def get_or_create_user(self, access_token, id_token, payload):
        self.id_claims = dict(payload or {})
        return super().get_or_create_user(access_token, id_token, payload)

    def _claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        return {**getattr(self, "id_claims", {}), **claims}

    def _username(self, claims: dict[str, Any]) -> str:
        value = self._claims(claims).get(_setting("GONGJIAN_OIDC_USERNAME_CLAIM"))
        return str(value).strip() if value else ""

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub")) and bool(self._username(claims))

    def filter_users_by_claims(self, claims) -> QuerySet[User]:
        linked = User.objects.filter(
            directory_account__source=DirectoryAccount.Source.OIDC,
            directory_account__external_id=str(claims["sub"]),
        )
        if linked.exists():
            return linked
        return User.objects.filter(username=self._username(claims))

    def create_user(self, claims):
        try:
            user = user_create(actor=SYSTEM, username=self._username(claims))
        except ValidationError as exc:
            raise PermissionDenied(f"统一身份认证的用户名不可用:{'; '.join(exc.messages)}") from exc
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        return directory_sign_in(
            user=user,
            source=DirectoryAccount.Source.OIDC,
            external_id=str(claims["sub"]),
            attributes=self._claims(claims),
        )

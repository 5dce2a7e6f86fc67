"""The login audit: every sign-in, failed sign-in, sign-out and lock-out becomes a
``LoginEvent``, fed by Django's auth signals and django-axes' ``user_locked_out``.

``client_ip`` is also django-axes' ``AXES_CLIENT_IP_CALLABLE``, so the lock-out and
the audit agree on who the client was.
"""

from __future__ import annotations

import ipaddress
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import LoginEvent, User

log = logging.getLogger(__name__)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``GONGJIAN_PROXY_COUNT`` trusted
    reverse proxies in front, the ``X-Forwarded-For`` entry the outermost one appended
    (entries further left are whatever the client sent and are not trusted)."""
    if request is None:
        return None
    meta = request.META
    proxies = getattr(settings, "GONGJIAN_PROXY_COUNT", 0)
    if proxies:
        forwarded = [p for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            ip = _valid_ip(forwarded[-proxies])
            if ip:
                return ip
    return _valid_ip(meta.get("REMOTE_ADDR"))


def record(
    kind: str,
    *,
    request: HttpRequest | None,
    user: User | None = None,
    username: str = "",
) -> LoginEvent | None:
    """Write one audit row; a failure to write never breaks the sign-in itself."""
    meta = getattr(request, "META", {}) if request is not None else {}
    try:
        return LoginEvent.objects.create(
            kind=kind,
            user=user if user is not None and user.pk else None,
            username=(username or (user.get_username() if user is not None else ""))[:150],
            ip_address=client_ip(request),
            user_agent=meta.get("HTTP_USER_AGENT", "")[:255],
            path=(request.path if request is not None else "")[:255],
        )
    except Exception:  # the audit must not lock everyone out when its table is unavailable
        log.exception("login audit: could not record %s for %r", kind, username)
        return None


def _attempted_username(credentials: dict | None) -> str:
    credentials = credentials or {}
    return str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")


@receiver(user_logged_in, dispatch_uid="gongjian.login_audit.success")
def _on_login(sender, request=None, user=None, **kwargs) -> None:
    record(LoginEvent.Kind.SUCCESS, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="gongjian.login_audit.logout")
def _on_logout(sender, request=None, user=None, **kwargs) -> None:
    record(LoginEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="gongjian.login_audit.failure")
def _on_failure(sender, credentials=None, request=None, **kwargs) -> None:
    if getattr(request, "axes_locked_out", False):
        return  # axes refused it as locked out: ``_on_lockout`` records it as a lock-out
    username = _attempted_username(credentials)
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    record(LoginEvent.Kind.FAILURE, request=request, user=user, username=username)


@receiver(user_locked_out, dispatch_uid="gongjian.login_audit.lockout")
def _on_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    username = username or ""
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    record(LoginEvent.Kind.LOCKOUT, request=request, user=user, username=username)

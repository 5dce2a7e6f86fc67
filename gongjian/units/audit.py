"""The login audit: every sign-in, failed sign-in, sign-out and lock-out becomes a
``LoginEvent``, fed by Django's auth signals and django-axes' ``user_locked_out``.

``kit.http.client_ip`` is also django-axes' ``AXES_CLIENT_IP_CALLABLE`` and the change
log's reading of the address, so the lock-out, the audit and the history agree on who the
client was.
"""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from gongjian.kit.http import client_ip

from .models import LoginEvent, User

log = logging.getLogger(__name__)


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

"""How an API caller proves who it is: a bearer token (``units.auth``) or the session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import SessionAuth as NinjaSessionAuth

from gongjian.units.models import User


class SessionAuth(NinjaSessionAuth):
    """ninja's ``django_auth``, consulted only when a session has signed a user in.

    ninja's own class checks CSRF before it looks at the session, so an anonymous
    or bearer-token POST would get "CSRF failed" (403) instead of 401. Here a
    request without a signed-in session simply does not authenticate; a session
    request still has its CSRF token checked on unsafe methods.
    """

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)


session_auth = SessionAuth()

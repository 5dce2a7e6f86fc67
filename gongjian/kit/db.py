"""Reads on a read replica (``GONGJIAN_REPLICA_URL``, docs/scaling.md).

When a replica is configured, settings add it as the ``replica`` database, install
``ReplicaRouter`` and ``PrimaryForWritesMiddleware``. Then:

- every write goes to the primary (``default``);
- a read goes to the replica, unless
  - it runs inside a transaction on the primary (``atomic``: a service reading what it
    is about to change, or what it has just written),
  - the request is a write (POST, PUT, PATCH, DELETE): the whole request, its reads
    included, stays on the primary,
  - the browser wrote a moment ago (a short cookie after each write request): the page a
    form redirects to shows the row just saved even if the replica is a little behind,
  - the model is sign-in state (sessions, lock-outs), read on every request and never
    worth a stale answer;
- migrations run on the primary only.

Read-only pages — lists, dashboards, rankings, exports, reports — are GET requests, so
their queries (and a background job's reads outside a transaction) go to the replica.
With no replica configured none of this is installed and everything runs on ``default``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
# a browser that wrote reads from the primary for this many seconds (replication lag is
# normally well under a second)
STICKY_COOKIE = "gj_primary"
STICKY_SECONDS_DEFAULT = 5
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# sign-in state: read on every request, must see the session the sign-in just wrote
PRIMARY_APPS = frozenset({"sessions", "axes"})

_pinned: ContextVar[bool] = ContextVar("gongjian_db_pinned", default=False)


@contextmanager
def primary() -> Iterator[None]:
    """Reads within the block go to the primary."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def pinned() -> bool:
    return _pinned.get()


class ReplicaRouter:
    """Writes, reads in a write, and sign-in state on the primary; other reads on the replica."""

    def db_for_read(self, model, **hints) -> str:
        if _pinned.get() or model._meta.app_label in PRIMARY_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY


class PrimaryForWritesMiddleware:
    """A write request, and the requests of a browser that wrote a moment ago, read
    from the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.sticky = int(getattr(settings, "GONGJIAN_REPLICA_STICKY", STICKY_SECONDS_DEFAULT))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method in WRITE_METHODS
        if not (writes or request.COOKIES.get(STICKY_COOKIE)):
            return self.get_response(request)
        with primary():
            response = self.get_response(request)
        if writes and self.sticky > 0:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=self.sticky,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

"""A fixed-window rate limit for public (sign-in free) endpoints, kept in Django's cache.

    @rate_limited("service-map")  # GONGJIAN_PUBLIC_RATE_LIMIT a minute, or per_minute=…
    def public_page(request): ...

Each client address (``kit.http.client_ip``) may make ``per_minute`` requests a minute to
the endpoints sharing ``key``; past that the view answers 429 with a Chinese message and
a ``Retry-After`` header, and does nothing else. With a per-process cache (the default
local-memory cache) each server process counts on its own; a shared cache (Redis,
database) makes the limit the site's.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from .http import client_ip

WINDOW = 60
DEFAULT_LIMIT = 120


def hit(key: str, client: str, limit: int, now: float | None = None) -> int:
    """Count one request of ``client`` to ``key`` in the current window; the seconds to
    wait when the limit is passed, else 0."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    name = f"ratelimit:{key}:{client}:{window}"
    if cache.add(name, 1, timeout=WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=WINDOW + 5)
            count = 1
    if count <= limit:
        return 0
    return max(1, int((window + 1) * WINDOW - now))


def rate_limited(key: str, per_minute: int | None = None) -> Callable:
    """Limit a view to ``per_minute`` requests a minute per client address (default: the
    setting ``GONGJIAN_PUBLIC_RATE_LIMIT``, read at each request)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            limit = int(
                per_minute or getattr(settings, "GONGJIAN_PUBLIC_RATE_LIMIT", None) or DEFAULT_LIMIT
            )
            wait = hit(key, client_ip(request) or "unknown", limit)
            if wait:
                response = HttpResponse(
                    "请求过于频繁,请稍后再试。",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

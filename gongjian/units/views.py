"""Pages of the units app: the office's login audit."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .models import LoginEvent


@login_required
@require_GET
def login_audit(request):
    """Every sign-in, failure, sign-out and lock-out, newest first (office only)."""
    if not selectors.is_office(request.user):
        raise Http404
    kind = request.GET.get("kind", "")
    username = request.GET.get("username", "").strip()
    ip = request.GET.get("ip", "").strip()
    events = selectors.login_events(request.user, kind=kind, username=username, ip=ip)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in {"kind": kind, "username": username, "ip": ip}.items() if v}
    )
    return render(
        request,
        "units/login_audit.html",
        {
            "page": page,
            "query": query,
            "kinds": LoginEvent.Kind.choices,
            "kind": kind,
            "username": username,
            "ip": ip,
        },
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out answer (``AXES_LOCKOUT_CALLABLE``): a Chinese page, 429."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else 0,
    }
    return render(
        request, "units/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )

"""The unread count in every page's header."""

from __future__ import annotations


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .models import Notice

    return {"unread_notices": Notice.objects.filter(recipient=user, read_at__isnull=True).count()}

"""How an API caller proves who it is with a token (the API root and the Open311
endpoint use it; the session sign-in is Django's own)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken, User

# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer gj_…``: a token issued by ``units.services.api_token_issue``.

    Only the SHA-256 digest of a key is stored, so the lookup is by digest. A
    revoked token, or one whose user is deactivated, authenticates nobody (401).
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or not token.startswith("gj_"):
            return None
        row = (
            ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        )
        if row is None or row.revoked_at is not None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.api_token = row
        return row.user


api_token_auth = ApiTokenAuth()

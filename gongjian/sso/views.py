"""The sign-in entry points of CAS and OpenID Connect, open only when configured."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django_cas_ng.views import LoginView as CASLoginView
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .conf import CAS_BACKEND, OIDC_BACKEND

logger = logging.getLogger(__name__)

FAILED_URL = "/accounts/login/?sso=failed"


def enabled(backend: str) -> bool:
    """Whether a sign-in way is configured (its backend is in AUTHENTICATION_BACKENDS)."""
    return backend in settings.AUTHENTICATION_BACKENDS


def only_when(backend: str) -> Callable:
    """404 for a sign-in way that is not configured; a refused sign-in goes back to the
    login page with its message."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not enabled(backend):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except (PermissionDenied, SuspiciousOperation) as exc:
                # refused by the mapping, or a callback whose state is not this session's
                logger.warning("directory sign-in refused: %s", exc)
                return HttpResponseRedirect(FAILED_URL)

        return wrapped

    return decorate


oidc_login = only_when(OIDC_BACKEND)(OIDCAuthenticationRequestView.as_view())
oidc_callback = only_when(OIDC_BACKEND)(OIDCAuthenticationCallbackView.as_view())
cas_login = only_when(CAS_BACKEND)(CASLoginView.as_view())

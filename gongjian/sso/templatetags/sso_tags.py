from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from gongjian.sso.conf import CAS_BACKEND, OIDC_BACKEND
from gongjian.sso.views import enabled

register = template.Library()


@register.inclusion_tag("sso/buttons.html", takes_context=True)
def sso_buttons(context) -> dict:
    """The login page's "统一身份认证登录" buttons, one per configured CAS / OpenID
    Connect provider."""
    ways = [
        (CAS_BACKEND, "sso_cas_login", "GONGJIAN_CAS_LABEL", "CAS"),
        (OIDC_BACKEND, "sso_oidc_login", "GONGJIAN_OIDC_LABEL", "OpenID"),
    ]
    on = [way for way in ways if enabled(way[0])]
    buttons = []
    for _backend, url_name, label_setting, protocol in on:
        label = getattr(settings, label_setting, "") or _("统一身份认证登录")
        if len(on) > 1 and not getattr(settings, label_setting, ""):
            label = f"{label}({protocol})"
        buttons.append({"url": reverse(url_name), "label": label})
    return {"buttons": buttons, "next": context.get("next", "")}


@register.inclusion_tag("sso/failure.html", takes_context=True)
def sso_failure(context) -> dict:
    """The message of a refused CAS / OpenID Connect sign-in (``?sso=failed``)."""
    request = context.get("request")
    return {"failed": request is not None and request.GET.get("sso") == "failed"}

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongjian.kit.money import show_amount

register = template.Library()

# the 红黄绿灯 in words: a light is never told by its colour alone (WCAG 1.4.1)
LIGHT_NAMES = {"red": _("红灯"), "yellow": _("黄灯"), "green": _("绿灯")}


@register.filter
def wan(yuan):
    """Integer 元 shown in 万元 (millions of yuan on an English page)."""
    return show_amount(yuan, "万元")


@register.filter
def yi(yuan):
    """Integer 元 shown in 亿元 (billions of yuan on an English page)."""
    return show_amount(yuan, "亿元")


@register.simple_tag
def light(color, reason="", testid=""):
    """A project's light: the coloured dot and its name ("红灯") in words; ``reason``
    (why the light is on) shows on hover. Nothing for a project without a light."""
    name = LIGHT_NAMES.get(color)
    if name is None:
        return ""
    return format_html(
        '<span class="gj-light {}"{}{}><span aria-hidden="true">●</span> {}</span>',
        color,
        format_html(' title="{}"', reason) if reason else "",
        format_html(' data-testid="{}"', testid) if testid else "",
        name,
    )

from django import template

from gongjian.kit.money import show_amount

register = template.Library()


@register.filter
def wan(yuan):
    """Integer 元 shown in 万元 (millions of yuan on an English page)."""
    return show_amount(yuan, "万元")


@register.filter
def yi(yuan):
    """Integer 元 shown in 亿元 (billions of yuan on an English page)."""
    return show_amount(yuan, "亿元")

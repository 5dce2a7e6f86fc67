"""``{{ yuan|amount:"亿元" }}``: integer 元 shown through ``common.money.format_amount``."""

from django import template

from gongjian.kit.money import format_amount

register = template.Library()


@register.filter
def amount(value, unit: str = "万元") -> str:
    return format_amount(value, unit)

"""``{% object_history obj %}``: the 变更记录 block of an object page."""

from django import template

from gongjian.kit.scope import Action, allows

from ..selectors import object_history

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def object_history_block(context, obj, limit: int = 30):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "history": object_history(obj, limit),
        "show_ip": bool(user and user.is_authenticated and allows(user, Action.MANAGE, obj)),
    }

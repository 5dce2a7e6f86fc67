"""The inbox (every signed-in person) and the office's delivery channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongjian.kit.http import add_errors
from gongjian.kit.scope import Action, allows
from gongjian.units.selectors import top_unit

from . import services
from .forms import ChannelForm, PreferenceForm
from .models import Channel, Delivery, Notice, Preference


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    """消息: the person's notices, newest first; read all, or set the preferences."""
    pref = Preference.objects.filter(user=request.user).first()
    form = PreferenceForm(
        request.POST if request.POST.get("action") == "preferences" else None,
        initial={"email": pref.email if pref else True, "muted": pref.muted if pref else []},
    )
    if request.method == "POST":
        if request.POST.get("action") == "read":
            services.notices_read(user=request.user)
            return redirect("notices:inbox")
        if form.is_valid():
            services.preference_save(
                user=request.user,
                email=form.cleaned_data["email"],
                muted=form.cleaned_data["muted"],
            )
            messages.success(request, _("通知设置已保存"))
            return redirect("notices:inbox")
    notices = Notice.objects.filter(recipient=request.user).select_related("unit")
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/inbox.html",
        {
            "page": page,
            "form": form,
            "may_manage": allows(
                request.user, Action.MANAGE, top_unit(request.user, Action.MANAGE)
            ),
        },
    )


@login_required
def open_notice(request, pk: int):
    """Open a notice: marked read, then its page."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    services.notices_read(user=request.user, ids=[notice.pk])
    link = notice.link if notice.link.startswith("/") else ""
    return redirect(link or "notices:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def channels(request):
    """通知渠道: the office's webhooks, group robots and SMS gateway, with the last
    deliveries; the office of the unit adds, changes and removes them."""
    unit = top_unit(request.user, Action.MANAGE)
    if unit is None:
        unit = top_unit(request.user, Action.VIEW)
    may_manage = unit is not None and allows(request.user, Action.MANAGE, unit)
    editing = None
    if request.GET.get("edit"):
        editing = get_object_or_404(
            Channel.objects.restrict(request.user, Action.MANAGE), pk=request.GET["edit"]
        )
    form = ChannelForm(request.POST or None, instance=editing)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("只有攻坚办可以设置通知渠道"))
        if request.POST.get("action") == "delete":
            channel = get_object_or_404(
                Channel.objects.restrict(request.user, Action.MANAGE), pk=request.POST.get("pk")
            )
            services.channel_delete(actor=request.user, channel=channel)
            messages.success(request, _("已删除通知渠道"))
            return redirect("notices:channels")
        if form.is_valid():
            channel = form.save(commit=False)
            if channel.unit_id is None:
                channel.unit = unit
            try:
                services.channel_save(actor=request.user, channel=channel)
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("通知渠道已保存"))
                return redirect("notices:channels")
    listed = Channel.objects.restrict(request.user, Action.VIEW).select_related("unit")
    deliveries = (
        Delivery.objects.filter(channel__in=listed)
        .select_related("channel", "notice")
        .order_by("-pk")[:30]
    )
    return render(
        request,
        "notices/channels.html",
        {
            "channels": listed,
            "deliveries": deliveries,
            "form": form,
            "editing": editing,
            "may_manage": may_manage,
        },
    )

"""免申即享 pages: the policy list, a policy (its rules explained, its grant list, the
policy calculator), the rule form (Excel in and out: the import page and export view of
``reports``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.enterprises.models import Enterprise
from gongjian.kit.clock import today as clock_today
from gongjian.kit.errors import messages_of
from gongjian.kit.http import form_errors
from gongjian.kit.scope import Action, allows
from gongjian.units.models import Unit

from . import rules as R
from . import services
from .forms import CheckForm, PayForm, PolicyForm
from .models import Grant, Policy


def writable_units(user):
    return Unit.objects.restrict(user, Action.CHANGE).filter(is_active=True)


def _policies(request):
    return Policy.objects.restrict(request.user, Action.VIEW).select_related("unit")


@login_required
def policy_list(request):
    qs = _policies(request)
    mode = request.GET.get("mode", "")
    if mode in Policy.Mode.values:
        qs = qs.filter(mode=mode)
    page = Paginator(qs.order_by("-valid_from", "code"), 50).get_page(request.GET.get("page"))
    for p in page:
        p.benefit_text = R.describe_benefit(p.benefit)
    return render(
        request, "policies/list.html", {"page": page, "mode": mode, "modes": Policy.Mode.choices}
    )


def _save(request, policy=None):
    initial = None
    if policy is not None:
        initial = {f: getattr(policy, f) for f in ("code", *services.POLICY_FIELDS)}
    form = PolicyForm(
        request.POST or None,
        initial=initial,
        units=writable_units(request.user),
        editing=policy is not None,
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("code")
        try:
            if policy is None:
                policy = services.policy_create(actor=request.user, code=code, **data)
            else:
                policy = services.policy_update(actor=request.user, policy=policy, **data)
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect("policies:detail", pk=policy.pk)
    response = render(
        request,
        "policies/form.html",
        {
            "form": form,
            "errors": errors,
            "title": _("修改政策") if policy else _("新建政策"),
            "fields": R.FIELDS,
            "ops": R.OPS,
        },
    )
    if errors:
        response.status_code = 422
    return response


@login_required
def policy_create(request):
    return _save(request)


@login_required
def policy_edit(request, pk: int):
    policy = get_object_or_404(_policies(request), pk=pk)
    return _save(request, policy)


@login_required
def policy_detail(request, pk: int):
    policy = get_object_or_404(_policies(request), pk=pk)
    grants = (
        Grant.objects.restrict(request.user, Action.VIEW)
        .filter(policy=policy)
        .select_related("enterprise")
    )
    status = request.GET.get("status", "")
    if status in Grant.Status.values:
        grants = grants.filter(status=status)
    page = Paginator(grants.order_by("enterprise__name", "pk"), 100).get_page(
        request.GET.get("page")
    )
    check = None
    form = CheckForm(request.GET or None) if "enterprise" in request.GET else CheckForm()
    errors: list[str] = []
    if "enterprise" in request.GET and form.is_valid():
        text = form.cleaned_data["enterprise"].strip()
        enterprise = (
            services.enterprises_for_matching(
                Enterprise.objects.restrict(request.user, Action.VIEW)
            )
            .filter(Q(name=text) | Q(credit_code=text))
            .first()
        )
        if enterprise is None:
            errors = [_("企业库中没有“%(e)s”") % {"e": text}]
        else:
            check = services.check(policy, enterprise)
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "benefit_text": R.describe_benefit(policy.benefit),
            "page": page,
            "status": status,
            "statuses": Grant.Status.choices,
            "form": form,
            "check": check,
            "errors": errors,
            "year": clock_today().year,
            "can_edit": allows(request.user, Action.CHANGE, policy),
        },
    )


@login_required
@require_POST
def policy_action(request, pk: int):
    """发布 / 废止, 生成兑现名单, 核准 / 不予兑现 the selected grants."""
    policy = get_object_or_404(_policies(request), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ("published", "withdrawn"):
            services.policy_set_status(actor=request.user, policy=policy, status=action)
        elif action == "propose":
            year = int(request.POST.get("year") or clock_today().year)
            services.grants_propose(actor=request.user, policy=policy, year=year)
        elif action in ("approve", "reject"):
            ids = [int(i) for i in request.POST.getlist("grant") if i.isdigit()]
            grants = list(
                Grant.objects.restrict(request.user, Action.VIEW).filter(policy=policy, pk__in=ids)
            )
            if not grants:
                raise ValidationError(_("请先勾选兑现名单中的企业"))
            services.grant_decide(
                actor=request.user,
                grants=grants,
                approve=action == "approve",
                note=request.POST.get("note", ""),
            )
        else:
            raise ValidationError(_("未知的操作"))
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("policies:detail", pk=pk)


# --- a grant to the end: 快申快享 applications, 拨付 ------------------------------------


def _grants(request):
    return Grant.objects.restrict(request.user, Action.VIEW).select_related(
        "policy", "enterprise", "enterprise__unit", "decided_by", "paid_by"
    )


@login_required
def grant_detail(request, pk: int):
    """One enterprise's grant: matched or applied for, reviewed, paid — with the payment
    form for the office once it is approved."""
    grant = get_object_or_404(_grants(request), pk=pk)
    can_pay = grant.status == Grant.Status.APPROVED and allows(
        request.user, Action.CHANGE, grant.policy.unit
    )
    return render(
        request,
        "policies/grant.html",
        {
            "grant": grant,
            "form": PayForm(initial={"amount": grant.amount, "paid_on": clock_today()})
            if can_pay
            else None,
        },
    )


@login_required
@require_POST
def grant_pay(request, pk: int):
    grant = get_object_or_404(_grants(request), pk=pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        for line in form_errors(form):
            messages.error(request, line)
        return redirect("policies:grant", pk=pk)
    try:
        services.grant_pay(
            actor=request.user,
            grant=grant,
            amount=form.cleaned_data["amount"],
            paid_on=form.cleaned_data["paid_on"],
            voucher=form.cleaned_data["voucher"],
        )
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已记录拨付,并通知企业所在单位"))
    return redirect("policies:grant", pk=pk)


@login_required
@require_POST
def policy_apply(request, pk: int):
    """快申快享: apply for a policy on an enterprise's behalf (its unit's operator)."""
    policy = get_object_or_404(_policies(request), pk=pk)
    text = request.POST.get("enterprise", "").strip()
    enterprise = (
        Enterprise.objects.restrict(request.user, Action.CHANGE)
        .filter(Q(name=text) | Q(credit_code=text))
        .first()
        if text
        else None
    )
    if enterprise is None:
        messages.error(request, _("企业库中没有“%(e)s”") % {"e": text})
        return redirect("policies:detail", pk=pk)
    try:
        grant = services.grant_apply(
            actor=request.user, policy=policy, enterprise=enterprise, year=clock_today().year
        )
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("申请已受理,审核期限 %(d)s") % {"d": grant.review_due_on})
        return redirect("policies:grant", pk=grant.pk)
    return redirect("policies:detail", pk=pk)

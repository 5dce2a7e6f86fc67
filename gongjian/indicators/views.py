"""Pages for reported indicators: a unit's reporting form for its current periods and
the office's approval queue. Both write through ``indicators.services`` only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.kit.dates import Period
from gongjian.kit.http import errors_text, form_errors
from gongjian.kit.scope import Action, allows, principal
from gongjian.units.selectors import compared_units

from . import engine, services, standard
from . import selectors as sel
from .display import display, entry_unit, from_entry, to_entry
from .forms import CampaignSettingsForm
from .models import Indicator, ReportedValue
from .periods import campaign_for, resolve_scope


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """The unit's reported indicators for their current periods (the latest each
    indicator's cadence has ended by the page's date): enter, save as draft or submit."""
    scope = resolve_scope(request, require_unit=True)
    unit = scope.unit
    assert unit is not None  # require_unit
    may_enter = principal(request.user).covers(Action.CHANGE, unit.path)
    rows = sel.reporting_sheet(request.user, unit, scope.as_of)
    typed: dict[str, str] = {}
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied(_("无权为“%(u)s”填报") % {"u": unit.name})
        typed = {k: v for k, v in request.POST.items() if k.startswith(("v_", "n_"))}
        errors = _save(request, unit, rows, submit="submit" in request.POST)
        if not errors:
            messages.success(
                request, _("已提交审核") if "submit" in request.POST else _("已保存草稿")
            )
            return redirect(request.get_full_path())
        messages.error(request, _("未保存:") + ";".join(errors))
    # the figure every page shows for this unit: its own approved value or the roll-up
    figures = engine.evaluate_many(
        [
            (row.indicator, unit, Period.year_to_date(row.period_end.year, row.period_end))
            for row in rows
        ]
    )
    lines = []
    for row, figure in zip(rows, figures, strict=True):
        shown = row.open or row.approved
        unit_label = row.indicator.display_unit
        key = str(row.indicator.pk)
        lines.append(
            {
                "row": row,
                "key": key,
                "entry_unit": entry_unit(unit_label),
                "value": typed.get(f"v_{key}", to_entry(shown.value, unit_label) if shown else ""),
                "note": typed.get(f"n_{key}", shown.note if shown else ""),
                "approved": display(row.approved.value, unit_label) if row.approved else "—",
                "figure": display(figure, unit_label),
                "previous": display(row.previous.value, unit_label) if row.previous else "—",
                "editable": may_enter
                and (row.open is None or row.open.status != ReportedValue.Status.SUBMITTED),
                "late": row.approved is None and scope.as_of > row.due,
            }
        )
    return render(
        request,
        "indicators/report.html",
        {
            "scope": scope,
            "lines": lines,
            "may_enter": may_enter,
            "queue": sel.awaiting_review(request.user)[:200],
            "nav_active": "reporting",
        },
    )


def _save(request, unit, rows, *, submit: bool) -> list[str]:
    """Every filled-in row through the one write path, all or nothing; the errors name
    the indicator and the field."""
    errors: list[str] = []
    with transaction.atomic():
        for row in rows:
            indicator = row.indicator
            text = request.POST.get(f"v_{indicator.pk}", "").strip()
            note = request.POST.get(f"n_{indicator.pk}", "").strip()
            if not text:
                continue
            if row.open is not None and row.open.status == ReportedValue.Status.SUBMITTED:
                continue  # awaiting the office: not changed from the form
            try:
                value = from_entry(text, indicator.display_unit)
            except ArithmeticError:
                errors.append(_("%(i)s:数值“%(t)s”无效") % {"i": indicator.name, "t": text})
                continue
            current = row.open or row.approved
            if current is not None and current.value == value and current.note == note:
                if submit and row.open is not None:
                    _apply(
                        errors,
                        indicator,
                        services.reported_value_submit,
                        actor=request.user,
                        row=row.open,
                    )
                continue
            _apply(
                errors,
                indicator,
                services.reported_value_record,
                actor=request.user,
                indicator=indicator,
                unit=unit,
                as_of=row.period_end,
                value=value,
                note=note,
                submit=submit,
            )
        if errors:  # one refusal rolls every row back: nothing half-saved
            transaction.set_rollback(True)
    return errors


def _apply(errors: list[str], label, write, **kwargs) -> None:
    try:
        write(**kwargs)
    except (ValidationError, PermissionDenied) as exc:
        errors.append(f"{label.name}:{errors_text(exc)}")


@login_required
@require_POST
def review(request, pk: int):
    """The office approves or returns one submitted value."""
    row = get_object_or_404(sel.awaiting_review(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.reported_value_review(
            actor=request.user, row=row, approve=approve, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, f"{row.indicator.name}({row.unit.name}):{errors_text(exc)}")
    else:
        messages.success(request, _("已审核通过") if approve else _("已退回"))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/indicators/") else "indicators:report")


# --- 年度设置: the year's settings and the targets split across the units ----------------


@login_required
@require_http_methods(["GET", "POST"])
def settings(request):
    """The campaign's settings for the shown year: thresholds of the light axes, the
    report and escalation deadlines, the data date. The office of the campaign's unit
    changes them; anyone else sees them read-only."""
    scope = resolve_scope(request, require_unit=True)
    campaign = campaign_for(scope.unit, scope.year)
    may_change = campaign is not None and allows(request.user, Action.MANAGE, campaign.root_unit)
    form = None
    if campaign is not None:
        initial = {"seen": standard.campaign_seen(campaign)}
        form = CampaignSettingsForm(
            request.POST if request.method == "POST" else None,
            instance=campaign,
            initial=initial,
        )
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied(_("只有本级攻坚办可以修改年度设置"))
            # the form is bound to a copy: a refused save leaves the stored row as it is
            form.instance = type(campaign).objects.get(pk=campaign.pk)
            if form.is_valid():
                data = dict(form.cleaned_data)
                seen = data.pop("seen")
                try:
                    standard.campaign_update(
                        actor=request.user, campaign=campaign, seen=seen, **data
                    )
                except ValidationError as exc:
                    form.add_error(None, errors_text(exc))
                else:
                    messages.success(request, _("年度设置已保存"))
                    return redirect(request.get_full_path())
        if not may_change:
            for field in form.fields.values():
                field.disabled = True
    return render(
        request,
        "indicators/settings.html",
        {
            "scope": scope,
            "campaign": campaign,
            "form": form,
            "may_change": may_change,
            "nav_active": "settings",
        },
    )


TARGET_KINDS = (Indicator.Kind.COMPUTED, Indicator.Kind.REPORTED)


@login_required
@require_http_methods(["GET", "POST"])
def targets(request):
    """目标分解: one indicator's target for the shown unit and each of its units, set on
    one form; where the indicator adds up, the units' targets must add up to the unit's."""
    scope = resolve_scope(request, require_unit=True)
    unit = scope.unit
    assert unit is not None  # require_unit
    indicators = list(
        Indicator.objects.filter(is_active=True, kind__in=TARGET_KINDS).order_by(
            "sort_order", "code"
        )
    )
    indicators = [i for i in indicators if i.fixed_unit_id is None or unit.is_within(i.fixed_unit)]
    chosen = request.POST.get("indicator") or request.GET.get("indicator", "")
    indicator = next(
        (i for i in indicators if i.code == chosen), indicators[0] if indicators else None
    )
    units = [unit, *compared_units(unit)]
    may_change = allows(request.user, Action.MANAGE, unit)
    typed: dict[int, str] = {}
    errors: list[str] = []
    if request.method == "POST" and indicator is not None:
        if not may_change:
            raise PermissionDenied(_("只有攻坚办可以下达目标任务"))
        values: dict = {}
        for u in units:
            text = request.POST.get(f"t_{u.pk}", "").strip()
            typed[u.pk] = text
            if not text:
                values[u] = None
                continue
            try:
                value = from_entry(text, indicator.display_unit)
            except ArithmeticError:
                errors.append(_("%(u)s:目标“%(t)s”不是数值") % {"u": u.name, "t": text})
                continue
            if value <= 0:
                errors.append(_("%(u)s:目标须大于 0") % {"u": u.name})
                continue
            values[u] = value
        if not errors:
            try:
                services.targets_split(
                    actor=request.user,
                    indicator=indicator,
                    parent=unit,
                    year=scope.year,
                    values=values,
                    describe=lambda v: display(v, indicator.display_unit),
                )
            except (ValidationError, PermissionDenied) as exc:
                errors.append(errors_text(exc))
            else:
                messages.success(request, _("目标任务已保存"))
                return redirect(request.get_full_path())
        messages.error(request, _("未保存:") + ";".join(errors))
    rows, total, own = [], None, None
    if indicator is not None:
        stored = {
            t.unit_id: t.value for t in indicator.targets.filter(year=scope.year, unit__in=units)
        }
        for u in units:
            value = stored.get(u.pk)
            rows.append(
                {
                    "unit": u,
                    "is_parent": u == unit,
                    "value": typed.get(u.pk, to_entry(value, indicator.display_unit)),
                    "shown": display(value, indicator.display_unit) if value is not None else "—",
                }
            )
        children = [stored[u.pk] for u in units[1:] if u.pk in stored]
        own = stored.get(unit.pk)
        if children:
            total = display(sum(children), indicator.display_unit)
    return render(
        request,
        "indicators/targets.html",
        {
            "scope": scope,
            "indicators": indicators,
            "indicator": indicator,
            "rows": rows,
            "sums": indicator is not None and services.indicator_sums(indicator),
            "total": total,
            "own": display(own, indicator.display_unit) if indicator and own is not None else "—",
            "entry_unit": entry_unit(indicator.display_unit) if indicator else "",
            "extra_fields": [("indicator", indicator.code)] if indicator else [],
            "may_change": may_change,
            "nav_active": "settings",
        },
    )


# --- 赛马方案 and 指标定义 ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ranking_schemes(request):
    """赛马方案 of the shown unit and year: the unit's office creates a scheme and adds or
    removes its weighted indicators; anyone else sees them."""
    from django.http import Http404
    from django.urls import reverse

    from gongjian.kit.http import add_errors

    from .forms import RankingItemForm, RankingSchemeForm
    from .models import RankingItem, RankingScheme

    scope = resolve_scope(request, require_unit=True)
    unit = scope.unit
    assert unit is not None  # require_unit
    back = f"{reverse('indicators:ranking_schemes')}?unit={unit.pk}&year={scope.year}"
    may_change = allows(request.user, Action.MANAGE, unit)
    schemes = list(
        RankingScheme.objects.restrict(request.user, Action.VIEW)
        .filter(parent_unit=unit, year=scope.year)
        .prefetch_related("items__indicator")
        .order_by("code")
    )
    scheme_form = RankingSchemeForm() if may_change else None
    item_forms = {s.pk: RankingItemForm(scheme=s) for s in schemes} if may_change else {}
    errors: list[str] = []
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(_("只有本级攻坚办可以设置赛马方案"))
        action = request.POST.get("action", "")
        if action == "item_delete":
            item = get_object_or_404(
                RankingItem, pk=request.POST.get("item") or 0, scheme__in=schemes
            )
            services.ranking_item_delete(actor=request.user, item=item)
            messages.success(request, _("已移除“%(n)s”") % {"n": item.indicator.name})
            return redirect(back)
        if action == "item":
            scheme = next((s for s in schemes if str(s.pk) == request.POST.get("scheme")), None)
            if scheme is None:
                raise Http404(_("没有这个赛马方案"))
            form = RankingItemForm(request.POST, scheme=scheme, instance=RankingItem(scheme=scheme))
            item_forms[scheme.pk] = form
            saved = _save_form(
                form,
                lambda data: services.ranking_item_save(actor=request.user, scheme=scheme, **data),
                add_errors,
            )
        else:
            form = RankingSchemeForm(
                request.POST, instance=RankingScheme(parent_unit=unit, year=scope.year)
            )
            scheme_form = form
            saved = _save_form(
                form,
                lambda data: services.ranking_scheme_save(
                    actor=request.user, parent_unit=unit, year=scope.year, **data
                ),
                add_errors,
            )
        if saved:
            messages.success(request, _("赛马方案已保存"))
            return redirect(back)
        errors = form_errors(form)
    return render(
        request,
        "indicators/ranking_schemes.html",
        {
            "scope": scope,
            "rows": [(s, item_forms.get(s.pk)) for s in schemes],
            "scheme_form": scheme_form,
            "errors": errors,
            "may_change": may_change,
            "nav_active": "settings",
        },
    )


def _save_form(form, save, add_errors) -> bool:
    """Validate ``form`` and hand its data to ``save`` (a service); a refusal goes on the
    form, field by field."""
    if not form.is_valid():
        return False
    try:
        save(dict(form.cleaned_data))
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def definitions(request):
    """指标定义: the indicators, active and inactive; the office of a top unit switches one
    on or off and defines a new computed indicator (registry, event, filters, measure)."""
    from django.urls import reverse

    from gongjian.kit.http import add_errors
    from gongjian.kit.scope import manages_shared

    from .forms import IndicatorDefineForm
    from .registries import REGISTRIES

    may_change = manages_shared(request.user)
    back = reverse("indicators:definitions")
    form = IndicatorDefineForm() if may_change else None
    errors: list[str] = []
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(_("只有攻坚办可以定义指标"))
        if request.POST.get("action") == "toggle":
            indicator = get_object_or_404(
                Indicator.objects.restrict(request.user, Action.VIEW),
                code=request.POST.get("code", ""),
            )
            active = request.POST.get("is_active") == "1"
            try:
                services.indicator_define(actor=request.user, code=indicator.code, is_active=active)
            except ValidationError as exc:
                messages.error(request, _("未保存:") + errors_text(exc))
            else:
                messages.success(
                    request,
                    (_("已启用“%(n)s”") if active else _("已停用“%(n)s”")) % {"n": indicator.name},
                )
            return redirect(back)
        form = IndicatorDefineForm(request.POST)
        saved = _save_form(
            form,
            lambda data: services.indicator_define(
                actor=request.user, kind=Indicator.Kind.COMPUTED, **data
            ),
            add_errors,
        )
        if saved:
            messages.success(request, _("已定义指标“%(n)s”") % {"n": form.cleaned_data["name"]})
            return redirect(back)
        errors = form_errors(form)
    indicators = list(
        Indicator.objects.restrict(request.user, Action.VIEW)
        .select_related("fixed_unit")
        .order_by("sort_order", "code")
    )
    return render(
        request,
        "indicators/definitions.html",
        {
            "active": [i for i in indicators if i.is_active],
            "inactive": [i for i in indicators if not i.is_active],
            "registries": REGISTRIES.values(),
            "form": form,
            "errors": errors,
            "may_change": may_change,
            "nav_active": "settings",
        },
    )

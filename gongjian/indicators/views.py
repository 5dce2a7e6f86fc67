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
from gongjian.kit.http import errors_text
from gongjian.kit.scope import Action, principal

from . import engine, services
from . import selectors as sel
from .display import display, entry_unit, from_entry, to_entry
from .models import ReportedValue
from .periods import resolve_scope


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

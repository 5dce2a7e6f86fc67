"""拉练 pages: thin views over ``selectors`` (reads) and ``services`` (writes)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongjian.kit.http import DOCX, XLSX, bytes_response, file_response
from gongjian.kit.scope import Action, allows, holds
from gongjian.units.selectors import people_in_trees

from . import selectors as sel
from . import services
from .documents import results_xlsx, tour_sheet_docx
from .forms import NominateForm, PanelForm, ScoreFormForm, SheetForm, TourForm
from .models import ScoreForm, Sheet, Stop, Tour


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return ";".join(m for msgs in exc.message_dict.values() for m in msgs)
        return ";".join(exc.messages)
    return str(exc)


def _tour(request, pk: int) -> Tour:
    return get_object_or_404(
        Tour.objects.restrict(request.user, Action.VIEW).select_related("form"), pk=pk
    )


def _office_only(request, tour: Tour | None = None) -> None:
    allowed = (
        allows(request.user, Action.MANAGE, tour) if tour else holds(request.user, Action.MANAGE)
    )
    if not allowed:
        raise Http404(_("没有这个页面"))


@login_required
def tour_list(request):
    tours = list(Tour.objects.restrict(request.user, Action.VIEW).select_related("form"))
    mine = set(request.user.tours.values_list("pk", flat=True))
    for t in tours:
        t.is_mine = t.pk in mine
    return render(
        request,
        "inspections/tour_list.html",
        {
            "tours": tours,
            "is_office": holds(request.user, Action.MANAGE),
            "forms": ScoreForm.objects.restrict(request.user, Action.VIEW),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_create(request):
    """The office defines a scoring form: criteria, weights, ranges."""
    _office_only(request)
    form = ScoreFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.score_form_create(
                actor=request.user,
                name=data["name"],
                description=data["description"],
                criteria_text=data["criteria"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, _("已保存评分表“%(name)s”") % {"name": data["name"]})
            return redirect("inspections:create")
    return render(request, "inspections/form_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def tour_create(request):
    _office_only(request)
    form = TourForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tour = services.tour_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, _("已创建拉练“%(name)s”") % {"name": tour.name})
            return redirect("inspections:detail", pk=tour.pk)
    return render(
        request,
        "inspections/tour_create.html",
        {"form": form, "has_forms": ScoreForm.objects.restrict(request.user, Action.VIEW).exists()},
    )


def _members(user, text: str) -> list:
    names = [n for n in re.split(r"[\s,,、]+", text) if n]
    users = {u.username: u for u in people_in_trees(user).filter(username__in=names)}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise ValidationError({"panel": f"没有这些用户:{'、'.join(unknown)}"})
    return [users[n] for n in dict.fromkeys(names)]


@login_required
@require_http_methods(["GET", "POST"])
def tour_detail(request, pk: int):
    """Plan the tour: the office sets the panel and moves it on; units nominate projects."""
    tour = _tour(request, pk)
    office = allows(request.user, Action.MANAGE, tour)
    nominate = NominateForm(
        request.POST if request.POST.get("action") == "nominate" else None,
        projects=sel.nominable_projects(request.user, tour),
    )
    panel_form = PanelForm(
        request.POST if request.POST.get("action") == "panel" else None,
        initial={
            "members": " ".join(tour.panel.order_by("username").values_list("username", flat=True))
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "nominate":
                if not nominate.is_valid():
                    raise ValidationError({"project": _("请选择项目和类别")})
                services.stop_add(actor=request.user, tour=tour, **nominate.cleaned_data)
                done = _("已推荐观摩项目")
            elif action == "remove":
                stop = get_object_or_404(
                    sel.stops_visible_to(request.user, tour), pk=request.POST.get("stop")
                )
                services.stop_remove(actor=request.user, stop=stop)
                done = _("已撤下观摩项目")
            elif action == "panel":
                _office_only(request, tour)
                panel_form.is_valid()
                services.tour_set_panel(
                    actor=request.user,
                    tour=tour,
                    members=_members(request.user, panel_form.cleaned_data.get("members", "")),
                )
                done = _("已更新评分组")
            elif action == "start":
                services.tour_start_scoring(actor=request.user, tour=tour)
                done = _("已开始评分")
            elif action == "close":
                services.tour_close(actor=request.user, tour=tour)
                done = _("拉练已结束,成绩已计入赛马指标")
            else:
                raise ValidationError({"action": _("未知的操作")})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, done)
            after = request.POST.get("q", "").strip()[:100] if action == "nominate" else ""
            if after:  # back to the same search, to nominate another
                return redirect(
                    f"{reverse('inspections:detail', args=[tour.pk])}?{urlencode({'q': after})}"
                )
            return redirect("inspections:detail", pk=tour.pk)
    q = request.GET.get("q", "").strip()[:100]
    can_nominate = tour.status == Tour.Status.PLANNING and (
        nominate.fields["project"].queryset.exists()
    )
    matches, more = (
        sel.search_nominable(request.user, tour, q, sel.SEARCH_LIMIT)
        if can_nominate
        else ([], False)
    )
    search = {"tour": tour, "q": q, "matches": matches, "more": more, "kinds": Stop.Kind.choices}
    if request.headers.get("HX-Request") and "q" in request.GET:
        return render(request, "inspections/_nominate_results.html", search)
    stops = list(sel.stops_visible_to(request.user, tour))
    return render(
        request,
        "inspections/tour_detail.html",
        {
            **search,
            "tour": tour,
            "stops": stops,
            "criteria": list(tour.form.criteria.all()),
            "panel": list(tour.panel.order_by("username")),
            "is_office": office,
            "is_panel": sel.is_panel_member(request.user, tour),
            "nominate": nominate,
            "can_nominate": can_nominate,
            "panel_form": panel_form,
        },
    )


def _panel_tour(request, pk: int) -> Tour:
    tour = _tour(request, pk)
    if not sel.is_panel_member(request.user, tour):
        raise Http404(_("您不是本次拉练的评分组成员"))
    return tour


@login_required
def member_home(request, pk: int):
    """The panel member's phone page: the stops in visiting order and their own progress."""
    tour = _panel_tour(request, pk)
    rows = sel.member_stops(request.user, tour)
    return render(
        request,
        "inspections/member.html",
        {
            "tour": tour,
            "rows": rows,
            "done": sum(
                1 for _s, sheet in rows if sheet and sheet.status == Sheet.Status.SUBMITTED
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def score_stop(request, pk: int, stop_pk: int):
    tour = _panel_tour(request, pk)
    stop = get_object_or_404(Stop.objects.select_related("project", "unit"), pk=stop_pk, tour=tour)
    criteria = list(tour.form.criteria.all())
    sheet = Sheet.objects.filter(stop=stop, member=request.user).first()
    initial = {}
    if sheet:
        initial = {f"c{m.criterion_id}": m.value for m in sheet.marks.all()}
        initial["comment"] = sheet.comment
    form = SheetForm(request.POST or None, initial=initial, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("submit") == "1"
        try:
            sheet = services.sheet_save(
                actor=request.user,
                stop=stop,
                values=form.values(),
                comment=form.cleaned_data["comment"],
                submit=submit,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            if submit:
                messages.success(request, _("已提交“%(name)s”的评分") % {"name": stop.project.name})
                return redirect("inspections:member", pk=tour.pk)
            messages.success(request, _("草稿已保存"))
            return redirect("inspections:score", pk=tour.pk, stop_pk=stop.pk)
    score = None
    if sheet:
        score = sel.sheet_score({m.criterion_id: m.value for m in sheet.marks.all()}, criteria)
    return render(
        request,
        "inspections/score.html",
        {"tour": tour, "stop": stop, "form": form, "sheet": sheet, "score": score},
    )


@login_required
def results(request, pk: int):
    tour = _tour(request, pk)
    res = sel.tour_results(tour)
    visible = {s.pk for s in sel.stops_visible_to(request.user, tour)}
    return render(
        request,
        "inspections/results.html",
        {
            "tour": tour,
            "results": res,
            "stops": [r for r in res.stops if r.stop.pk in visible],
        },
    )


@login_required
def sheet_docx(request, pk: int):
    tour = _tour(request, pk)
    if not (allows(request.user, Action.MANAGE, tour) or sel.is_panel_member(request.user, tour)):
        raise Http404(_("没有这个页面"))
    data = tour_sheet_docx(tour, list(sel.stops_visible_to(request.user, tour)))
    return bytes_response(data, tour.name + "-观摩单.docx", DOCX)


@login_required
def results_export(request, pk: int):
    tour = _tour(request, pk)
    if not (allows(request.user, Action.MANAGE, tour) or sel.is_panel_member(request.user, tour)):
        raise Http404(_("没有这个页面"))
    return file_response(results_xlsx(sel.tour_results(tour)), f"{tour.name}-成绩.xlsx", XLSX)

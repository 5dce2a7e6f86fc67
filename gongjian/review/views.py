"""Pages of the year review: the drafted 十大高频词 with its word cloud, the .docx, the
corpus documents and the office's user dictionary. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit import jobs
from gongjian.kit.errors import ConflictError, messages_of
from gongjian.kit.http import DOCX, bytes_response
from gongjian.kit.scope import Action, allows, manages_shared
from gongjian.kit.views import job_started
from gongjian.units.models import Unit

from . import services
from .forms import DictionaryForm, UploadForm
from .models import CorpusDocument, DictionaryTerm, ReviewDraft
from .selectors import compose_review


def _year(request, unit) -> int:
    """The year asked for, else the one ``resolve_year_as_of`` shows for ``unit``."""
    text = str(request.GET.get("year") or request.POST.get("year") or "").strip()
    if text and not text.isdigit():
        raise Http404
    try:
        return resolve_year_as_of(unit=unit, year=int(text) if text else None).year
    except ValidationError as exc:
        raise Http404 from exc


def _unit(request):
    """The unit asked for (within the user's scope, else 404) or the user's top unit."""
    visible = Unit.objects.restrict(request.user, Action.VIEW)
    ref = request.GET.get("unit") or request.POST.get("unit")
    if ref:
        if not str(ref).isdigit():
            raise Http404
        return get_object_or_404(visible, pk=int(ref))
    unit = visible.order_by("depth", "pk").first()
    if unit is None:
        raise Http404
    return unit


@login_required
def review_page(request):
    unit = _unit(request)
    year = _year(request, unit)
    review = compose_review(year, unit, user=request.user)
    draft = (
        ReviewDraft.objects.restrict(request.user, Action.VIEW).filter(year=year, unit=unit).first()
    )
    items = draft.items if draft else services.review_items(review)
    context = {
        "year": year,
        "unit": unit,
        "review": review,
        "draft": draft,
        "items": items,
        "drafted": {t.term: t for t in review.terms},
        "cloud": review.cloud,
        "can_edit": allows(request.user, Action.CHANGE, unit),
    }
    return render(request, "review/review.html", context)


@login_required
@require_POST
def draft_save(request):
    unit = _unit(request)
    year = _year(request, unit)
    if not allows(request.user, Action.CHANGE, unit):
        raise Http404
    review = compose_review(year, unit, user=request.user)
    items = services.review_items(review)
    for index, item in enumerate(items):
        edited = request.POST.get(f"paragraph-{index}")
        if edited is not None:
            item["paragraph"] = edited.strip()
    try:
        version = request.POST.get("version")
        services.draft_save(
            actor=request.user,
            unit=unit,
            year=year,
            as_of=review.as_of,
            title=request.POST.get("title") or review.title,
            items=items,
            expected_version=int(version) if version and version.isdigit() else None,
        )
        messages.success(request, _("已保存年度总结稿"))
    except ConflictError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, ";".join(messages_of(exc)))
    return redirect(f"{request.path.rsplit('draft/', 1)[0]}?year={year}&unit={unit.pk}")


@login_required
def review_download(request):
    unit = _unit(request)
    year = _year(request, unit)
    if request.GET.get("background"):
        job = jobs.job_start(
            user=request.user,
            kind="review",
            params={"unit": unit.pk, "year": year},
            title=f"年度综述 {unit.name} {year}",
        )
        return job_started(request, job)
    data, name = services.review_file(user=request.user, unit=unit, year=year)
    return bytes_response(data, name, DOCX)


@login_required
def documents(request):
    unit = _unit(request)
    year = _year(request, unit)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not allows(request.user, Action.CHANGE, unit):
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.document_upload(
                    actor=request.user,
                    unit=unit,
                    year=year,
                    dated_on=form.cleaned_data["dated_on"],
                    file_name=upload.name,
                    data=upload.read(),
                    title=form.cleaned_data["title"],
                    source=form.cleaned_data["source"],
                )
                messages.success(request, _("已加入语料"))
                return redirect(f"{request.path}?year={year}&unit={unit.pk}")
            except ValidationError as exc:
                form.add_error(None, ";".join(messages_of(exc)))
    docs = (
        CorpusDocument.objects.restrict(request.user, Action.VIEW)
        .filter(year=year, unit__path__startswith=unit.path)
        .select_related("unit")
        .defer("text")
    )
    context = {
        "year": year,
        "unit": unit,
        "form": form,
        "documents": docs,
        "can_edit": allows(request.user, Action.CHANGE, unit),
    }
    return render(request, "review/documents.html", context, status=400 if form.errors else 200)


@login_required
def dictionary(request):
    if not manages_shared(request.user):
        raise Http404
    form = DictionaryForm(request.POST or None)
    if request.method == "POST":
        delete = request.POST.get("delete")
        try:
            if delete:
                term = get_object_or_404(DictionaryTerm, pk=delete)
                services.dictionary_term_delete(actor=request.user, term=term)
                return redirect(request.path)
            if form.is_valid():
                services.dictionary_term_set(actor=request.user, **form.cleaned_data)
                return redirect(request.path)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(
                None, ";".join(messages_of(exc)) if isinstance(exc, ValidationError) else str(exc)
            )
    context = {"form": form, "terms": DictionaryTerm.objects.all()}
    return render(request, "review/dictionary.html", context, status=400 if form.errors else 200)

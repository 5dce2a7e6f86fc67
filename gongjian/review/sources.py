"""Where a year's corpus comes from. Each source yields ``Passage`` rows for a year and
a unit subtree, restricted to what a user may see. Other apps add their own texts with
``register_source`` (the attraction app's outreach notes, for instance); a source whose
app is not installed or not migrated is skipped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gongjian.common.dates import Period
from gongjian.units.models import Unit


@dataclass(frozen=True)
class Passage:
    """One text of the corpus with where it came from."""

    text: str
    source: str  # e.g. "项目简介" / "进度报告" / "上传文档"
    label: str  # the project, problem or document it belongs to
    unit: str
    dated_on: dt.date | None


SourceFn = Callable[[int, Unit, object], Iterable[Passage]]
SOURCES: dict[str, tuple[str, SourceFn]] = {}


def register_source(key: str, label: str, fn: SourceFn) -> None:
    """Add a text source: ``fn(year, unit, user)`` yields the passages ``user`` may see
    (``user`` None: everything) of ``unit``'s subtree in ``year``."""
    SOURCES[key] = (label, fn)


def _projects(user):
    from gongjian.projects.models import Project

    qs = Project.objects.all()
    return qs if user is None else qs.visible_to(user)


def project_descriptions(year: int, unit: Unit, user) -> Iterable[Passage]:
    from gongjian.indicators.registries import get_registry

    period = Period.year_to_date(year)
    qs = get_registry("projects").active(_projects(user).in_subtree(unit), period)
    rows = qs.exclude(description="").values_list(
        "code", "name", "description", "unit__name", "first_event_on"
    )
    for code, name, text, unit_name, dated in rows.iterator(chunk_size=2000):
        yield Passage(text, "项目简介", f"{code} {name}", unit_name, dated)


def progress_texts(year: int, unit: Unit, user) -> Iterable[Passage]:
    from gongjian.projects.models import ProgressReport

    qs = ProgressReport.objects.filter(
        project__in=_projects(user).in_subtree(unit),
        period_end__gte=dt.date(year, 1, 1),
        period_end__lte=dt.date(year, 12, 31),
    ).exclude(progress_text="", problems_text="")
    rows = qs.values_list(
        "project__code",
        "project__name",
        "progress_text",
        "problems_text",
        "project__unit__name",
        "period_end",
    )
    for code, name, progress, problems, unit_name, dated in rows.iterator(chunk_size=5000):
        if progress:
            yield Passage(progress, "进度报告·形象进度", f"{code} {name}", unit_name, dated)
        if problems:
            yield Passage(problems, "进度报告·存在问题", f"{code} {name}", unit_name, dated)


def problem_texts(year: int, unit: Unit, user) -> Iterable[Passage]:
    from gongjian.projects.models import Problem

    qs = Problem.objects.filter(project__in=_projects(user).in_subtree(unit), raised_on__year=year)
    rows = qs.values_list(
        "project__code",
        "project__name",
        "description",
        "resolution",
        "project__unit__name",
        "raised_on",
    )
    for code, name, description, resolution, unit_name, dated in rows.iterator(chunk_size=2000):
        yield Passage(description, "问题描述", f"{code} {name}", unit_name, dated)
        if resolution:
            yield Passage(resolution, "问题办理情况", f"{code} {name}", unit_name, dated)


def uploaded_documents(year: int, unit: Unit, user) -> Iterable[Passage]:
    from .selectors import documents_visible_to

    qs = documents_visible_to(user).filter(year=year, unit__path__startswith=unit.path)
    for doc in qs.select_related("unit").only("title", "text", "source", "unit__name", "dated_on"):
        label = f"{doc.title}({doc.source})" if doc.source else doc.title
        yield Passage(doc.text, "上传文档", label, doc.unit.name, doc.dated_on)


def outreach_notes(year: int, unit: Unit, user) -> Iterable[Passage]:
    """The attraction app's outreach notes, when that app defines them: any text field
    of its ``Outreach`` model, dated by its first date field, owned by a ``unit``."""
    from django.apps import apps
    from django.db import DatabaseError, models

    try:
        model = apps.get_model("attraction", "Outreach")
    except LookupError:
        return
    fields = model._meta.get_fields()
    texts = [f.name for f in fields if isinstance(f, models.TextField)]
    dates = [f.name for f in fields if isinstance(f, models.DateField)]
    unit_fk = next((f.name for f in fields if f.is_relation and f.related_model is Unit), None)
    if not texts or not dates or unit_fk is None:
        return
    qs = model.objects.filter(
        **{f"{unit_fk}__path__startswith": unit.path, f"{dates[0]}__year": year}
    )
    if user is not None:
        from gongjian.units.selectors import is_office, path_q, scope_paths

        if not is_office(user):
            qs = qs.filter(path_q(scope_paths(user), field=f"{unit_fk}__path"))
    try:
        for row in qs.select_related(unit_fk):
            for name in texts:
                text = getattr(row, name)
                if text:
                    yield Passage(
                        text,
                        "招商活动",
                        str(row),
                        str(getattr(row, unit_fk)),
                        getattr(row, dates[0]),
                    )
    except DatabaseError:  # the app's tables are not migrated yet
        return


register_source("project_descriptions", "项目简介", project_descriptions)
register_source("progress_texts", "进度报告", progress_texts)
register_source("problem_texts", "问题清单", problem_texts)
register_source("outreach_notes", "招商活动记录", outreach_notes)
register_source("uploaded_documents", "上传文档", uploaded_documents)


def corpus(year: int, unit: Unit, user=None, sources: Iterable[str] | None = None) -> list[Passage]:
    """Every passage of ``year`` for ``unit``'s subtree that ``user`` may see."""
    out: list[Passage] = []
    for key in sources or SOURCES:
        _label, fn = SOURCES[key]
        out.extend(p for p in fn(year, unit, user) if p.text and p.text.strip())
    return out

"""The project domain's texts for the year review's corpus (project descriptions,
progress reports, problems), registered in ``kit.registration.text_sources``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from gongjian.indicators.registries import get_registry
from gongjian.kit.dates import Period
from gongjian.kit.registration import Passage, TextSource, text_sources
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from .models import Problem, ProgressReport, Project


def _projects(user):
    return Project.objects.restrict(user, Action.VIEW)


def project_descriptions(year: int, unit: Unit, user) -> Iterable[Passage]:
    period = Period.year_to_date(year)
    qs = get_registry("projects").active(_projects(user).in_subtree(unit), period)
    rows = qs.exclude(description="").values_list(
        "code", "name", "description", "unit__name", "first_event_on"
    )
    for code, name, text, unit_name, dated in rows.iterator(chunk_size=2000):
        yield Passage(text, "项目简介", f"{code} {name}", unit_name, dated)


def progress_texts(year: int, unit: Unit, user) -> Iterable[Passage]:
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


def register() -> None:
    text_sources.register("project_descriptions", TextSource("项目简介", project_descriptions))
    text_sources.register("progress_texts", TextSource("进度报告", progress_texts))
    text_sources.register("problem_texts", TextSource("问题清单", problem_texts))

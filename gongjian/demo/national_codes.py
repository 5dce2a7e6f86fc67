"""The demo's 全国投资项目代码: most projects past 签约 carry the code the online approval
platform gave them (GB/T 40058-2021), computed with the standard's check digit
(``kit.validators.national_project_code_check_digit``) from a seeded random draw.

No demo figure reads the code, so every computed fact stays as it was."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from gongjian.kit.scope import SYSTEM
from gongjian.kit.tabular.imports import history_rows
from gongjian.kit.validators import national_project_code_check_digit
from gongjian.projects.models import Project, Stage

if TYPE_CHECKING:
    from .loader import _Loader

SEED = 40058
SHARE = 0.8  # of the projects past 签约 whose code could be of the current form
FIRST_MONTH = dt.date(2020, 11, 1)  # codes of the GB/T 40058 form were given from then on
# 中央业务指导部门代码 and 项目类型代码 as drawn (the demo's own, not the standard's table)
DEPARTMENTS = ["04", "04", "04", "05", "06", "10"]
TYPES = ["01", "01", "01", "02", "03"]


def national_code(rng: random.Random, *, month: dt.date, region: str) -> str:
    """A code of the GB/T 40058 form for a project given its code in ``month``."""
    body = f"{month:%y%m}{region}{rng.choice(DEPARTMENTS)}{rng.choice(TYPES)}{rng.randrange(100000):05d}"
    check = national_project_code_check_digit(body)
    return f"{body[:4]}-{body[4:10]}-{body[10:12]}-{body[12:14]}-{body[14:]}{check}"


def load_national_codes(loader: _Loader) -> None:
    rng = random.Random(SEED)
    projects = list(
        Project.objects.filter(unit__path__startswith=loader.city.path)
        .exclude(stage=Stage.PLANNED)
        .select_related("unit")
        .order_by("code")
    )
    given: set[str] = set()
    changed = []
    for project in projects:
        first = project.first_event_on
        if first is None or first < FIRST_MONTH or rng.random() >= SHARE:
            continue
        region = project.unit.code or loader.city.code
        code = national_code(rng, month=first, region=region)
        while code in given:
            code = national_code(rng, month=first, region=region)
        given.add(code)
        project.national_code = code
        changed.append(project)
    now = timezone.now()
    Project.objects.bulk_update(changed, ["national_code"], batch_size=1000)
    history_rows(
        Project, changed, history_type="~", actor=SYSTEM, reason="全国投资项目代码", now=now
    )
    loader.log(f"全国投资项目代码:{len(changed)} / {len(projects)} 个已签约项目")

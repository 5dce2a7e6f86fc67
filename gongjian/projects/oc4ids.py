"""The project registry as an OC4IDS project package (Open Contracting for Infrastructure
Data Standard 0.9, schema shipped in ``data/oc4ids/``, Apache 2.0, see its NOTICE).

One function, ``project_package``, builds the package from a queryset that is already
scoped (``Project.objects.restrict(user, Action.VIEW)``) and filtered (``ProjectFilter``);
the API (``GET /api/oc4ids/projects.json``) and ``gongjian export oc4ids -o FILE`` both
call it. ``validate_package`` checks a package against the shipped schema.

How a project is mapped (docs/oc4ids.md has the same table):

==============================  ==========================================================
OC4IDS                          gongjian
==============================  ==========================================================
``id``                          ``OC4IDS_ID_PREFIX`` setting + "-" + 项目编号 (the code
                                alone when no prefix is registered)
``identifiers``                 项目编号 (scheme ``gongjian``) and the 全国投资项目代码
                                (scheme ``CN-GBT40058``) when the project has one
``title`` / ``description``     项目名称 / 项目简介
``status``                      the stage, see ``STAGE_STATUS``
``sector``                      the category (and words of the name), see
                                ``CATEGORY_SECTOR`` and ``NAME_SECTORS``
``additionalClassifications``   the category and the stage as gongjian names them
                                (schemes ``gongjian-category``, ``gongjian-stage``)
``budget.amount``               总投资, CNY (元)
``period``                      计划开工日期 → 计划竣工日期
``implementationPeriod``        开工日期 → 竣工日期 (actual)
``locations``                   a GeoJSON ``Point`` [经度, 纬度] when the project is placed
``parties`` / ``publicAuthority``  所属单位 (``publicAuthority``), 责任部门
                                (``responsibleDepartment``), 包保领导
                                (``responsibleLeader``); units carry their GB/T 2260 code
``completion``                  竣工日期 and 累计完成投资 once 竣工 or 投产
``metrics``                     the current progress reports: ``financialProgress``
                                (累计完成投资 in CNY, dimension ``investmentThisPeriod``)
                                and ``physicalProgress`` (形象进度 as the measure), one
                                observation per report period
``updated``                     the project's last change
==============================  ==========================================================

``type`` (construction / rehabilitation / …) is left out: gongjian does not record the
建设性质 (新建/扩建/改建), and guessing it would publish a fact nobody stated.

Roles ``responsibleDepartment`` and ``responsibleLeader`` extend the open ``partyRole``
code list: 包保 has no equivalent there (``administrativeEntity`` administers a
contract, which a 包保 department does not).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gongjian.units.models import Unit

from .models import Category, ProgressReport, Project, Stage

OC4IDS_VERSION = "0.9"
SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "oc4ids"
SCHEMA_BASE = "https://standard.open-contracting.org/infrastructure/schema/0__9__4/"
CURRENCY = "CNY"
NATIONAL_CODE_SCHEME = "CN-GBT40058"
DIVISION_SCHEME = "CN-GBT2260"

# projectStatus is a closed code list (identification, preparation, implementation,
# completion, maintenance, decommissioning, decommissioned, cancelled).
STAGE_STATUS: dict[str, str] = {
    Stage.PLANNED: "identification",  # 谋划: the decision to develop the project
    Stage.SIGNED: "preparation",  # 签约: agreement signed, approvals and land under way
    Stage.LANDED: "preparation",  # 落地: registered and on site, not yet started
    Stage.STARTED: "implementation",  # 开工: construction
    Stage.RESUMED: "implementation",  # 复工: a continuing project building again
    # 停缓建: stalled, expected to resume. The list has no "suspended"; "cancelled" says
    # the project is abandoned and inactive, which a stall is not, so the closest value is
    # the phase the project is stalled in; the stall itself is kept in the
    # ``gongjian-stage`` classification.
    Stage.STALLED: "implementation",
    Stage.COMPLETED: "completion",  # 竣工: handover and close-out
    # 投产: in production. "completed" is not a code of the list; the asset in use is
    # "maintenance", which the list describes as "also called operation".
    Stage.IN_PRODUCTION: "maintenance",
}

# projectSector is an open code list; only its own codes are used here.
CATEGORY_SECTOR: dict[str, list[str]] = {
    Category.INDUSTRY: ["economy"],
    Category.COMMERCE: ["economy"],
    Category.AGRICULTURE: ["economy"],
    Category.TOURISM: ["cultureSportsAndRecreation"],
    Category.INFRASTRUCTURE: [],  # by the name (roads, water, power …), else none
    Category.LIVELIHOOD: [],  # by the name (schools, hospitals, housing …), else none
    Category.OTHER: [],
}
# Words of a project's name that name a more precise sector (first match per sector).
NAME_SECTORS: list[tuple[tuple[str, ...], list[str]]] = [
    (("公路", "道路", "大桥", "桥梁", "高速", "街路"), ["transport", "transport.road"]),
    (("铁路", "高铁"), ["transport", "transport.rail"]),
    (("港口", "码头", "航道"), ["transport", "transport.water"]),
    (("机场",), ["transport", "transport.air"]),
    (("公交", "轨道交通"), ["transport", "transport.urban"]),
    (("光伏", "太阳能"), ["energy", "energy.solar"]),
    (("风电", "风力"), ["energy", "energy.wind"]),
    (("水电站",), ["energy", "energy.hydropower"]),
    (("生物质",), ["energy", "energy.biomass"]),
    (("电网", "变电站", "储能", "热电", "供热", "燃气", "能源"), ["energy"]),
    (("供水", "污水", "排水", "管网", "垃圾", "水厂"), ["waterAndWaste"]),
    (("防洪", "堤防", "河道"), ["naturalResources", "naturalResources.floodProtection"]),
    (("5G", "数据中心", "通信", "信息化"), ["communications"]),
    (("学校", "中学", "小学", "幼儿园", "大学", "学院", "职教"), ["education"]),
    (("医院", "卫生", "养老", "康养"), ["health"]),
    (("保障房", "安置房", "棚户区", "公租房"), ["socialHousing"]),
    (("体育", "文化", "公园", "旅游", "景区"), ["cultureSportsAndRecreation"]),
]


def project_sector(category: str, name: str) -> list[str]:
    """The OC4IDS sectors of a project: its category's, then those its name states."""
    sectors = list(CATEGORY_SECTOR.get(category, []))
    for words, codes in NAME_SECTORS:
        if any(word in name for word in words):
            sectors += [code for code in codes if code not in sectors]
    return sectors


def _datetime(day: dt.date | None) -> str | None:
    """A date as the schema's date-time: the start of that day in the platform's zone."""
    if day is None:
        return None
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
    return start.isoformat()


def _period(start: dt.date | None, end: dt.date | None) -> dict[str, str] | None:
    out = {k: v for k, v in (("startDate", _datetime(start)), ("endDate", _datetime(end))) if v}
    return out or None


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def _unit_party(unit: Unit) -> dict[str, Any]:
    party: dict[str, Any] = {"id": f"unit-{unit.pk}", "name": unit.name, "roles": []}
    if unit.code:
        party["identifier"] = {"scheme": DIVISION_SCHEME, "id": unit.code, "legalName": unit.name}
    return party


def _person_name(user) -> str:
    return user.full_name or user.username


def project_id(project: Project) -> str:
    """The OC4IDS project identifier: the publisher's registered prefix and the code."""
    prefix = getattr(settings, "OC4IDS_ID_PREFIX", "")
    return f"{prefix}-{project.code}" if prefix else project.code


def project_release(project: Project, reports: Iterable[ProgressReport]) -> dict[str, Any]:
    """One OC4IDS project (``reports``: its current progress reports, by period)."""
    out: dict[str, Any] = {
        "id": project_id(project),
        "updated": timezone.localtime(project.updated_at).isoformat(),
        "language": "zh",
        "identifiers": [{"id": project.code, "scheme": "gongjian"}],
        "title": project.name,
    }
    if project.national_code:
        out["identifiers"].append({"id": project.national_code, "scheme": NATIONAL_CODE_SCHEME})
    if project.description.strip():
        out["description"] = project.description
    out["status"] = STAGE_STATUS[project.stage]
    sectors = project_sector(project.category, project.name)
    if sectors:
        out["sector"] = sectors
    out["additionalClassifications"] = [
        {
            "scheme": "gongjian-category",
            "id": project.category,
            "description": str(Category(project.category).label),
        },
        {
            "scheme": "gongjian-stage",
            "id": project.stage,
            "description": str(Stage(project.stage).label),
        },
    ]
    out["budget"] = {"amount": _money(project.total_investment)}
    planned = _period(project.planned_start_on, project.planned_completion_on)
    if planned:
        out["period"] = planned
    if project.started_on:
        out["implementationPeriod"] = _period(project.started_on, project.completed_on)
    if project.latitude is not None and project.longitude is not None:
        out["locations"] = [
            {
                "id": "1",
                "description": project.unit.name,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(project.longitude), float(project.latitude)],
                },
            }
        ]
    # parties: one entry per organisation or person, its roles merged
    parties: dict[str, dict[str, Any]] = {}

    def add(party: dict[str, Any], role: str) -> None:
        entry = parties.setdefault(party["id"], party)
        if role not in entry["roles"]:
            entry["roles"].append(role)

    add(_unit_party(project.unit), "publicAuthority")
    out["publicAuthority"] = {"id": f"unit-{project.unit_id}", "name": project.unit.name}
    if project.responsible_unit is not None:
        add(_unit_party(project.responsible_unit), "responsibleDepartment")
    if project.leader is not None:
        leader = project.leader
        person: dict[str, Any] = {"id": f"person-{leader.pk}", "name": _person_name(leader)}
        person["roles"] = []
        add(person, "responsibleLeader")
    out["parties"] = list(parties.values())
    if project.stage in (Stage.COMPLETED, Stage.IN_PRODUCTION) and project.completed_on:
        out["completion"] = {
            "endDate": _datetime(project.completed_on),
            "finalValue": _money(project.completed_investment),
        }
    metrics = _metrics(list(reports))
    if metrics:
        out["metrics"] = metrics
    return out


def _metrics(reports: list[ProgressReport]) -> list[dict[str, Any]]:
    financial, physical = [], []
    for report in reports:
        period = _period(report.period_start, report.period_end)
        financial.append(
            {
                "id": f"{report.pk}",
                "period": period,
                "value": _money(report.cumulative_investment),
                "dimensions": {"investmentThisPeriod": report.investment_this_period},
            }
        )
        if report.progress_text.strip():
            physical.append(
                {"id": f"{report.pk}", "period": period, "measure": report.progress_text}
            )
    metrics = []
    if financial:
        metrics.append(
            {
                "id": "financialProgress",
                "title": "累计完成投资",
                "description": "各调度期末自开工累计完成投资(人民币元);"
                "investmentThisPeriod 为本期完成投资",
                "observations": financial,
            }
        )
    if physical:
        metrics.append(
            {
                "id": "physicalProgress",
                "title": "形象进度",
                "description": "各调度期报送的形象进度",
                "observations": physical,
            }
        )
    return metrics


def package_projects(qs: QuerySet[Project]) -> QuerySet[Project]:
    """``qs`` with what ``project_release`` reads, in a fixed number of queries."""
    return qs.select_related("unit", "responsible_unit", "leader").prefetch_related(
        Prefetch(
            "reports",
            queryset=ProgressReport.objects.order_by("period_start", "pk"),
            to_attr="current_reports",
        )
    )


def project_package(
    qs: QuerySet[Project],
    *,
    uri: str,
    publisher: str,
    published: dt.datetime | None = None,
) -> dict[str, Any]:
    """The OC4IDS project package of the projects of ``qs`` (already scoped and filtered),
    in ``qs``'s order. ``uri`` identifies the package, ``publisher`` names who publishes
    it."""
    published = published or timezone.now()
    projects = [project_release(p, p.current_reports) for p in package_projects(qs)]
    package: dict[str, Any] = {
        "uri": uri,
        "publishedDate": timezone.localtime(published).isoformat(),
        "publisher": {"name": publisher},
        "version": OC4IDS_VERSION,
        "projects": projects,  # the schema wants at least one: callers say when none match
    }
    licence = getattr(settings, "OC4IDS_LICENSE", "")
    if licence:
        package["license"] = licence
    return package


@cache
def _schemas() -> tuple[dict, dict]:
    package = json.loads((SCHEMA_DIR / "project-package-schema.json").read_text("utf-8"))
    project = json.loads((SCHEMA_DIR / "project-schema.json").read_text("utf-8"))
    return package, project


def validation_errors(package: dict[str, Any]) -> list[str]:
    """Where ``package`` breaks the shipped OC4IDS schema (draft 4, formats checked):
    one line per error, its JSON path first; empty when valid."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package_schema, project_schema = _schemas()
    registry = Registry().with_resources(
        [
            (SCHEMA_BASE + "project-package-schema.json", Resource(package_schema, DRAFT4)),
            (SCHEMA_BASE + "project-schema.json", Resource(project_schema, DRAFT4)),
        ]
    )
    validator = jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(package), key=lambda e: list(e.path))
    ]

"""The 全国投资项目代码 (GB/T 40058-2021) on projects, and the OC4IDS project package."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from gongjian.kit.validators import (
    national_project_code_check_digit,
    normalize_national_project_code,
    validate_national_project_code,
)
from gongjian.projects import oc4ids
from gongjian.projects.filters import ProjectFilter
from gongjian.projects.models import Project, Stage
from gongjian.projects.sheets import export_projects, projects_import
from tests.factories import ProgressReportFactory, build_city_world, read_xlsx, write_xlsx

GOOD = "2104-210703-04-01-528179"  # check digit 9 by ISO/IEC 7064 MOD 11,10
WRONG = "2104-210703-04-01-528171"


# --- the check digit and the structure -------------------------------------------------


def test_mod_11_10_reproduces_the_published_check_digits():
    # ISO/IEC 7064 MOD 11,10 examples: 794623 and 002006673085 carry valid check digits
    assert national_project_code_check_digit("79462") == "3"
    assert national_project_code_check_digit("00200667308") == "5"
    assert national_project_code_check_digit("2104210703040152817") == "9"


def test_a_valid_code_passes_and_every_single_digit_change_is_caught():
    validate_national_project_code(GOOD)
    digits = GOOD.replace("-", "")
    for position in range(19, 20):  # the check digit itself: every other value is refused
        for d in "0123456789":
            if d == digits[position]:
                continue
            bad = GOOD[:-1] + d
            with pytest.raises(ValidationError) as exc:
                validate_national_project_code(bad)
            assert exc.value.code == "check"
    # MOD 11,10 catches every single-digit substitution in the body as well
    for position, ch in enumerate(GOOD[:-1]):
        if ch == "-":
            continue
        for d in "0123456789":
            if d == ch:
                continue
            bad = GOOD[:position] + d + GOOD[position + 1 :]
            with pytest.raises(ValidationError):
                validate_national_project_code(bad)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("2104-210703-04-01-52817", "format"),
        ("21042107030401528179", "format"),  # not normalised: the validator wants hyphens
        ("2104-210703-04-0A-528179", "format"),
        ("2113-210703-04-01-528179", "time"),
        ("2104-990703-04-01-528179", "region"),
        (WRONG, "check"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(code, problem):
    with pytest.raises(ValidationError) as exc:
        validate_national_project_code(code)
    assert exc.value.code == problem


def test_wrong_check_digit_message_names_the_expected_digit():
    with pytest.raises(ValidationError) as exc:
        validate_national_project_code(WRONG)
    assert exc.value.messages == [f"项目代码“{WRONG}”校验码错误:最后一位应为“9”,实为“1”"]


def test_codes_given_before_the_standard_are_accepted_by_structure():
    validate_national_project_code("2019-210703-47-03-012345")


def test_normalisation_of_what_people_type():
    assert normalize_national_project_code(" 21042107030401528179 ") == GOOD
    assert normalize_national_project_code("2104－210703－04－01－528179") == GOOD
    assert normalize_national_project_code("  ") is None


# --- on projects: model, import, search, page, exports ----------------------------------


@pytest.fixture
def world(db):
    return build_city_world()


HEAD = ["项目编号", "项目代码", "项目名称", "所属单位", "项目类别", "总投资(万元)"]


def test_import_with_a_national_code_and_one_with_a_wrong_check_character(world, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            ["NC-001", "21042107030401528179", "甲区储能电池项目", "甲区", "工业", 25000],
            ["NC-002", WRONG, "甲区光伏电站", "甲区", "工业", 9000],
        ],
    )
    result = projects_import(actor=world.office, path=path)
    assert not result.saved and not Project.objects.filter(code__startswith="NC-").exists()
    assert result.errors == [
        (3, "项目代码", f"项目代码“{WRONG}”校验码错误:最后一位应为“9”,实为“1”")
    ]
    result = projects_import(actor=world.office, path=path, skip_bad_rows=True)
    assert result.saved and (result.created, result.bad_rows) == (1, 1)
    project = Project.objects.get(code="NC-001")
    assert project.national_code == GOOD  # stored with its hyphens
    assert project.history.latest().national_code == GOOD


@pytest.mark.parametrize("header", ["投资项目统一代码", "项目统一代码", "全国投资项目代码"])
def test_the_headers_cities_use_are_read(world, tmp_path, header):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [[*HEAD[:1], header, *HEAD[2:]], ["NC-010", GOOD, "甲区储能电池项目", "甲区", "工业", 100]],
    )
    result = projects_import(actor=world.office, path=path)
    assert result.created == 1, result.errors
    assert Project.objects.get(code="NC-010").national_code == GOOD


def test_a_national_code_is_unique(world, tmp_path):
    world.project_a.national_code = GOOD
    world.project_a.save()
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [HEAD, ["NC-020", GOOD, "甲区储能电池项目", "甲区", "工业", 100]],
    )
    result = projects_import(actor=world.office, path=path)
    assert result.errors == [
        (
            2,
            "项目代码",
            f"全国投资项目代码“{GOOD}”已被其他项目使用(项目编号“{world.project_a.code}”)",
        )
    ]
    # the same sheet updating the holder itself is fine
    path = write_xlsx(
        tmp_path / "q.xlsx",
        [HEAD, [world.project_a.code, GOOD, world.project_a.name, "甲区", "工业", 30000]],
    )
    assert projects_import(actor=world.office, path=path).errors == []


def test_search_page_and_export_carry_the_code(world, tmp_path):
    a = world.project_a
    a.national_code = GOOD
    a.save()
    qs = ProjectFilter(q="528179").apply(Project.objects.all())
    assert list(qs) == [a]
    client = Client()
    client.force_login(world.office)
    page = client.get(f"/projects/{a.pk}/").content.decode()
    assert GOOD in page
    listed = client.get("/api/projects", {"q": "2104-210703"}).json()
    assert [row["national_code"] for row in listed["items"]] == [GOOD]
    rows = read_xlsx(export_projects(Project.objects.filter(pk=a.pk)))
    header = next(r for r in rows if "项目编号" in r)
    assert rows[rows.index(header) + 1][header.index("全国投资项目代码")] == GOOD


# --- OC4IDS ------------------------------------------------------------------------------


def test_package_of_the_world_is_valid_and_maps_the_registry(world):
    a = world.project_a
    a.national_code = GOOD
    a.latitude, a.longitude = 41.1, 121.12
    a.responsible_unit = world.district_b
    a.save()
    ProgressReportFactory(
        project=a,
        period_start=world.day(5, 1),
        period_end=world.day(5, 31),
        investment_this_period=5_000_000,
        progress_text="主体结构封顶",
    )
    package = oc4ids.project_package(
        Project.objects.order_by("code"), uri="urn:test:oc4ids", publisher="测试市"
    )
    assert oc4ids.validation_errors(package) == []
    by_title = {p["title"]: p for p in package["projects"]}
    project = by_title[a.name]
    assert project["status"] == "implementation"
    assert {"id": GOOD, "scheme": "CN-GBT40058"} in project["identifiers"]
    assert project["budget"]["amount"] == {"amount": 300_000_000, "currency": "CNY"}
    assert project["locations"][0]["geometry"] == {"type": "Point", "coordinates": [121.12, 41.1]}
    roles = {party["name"]: party["roles"] for party in project["parties"]}
    assert roles == {
        "甲区": ["publicAuthority"],
        "乙区": ["responsibleDepartment"],
        "王包保": ["responsibleLeader"],
    }
    metrics = {m["id"]: m for m in project["metrics"]}
    financial = metrics["financialProgress"]["observations"]
    assert [o["value"]["amount"] for o in financial] == [
        r.cumulative_investment for r in a.reports.order_by("period_start")
    ]
    assert financial[0]["period"]["startDate"].startswith(f"{world.day(4, 1).isoformat()}T00:00:00")
    assert metrics["physicalProgress"]["observations"][-1]["measure"] == "主体结构封顶"


def test_a_broken_package_is_reported_by_the_schema(world):
    package = oc4ids.project_package(Project.objects.all(), uri="urn:test", publisher="测试市")
    package["projects"][0]["status"] = "completed"  # not a projectStatus code
    package["projects"][0]["budget"]["amount"]["currency"] = "RMB"
    errors = oc4ids.validation_errors(package)
    assert any("status" in e and "completed" in e for e in errors), errors
    assert any("currency" in e for e in errors), errors


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        (Stage.PLANNED, "identification"),
        (Stage.SIGNED, "preparation"),
        (Stage.LANDED, "preparation"),
        (Stage.STARTED, "implementation"),
        (Stage.RESUMED, "implementation"),
        (Stage.STALLED, "implementation"),
        (Stage.COMPLETED, "completion"),
        (Stage.IN_PRODUCTION, "maintenance"),
    ],
)
def test_every_stage_has_a_status_of_the_closed_code_list(stage, status):
    codes = (oc4ids.SCHEMA_DIR / "codelists" / "projectStatus.csv").read_text().split()
    assert oc4ids.STAGE_STATUS[stage] == status
    assert any(line.startswith(f"{status},") for line in codes)


def test_api_is_scoped_and_filtered_like_the_list(world):
    client = Client()
    client.force_login(world.operator_a)
    package = client.get("/api/oc4ids/projects.json").json()
    assert oc4ids.validation_errors(package) == []
    assert [p["title"] for p in package["projects"]] == [world.project_a.name]
    client.force_login(world.office)
    everything = client.get("/api/oc4ids/projects.json").json()
    assert {p["title"] for p in everything["projects"]} == {
        world.project_a.name,
        world.project_b.name,
    }
    only_b = client.get("/api/oc4ids/projects.json", {"unit": "乙区"}).json()
    assert [p["title"] for p in only_b["projects"]] == [world.project_b.name]
    assert Client().get("/api/oc4ids/projects.json").status_code == 401


def test_cli_writes_a_valid_package(world, tmp_path):
    out = tmp_path / "oc4ids.json"
    call_command("export", "oc4ids", "-o", str(out), "--user", world.operator_a.username)
    package = json.loads(out.read_text("utf-8"))
    assert oc4ids.validation_errors(package) == []
    assert [p["title"] for p in package["projects"]] == [world.project_a.name]
    with pytest.raises(CommandError, match="没有符合条件的项目"):
        call_command("export", "oc4ids", "-o", str(out), "--q", "不存在的项目")

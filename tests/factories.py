"""factory_boy factories. Every row is made through its service, as the product makes it,
so that unit paths, stage dates, escalation tags and history are real."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.utils import timezone

from gongjian.indicators import services as indicator_services
from gongjian.indicators.models import Indicator, RankingItem, RankingScheme, Target
from gongjian.kit.scope import SYSTEM
from gongjian.projects import services as project_services
from gongjian.projects.models import (
    Batch,
    Category,
    Problem,
    ProgressReport,
    Project,
    Stage,
    Tag,
)
from gongjian.units import services as unit_services
from gongjian.units.models import ApiToken, Role, Unit, User

# Codes in a province (13, 河北) that the Jinzhou demo (21, 辽宁) never uses.
_CITY_CODES = itertools.cycle([f"13{n:02d}00" for n in range(10, 100)])


def next_city_code() -> str:
    return next(_CITY_CODES)


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit made by ``units.services.unit_create`` (which keeps ``path``/``depth``)."""

    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.DISTRICT
    parent = None
    code = None
    sort_order = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return unit_services.unit_create(actor=SYSTEM, **kwargs)


class CityFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"测试市{n}")
    kind = Unit.Kind.CITY
    code = factory.LazyFunction(next_city_code)


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``memberships=[(unit, Role.OPERATOR)]`` grants roles."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"tester{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = None  # no hashing (slow by design); tests sign in with force_login
    memberships = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return unit_services.user_create(actor=SYSTEM, **kwargs)


def member(unit: Unit, role: str, **kwargs) -> User:
    return UserFactory(memberships=[(unit, role)], **kwargs)


def api_key(user: User, name: str = "测试令牌") -> tuple[ApiToken, str]:
    return unit_services.api_token_issue(user=user, name=name)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"t-tag-{n}")
    name = factory.Sequence(lambda n: f"测试标签{n}")


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"t-batch-{n}")
    name = factory.Sequence(lambda n: f"测试批次{n}")
    kind = Batch.Kind.COLLECTIVE_START
    year = factory.LazyFunction(lambda: timezone.localdate().year)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project made by ``project_create``; pass ``stage_events=[(Stage.SIGNED, date)]``,
    ``tags=[…]``, ``batches=[…]`` to replay its history."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    unit = factory.SubFactory(UnitFactory)
    category = Category.INDUSTRY
    total_investment = 200_000_000
    planned_investment = 50_000_000

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return project_services.project_create(actor=SYSTEM, **kwargs)


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    project = factory.SubFactory(ProjectFactory)
    kind = Problem.Kind.LAND
    description = factory.Sequence(lambda n: f"用地指标未落实{n}")
    raised_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    deadline = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return project_services.problem_create(actor=SYSTEM, **kwargs)


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyAttribute(lambda o: o.period_start + dt.timedelta(days=27))
    investment_this_period = 1_000_000
    progress_text = "主体施工"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return project_services.progress_report_submit(actor=SYSTEM, **kwargs)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A computed count by default: projects started in the period."""

    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"test.indicator_{n}")
    name = factory.Sequence(lambda n: f"测试指标{n}")
    kind = Indicator.Kind.COMPUTED
    registry = "projects"
    measure = Indicator.Measure.COUNT
    event = "started"
    display_unit = "个"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return indicator_services.indicator_define(actor=SYSTEM, **kwargs)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    unit = factory.SubFactory(UnitFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    value = Decimal(10)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return indicator_services.target_set(actor=SYSTEM, **kwargs)


class _CleanModelFactory(factory.django.DjangoModelFactory):
    """For models without a service yet: validate, then save."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.full_clean()
        obj.save()
        return obj


class RankingSchemeFactory(_CleanModelFactory):
    class Meta:
        model = RankingScheme

    code = factory.Sequence(lambda n: f"test-horse-{n}")
    name = factory.Sequence(lambda n: f"测试赛马{n}")
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    parent_unit = factory.SubFactory(CityFactory)


class RankingItemFactory(_CleanModelFactory):
    class Meta:
        model = RankingItem

    scheme = factory.SubFactory(RankingSchemeFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    weight = Decimal(1)
    cap = Decimal("1.2")  # the model's default is the float 1.2, which full_clean refuses


# --- a small world: one city, two districts, their people and projects --------------


@dataclass
class CityWorld:
    """测试市 with 甲区 and 乙区, a user per role, and one project (with a report and an
    overdue problem) in each district. Events happen in ``year`` (last year), so every
    date lies in the past whatever today is."""

    year: int
    city: Unit
    district_a: Unit
    district_b: Unit
    office: User
    operator_a: User
    operator_b: User
    viewer_a: User
    leader: User
    project_a: Project
    project_b: Project
    report_a: ProgressReport
    problem_a: Problem
    problem_b: Problem
    tag: Tag
    batch: Batch

    def day(self, month: int, day: int) -> dt.date:
        return dt.date(self.year, month, day)


def build_city_world() -> CityWorld:
    year = timezone.localdate().year - 1
    city = CityFactory(name="测试市")
    code = city.code
    district_a = UnitFactory(name="甲区", parent=city, code=code[:4] + "02", sort_order=1)
    district_b = UnitFactory(name="乙区", parent=city, code=code[:4] + "03", sort_order=2)
    leader = member(city, Role.LEADER, full_name="王包保", title="副市长")
    tag = TagFactory()
    batch = BatchFactory(year=year, unit=city)
    project_a = ProjectFactory(
        name="甲区新材料产业园",
        unit=district_a,
        leader=leader,
        enterprise_name="甲区新材料有限公司",
        total_investment=300_000_000,
        planned_investment=100_000_000,
        tags=[tag],
        batches=[batch],
        stage_events=[(Stage.SIGNED, dt.date(year, 3, 1)), (Stage.STARTED, dt.date(year, 4, 10))],
    )
    project_b = ProjectFactory(
        name="乙区物流中心",
        unit=district_b,
        category=Category.COMMERCE,
        total_investment=80_000_000,
        stage_events=[(Stage.SIGNED, dt.date(year, 2, 1)), (Stage.STARTED, dt.date(year, 5, 1))],
    )
    report_a = ProgressReportFactory(
        project=project_a,
        period_start=dt.date(year, 4, 1),
        period_end=dt.date(year, 4, 30),
        investment_this_period=10_000_000,
    )
    problem_a = ProblemFactory(
        project=project_a,
        raised_on=dt.date(year, 3, 5),
        deadline=dt.date(year, 4, 5),
        description="施工用电未接入",
    )
    problem_b = ProblemFactory(
        project=project_b, raised_on=dt.date(year, 3, 5), description="乙区项目审批手续"
    )
    return CityWorld(
        year=year,
        city=city,
        district_a=district_a,
        district_b=district_b,
        office=member(city, Role.OFFICE, full_name="攻坚办"),
        operator_a=member(district_a, Role.OPERATOR, full_name="甲区填报员"),
        operator_b=member(district_b, Role.OPERATOR, full_name="乙区填报员"),
        viewer_a=member(district_a, Role.VIEWER, full_name="甲区查看"),
        leader=leader,
        project_a=project_a,
        project_b=project_b,
        report_a=report_a,
        problem_a=problem_a,
        problem_b=problem_b,
        tag=tag,
        batch=batch,
    )


@dataclass
class IndicatorWorld:
    """Indicators over a ``CityWorld``: a count with a dotted Chinese code (targets: 甲区 2,
    乙区 1), a sum, a reported value, a 双过半 checkpoint and a 赛马 scheme over both."""

    started: Indicator
    amount: Indicator
    reported: Indicator
    half_year: Indicator
    scheme: RankingScheme


def build_indicator_world(world: CityWorld) -> IndicatorWorld:
    suffix = world.city.code
    started = IndicatorFactory(
        code=f"test_api_{suffix}.by_category.工业",
        name="新开工工业项目",
        event="started",
        filters={"category": Category.INDUSTRY},
        in_checkpoints=True,
        display_unit="个",
    )
    amount = IndicatorFactory(
        code=f"test_api_{suffix}.started.amount",
        name="新开工项目总投资",
        measure=Indicator.Measure.SUM,
        measure_field="total_investment",
        display_unit="元",
    )
    reported = IndicatorFactory(
        code=f"test_api_{suffix}.pipes_km",
        name="改造管网长度",
        kind=Indicator.Kind.REPORTED,
        registry="",
        measure="",
        event="",
        display_unit="公里",
    )
    half_year = IndicatorFactory(
        code=f"test_api_{suffix}.h1",
        name="双过半",
        kind=Indicator.Kind.CHECKPOINT,
        registry="",
        measure="",
        event="",
        checkpoint=Indicator.Checkpoint.H1,
        display_unit="",
    )
    TargetFactory(indicator=started, unit=world.district_a, year=world.year, value=2)
    TargetFactory(indicator=started, unit=world.district_b, year=world.year, value=1)
    indicator_services.reported_value_record(
        actor=SYSTEM,
        indicator=reported,
        unit=world.district_a,
        as_of=world.day(6, 30),
        value=Decimal("12.5"),
    )
    scheme = RankingSchemeFactory(
        code=f"test-api-{suffix}", name="测试赛马", year=world.year, parent_unit=world.city
    )
    RankingItemFactory(scheme=scheme, indicator=started, weight=Decimal(1))
    return IndicatorWorld(
        started=started, amount=amount, reported=reported, half_year=half_year, scheme=scheme
    )


# --- 招商引资 and the enterprise registry ------------------------------------------------


def credit_code(seq: int, division: str = "130102") -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character) for test enterprises."""
    from gongjian.kit.validators import credit_code_check_char

    body = f"91{division}{seq:09d}"
    return body + credit_code_check_char(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """An enterprise made by ``enterprise_create``; ``revenues={2023: 12 * 10**8}``."""

    class Meta:
        model = "enterprises.Enterprise"

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    unit = factory.SubFactory(UnitFactory)
    credit_code = factory.Sequence(lambda n: credit_code(700_000 + n))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from gongjian.enterprises import services as enterprise_services

        return enterprise_services.enterprise_create(actor=SYSTEM, **kwargs)


class OutreachFactory(factory.django.DjangoModelFactory):
    """An outreach batch made by ``outreach_create``; ``enterprises=[…]`` met."""

    class Meta:
        model = "attraction.Outreach"

    held_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    kind = "going_out"
    theme = "new_materials"
    title = factory.Sequence(lambda n: f"测试招商活动{n}")
    unit = factory.SubFactory(UnitFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from gongjian.attraction import services as attraction_services

        return attraction_services.outreach_create(actor=SYSTEM, **kwargs)


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead at 接洽, made by ``lead_create``."""

    class Meta:
        model = "attraction.Lead"

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"测试招商项目{n}")
    unit = factory.LazyAttribute(lambda o: o.enterprise.unit)
    intended_investment = 300_000_000
    contacted_on = factory.LazyFunction(lambda: dt.date(timezone.localdate().year - 1, 1, 5))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from gongjian.attraction import services as attraction_services

        return attraction_services.lead_create(actor=SYSTEM, **kwargs)


# --- spreadsheet files for the import/export/dispatch tests ---------------------------


def write_xlsx(path, rows: list[list], *, merge: tuple | None = None):
    """Write ``rows`` to a real .xlsx (dates as Excel dates, "=…" as formulas);
    ``merge=(first_row, first_col, last_row, last_col, text)`` merges cells."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("项目")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value)
            else:
                sheet.write(r, c, value)
    if merge:
        sheet.merge_range(*merge)
    book.close()
    return path


def read_xlsx(path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def registry_snapshot() -> dict:
    """Everything an import could touch, history included."""
    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "tags": list(Project.tags.through.objects.order_by("pk").values()),
        "batches": list(Project.batches.through.objects.order_by("pk").values()),
        "transitions": list(Project.transitions.rel.related_model.objects.order_by("pk").values()),
        "reports": list(ProgressReport.objects.order_by("pk").values()),
        "problems": list(Problem.objects.order_by("pk").values()),
        "history": (Project.history.count(), ProgressReport.history.count()),
    }


def soffice() -> str | None:
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(source, fmt: str, outdir):
    """``soffice --headless --convert-to <fmt>`` into ``outdir`` with a fresh profile."""
    import subprocess

    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{outdir / 'lo-profile'}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = outdir / (source.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


# --- 拉练 inspection tours ----------------------------------------------------------------


def build_tour(world: CityWorld, *, panel: list[User] | None = None, name: str = "一季度拉练"):
    """A tour of ``world``'s two projects scored on a three-criterion form (weights 50/30/20,
    ranges 0–10, 0–10 and 60–100); the tour is open for scoring."""
    from gongjian.inspections import services as inspection_services

    form = inspection_services.score_form_create(
        actor=world.office,
        name=f"{name}评分表{world.city.code}",
        criteria_text="项目进度,50,10\n投资强度,30,10\n观感质量,20,100,60",
    )
    tour = inspection_services.tour_create(
        actor=world.office,
        name=name,
        year=world.year,
        quarter=2,
        starts_on=world.day(6, 10),
        ends_on=world.day(6, 12),
        form=form,
        route="甲区 → 乙区",
        panel=panel or [world.leader],
    )
    inspection_services.stop_add(
        actor=world.operator_a, tour=tour, project=world.project_a, kind="new_start"
    )
    inspection_services.stop_add(
        actor=world.operator_b, tour=tour, project=world.project_b, kind="new_start"
    )
    inspection_services.tour_start_scoring(actor=world.office, tour=tour)
    return tour


# --- 12345 appeals and 免申即享 policies ----------------------------------------------


class AppealCategoryFactory(factory.django.DjangoModelFactory):
    """An appeal category made by ``category_define``."""

    class Meta:
        model = "appeals.AppealCategory"

    code = factory.Sequence(lambda n: f"test-category-{n}")
    name = factory.Sequence(lambda n: f"测试诉求类别{n}")
    default_unit = None
    sla_days = 5

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from gongjian.appeals import services as appeal_services

        return appeal_services.category_define(actor=SYSTEM, **kwargs)


class AppealFactory(factory.django.DjangoModelFactory):
    """An appeal received (受理) by ``appeal_receive`` at ``intake_unit``."""

    class Meta:
        model = "appeals.Appeal"

    category = factory.SubFactory(AppealCategoryFactory)
    title = factory.Sequence(lambda n: f"测试诉求{n}")
    content = "路灯不亮,请尽快维修"
    intake_unit = factory.SubFactory(CityFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from gongjian.appeals import services as appeal_services

        return appeal_services.appeal_receive(actor=SYSTEM, **kwargs)


class PolicyFactory(factory.django.DjangoModelFactory):
    """A published 免申即享 policy made by ``policy_create`` (+ ``policy_set_status``)."""

    class Meta:
        model = "policies.Policy"

    code = factory.Sequence(lambda n: f"TEST-ZC-{n:04d}")
    name = factory.Sequence(lambda n: f"测试惠企政策{n}")
    unit = factory.SubFactory(CityFactory)
    rules = factory.LazyFunction(dict)
    benefit = factory.LazyFunction(lambda: {"amount": 100000})
    valid_from = factory.LazyFunction(lambda: dt.date(timezone.localdate().year - 1, 1, 1))

    @classmethod
    def _create(cls, model_class, *args, status="published", **kwargs):
        from gongjian.policies import services as policy_services

        policy = policy_services.policy_create(actor=SYSTEM, **kwargs)
        if status != "draft":
            policy_services.policy_set_status(actor=SYSTEM, policy=policy, status=status)
        return policy


def subprocess_environment(tmp_path, db_file: str, **extra: str) -> dict[str, str]:
    """The environment of a child ``gongjian`` process on its own SQLite file under
    ``tmp_path``: this run's settings variables dropped, the real settings module."""
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GONGJIAN_", "DJANGO_", "DATABASE_URL", "PYTEST"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / db_file}",
        GONGJIAN_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="gongjian.settings",
        **extra,
    )
    return env


def project_edit_form(project, **changes) -> dict:
    """The project edit page's fields as the page fills them for ``project`` (amounts in
    万元, the planned dates empty), with ``changes``."""
    data = {
        "name": project.name,
        "unit": project.unit_id,
        "category": project.category,
        "total_investment": project.total_investment / 10_000,
        "planned_investment": project.planned_investment / 10_000,
        "responsible_unit": project.responsible_unit_id or "",
        "leader": project.leader_id or "",
        "industry_cluster": project.industry_cluster,
        "enterprise_name": project.enterprise_name,
        "latitude": "",
        "longitude": "",
        "description": project.description,
        "planned_start_on": "",
        "planned_completion_on": "",
        "planned_in_stats_on": "",
        "in_stats_on": "",
    }
    data.update(changes)
    return data

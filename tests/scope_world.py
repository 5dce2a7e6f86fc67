"""A small world for the scope walker: 测试市 with 甲区 (A) and 乙区 (B), and an object of
every kind in B, each named with the marker ``SECRET`` so that a page, export or API answer
that shows any of them to someone outside B is caught by a plain substring search.

Every row is made through its service, as the product makes it (see ``factories``).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from gongjian.indicators import services as indicator_services
from gongjian.kit.scope import SYSTEM
from gongjian.projects import services as project_services
from gongjian.projects.models import Problem, ProblemComment, ProgressReport, Project, Stage
from gongjian.units.models import Role, Unit, User
from tests.factories import (
    AppealCategoryFactory,
    AppealFactory,
    CityWorld,
    EnterpriseFactory,
    LeadFactory,
    OutreachFactory,
    PolicyFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    build_city_world,
    build_indicator_world,
    credit_code,
    member,
)

# Every B object's name carries this marker; it must never reach anyone outside B.
SECRET = "乙区秘密"


@dataclass
class ScopeWorld:
    city: CityWorld
    year: int
    a: Unit
    b: Unit
    operator_a: User
    viewer_a: User
    operator_b: User
    office: User
    leader_b: User  # 包保 leader of ``led_b`` (a B project), no membership in B
    project_b: Project  # B's project nobody outside B may see
    led_b: Project  # the B project ``leader_b`` is 包保 for
    report_b: ProgressReport
    problem_b: Problem
    led_problem: Problem
    comment_b: ProblemComment
    enterprise_b: object
    outreach_b: object
    lead_b: object
    tour: object
    stop_b: object
    appeal_b: object
    category: object
    policy_b: object
    grant_b: object
    import_run_b: object
    document_b: object
    draft_b: object
    map_config: object
    mapping: object
    reported_b: object
    institution_b: object  # a financial institution serving B (owned by B)
    product_b: object  # its product
    need_b: object  # a 资金 need of ``enterprise_b``, matched to ``product_b``
    match_b: object  # that match, followed to 对接 (a second step)
    consent_b: object  # ``enterprise_b``'s consent that ``institution_b`` reads its profile
    indicator_reported: str
    indicator_code: str
    scheme_code: str
    secrets: list[str] = field(default_factory=list)


def xlsx_bytes(rows: list[list]) -> bytes:
    """A real .xlsx in memory (first row: headers)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("项目")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_string(r, c, value.isoformat())
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def build_scope_world() -> ScopeWorld:
    from gongjian.attraction import services as attraction_services
    from gongjian.enterprises import services as enterprise_services
    from gongjian.finance import services as finance_services
    from gongjian.inspections import services as inspection_services
    from gongjian.policies import services as policy_services
    from gongjian.reports import services as report_services
    from gongjian.review import services as review_services
    from gongjian.units.services import map_config_set

    w = build_city_world()
    indicators = build_indicator_world(w)
    year, a, b = w.year, w.district_a, w.district_b
    leader_b = member(a, Role.LEADER, full_name="乙区包保领导")
    code = w.city.code
    project_b = ProjectFactory(
        code=f"SCOPE-B-{code}",
        name=f"{SECRET}物流园",
        unit=b,
        enterprise_name=f"{SECRET}建设公司",
        total_investment=500_000_000,
        planned_investment=100_000_000,
        latitude=Decimal("41.1"),
        longitude=Decimal("121.1"),
        tags=[w.tag],
        batches=[w.batch],
        stage_events=[(Stage.SIGNED, dt.date(year, 2, 1)), (Stage.STARTED, dt.date(year, 3, 1))],
    )
    led_b = ProjectFactory(
        code=f"SCOPE-L-{code}",
        name="乙区包保项目",
        unit=b,
        leader=leader_b,
        total_investment=120_000_000,
        stage_events=[(Stage.SIGNED, dt.date(year, 2, 1)), (Stage.STARTED, dt.date(year, 3, 1))],
    )
    report_b = ProgressReportFactory(
        project=project_b,
        period_start=dt.date(year, 4, 1),
        period_end=dt.date(year, 4, 30),
        investment_this_period=20_000_000,
        progress_text=f"{SECRET}进度",
    )
    problem_b = ProblemFactory(
        project=project_b,
        raised_on=dt.date(year, 3, 5),
        deadline=dt.date(year, 4, 5),
        description=f"{SECRET}问题",
    )
    led_problem = ProblemFactory(
        project=led_b, raised_on=dt.date(year, 3, 5), description="乙区包保项目用地问题"
    )
    project_services.problem_act(actor=w.operator_b, problem=problem_b, comment=f"{SECRET}办理意见")
    comment_b = ProblemComment.objects.filter(problem=problem_b).latest("pk")

    enterprise_b = EnterpriseFactory(
        name=f"{SECRET}材料有限公司", unit=b, credit_code=credit_code(424_242)
    )
    enterprise_services.enterprise_revenue_set(
        actor=SYSTEM, enterprise=enterprise_b, year=year, revenue=3 * 10**8
    )
    outreach_b = OutreachFactory(
        unit=b, title=f"{SECRET}招商活动", held_on=dt.date(year, 1, 3), enterprises=[enterprise_b]
    )
    lead_b = LeadFactory(enterprise=enterprise_b, name=f"{SECRET}招商项目", unit=b)
    attraction_services.lead_transition(
        actor=SYSTEM, lead=lead_b, to_stage="negotiating", on_date=dt.date(year, 1, 20)
    )

    form = inspection_services.score_form_create(
        actor=w.office, name=f"范围测试评分表{code}", criteria_text="项目进度,50,10\n投资强度,50,10"
    )
    panelist = member(b, Role.VIEWER, full_name="乙区评分员")
    tour = inspection_services.tour_create(
        actor=w.office,
        name="全市二季度拉练",
        year=year,
        quarter=2,
        starts_on=dt.date(year, 6, 10),
        ends_on=dt.date(year, 6, 12),
        form=form,
        panel=[panelist],
    )
    stop_b = inspection_services.stop_add(
        actor=w.operator_b, tour=tour, project=project_b, kind="new_start"
    )
    inspection_services.tour_start_scoring(actor=w.office, tour=tour)
    criteria = list(form.criteria.order_by("sort_order"))
    inspection_services.sheet_save(
        actor=panelist,
        stop=stop_b,
        values={c.pk: Decimal(8) for c in criteria},
        comment=f"{SECRET}评语",
    )

    category = AppealCategoryFactory(name="路灯维修")
    appeal_b = AppealFactory(
        category=category, intake_unit=b, title=f"{SECRET}诉求", content=f"{SECRET}诉求内容"
    )
    policy_b = PolicyFactory(unit=b, name=f"{SECRET}惠企政策", code=f"SCOPE-ZC-{code}")
    grants = policy_services.grants_propose(actor=SYSTEM, policy=policy_b, year=year)
    grant_b = next(g for g in grants if g.enterprise_id == enterprise_b.pk)

    upload = SimpleUploadedFile(
        f"{SECRET}导入.xlsx",
        xlsx_bytes([["项目名称"], [f"{SECRET}导入行"]]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    import_run_b = report_services.import_run_start(
        actor=w.operator_b, schema="projects", upload=upload
    )
    document_b = review_services.document_upload(
        actor=SYSTEM,
        unit=b,
        year=year,
        dated_on=dt.date(year, 12, 1),
        file_name="乙区总结.txt",
        data=f"{SECRET}总结材料:项目建设攻坚成效显著。".encode(),
        title=f"{SECRET}总结材料",
    )
    draft_b = review_services.draft_save(
        actor=SYSTEM,
        unit=b,
        year=year,
        as_of=dt.date(year, 12, 31),
        title=f"{SECRET}年度总结",
        items=[{"term": "项目建设", "paragraph": f"{SECRET}段落"}],
    )
    map_config = map_config_set(
        actor=SYSTEM, unit=w.city, map_name="锦州", package_map="liao2_ning2_jin3_zhou1"
    )
    mapping = report_services.column_mapping_save(
        actor=w.office, schema="projects", name=f"攻坚办对照{code}", mapping={"名称": "name"}
    )
    # B's operator submits a reported value: waiting for the office, never for A
    reported_b = indicator_services.reported_value_record(
        actor=w.operator_b,
        indicator=indicators.reported,
        unit=b,
        as_of=dt.date(year, 9, 30),
        value=7,
        submit=True,
    )
    # the financing platform: B's institution, its product, a need of B's enterprise
    # matched to it and followed to 对接, and the enterprise's consent
    institution_b = finance_services.institution_create(
        actor=SYSTEM, name=f"{SECRET}银行", unit=b, contact="乙区联系人"
    )
    product_b = finance_services.product_create(
        actor=SYSTEM,
        institution=institution_b,
        name=f"{SECRET}科技贷",
        amount_min=0,
        amount_max=50_000_000,
        term_min=1,
        term_max=36,
        requirements=f"{SECRET}准入条件",
    )
    need_b = finance_services.need_create(
        actor=w.operator_b,
        enterprise=enterprise_b,
        kind="funds",
        title=f"{SECRET}技改贷款",
        posted_on=dt.date(year, 5, 10),
        amount=5_000_000,
        term=12,
        purpose=f"{SECRET}设备购置",
    )
    matches = finance_services.need_match(actor=w.operator_b, need=need_b, on=dt.date(year, 5, 12))
    match_b = next(m for m in matches if m.product_id == product_b.pk)
    match_b = finance_services.match_advance(
        actor=w.operator_b, match=match_b, stage="contacted", on=dt.date(year, 5, 20)
    )
    consent_b = finance_services.consent_grant(
        actor=w.operator_b,
        enterprise=enterprise_b,
        institution=institution_b,
        granted_on=dt.date(year, 5, 15),
        note=f"{SECRET}授权书",
    )
    secrets = [
        SECRET,
        project_b.code,
        w.project_b.name,  # 乙区物流中心, the city world's own B project
        w.project_b.code,
        w.problem_b.description,
        enterprise_b.credit_code,
        policy_b.code,
        appeal_b.number,
        # whole names, still caught when a search for the marker is echoed
        institution_b.name,
        product_b.name,
        need_b.title,
    ]
    return ScopeWorld(
        city=w,
        year=year,
        a=a,
        b=b,
        operator_a=w.operator_a,
        viewer_a=w.viewer_a,
        operator_b=w.operator_b,
        office=w.office,
        leader_b=leader_b,
        project_b=project_b,
        led_b=led_b,
        report_b=report_b,
        problem_b=problem_b,
        led_problem=led_problem,
        comment_b=comment_b,
        enterprise_b=enterprise_b,
        outreach_b=outreach_b,
        lead_b=lead_b,
        tour=tour,
        stop_b=stop_b,
        appeal_b=appeal_b,
        category=category,
        policy_b=policy_b,
        grant_b=grant_b,
        import_run_b=import_run_b,
        document_b=document_b,
        draft_b=draft_b,
        map_config=map_config,
        mapping=mapping,
        reported_b=reported_b,
        institution_b=institution_b,
        product_b=product_b,
        need_b=need_b,
        match_b=match_b,
        consent_b=consent_b,
        indicator_reported=indicators.reported.code,
        indicator_code=indicators.started.code,
        scheme_code=indicators.scheme.code,
        secrets=secrets,
    )


# --- "nothing changed" ------------------------------------------------------------------

# Rows a request may legitimately write without changing anything anyone owns: sessions,
# and the sign-in/sign-out logs (signing out is allowed to everyone).
_VOLATILE_MODELS = {"sessions.session", "admin.logentry", "units.loginevent"}
_VOLATILE_APPS = {"axes"}


def db_snapshot() -> dict[str, tuple]:
    """For every model (history tables included) a cheap fingerprint read in one query:
    its row count, its highest key and, where the table has them, the sum of its
    ``version`` and its latest ``updated_at`` — so that a refused request that wrote
    anything is caught: a new or deleted row changes the count or the key, a changed row
    its version or stamp, and every change through a service adds a history row."""
    from django.db import connection

    qn = connection.ops.quote_name
    parts = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in _VOLATILE_MODELS or model._meta.app_label in _VOLATILE_APPS:
            continue
        names = {f.attname: f.column for f in model._meta.concrete_fields}
        pk = qn(model._meta.pk.column)
        version = f"SUM({qn(names['version'])})" if "version" in names else "0"
        stamp = f"MAX({qn(names['updated_at'])})" if "updated_at" in names else "NULL"
        parts.append(
            # keys as text: some tables (the job queue's) have text keys
            f"SELECT '{label}', COUNT(*), CAST(MAX({pk}) AS TEXT), {version}, "
            f"CAST({stamp} AS TEXT) "
            f"FROM {qn(model._meta.db_table)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {label: tuple(rest) for label, *rest in cursor.fetchall()}


def changed_models(before: dict, after: dict) -> set[str]:
    return {label for label, value in after.items() if before.get(label) != value}


def snapshot_diff(before: dict, after: dict) -> str:
    """ "" when nothing changed; else which models changed (and their counts)."""
    return "; ".join(
        f"{label}: {before.get(label, (None,))[0]} → {after[label][0]}"
        for label in sorted(changed_models(before, after))
    )

"""Excel in and out for the enterprise registry, outreach batches and leads: templates,
export → import round trips, row errors (and nothing saved), skipping bad rows, the
credit-code rule, amounts by the header's unit, and scope (another district's operator
can neither import into nor export from a district not theirs)."""

from __future__ import annotations

import datetime as dt

import pytest

from gongjian.attraction import services as attraction_services
from gongjian.attraction.models import Lead, LeadStage, Outreach
from gongjian.attraction.sheets import (
    export_leads,
    export_outreach,
    leads_import,
    outreach_import,
)
from gongjian.enterprises.models import Enterprise
from gongjian.enterprises.sheets import enterprises_import, export_enterprises
from gongjian.kit.scope import SYSTEM, Action
from gongjian.kit.tabular.imports import importers
from tests.factories import (
    EnterpriseFactory,
    LeadFactory,
    OutreachFactory,
    build_city_world,
    credit_code,
    read_xlsx,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

YI = 100_000_000
ENTERPRISE_HEADER = ["企业名称", "统一社会信用代码", "跟踪服务单位", "所属行业", "产业集群"]


@pytest.fixture
def world():
    return build_city_world()


def rewrite(path, tmp_path, name="again.xlsx"):
    """An exported sheet as a person would save it again (values only)."""
    return write_xlsx(tmp_path / name, [[c for c in row] for row in read_xlsx(path)])


def firms(world):
    return [
        EnterpriseFactory(
            name="甲区新材料有限公司",
            unit=world.district_a,
            credit_code=credit_code(1),
            industry="制造业",
            cluster="新材料",
            notes="重点跟踪",
        ),
        EnterpriseFactory(name="甲区物流有限公司", unit=world.district_a, credit_code=None),
        EnterpriseFactory(
            name="乙区装备有限公司", unit=world.district_b, credit_code=credit_code(2)
        ),
    ]


# --- enterprises ---------------------------------------------------------------------


def test_enterprise_template_has_headers_dropdown_example_and_notes(world, client):
    path = importers["enterprises"].template(world.operator_a)
    rows = read_xlsx(path)
    assert rows[0][:3] == ["*企业名称", "统一社会信用代码", "*跟踪服务单位"]
    assert rows[1][0] and rows[1][2] == "凌河区"
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["企业库", "下拉选项", "填写说明"]
    options = book.get_sheet_by_name("下拉选项").to_python()
    assert options[0][0] == "跟踪服务单位" and options[1][0] == "甲区"
    notes = book.get_sheet_by_name("填写说明").to_python()
    assert any("统一社会信用代码" in str(r[0]) for r in notes)
    client.force_login(world.operator_a)
    r = client.get("/reports/template/enterprises.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_enterprise_export_import_round_trip(world, tmp_path):
    firms(world)
    visible = lambda: Enterprise.objects.restrict(world.operator_a, Action.VIEW).order_by("pk")  # noqa: E731
    before = read_xlsx(export_enterprises(visible()))
    assert before[0][:3] == ["企业名称", "统一社会信用代码", "跟踪服务单位"]
    assert [r[0] for r in before[1:]] == ["甲区新材料有限公司", "甲区物流有限公司"]
    path = write_xlsx(tmp_path / "e.xlsx", before)
    result = enterprises_import(actor=world.operator_a, path=path)
    assert result.saved and result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert read_xlsx(export_enterprises(visible())) == before
    # a changed cell updates by credit code; a row without a code is found by its name
    before[1][4] = "先进材料"
    before[2][1] = credit_code(3)
    before[2][0] = "甲区物流 有限公司"
    result = enterprises_import(actor=world.operator_a, path=write_xlsx(path, before))
    assert result.saved and (result.created, result.updated) == (0, 2), result.errors
    assert Enterprise.objects.get(credit_code=credit_code(1)).cluster == "先进材料"
    assert Enterprise.objects.get(credit_code=credit_code(3)).name == "甲区物流 有限公司"


def test_enterprise_bad_row_refused_and_nothing_saved_then_skipped(world, tmp_path):
    count = Enterprise.objects.count()
    rows = [
        ENTERPRISE_HEADER,
        ["甲区新能源有限公司", credit_code(11), "甲区", "制造业", "新能源"],
        ["甲区化工有限公司", credit_code(12), "丙区", "", ""],
        ["", credit_code(13), "甲区", "", ""],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = enterprises_import(actor=world.operator_a, path=path)
    assert not result.saved and result.bad_rows == 2
    assert "未导入任何数据" in result.message
    assert (3, "跟踪服务单位", "单位“丙区”不存在") in result.errors
    assert (4, "企业名称", "必须填写") in result.errors
    assert Enterprise.objects.count() == count
    result = enterprises_import(actor=world.operator_a, path=path, skip_bad_rows=True)
    assert result.saved and result.created == 1 and result.bad_rows == 2
    assert result.error_file is not None and read_xlsx(result.error_file)[1][0] == 3
    assert Enterprise.objects.get(credit_code=credit_code(11)).unit == world.district_a


def test_enterprise_credit_code_refused_with_a_clear_message(world, tmp_path):
    good = credit_code(21)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        ENTERPRISE_HEADER,
        ["甲区一号有限公司", wrong_check, "甲区", "", ""],
        ["甲区二号有限公司", good.lower(), "甲区", "", ""],
        ["甲区三号有限公司", good[:10], "甲区", "", ""],
    ]
    result = enterprises_import(actor=world.operator_a, path=write_xlsx(tmp_path / "c.xlsx", rows))
    assert not result.saved and Enterprise.objects.filter(name__startswith="甲区一号").count() == 0
    by_row = {r: (c, m) for r, c, m in result.errors}
    assert by_row[2][0] == "统一社会信用代码" and "校验码错误" in by_row[2][1]
    assert "小写字母" in by_row[3][1]
    assert "应为 18 位" in by_row[4][1]


def test_enterprise_duplicate_name_refused_by_the_service(world, tmp_path):
    firms(world)
    rows = [ENTERPRISE_HEADER, ["甲区新材料有限公司", credit_code(31), "甲区", "", ""]]
    result = enterprises_import(actor=world.operator_a, path=write_xlsx(tmp_path / "d.xlsx", rows))
    assert not result.saved
    assert result.errors[0][1] == "企业名称" and "名称相同" in result.errors[0][2]


def test_enterprise_scope_import_and_export(world, tmp_path, client, settings):
    a_firm = firms(world)[0]
    count = Enterprise.objects.count()
    rows = [
        ENTERPRISE_HEADER,
        ["甲区新企业有限公司", credit_code(41), "甲区", "", ""],
        # 甲区's enterprise by its code, claimed for 乙区: refused, not revealed
        ["改名有限公司", a_firm.credit_code, "乙区", "", ""],
    ]
    result = enterprises_import(
        actor=world.operator_b, path=write_xlsx(tmp_path / "s.xlsx", rows), skip_bad_rows=True
    )
    assert result.created == 0 and result.bad_rows == 2
    assert (2, "跟踪服务单位", "无权为“甲区”导入企业") in result.errors
    assert "其他单位跟踪服务" in result.errors[1][2] and "甲区" not in result.errors[1][2]
    assert Enterprise.objects.count() == count
    assert Enterprise.objects.get(pk=a_firm.pk).name == "甲区新材料有限公司"
    # pages: export with another district's unit → 404; the own export leaves it out
    client.force_login(world.operator_b)
    assert (
        client.get(f"/reports/export/enterprises.xlsx?unit={world.district_a.code}").status_code
        == 404
    )
    r = client.get("/reports/export/enterprises.xlsx")
    assert r.status_code == 200
    path = tmp_path / "b.xlsx"
    path.write_bytes(b"".join(r.streaming_content))
    assert [row[0] for row in read_xlsx(path)[1:]] == ["乙区装备有限公司"]
    # the page import runs as the user
    settings.GONGJIAN = {**settings.GONGJIAN, "IMPORT_IN_BACKGROUND": False}
    with (tmp_path / "s.xlsx").open("rb") as upload:
        r = client.post("/reports/import/enterprises/", {"file": upload}, follow=True)
    assert r.status_code == 200 and "无权为“甲区”导入企业" in r.content.decode()
    assert Enterprise.objects.count() == count
    # a viewer may write nowhere: the import page answers 403
    client.force_login(world.viewer_a)
    assert client.get("/reports/import/enterprises/").status_code == 403


def test_list_pages_link_import_and_export_with_the_query(world, client):
    client.force_login(world.operator_a)
    page = client.get("/enterprises/?q=甲区&tier=ge_1bn").content.decode()
    assert "/reports/import/enterprises/" in page
    assert "/reports/export/enterprises.xlsx?q=%E7%94%B2%E5%8C%BA&amp;tier=ge_1bn" in page
    page = client.get("/attraction/outreach/?month=2024-03").content.decode()
    assert "/reports/import/outreach/" in page
    assert "/reports/export/outreach.xlsx?month=2024-03" in page
    page = client.get(f"/attraction/leads/?unit={world.district_a.code}").content.decode()
    assert "/reports/import/leads/" in page
    assert f"/reports/export/leads.xlsx?unit={world.district_a.code}" in page
    for url in ("/reports/export/enterprises.xlsx", "/reports/export/outreach.xlsx"):
        assert client.get(url + "?q=x&month=2024-03").status_code == 200
    for url in ("/reports/import/outreach/", "/reports/import/leads/"):
        assert client.get(url).status_code == 200
    for url in (
        "/reports/template/outreach.xlsx",
        "/reports/template/leads.xlsx",
    ):
        assert client.get(url).status_code == 200


# --- outreach ------------------------------------------------------------------------

OUTREACH_HEADER = ["日期", "方式", "主题", "活动名称", "组织单位", "带队领导", "对接企业", "备注"]


def test_outreach_import_enterprises_by_code_or_name_and_round_trip(world, tmp_path):
    a1, a2, _b = firms(world)
    day = world.day(3, 5)
    rows = [
        OUTREACH_HEADER,
        [
            day,
            "走出去",
            "新材料",
            "赴深圳招商",
            "甲区",
            "张区长",
            f"{a1.credit_code}、甲区物流有限公司",
            "",
        ],
        [world.day(4, 1), "线上", "综合", "线上推介会", "甲区", "", "甲区物流有限公司;", "云会议"],
    ]
    result = outreach_import(actor=world.operator_a, path=write_xlsx(tmp_path / "o.xlsx", rows))
    assert result.saved and result.created == 2, result.errors
    trip = Outreach.objects.get(title="赴深圳招商")
    assert trip.kind == "going_out" and trip.theme == "new_materials"
    assert set(trip.enterprises.all()) == {a1, a2} and trip.leader_name == "张区长"
    exported = export_outreach(
        Outreach.objects.restrict(world.operator_a, Action.VIEW).order_by("pk")
    )
    before = read_xlsx(exported)
    assert before[0] == OUTREACH_HEADER[:4] + ["地点", "组织单位", "带队领导", "对接企业", "备注"]
    result = outreach_import(actor=world.operator_a, path=rewrite(exported, tmp_path))
    assert result.saved and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    again = export_outreach(Outreach.objects.restrict(world.operator_a, Action.VIEW).order_by("pk"))
    assert read_xlsx(again) == before


def test_outreach_bad_rows_and_scope(world, tmp_path, client):
    _a1, _a2, b1 = firms(world)
    rows = [
        OUTREACH_HEADER,
        [world.day(3, 5), "出差", "新材料", "赴京招商", "甲区", "", "", ""],
        [world.day(3, 6), "请进来", "新材料", "客商来访", "甲区", "", "不存在的公司", ""],
        [world.day(3, 7), "请进来", "新材料", "乙区企业来访", "甲区", "", b1.name, ""],
        [world.day(3, 8), "请进来", "新材料", "甲区活动", "乙区", "", "", ""],
    ]
    path = write_xlsx(tmp_path / "o.xlsx", rows)
    result = outreach_import(actor=world.operator_a, path=path)
    assert not result.saved
    assert not Outreach.objects.filter(unit__path__startswith=world.city.path).exists()
    by_row = {r: (c, m) for r, c, m in result.errors}
    assert by_row[2][0] == "方式" and "出差" in by_row[2][1]
    assert by_row[3] == ("对接企业", "企业库中没有“不存在的公司”")
    assert by_row[4] == ("对接企业", f"企业库中没有“{b1.name}”")  # 乙区's: not in scope
    assert by_row[5] == ("组织单位", "无权为“乙区”导入招商活动")
    OutreachFactory(unit=world.district_a, title="甲区的活动")
    client.force_login(world.operator_b)
    url = f"/reports/export/outreach.xlsx?unit={world.district_a.code}"
    assert client.get(url).status_code == 404
    r = client.get("/reports/export/outreach.xlsx")
    out = tmp_path / "ob.xlsx"
    out.write_bytes(b"".join(r.streaming_content))
    assert read_xlsx(out)[1:] == []


# --- leads ---------------------------------------------------------------------------

LEAD_HEADER = [
    "项目名称",
    "企业",
    "意向投资额(万元)",
    "产业集群",
    "责任单位",
    "阶段",
    "首次接洽日期",
]


def test_lead_amounts_by_header_unit_and_stage_up_to_negotiating(world, tmp_path):
    a1, a2, _b = firms(world)
    day = world.day(2, 1)
    rows = [
        LEAD_HEADER + ["洽谈日期", "责任领导", "下一步工作"],
        [
            "新材料基地",
            a1.credit_code,
            5000,
            "新材料",
            "甲区",
            "洽谈",
            day,
            world.day(2, 20),
            "王包保",
            "签约",
        ],
        ["物流园", "甲区物流有限公司", "1.5亿元", "", "甲区", "接洽", day, None, "", ""],
    ]
    result = leads_import(actor=world.operator_a, path=write_xlsx(tmp_path / "l.xlsx", rows))
    assert result.saved and result.created == 2, result.errors
    base = Lead.objects.get(name="新材料基地")
    assert base.intended_investment == 50_000_000  # 5000 万元
    assert base.stage == LeadStage.NEGOTIATING and base.official == world.leader
    assert base.transitions.get(stage=LeadStage.NEGOTIATING).occurred_on == world.day(2, 20)
    assert Lead.objects.get(name="物流园").intended_investment == 150_000_000
    # the same sheet headed in 亿元
    rows = [["项目名称", "企业", "意向投资额(亿元)", "责任单位", "首次接洽日期"]]
    rows.append(["装备项目", a2.name, 0.25, "甲区", day])
    result = leads_import(actor=world.operator_a, path=write_xlsx(tmp_path / "y.xlsx", rows))
    assert result.saved and Lead.objects.get(name="装备项目").intended_investment == 25_000_000


def test_lead_signing_refused_and_other_bad_rows_save_nothing(world, tmp_path):
    a1, _a2, b1 = firms(world)
    day = world.day(2, 1)
    rows = [
        LEAD_HEADER,
        ["好项目", a1.name, 100, "", "甲区", "接洽", day],
        ["签约项目", a1.name, 100, "", "甲区", "签约", day],
        ["负数", a1.name, -1, "", "甲区", "", day],
        ["小数", a1.name, "0.00001", "", "甲区", "", day],
        ["乙区项目", b1.name, 100, "", "乙区", "", day],
        ["未来", a1.name, 100, "", "甲区", "", dt.date.today() + dt.timedelta(days=3)],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = leads_import(actor=world.operator_a, path=path)
    assert not result.saved
    assert not Lead.objects.filter(unit__path__startswith=world.city.path).exists()
    by_row: dict[int, list] = {}
    for r, c, m in result.errors:
        by_row.setdefault(r, []).append((c, m))
    assert by_row[3][0][0] == "阶段" and "签约" in by_row[3][0][1] and "线索页" in by_row[3][0][1]
    assert by_row[4] == [("意向投资额(万元)", "金额不能为负数")]
    assert by_row[5][0][0] == "意向投资额(万元)" and "小数" in by_row[5][0][1]
    assert ("责任单位", "无权为“乙区”导入招商线索") in by_row[6]
    assert ("企业", f"企业库中没有“{b1.name}”") in by_row[6]
    assert by_row[7][0][0] == "首次接洽日期" and "晚于今天" in by_row[7][0][1]
    result = leads_import(actor=world.operator_a, path=path, skip_bad_rows=True)
    assert result.saved and result.created == 1 and result.bad_rows == 5
    assert list(
        Lead.objects.filter(unit__path__startswith=world.city.path).values_list("name", flat=True)
    ) == ["好项目"]


def test_lead_export_reads_the_project_stage_and_imports_back(world, tmp_path, client):
    a1, a2, _b = firms(world)
    signed = LeadFactory(enterprise=a1, unit=world.district_a, contacted_on=world.day(1, 5))
    attraction_services.lead_transition(
        actor=SYSTEM, lead=signed, to_stage=LeadStage.SIGNED, on_date=world.day(2, 1)
    )
    attraction_services.lead_transition(
        actor=SYSTEM, lead=signed, to_stage=LeadStage.STARTED, on_date=world.day(3, 1)
    )
    talking = LeadFactory(enterprise=a2, unit=world.district_a, contacted_on=world.day(1, 5))
    attraction_services.lead_transition(
        actor=SYSTEM, lead=talking, to_stage=LeadStage.NEGOTIATING, on_date=world.day(1, 20)
    )
    exported = export_leads(Lead.objects.restrict(world.operator_a, Action.VIEW).order_by("pk"))
    before = read_xlsx(exported)
    header = before[0]
    row = dict(zip(header, before[1], strict=True))
    assert row["阶段"] == "开工" and row["清单项目编号"] and row["意向投资额(万元)"] == 30000
    assert row["签约日期"] == world.day(2, 1)
    assert dict(zip(header, before[2], strict=True))["洽谈日期"] == world.day(1, 20)
    result = leads_import(actor=world.operator_a, path=rewrite(exported, tmp_path))
    assert result.saved and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert read_xlsx(
        export_leads(Lead.objects.restrict(world.operator_a, Action.VIEW).order_by("pk"))
    ) == (before)
    # a changed amount updates the lead; moving the signed lead back is refused
    before[2][header.index("意向投资额(万元)")] = 12345
    before[1][header.index("阶段")] = "洽谈"
    result = leads_import(
        actor=world.operator_a, path=write_xlsx(tmp_path / "x.xlsx", before), skip_bad_rows=True
    )
    assert result.updated == 1 and result.bad_rows == 1
    assert result.errors[0][:2] == (2, "阶段")
    assert Lead.objects.get(pk=talking.pk).intended_investment == 123_450_000
    # another district: 404 for its unit, and its sheet does not contain 甲区's leads
    client.force_login(world.operator_b)
    assert client.get(f"/reports/export/leads.xlsx?unit={world.district_a.code}").status_code == 404
    r = client.get("/reports/export/leads.xlsx")
    out = tmp_path / "lb.xlsx"
    out.write_bytes(b"".join(r.streaming_content))
    assert read_xlsx(out)[1:] == []
    # and 乙区 cannot update 甲区's lead by its number
    result = leads_import(actor=world.operator_b, path=write_xlsx(tmp_path / "z.xlsx", before))
    assert not result.saved
    assert Lead.objects.get(pk=talking.pk).intended_investment == 123_450_000


def test_lead_template_offers_only_contact_and_negotiating(world):
    from python_calamine import CalamineWorkbook

    path = importers["leads"].template(world.operator_a)
    book = CalamineWorkbook.from_path(str(path))
    head = book.get_sheet_by_index(0).to_python()[0]
    assert "*意向投资额(万元)" in head and "*首次接洽日期" in head
    options = book.get_sheet_by_name("下拉选项").to_python()
    stage_col = options[0].index("阶段")
    assert [r[stage_col] for r in options[1:] if r[stage_col]] == ["接洽", "洽谈"]

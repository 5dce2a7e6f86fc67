"""How input is cleaned (docs/security.md): control characters are refused wherever text
comes in (pages, the JSON API, Open311, Excel rows) and dropped wherever text goes into
Word; an Open311 enterprise is looked up within the key's scope; dates out of any sane
range are refused. Each test fails without its fix (most with a 500 on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from docx import Document

from gongjian.appeals.models import Appeal
from gongjian.kit.cleaning import control_chars, input_problem, text_problem, xml_text
from gongjian.kit.dates import out_of_range
from gongjian.kit.validators import validate_plain_text
from gongjian.projects.models import ProgressReport, Project
from gongjian.units.models import User
from tests.factories import (
    AppealCategoryFactory,
    EnterpriseFactory,
    api_key,
    build_city_world,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
CHINESE = "控制字符"


@pytest.fixture
def world():
    w = build_city_world()
    w.category = AppealCategoryFactory(
        code="streetlight-clean", name="路灯照明", default_unit=w.district_a, sla_days=3
    )
    _t, w.key_office = api_key(w.office)
    _t, w.key_a = api_key(w.operator_a)
    return w


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def georeport_post(client: Client, fmt: str = "json", **fields):
    return client.post(
        f"/open311/v2/requests.{fmt}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


# --- the shared checks ------------------------------------------------------------------


def test_the_text_check_refuses_controls_but_tab_newline_and_return():
    assert text_problem("甲区\t新材料\r\n产业园") == ""
    assert text_problem("") == "" and text_problem("全角 空格、emoji 🚧") == ""
    for bad in ("\x00", "a\x01b", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\ud800", "\uffff"):
        assert CHINESE in text_problem(bad), repr(bad)
    assert control_chars("a\x00b\x01c\x00") == ["\x00", "\x01"]
    assert "U+0000" in text_problem("a\x00") and "U+0001" in text_problem("\x01")
    with pytest.raises(ValidationError) as exc:
        validate_plain_text("项目\x01名称")
    assert exc.value.code == "control_character" and CHINESE in exc.value.messages[0]
    validate_plain_text("项目名称\n第二行")
    validate_plain_text(12)


def test_xml_text_strips_what_xml_cannot_hold_at_any_depth():
    assert xml_text("年度\x01总结\x00") == "年度总结"
    assert xml_text("保留\t制表\n换行") == "保留\t制表\n换行"
    assert xml_text({"a\x01": ["b\x0b", ("c\x1f", 3)], "n": None}) == {
        "a": ["b", ("c", 3)],
        "n": None,
    }
    assert xml_text(dt.date(2024, 1, 1)) == dt.date(2024, 1, 1)


def test_input_problem_names_the_field_of_a_nested_json_body(rf):
    body = json.dumps({"name": "ok", "stage_events": [{"stage": "a\u0000"}]})
    request = rf.post("/api/projects", body, content_type=JSON)
    assert input_problem(request)[0] == "stage_events.0.stage"
    request = rf.post("/api/projects", json.dumps({"bad\u0001key": 1}), content_type=JSON)
    assert input_problem(request)[0] == "bad\\x01key"
    assert input_problem(rf.get("/projects/", {"q": "a\tb"})) is None


def test_dates_out_of_the_sane_range():
    assert out_of_range(dt.date(2024, 5, 1)) == ""
    assert out_of_range(dt.date(1970, 1, 1)) == "须大于或等于 2000-01-01"
    assert out_of_range(dt.datetime(9999, 12, 31, 23, 59)) == "须小于或等于 2099-12-31"


# --- Open311 looks an enterprise up within the key's scope -----------------------------


def test_open311_credit_code_outside_the_scope_is_answered_as_an_unknown_one(world):
    other = EnterpriseFactory(unit=world.district_b)  # 乙区: not the 甲区 key's
    own = EnterpriseFactory(unit=world.district_a)
    client = Client()
    base = {
        "api_key": world.key_a,
        "service_code": world.category.code,
        "description": "厂区门前路灯不亮",
        "address_string": "开发区",
    }
    foreign = georeport_post(client, **base, **{"attribute[credit_code]": other.credit_code})
    unknown = georeport_post(client, **base, **{"attribute[credit_code]": "91210700MA0000000X"})
    assert foreign.status_code == unknown.status_code == 400
    said = foreign.json()[0]["description"]
    assert said == unknown.json()[0]["description"].replace("91210700MA0000000X", other.credit_code)
    assert "企业库" in said
    assert not Appeal.objects.filter(enterprise=other).exists()
    assert not Appeal.objects.filter(intake_unit=world.district_a).exists()
    # its own district's enterprise is linked
    response = georeport_post(client, **base, **{"attribute[credit_code]": own.credit_code})
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    assert Appeal.objects.get(number=number).enterprise == own


# --- NUL and other control characters in HTTP input -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/projects/?q=%00",
        "/enterprises/?q=%00",
        "/appeals/list/?q=%00",
        "/reports/export/projects.xlsx?q=%00",
        "/reports/export/enterprises.xlsx?q=%00",
        "/reports/export/appeals.xlsx?q=%00",
        "/projects/?q=%01",
        "/projects/?%00=1",
    ],
)
def test_a_control_character_in_a_page_query_is_a_400_naming_the_field(world, url):
    response = login(world.office).get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert CHINESE in text and ("“q”" in text or "“\\x00”" in text)
    assert response["Content-Type"].startswith("text/html")


def test_a_page_form_field_with_a_control_character_is_refused_and_changes_nothing(world):
    client = login(world.office)
    count = Appeal.objects.count()
    response = client.post(
        "/appeals/new/",
        {
            "category": world.category.pk,
            "channel": "hotline",
            "appellant_kind": "citizen",
            "title": "路灯\x01不亮",
            "content": "路灯不亮",
        },
    )
    assert response.status_code == 400
    assert "“title”" in response.content.decode() and CHINESE in response.content.decode()
    assert Appeal.objects.count() == count


def test_a_nul_in_the_sign_in_form_is_a_400_not_a_server_error(world):
    response = Client().post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert "“username”" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/projects?q=%00", "q"),
        ("/api/enterprises?q=%00", "q"),
        ("/api/appeals?category=%00", "category"),
        ("/api/indicators/%00", "code"),
        ("/api/rankings/a%00b", "scheme_code"),
    ],
)
def test_a_control_character_in_an_api_query_is_a_422_naming_the_field(world, url, field):
    response = login(world.office).get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert list(body["fields"]) == [field] and CHINESE in body["fields"][field][0]
    assert body["detail"] == [f"{field}: {body['fields'][field][0]}"]


def test_a_control_character_in_an_api_body_is_a_422_and_changes_nothing(world):
    client = login(world.operator_a)
    url = f"/api/projects/{world.project_a.pk}"
    before = Project.objects.filter(pk=world.project_a.pk).values().get()
    response = client.patch(
        url, {"name": "甲区\u0000产业园", "expected_version": 3}, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["fields"]) == ["name"]
    response = client.patch(
        url,
        json.dumps({"description": "说明\u0001", "expected_version": 3}),
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 422
    assert Project.objects.filter(pk=world.project_a.pk).values().get() == before
    # nested: the field is named by its path
    response = login(world.office).post(
        "/api/projects",
        {
            "code": "CLEAN-1",
            "name": "新项目",
            "unit_id": world.district_a.pk,
            "category": "industry",
            "total_investment": 1,
            "stage_events": [{"stage": "signed\u0000", "occurred_on": "2024-01-01"}],
        },
        content_type=JSON,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["stage_events.0.stage"]
    assert not Project.objects.filter(code="CLEAN-1").exists()
    # tab, line feed and carriage return are text
    response = client.patch(
        url,
        {"description": "第一行\r\n第二行\t末尾", "expected_version": 3},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content


def test_the_api_body_is_checked_whatever_its_content_type_says(world):
    """ninja reads any body as JSON: so is it checked, and every bad field is named."""
    client = login(world.operator_a)
    url = f"/api/projects/{world.project_a.pk}"
    before = Project.objects.filter(pk=world.project_a.pk).values().get()
    body = json.dumps({"name": "甲\u0000", "description": "乙\u0001", "expected_version": 3})
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = client.patch(url, body, content_type=content_type)
        assert response.status_code == 422, (content_type, response.content)
        assert list(response.json()["fields"]) == ["name", "description"]
    assert Project.objects.filter(pk=world.project_a.pk).values().get() == before
    # a form upload to the API is still the documented 400, not a server error
    response = client.post("/api/projects", {"file": io.BytesIO(b"x")})
    assert response.status_code == 400


def test_an_appeal_body_with_a_nul_is_refused(world):
    response = login(world.office).post(
        "/api/appeals",
        {"category": world.category.code, "title": "路灯", "content": "不亮\u0000"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["content"]
    assert not Appeal.objects.filter(intake_unit=world.city).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_refuses_a_control_character_with_a_georeport_error(world, fmt):
    client = Client()
    response = georeport_post(
        client,
        fmt,
        api_key=world.key_office,
        service_code=world.category.code,
        description="路灯\x00不亮",
        address_string="解放路",
    )
    assert response.status_code == 400
    if fmt == "json":
        error = response.json()[0]
        assert error["code"] == 400
        assert error["description"].startswith("description: ") and CHINESE in error["description"]
    else:
        assert b"<errors>" in response.content and b"description" in response.content
    assert not Appeal.objects.filter(intake_unit=world.city).exists()
    response = client.get(
        "/open311/v2/requests.json", {"api_key": world.key_office, "service_code": "a\x00"}
    )
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("service_code: ")


# --- control characters in Excel rows and in Word --------------------------------------


def test_a_control_character_in_an_excel_text_cell_is_a_row_error(world, tmp_path):
    from gongjian.projects.sheets import projects_import

    head = ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(万元)"]
    rows = [head, ["CC-001", "甲区\x01储能项目", "甲区", "工业", 25000]]
    result = projects_import(actor=world.office, path=write_xlsx(tmp_path / "p.xlsx", rows))
    assert not result.saved
    assert len(result.errors) == 1
    row, column, message = result.errors[0]
    assert (row, column) == (2, "项目名称") and CHINESE in message and "U+0001" in message
    assert not Project.objects.filter(code="CC-001").exists()


def test_the_review_docx_drops_control_characters(world):
    from gongjian.review.exports import review_docx
    from gongjian.review.models import ReviewDraft

    items = [
        {
            "term": "营商\x01环境",
            "paragraph": "全年\x0b优化营商环境",
            "quotes": [
                {
                    "source": "市攻坚办",
                    "label": "年度\x01总结",
                    "unit": "测试市",
                    "dated_on": "2024-06-01",
                }
            ],
            "figures": [{"name": "新开工\x02项目", "code": "started"}],
        }
    ]
    data = review_docx("年度\x01总结", "2024-10-31", items)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "营商环境" in text and "年度总结" in text and "新开工项目" in text
    # the same through the page, from a draft stored before the input was checked
    ReviewDraft.objects.create(
        year=world.year,
        unit=world.city,
        as_of=dt.date(world.year, 12, 31),
        title="标题\x01",
        items=items,
    )
    response = login(world.office).get(
        f"/review/review.docx?year={world.year}&unit={world.city.pk}"
    )
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "标题" in text and "全年优化营商环境" in text


def test_the_dispatch_report_drops_control_characters(world, tmp_path, settings):
    """Every {{ … }} of the template, also in an office's own template's page header and
    document properties (where docxtpl does not parse leniently)."""
    from gongjian.kit.dates import Period
    from gongjian.projects.models import Problem
    from gongjian.reports.dispatch import render_docx
    from gongjian.units.models import Unit

    custom = Document()
    custom.core_properties.title = "{{ title }}"
    custom.sections[0].header.paragraphs[0].text = "{{ doc_number }}"
    custom.add_paragraph("正文:{{ title }}")
    path = tmp_path / "mine.docx"
    custom.save(path)
    settings.GONGJIAN = {**settings.GONGJIAN, "DISPATCH_TEMPLATE": str(path)}
    Unit.objects.filter(pk=world.city.pk).update(name="测试\x01市")
    Problem.objects.filter(pk=world.problem_a.pk).update(description="施工\x02用电未接入")
    city = Unit.objects.get(pk=world.city.pk)
    document = Document(io.BytesIO(render_docx(unit=city, period=Period.month(world.year, 4))))
    assert document.core_properties.title == "测试市重点项目建设调度通报"
    assert document.sections[0].header.paragraphs[0].text.startswith("测试攻坚调度")
    assert document.paragraphs[0].text == "正文:测试市重点项目建设调度通报"


# --- dates out of range ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        (0, "须大于或等于 2000-01-01"),
        ("1970-01-01T00:00:00Z", "须大于或等于 2000-01-01"),
        ("9999-12-31T23:59:59-12:00", "须小于或等于 2099-12-31"),
    ],
)
def test_an_appeal_received_out_of_range_is_refused(world, received_at, message):
    response = login(world.office).post(
        "/api/appeals",
        {
            "category": world.category.code,
            "title": "路灯",
            "content": "不亮",
            "received_at": received_at,
        },
        content_type=JSON,
    )
    assert response.status_code == 422, response.content
    assert response.json()["fields"] == {"received_at": [message]}
    assert not Appeal.objects.filter(intake_unit=world.city).exists()


def test_an_appeal_step_dated_out_of_range_is_refused(world):
    from gongjian.appeals import services
    from gongjian.kit.scope import SYSTEM

    appeal = services.appeal_receive(
        actor=SYSTEM, intake_unit=world.city, category=world.category, title="t", content="c"
    )
    response = login(world.office).post(
        f"/api/appeals/{appeal.pk}/steps", {"action": "dispatch", "at": 0}, content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"at": ["须大于或等于 2000-01-01"]}


@pytest.mark.parametrize(
    ("period_start", "message"),
    [
        (0, "须大于或等于 2000-01-01"),
        ("1970-01-01", "须大于或等于 2000-01-01"),
        ("2100-01-01", "须小于或等于 2099-12-31"),
    ],
)
def test_a_report_period_out_of_range_is_refused(world, period_start, message):
    count = ProgressReport.objects.count()
    response = login(world.operator_a).post(
        f"/api/projects/{world.project_a.pk}/reports",
        {
            "period_start": period_start,
            "period_end": f"{world.year}-05-31",
            "investment_this_period": 1,
        },
        content_type=JSON,
    )
    assert response.status_code == 422, response.content
    assert response.json()["fields"]["period_start"] == [message]
    assert ProgressReport.objects.count() == count


def test_open311_dates_out_of_range_are_refused(world):
    response = Client().get(
        "/open311/v2/requests.json",
        {"api_key": world.key_office, "start_date": "0001-01-01T00:00:00"},
    )
    assert response.status_code == 400
    assert response.json()[0]["description"] == "start_date: 须大于或等于 2000-01-01"
    response = Client().get(
        "/open311/v2/requests.json", {"api_key": world.key_office, "end_date": "9999-12-31"}
    )
    assert response.status_code == 400
    assert response.json()[0]["description"] == "end_date: 须小于或等于 2099-12-31"


def test_the_city_office_still_links_an_enterprise_of_any_of_its_districts(world):
    firm = EnterpriseFactory(unit=world.district_b)
    response = georeport_post(
        Client(),
        api_key=world.key_office,
        service_code=world.category.code,
        description="路灯不亮",
        address_string="乙区",
        **{"attribute[credit_code]": firm.credit_code},
    )
    assert response.status_code == 201
    assert Appeal.objects.filter(enterprise=firm).count() == 1


def test_the_tour_sheet_drops_control_characters(world):
    from gongjian.inspections.documents import tour_sheet_docx
    from gongjian.inspections.models import Stop
    from tests.factories import build_tour

    tour = build_tour(world)
    # stored before the input checks existed (or through the admin's raw SQL)
    Project.objects.filter(pk=world.project_a.pk).update(name="甲区\x01新材料\x0b产业园")
    type(tour).objects.filter(pk=tour.pk).update(name="二季度\x1f拉练")
    tour.refresh_from_db()
    stops = Stop.objects.filter(tour=tour).select_related("project", "unit")
    doc = Document(io.BytesIO(tour_sheet_docx(tour, stops)))
    assert doc.paragraphs[0].text == "二季度拉练"
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "甲区新材料产业园" in cells


def test_api_years_and_report_periods_out_of_range_are_422(world):
    client = login(world.office)
    response = client.get("/api/reported-values", {"year": 1519092})
    assert response.status_code == 422 and "年度 1519092 超出范围" in response.content.decode()
    response = client.get("/api/reports", {"period_start": "0001-01-01"})
    assert response.status_code == 422
    assert client.get("/api/reports", {"period_start": f"{world.year}-01-01"}).status_code == 200

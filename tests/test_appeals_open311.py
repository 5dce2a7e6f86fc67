"""The Open311 GeoReport v2 endpoint, driven with the requests a 12345 front end sends
(form-encoded POST, .json and .xml answers, GeoReport error arrays)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gongjian.appeals import services
from gongjian.appeals.models import Appeal, Channel
from gongjian.kit.scope import SYSTEM
from tests.factories import AppealCategoryFactory, EnterpriseFactory, api_key, build_city_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_city_world()
    w.category = AppealCategoryFactory(
        code="streetlight", name="路灯照明", default_unit=w.district_a, sla_days=3
    )
    _t, w.key_office = api_key(w.office)
    _t, w.key_a = api_key(w.operator_a)
    _t, w.key_b = api_key(w.operator_b)
    return w


def test_service_list_json_and_xml(world, client):
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    services_ = {s["service_code"]: s for s in r.json()}
    assert services_["streetlight"]["service_name"] == "路灯照明"
    assert (
        services_["streetlight"]["metadata"] is False
        and services_["streetlight"]["type"] == "realtime"
    )
    r = client.get("/open311/v2/services.xml")
    root = ET.fromstring(r.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "streetlight" in codes
    assert (
        client.get("/open311/v2/services/streetlight.json").json()["service_code"] == "streetlight"
    )
    assert client.get("/open311/v2/services/nothing.json").status_code == 404


def georeport_post(client, **fields):
    """POST /requests.json as GeoReport v2 specifies: application/x-www-form-urlencoded."""
    from urllib.parse import urlencode

    return client.post(
        "/open311/v2/requests.json",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def test_post_request_creates_an_appeal(world, client):
    r = georeport_post(
        client,
        api_key=world.key_office,
        service_code="streetlight",
        lat="41.119269",
        long="121.147749",
        address_string="锦州市古塔区解放路 1 号",
        description="路灯连续三晚不亮",
        first_name="明",
        last_name="王",
        email="wang@example.org",
        phone="13800000000",
        device_id="app-123",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert isinstance(body, list) and set(body[0]) == {
        "service_request_id",
        "service_notice",
        "account_id",
    }
    appeal = Appeal.objects.get(number=body[0]["service_request_id"])
    assert appeal.channel == Channel.OPEN311 and appeal.intake_unit == world.city
    assert appeal.appellant_name == "王明" and str(appeal.latitude) == "41.119269"
    assert appeal.steps.get().actor == world.office  # 受理 recorded with the token's user
    # GET the request back, as JSON and as XML
    r = client.get(f"/open311/v2/requests/{appeal.number}.json", {"api_key": world.key_office})
    row = r.json()[0]
    assert row["service_request_id"] == appeal.number and row["status"] == "open"
    assert row["service_code"] == "streetlight" and row["lat"] == pytest.approx(41.119269)
    assert row["expected_datetime"] == appeal.due_on.isoformat()
    r = client.get(f"/open311/v2/requests/{appeal.number}.xml", {"api_key": world.key_office})
    root = ET.fromstring(r.content)
    assert root.find("request/status").text == "open"
    # closing it shows as closed
    for action, extra in [
        ("dispatch", {}),
        ("sign", {}),
        ("reply", {"reply": "已修复"}),
        ("visit", {"satisfaction": "satisfied"}),
        ("close", {}),
    ]:
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=action, **extra)
    r = client.get("/open311/v2/requests.json", {"api_key": world.key_office, "status": "closed"})
    assert [x["service_request_id"] for x in r.json()] == [appeal.number]
    assert r.json()[0]["agency_responsible"] == "甲区"


def test_enterprise_attribute_links_the_registry(world, client):
    firm = EnterpriseFactory(unit=world.district_a)
    r = georeport_post(
        client,
        api_key=world.key_office,
        service_code="streetlight",
        address_string="开发区",
        description="厂区门前路灯不亮",
        **{"attribute[credit_code]": firm.credit_code},
    )
    assert r.status_code == 201
    assert Appeal.objects.get(number=r.json()[0]["service_request_id"]).enterprise == firm


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        (
            {"service_code": "streetlight", "description": "x", "address_string": "y"},
            403,
            "api_key",
        ),
        (
            {
                "api_key": "gj_wrong",
                "service_code": "streetlight",
                "description": "x",
                "address_string": "y",
            },
            403,
            "api_key",
        ),
        ({"service_code": "nothing", "description": "x", "address_string": "y"}, 404, "nothing"),
        ({"service_code": "streetlight", "address_string": "y"}, 400, "description"),
        ({"service_code": "streetlight", "description": "x"}, 400, "位置"),
        (
            {"service_code": "streetlight", "description": "x", "lat": "91", "long": "121"},
            400,
            "lat",
        ),
        (
            {
                "service_code": "streetlight",
                "description": "x",
                "address_string": "y",
                "attribute[credit_code]": "91210700MA0000000X",
            },
            400,
            "企业库",
        ),
    ],
)
def test_bad_requests_get_georeport_errors_and_change_nothing(world, client, fields, status, text):
    if "api_key" not in fields and status != 403:
        fields = {"api_key": world.key_office, **fields}
    r = georeport_post(client, **fields)
    assert r.status_code == status
    error = r.json()[0]
    assert error["code"] == status and text in error["description"]
    assert not Appeal.objects.filter(intake_unit=world.city).exists()


def test_scope_of_requests(world, client):
    r = georeport_post(
        client,
        api_key=world.key_office,
        service_code="streetlight",
        address_string="甲区",
        description="x",
    )
    number = r.json()[0]["service_request_id"]
    services.appeal_transition(
        actor=SYSTEM, appeal=Appeal.objects.get(number=number), action="dispatch"
    )
    assert (
        client.get(f"/open311/v2/requests/{number}.json", {"api_key": world.key_a}).status_code
        == 200
    )
    assert (
        client.get(f"/open311/v2/requests/{number}.json", {"api_key": world.key_b}).status_code
        == 404
    )
    assert client.get("/open311/v2/requests.json", {"api_key": world.key_b}).json() == []
    assert client.get(f"/open311/v2/requests/{number}.json").status_code == 403
    # a district operator's key files appeals at the district (its own 12345 point)
    r = georeport_post(
        client,
        api_key=world.key_b,
        service_code="streetlight",
        address_string="乙区",
        description="y",
    )
    assert (
        Appeal.objects.get(number=r.json()[0]["service_request_id"]).intake_unit == world.district_b
    )

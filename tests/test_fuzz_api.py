"""Property-based fuzzing of the JSON API against its committed OpenAPI schema.

schemathesis generates requests for every operation of ``docs/openapi.json`` and sends
them in-process to the WSGI application, authenticated with a bearer token as a district
operator and as the city office of a small world (tests.factories.build_city_world).
Every answer must be documented: no 5xx, a documented status code and content type, and
a body that matches the response schema. Bad input must be a 4xx (with a Chinese message,
see the error schemas in gongjian/api/common.py).

Bounded for CI: a few examples per operation, derandomized (the same requests on every
run), no example database.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import api_key, build_city_world, build_indicator_world

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))

schema = schemathesis.openapi.from_dict(SCHEMA)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def chinese_error_message(ctx, response, case):
    """Every 4xx answer says what is wrong in Chinese (except ninja's own 405 for a method
    no operation has, which answers "Method not allowed" before any handler runs)."""
    if 400 <= response.status_code < 500 and response.status_code != 405:
        text = response.text
        if not CHINESE.search(text):
            raise AssertionError(f"{response.status_code} without a Chinese message: {text}")
    return None


CHECKS = [
    chinese_error_message,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Examples per operation (each sent as both roles); GONGJIAN_FUZZ_EXAMPLES=200 for a deeper
# run by hand. The default keeps the file near a minute on SQLite.
MAX_EXAMPLES = int(os.environ.get("GONGJIAN_FUZZ_EXAMPLES", "4"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_app():
    """The production WSGI handler, sharing the test's database connection.

    Django closes "old" connections at the start and end of each request; inside the
    test's transaction that would break it (the Django test client disconnects the same
    handlers).
    """
    from gongjian.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearers() -> dict[str, dict[str, str]]:
    """Bearer-token headers of a district operator and of the city office, on a world with
    projects, reports, problems, indicators and targets."""
    world = build_city_world()
    build_indicator_world(world)
    headers = {}
    for role, user in (("operator", world.operator_a), ("office", world.office)):
        _, key = api_key(user, name="模糊测试")
        headers[role] = {"Authorization": f"Bearer {key}"}
    return headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(case, wsgi_app, bearers):
    for role in ("operator", "office"):
        response = case.call(app=wsgi_app, headers=bearers[role])
        case.validate_response(response, checks=CHECKS)


def test_schema_covers_every_operation():
    """The fuzzed schema is the committed one, and it is not empty."""
    operations = [(method, path) for path, ops in SCHEMA["paths"].items() for method in ops]
    assert len(operations) >= 40
    assert all(path.startswith("/api/") for _, path in operations)


# --- what the fuzzing found, kept as plain regression tests ------------------------------


def _client_and_key(world):
    from django.test import Client

    _, key = api_key(world.office, name="回归")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize(
    "url",
    [
        "/api/outreach?page_size=67460&page=144115188075855873",  # offset past 64 bits
        "/api/grants?page=11980033404988243968",
        "/api/reports?project=16849666490459335163904",  # id past 64 bits
        "/api/problems?project=16849666490459335163904",
    ],
)
def test_out_of_range_numbers_are_refused_with_422(url):
    client = _client_and_key(build_city_world())
    response = client.get(url)
    assert response.status_code == 422
    assert "须小于或等于" in " ".join(response.json()["detail"])


def test_an_unmatched_api_path_answers_json_404():
    client = _client_and_key(build_city_world())
    response = client.get("/api/indicators/a%0Ab")  # a newline: no route matches
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}
    assert client.get("/api/no-such-thing").json() == {"detail": "未找到"}


def test_a_body_that_is_not_json_is_a_documented_400():
    client = _client_and_key(build_city_world())
    response = client.post("/api/projects", b"\xff\xfe", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求体无法解析,须为有效的 JSON"
    assert "400" in SCHEMA["paths"]["/api/projects"]["post"]["responses"]


def test_proposing_grants_for_year_zero_is_refused():
    from tests.factories import PolicyFactory

    world = build_city_world()
    policy = PolicyFactory(unit=world.city)
    client = _client_and_key(world)
    response = client.post(
        f"/api/policies/{policy.pk}/grants", {"year": 0}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"year": ["须大于或等于 1990"]}

"""The ``gongjian`` commands: kpi, demo, demo_logins."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongjian.units.models import User


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_kpi_json_for_the_city(demo):
    values = json.loads(run("kpi", "--year", "2024", "--as-of", "2024-10-31", "--format", "json"))
    expected = {
        "signed_ge_100m": 421,
        "landed_ge_20m": 2300,
        "started_or_resumed": 874,
        "started_or_resumed_ge_100m": 245,
        "projects_ge_1bn": 40,
        "collective_start": 101,
        "provincial_major.total_investment": 46_100_000_000,
        "checkpoints.h1": True,
        "pipe_network_km.done_km": 216.4,
    }
    assert {k: values[k] for k in expected} == expected


def test_kpi_for_a_unit_and_table(demo):
    values = json.loads(
        run(
            "kpi", "--year", "2024", "--as-of", "2024-10-31", "--unit", "凌河区", "--format", "json"
        )
    )
    assert values["signed_count"] == 52 and values["linghe_landed.count"] == 45
    assert values["checkpoints.early"] is True
    by_code = json.loads(
        run(
            "kpi", "--year", "2024", "--as-of", "2024-10-31", "--unit", "210703", "--format", "json"
        )
    )
    assert by_code == values
    table = run("kpi", "--year", "2024", "--as-of", "2024-10-31")
    assert "锦州市 2024年1月1日至10月31日" in table
    assert "421 个" in table and "461.00 亿元" in table and "152.4%" in table


def test_kpi_bad_input(demo):
    with pytest.raises(CommandError, match="找不到单位"):
        run("kpi", "--year", "2024", "--unit", "不存在区")
    with pytest.raises(CommandError, match="截止日期"):
        run("kpi", "--year", "2024", "--as-of", "2023-05-01")


def test_demo_logins_sets_a_working_password(demo):
    out = run("demo_logins", "--password", "试一试-Password-1")
    assert "office" in out and "linghe_op" in out
    assert User.objects.get(username="office").check_password("试一试-Password-1")


def test_console_command_wraps_manage_py():
    result = subprocess.run(
        [sys.executable, "-m", "gongjian.cli", "help", "kpi"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--as-of" in result.stdout


def test_printed_login_works_for_every_role(demo, client):
    run("demo_logins", "--password", "login-check-Pass-9")
    for username in ("office", "linghe_op", "heishan_op", "li_qiang", "viewer"):
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": "login-check-Pass-9"}
        )
        assert response.status_code == 302, username
        assert client.get("/api/units").status_code == 200, username

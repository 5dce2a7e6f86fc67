"""Events for other systems: the office subscribes a JSON channel to changes of data
(project created/changed/stage moved, report submitted/approved, problem raised/
escalated/verified, appeal state changed); each is sent, signed with the channel's
secret (HMAC-SHA256), from the job worker, logged, and retried with growing waits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from gongjian.notices import services
from gongjian.notices.models import Channel, Delivery, Event
from gongjian.projects import services as project_services
from gongjian.projects.models import Stage
from tests.factories import build_city_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


@pytest.fixture
def receiver():
    """A system on loopback that records each call: headers and the raw body."""
    calls: list = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(SimpleNamespace(headers=dict(self.headers), raw=raw, body=json.loads(raw)))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.calls, server.state = calls, state
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield server
    server.shutdown()


def _verify(secret: str, call) -> bool:
    """What a receiving system does with X-Gongjian-Signature."""
    parts = dict(p.split("=", 1) for p in call.headers["X-Gongjian-Signature"].split(","))
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + call.raw, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["sha256"])


def test_the_office_subscribes_a_channel_on_the_page(world, receiver):
    client = Client()
    client.force_login(world.office)
    response = client.post(
        "/notices/channels/",
        {
            "name": "投资项目在线审批平台",
            "format": "json",
            "url": receiver.url,
            "events": [Event.PROJECT_STAGE, Event.REPORT_SUBMITTED],
            "secret": "s3cret",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    channel = Channel.objects.get(name="投资项目在线审批平台")
    assert channel.events == [Event.PROJECT_STAGE, Event.REPORT_SUBMITTED]
    assert channel.secret == "s3cret"
    # the secret is never shown again, and stays when the channel is edited blank
    page = client.get(f"/notices/channels/?edit={channel.pk}").content.decode()
    assert "s3cret" not in page
    client.post(
        f"/notices/channels/?edit={channel.pk}",
        {
            "pk": channel.pk,
            "name": "审批平台",
            "format": "json",
            "url": receiver.url,
            "events": [Event.PROJECT_STAGE],
            "secret": "",
            "is_active": "on",
        },
    )
    channel.refresh_from_db()
    assert channel.secret == "s3cret" and channel.events == [Event.PROJECT_STAGE]
    assert "s3cret" not in str(list(channel.history.values()))
    # a robot's format cannot carry data events
    response = client.post(
        "/notices/channels/",
        {
            "name": "钉钉",
            "format": "dingtalk",
            "url": receiver.url,
            "events": [Event.PROJECT_STAGE],
        },
    )
    assert "通用 JSON" in response.content.decode()
    assert not Channel.objects.filter(name="钉钉").exists()


def test_a_stage_move_reaches_a_subscribed_system_signed(world, receiver, inline_jobs):
    channel = Channel.objects.create(
        unit=world.city,
        name="审批平台",
        format=Channel.Format.JSON,
        url=receiver.url,
        events=[Event.PROJECT_STAGE],
        secret="s3cret",
    )
    other = Channel.objects.create(  # subscribed to other events: told nothing
        unit=world.city,
        name="统计局",
        format=Channel.Format.JSON,
        url=receiver.url,
        events=[Event.PROBLEM_RAISED],
    )
    project = world.project_a
    project_services.project_transition(
        actor=world.operator_a, project=project, to_stage=Stage.COMPLETED, on_date=world.day(11, 2)
    )
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call.headers["X-Gongjian-Event"] == "project.stage_moved"
    assert _verify("s3cret", call)
    assert not _verify("wrong", call)
    assert call.body["event"] == "project.stage_moved"
    assert call.body["subject"] == {"type": "project", "id": project.pk, "name": str(project)}
    assert call.body["unit"]["name"] == "甲区"
    assert call.body["data"]["stage"] == Stage.COMPLETED
    assert call.body["data"]["on_date"] == world.day(11, 2).isoformat()
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status == Delivery.Status.SENT and delivery.event == "project.stage_moved"
    assert not Delivery.objects.filter(channel=other).exists()
    # the log on the channels page
    client = Client()
    client.force_login(world.office)
    assert "项目阶段变化" in client.get("/notices/channels/").content.decode()


def test_a_failed_event_is_retried_with_growing_waits(world, receiver, inline_jobs):
    Channel.objects.create(
        unit=world.district_b,
        name="乙区系统",
        format=Channel.Format.JSON,
        url=receiver.url,
        events=[Event.PROBLEM_RAISED],
    )
    receiver.state["status"] = 503
    project_services.problem_create(
        actor=world.operator_b,
        project=world.project_b,
        kind="land",
        description="用地未落实",
        raised_on=world.day(6, 1),
    )
    delivery = Delivery.objects.get(event=Event.PROBLEM_RAISED)
    assert delivery.status == Delivery.Status.FAILED and "503" in delivery.error
    waits = []
    for _ in range(4):
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60))
        due = delivery.next_attempt_at
        assert services.deliveries_retry(now=due - dt.timedelta(seconds=30)) == 0  # not yet
        assert services.deliveries_retry(now=due) == 1
        delivery.refresh_from_db()
    now = timezone.now()
    assert waits == [1, 10, 60, 360]
    assert delivery.attempts == services.MAX_ATTEMPTS and delivery.status == Delivery.Status.FAILED
    assert services.deliveries_retry(now=now + dt.timedelta(days=1)) == 0  # given up
    # 甲区's problems never reach 乙区's system
    project_services.problem_create(
        actor=world.operator_a,
        project=world.project_a,
        kind="land",
        description="甲区问题",
        raised_on=world.day(6, 1),
    )
    assert Delivery.objects.filter(event=Event.PROBLEM_RAISED).count() == 1

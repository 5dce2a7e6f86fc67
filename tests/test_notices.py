"""Notifications that reach people: a problem escalated by the schedule reaches its
leader's inbox (the header counts it), an e-mail in a real local SMTP server and the
city's 企业微信 robot as an HTTP call to a local receiver; a failed delivery is recorded
and retried; preferences and the office's channels on pages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from gongjian.notices import services
from gongjian.notices.models import Channel, Delivery, Kind
from gongjian.ops import schedules
from gongjian.projects.models import EscalationLevel
from tests.factories import build_city_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_city_world()
    w.leader.email = "leader@example.gov.cn"
    w.leader.save(update_fields=["email"])
    return w


class _Sink:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    import socket

    with socket.socket() as probe:  # a free port for the local SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    yield sink
    controller.stop()


@pytest.fixture
def receiver():
    calls: list = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers["Content-Length"])
            calls.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.calls, server.state = calls, state
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_escalated_problem_reaches_its_leader_everywhere(world, smtp, receiver, inline_jobs):
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    Channel.objects.create(
        unit=world.city, name="市攻坚办群", format=Channel.Format.WECOM, url=receiver.url + "/wecom"
    )
    before = world.leader.notices.count()
    schedules.install_defaults()
    Schedule.objects.exclude(name="问题升级").update(repeats=0)
    Schedule.objects.filter(name="问题升级").update(
        next_run=timezone.now() - dt.timedelta(minutes=1)
    )
    scheduler(broker=get_broker())  # the worker's scheduler: nobody runs a command
    problem = world.problem_a
    problem.refresh_from_db()
    assert problem.level != EscalationLevel.UNIT
    # the inbox, and the count in every page's header
    notice = world.leader.notices.filter(kind=Kind.PROBLEM_ESCALATED).get()
    assert world.leader.notices.count() == before + 1
    assert notice.title == f"问题升级:{world.project_a.name}"
    page = login(world.leader).get("/notices/").content.decode()
    assert notice.title in page and 'data-testid="unread"' in page
    # an e-mail through the local SMTP server
    assert [to for to, _body in smtp.messages] == [["leader@example.gov.cn"]]
    mail = email.message_from_bytes(smtp.messages[0][1], policy=email.policy.default)
    text = mail.get_content()
    assert "施工用电未接入" in text and f"/problems/{problem.pk}/" in text
    # one 企业微信 robot message for the event (not one per recipient)
    wecom = [body for path, body in receiver.calls if path == "/wecom"]
    assert len(wecom) == 1 and wecom[0]["msgtype"] == "markdown"
    assert notice.title in wecom[0]["markdown"]["content"]
    assert f"/problems/{problem.pk}/" in wecom[0]["markdown"]["content"]
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() >= 2
    # opening it marks it read
    login(world.leader).get(f"/notices/{notice.pk}/")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_failed_delivery_is_recorded_and_retried(world, receiver, inline_jobs):
    channel = Channel.objects.create(
        unit=world.city, name="钉钉群", format=Channel.Format.DINGTALK, url=receiver.url + "/ding"
    )
    receiver.state["status"] = 500
    services.notify([world.office], Kind.REPORT_OVERDUE, "进度逾期未报", unit=world.district_a)
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status == Delivery.Status.FAILED and "500" in delivery.error
    receiver.state["status"] = 200
    # it waits before it is tried again (back-off), then goes
    assert delivery.next_attempt_at > timezone.now()
    assert services.deliveries_retry() == 0
    assert services.deliveries_retry(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    body = receiver.calls[-1][1]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "进度逾期未报"


def test_preferences_mute_an_event_and_stop_e_mail(world, smtp, inline_jobs):
    leader = login(world.leader)
    response = leader.post(
        "/notices/", {"action": "preferences", "muted": [Kind.IMPORT_FINISHED]}
    )  # e-mail unticked
    assert response.status_code == 302
    services.notify([world.leader], Kind.IMPORT_FINISHED, "导入完成")
    assert not world.leader.notices.filter(kind=Kind.IMPORT_FINISHED).exists()
    services.notify([world.leader], Kind.REPORT_OVERDUE, "进度逾期未报")
    assert world.leader.notices.filter(kind=Kind.REPORT_OVERDUE).exists()
    assert smtp.messages == []  # e-mail is off for him


def test_the_office_sets_its_channels_and_a_district_cannot(world):
    office = login(world.office)
    assert office.get("/notices/channels/").status_code == 200
    bad = office.post(
        "/notices/channels/",
        {"name": "群", "format": "wecom", "url": "不是地址", "is_active": "on"},
    )
    assert bad.status_code == 200 and not Channel.objects.exists()
    good = office.post(
        "/notices/channels/",
        {
            "name": "市攻坚办钉钉群",
            "format": "dingtalk",
            "url": "http://127.0.0.1:9/robot",
            "kinds": [Kind.PROBLEM_ESCALATED],
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    channel = Channel.objects.get()
    assert channel.unit == world.city and channel.kinds == [Kind.PROBLEM_ESCALATED]
    assert channel.history.latest().history_user == world.office
    operator = login(world.operator_a)
    assert operator.get("/notices/channels/").status_code == 200
    refused = operator.post("/notices/channels/", {"action": "delete", "pk": channel.pk})
    assert refused.status_code == 403 and Channel.objects.exists()

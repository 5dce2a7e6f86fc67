"""Every write of the notifications: ``notify`` (the inbox rows, then the deliveries as
a job), the deliveries themselves, reading, the office's channels, a person's
preferences.

A domain tells people of an event with ``notify(users, kind, title, …)``; the inbox row
is written in the caller's transaction, the e-mails and channel messages go out from
the job worker after it commits (``kit.jobs``), each recorded as a ``Delivery``; one
that failed is tried again by the schedule (at most ``MAX_ATTEMPTS`` times).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gongjian.kit import jobs
from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, require
from gongjian.units.models import Actor, Role, Unit, User

from .models import Channel, Delivery, Event, Kind, Notice, Preference

MAX_ATTEMPTS = 5
TIMEOUT = 10
# minutes to wait after the 1st, 2nd … failed attempt (the retry schedule runs every 10)
BACKOFF_MINUTES = (1, 10, 60, 360)


def site_url(link: str) -> str:
    base = getattr(settings, "GONGJIAN", {}).get("SITE_URL", "").rstrip("/")
    return f"{base}{link}" if link.startswith("/") and base else link


def notify(
    users: Iterable[User | None],
    kind: str,
    title: str,
    body: str = "",
    *,
    link: str = "",
    unit: Unit | None = None,
    once: bool = False,
) -> list[Notice]:
    """Tell each of ``users`` (None and repeats skipped, those who muted ``kind`` too) of
    an event: an inbox row now, the e-mails and the channels of ``unit``'s tree after the
    transaction commits. ``once``: not those already told of this kind and title (a
    reminder run twice on a day tells nobody twice)."""
    people = {u.pk: u for u in users if u is not None and u.is_active}
    muted = {p.user_id for p in Preference.objects.filter(user__in=people) if kind in p.muted}
    if once:
        muted |= set(
            Notice.objects.filter(recipient__in=people, kind=kind, title=title[:200]).values_list(
                "recipient_id", flat=True
            )
        )
    made = Notice.objects.bulk_create(
        Notice(recipient=user, kind=kind, title=title[:200], body=body, link=link, unit=unit)
        for user in people.values()
        if user.pk not in muted
    )
    if made:
        jobs.enqueue("gongjian.notices.services.deliver", [n.pk for n in made], name="通知")
    return made


def unit_people(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    """The active people holding one of ``roles`` in the units ``unit_ids``."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__unit_id__in=list(unit_ids),
            memberships__role__in=list(roles),
        ).distinct()
    )


def job_finished(job) -> None:
    """A job has ended (``kit.jobs`` hook): tell the person who asked for it, or, for a
    job of the schedule, the office of its unit."""

    people = [job.requested_by] if job.requested_by_id else []
    if not people and job.unit_id:
        people = unit_people([job.unit_id], [Role.OFFICE])
    notify(
        people,
        Kind.JOB_FINISHED,
        f"{job.get_status_display()}:{job.title}",
        job.message,
        link=f"/jobs/{job.pk}/",
        unit=job.unit,
    )


def _channels_for(notice: Notice, channels: list[Channel]) -> list[Channel]:
    """Of the active ``channels``, those of the notice's unit and of every unit above it."""
    if notice.unit is None:
        return []
    return [
        c
        for c in channels
        if notice.unit.path.startswith(c.unit.path) and (not c.kinds or notice.kind in c.kinds)
    ]


def deliver(notice_ids: list[int]) -> None:
    """The job: each notice by e-mail (when the person has an address, wants it, and
    the server is configured) and through its unit's channels — a webhook message is
    sent once per event, not once per recipient."""
    sent_events: set[tuple[int, str, str]] = set()
    notices = list(Notice.objects.filter(pk__in=notice_ids).select_related("recipient", "unit"))
    no_email = set(
        Preference.objects.filter(
            user__in=[n.recipient_id for n in notices], email=False
        ).values_list("user_id", flat=True)
    )
    channels = list(Channel.objects.filter(is_active=True).select_related("unit"))
    for notice in notices:
        user = notice.recipient
        if user.email and getattr(settings, "EMAIL_HOST", "") and user.pk not in no_email:
            _attempt(Delivery.objects.create(notice=notice, via="email", target=user.email))
        for channel in _channels_for(notice, channels):
            event = (channel.pk, notice.kind, notice.title)
            if event in sent_events:
                continue
            sent_events.add(event)
            _attempt(
                Delivery.objects.create(
                    notice=notice, channel=channel, via=channel.format, target=channel.url
                )
            )


def publish(event: str, *, unit: Unit | None, subject: object, data: dict | None = None) -> int:
    """Tell other systems of a change of data: a signed JSON message to each active
    channel of ``unit``'s tree that subscribed to ``event``, sent by the job worker after
    the transaction commits. Returns how many deliveries were queued."""
    if unit is None or event not in Event.values:
        return 0
    wanted = [
        c
        for c in Channel.objects.filter(is_active=True, format=Channel.Format.JSON).select_related(
            "unit"
        )
        if event in (c.events or []) and unit.path.startswith(c.unit.path)
    ]
    if not wanted:
        return 0
    kind = subject._meta.model_name  # type: ignore[attr-defined]
    payload = {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "unit": {"code": unit.code, "name": unit.name},
        "subject": {"type": kind, "id": subject.pk, "name": str(subject)},  # type: ignore[attr-defined]
        "data": data or {},
    }
    made = [
        Delivery.objects.create(
            event=event, payload=payload, channel=c, via=c.format, target=c.url
        ).pk
        for c in wanted
    ]
    jobs.enqueue("gongjian.notices.services.deliver_events", made, name="数据变化事件")
    return len(made)


def deliver_events(delivery_ids: list[int]) -> None:
    """The job: the queued event deliveries, each attempted once now."""
    for delivery in Delivery.objects.filter(pk__in=delivery_ids).select_related("channel"):
        _attempt(delivery)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Gongjian-Signature``: HMAC-SHA256 of ``"<timestamp>.<body>"`` with the channel's
    secret, hex, as ``t=<timestamp>,sha256=<hex>`` (a receiver checks it and refuses an old
    timestamp)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},sha256={mac.hexdigest()}"


def deliveries_retry(now=None) -> int:
    """The schedule: try the failed deliveries again once their wait is over (each at
    most ``MAX_ATTEMPTS`` times, waiting ``BACKOFF_MINUTES`` longer each time)."""
    now = now or timezone.now()
    failed = Delivery.objects.filter(
        status=Delivery.Status.FAILED, attempts__lt=MAX_ATTEMPTS
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    count = 0
    for delivery in failed.select_related("notice", "notice__recipient", "channel"):
        _attempt(delivery)
        count += 1
    return count


def message(notice: Notice, fmt: str, phones: list[str] | None = None) -> dict:
    """The body a channel of format ``fmt`` is sent."""
    link = site_url(notice.link)
    if fmt == Channel.Format.WECOM:
        text = f"**{notice.title}**\n{notice.body}" + (f"\n[查看]({link})" if link else "")
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if fmt == Channel.Format.DINGTALK:
        text = f"#### {notice.title}\n\n{notice.body}" + (f"\n\n[查看]({link})" if link else "")
        return {"msgtype": "markdown", "markdown": {"title": notice.title, "text": text}}
    if fmt == Channel.Format.SMS:
        return {"phones": phones or [], "content": f"【攻坚】{notice.title}"}
    return {
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "link": link,
        "unit": notice.unit.name if notice.unit else "",
        "created_at": notice.created_at.isoformat(),
    }


def _attempt(delivery: Delivery) -> None:
    notice = delivery.notice
    delivery.attempts += 1
    delivery.next_attempt_at = None
    try:
        if delivery.via == "email":
            assert notice is not None  # only a notice goes by e-mail; an event goes to a channel
            link = site_url(notice.link)
            send_mail(
                notice.title,
                notice.body + (f"\n\n{link}" if link else ""),
                None,
                [delivery.target],
                fail_silently=False,
            )
        else:
            channel = delivery.channel
            phones = [
                p.strip() for p in (channel.phones if channel else "").split(",") if p.strip()
            ]
            body = delivery.payload if notice is None else message(notice, delivery.via, phones)
            data = json.dumps(body, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if delivery.event:
                headers["X-Gongjian-Event"] = delivery.event
                headers["X-Gongjian-Delivery"] = str(delivery.pk)
            if channel is not None and channel.secret:
                stamp = str(int(timezone.now().timestamp()))
                headers["X-Gongjian-Signature"] = signature(channel.secret, stamp, data)
            request = urllib.request.Request(
                delivery.target, data=data, headers=headers, method="POST"
            )
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                if answer.status >= 300:
                    raise OSError(f"HTTP {answer.status}")
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        delivery.status = Delivery.Status.FAILED
        delivery.error = str(exc)[:500]
        wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        delivery.next_attempt_at = timezone.now() + dt.timedelta(minutes=wait)
    else:
        delivery.status = Delivery.Status.SENT
        delivery.error = ""
        delivery.sent_at = timezone.now()
    delivery.save()


# --- reading, preferences, channels ------------------------------------------------------


def notices_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read (all unread when ``ids`` is None)."""
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def preference_save(*, user: User, email: bool, muted: list[str]) -> Preference:
    unknown = [k for k in muted if k not in Kind.values]
    if unknown:
        raise ValidationError({"muted": f"未知的事件:{'、'.join(unknown)}"})
    pref, _created = Preference.objects.get_or_create(user=user)
    pref.email, pref.muted = email, muted
    pref.save()
    return pref


@transaction.atomic
def channel_save(*, actor: Actor, channel: Channel) -> Channel:
    """Create or change a channel: the office of its unit."""
    require(actor, Action.MANAGE, channel.unit)
    if channel.pk:
        stored = Channel.objects.select_for_update().get(pk=channel.pk)
        require(actor, Action.MANAGE, stored.unit)
    unknown = [k for k in channel.kinds or [] if k not in Kind.values]
    if unknown:
        raise ValidationError({"kinds": f"未知的事件:{'、'.join(unknown)}"})
    channel.full_clean()
    record_actor(channel, actor)
    channel.save()
    return channel


@transaction.atomic
def channel_delete(*, actor: Actor, channel: Channel) -> None:
    if not Channel.objects.restrict(actor, Action.MANAGE).filter(pk=channel.pk).exists():
        raise PermissionDenied("只有本级攻坚办可以删除通知渠道")
    record_actor(channel, actor)
    channel.delete()

"""Every write of the notifications: ``notify`` (the inbox rows, then the deliveries as
a job), the deliveries themselves, reading, the office's channels, a person's
preferences.

A domain tells people of an event with ``notify(users, kind, title, …)``; the inbox row
is written in the caller's transaction, the e-mails and channel messages go out from
the job worker after it commits (``kit.jobs``), each recorded as a ``Delivery``; one
that failed is tried again by the schedule (at most ``MAX_ATTEMPTS`` times).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from gongjian.kit import jobs
from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, require
from gongjian.units.models import Actor, Unit, User

from .models import Channel, Delivery, Kind, Notice, Preference

MAX_ATTEMPTS = 3
TIMEOUT = 10


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
) -> list[Notice]:
    """Tell each of ``users`` (None and repeats skipped, those who muted ``kind`` too) of
    an event: an inbox row now, the e-mails and the channels of ``unit``'s tree after the
    transaction commits."""
    people = {u.pk: u for u in users if u is not None and u.is_active}
    muted = {p.user_id for p in Preference.objects.filter(user__in=people) if kind in p.muted}
    made = []
    for user in people.values():
        if user.pk in muted:
            continue
        made.append(
            Notice.objects.create(
                recipient=user, kind=kind, title=title[:200], body=body, link=link, unit=unit
            )
        )
    if made:
        jobs.enqueue("gongjian.notices.services.deliver", [n.pk for n in made], name="通知")
    return made


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


def deliveries_retry() -> int:
    """The schedule: try the failed deliveries again (each at most ``MAX_ATTEMPTS``)."""
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
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
    try:
        if delivery.via == "email":
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
            data = json.dumps(message(notice, delivery.via, phones), ensure_ascii=False).encode()
            request = urllib.request.Request(
                delivery.target,
                data=data,
                headers={"Content-Type": "application/json; charset=utf-8"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                if answer.status >= 300:
                    raise OSError(f"HTTP {answer.status}")
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        delivery.status = Delivery.Status.FAILED
        delivery.error = str(exc)[:500]
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

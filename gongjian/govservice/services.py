"""Every write of the service map and the 办件 registry: keyword-only, one transaction,
``full_clean()`` before saving, the actor in the history. The office (``MANAGE``) keeps
the catalogue and the points; a unit's operators (``CHANGE``) record its 办件."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gongjian.appeals.workdays import WorkCalendar
from gongjian.kit.history import record_actor, record_reason
from gongjian.kit.scope import Action, require
from gongjian.units.models import Actor, Unit

from .models import Channel, ServiceItem, ServicePoint, Transaction

ITEM_FIELDS = ("name", "keywords", "department", "time_limit_days", "unit", "is_active")
POINT_FIELDS = (
    "name",
    "kind",
    "unit",
    "address",
    "latitude",
    "longitude",
    "hours",
    "phone",
    "is_public",
    "note",
)


def _unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({f: "该字段不能直接设置" for f in sorted(unknown)})


def _filled(
    model, *, actor: Actor, code: str, fields: dict, allowed: tuple[str, ...], no_unit: str
):
    """The row ``code`` of ``model`` (locked, or new) with ``fields`` set, the actor allowed
    to manage its unit before and after the change; (row, created)."""
    _unknown(fields, allowed)
    code = code.strip()
    row = model.objects.select_for_update().filter(code=code).first()
    created = row is None
    if row is None:
        row = model(code=code)
    else:
        require(actor, Action.MANAGE, row.unit)
    for key, value in fields.items():
        setattr(row, key, value)
    if row.unit_id is None:
        raise ValidationError({"unit": no_unit})
    require(actor, Action.MANAGE, row.unit)
    return row, created


@transaction.atomic
def item_save(*, actor: Actor, code: str, **fields: Any) -> tuple[ServiceItem, bool]:
    """Create the service ``code`` or change it; (item, created)."""
    item, created = _filled(
        ServiceItem,
        actor=actor,
        code=code,
        fields=fields,
        allowed=ITEM_FIELDS,
        no_unit="请选择维护单位",
    )
    item.full_clean()
    record_actor(item, actor)
    item.save()
    return item, created


@transaction.atomic
def point_save(
    *,
    actor: Actor,
    code: str,
    items: list[ServiceItem] | None = None,
    **fields: Any,
) -> tuple[ServicePoint, bool]:
    """Create the point ``code`` or change it (and, given ``items``, the services it
    handles); (point, created)."""
    point, created = _filled(
        ServicePoint,
        actor=actor,
        code=code,
        fields=fields,
        allowed=POINT_FIELDS,
        no_unit="请选择所属单位",
    )
    if (point.latitude is None) != (point.longitude is None):
        raise ValidationError({"latitude": "经度和纬度须同时填写或同时不填"})
    point.full_clean()
    record_actor(point, actor)
    if items is not None:
        names = "、".join(i.code for i in items)
        record_reason(point, f"可办事项:{names}" if names else "可办事项:无")
    point.save()
    if items is not None:
        point.items.set(items)
    return point, created


@transaction.atomic
def point_delete(*, actor: Actor, point: ServicePoint) -> None:
    require(actor, Action.MANAGE, point.unit)
    if point.transactions.exists():
        raise ValidationError(f"“{point.name}”已有办件记录,不能删除;可取消“在服务地图公开”")
    record_actor(point, actor)
    point.delete()


# --- 办件 --------------------------------------------------------------------------


def _local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def derive(tx: Transaction, calendar: WorkCalendar) -> Transaction:
    """Fill a transaction's derived fields from its times and its service's time limit:
    the dates, the deadline (承诺时限 in working days after receipt) and the handling
    time in minutes."""
    if timezone.is_naive(tx.received_at):
        raise ValidationError({"received_at": "受理时间须带时区"})
    tx.received_on = _local_day(tx.received_at)
    tx.due_on = calendar.add_working_days(tx.received_on, tx.item.time_limit_days)
    if tx.completed_at is None:
        tx.completed_on = None
        tx.handling_minutes = None
    else:
        if tx.completed_at < tx.received_at:
            raise ValidationError({"completed_at": "办结时间不能早于受理时间"})
        tx.completed_on = _local_day(tx.completed_at)
        seconds = (tx.completed_at - tx.received_at).total_seconds()
        tx.handling_minutes = int((Decimal(seconds) / 60).to_integral_value())
    return tx


@transaction.atomic
def transaction_record(
    *,
    actor: Actor,
    number: str,
    point: ServicePoint,
    item: ServiceItem,
    received_at: dt.datetime,
    completed_at: dt.datetime | None = None,
    channel: str = Channel.WINDOW,
    calendar: WorkCalendar | None = None,
) -> tuple[Transaction, bool]:
    """Record the 办件 ``number`` (or correct it: the same number again); (row, created).
    The service must be one the point handles."""
    require(actor, Action.CHANGE, point.unit)
    if not point.items.filter(pk=item.pk).exists():
        raise ValidationError({"item": f"“{point.name}”不办理“{item.name}”"})
    number = number.strip()
    tx = Transaction.objects.select_for_update().filter(number=number).first()
    created = tx is None
    if tx is None:
        tx = Transaction(number=number)
    else:
        require(actor, Action.CHANGE, tx.point.unit)
    tx.point, tx.item, tx.channel = point, item, channel
    tx.received_at, tx.completed_at = received_at, completed_at
    derive(tx, calendar or WorkCalendar.load())
    tx.full_clean()
    record_actor(tx, actor)
    tx.save()
    return tx, created


def units_for_points(actor: Actor) -> QuerySet[Unit]:
    """The units ``actor`` may keep points and services for (the office's subtree)."""
    return Unit.objects.restrict(actor, Action.MANAGE).filter(is_active=True)

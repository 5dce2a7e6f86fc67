"""Excel in and out for the service map and the 办件 registry, on ``kit.tabular``: the
office keeps the services and the points by sheet; a unit's windows load their 办件."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from gongjian.appeals.workdays import WorkCalendar
from gongjian.kit.scope import Action
from gongjian.kit.tabular import exports as X
from gongjian.kit.tabular import schema as S
from gongjian.kit.tabular.exports import Exporter, register_exporter
from gongjian.kit.tabular.imports import (
    Importer,
    ImportResult,
    ImportSession,
    RowProblems,
    SheetRow,
    register_importer,
)
from gongjian.units.models import Actor

from . import services
from .models import Channel, ServiceItem, ServicePoint

KINDS = {str(label): value for value, label in ServicePoint.Kind.choices}
CHANNELS = {str(label): value for value, label in Channel.choices}
YES = {"是": "1", "否": "0"}

ITEM_SCHEMA = S.SheetSchema(
    key="govservice_items",
    title="政务服务事项",
    columns=[
        S.Column("code", "事项编码", S.TEXT, required=True, max_length=40, example="SB-001"),
        S.Column("name", "事项名称", S.TEXT, required=True, max_length=200, example="社保卡申领"),
        S.Column("keywords", "关键词", S.TEXT, max_length=300, example="社保 医保卡"),
        S.Column(
            "department", "主管部门", S.TEXT, max_length=100, example="市人力资源和社会保障局"
        ),
        S.Column("time_limit_days", "承诺办结时限(工作日)", S.INT, example=3),
        S.Column("unit", "维护单位", S.LOOKUP, required=True, lookup="unit"),
    ],
    notes=["每行一个事项;带 * 的列必须填写;事项编码已存在时更新该事项。"],
)

POINT_SCHEMA = S.SheetSchema(
    key="govservice_points",
    title="政务服务网点",
    columns=[
        S.Column("code", "网点编码", S.TEXT, required=True, max_length=40, example="GT-01"),
        S.Column("name", "网点名称", S.TEXT, required=True, max_length=200),
        S.Column("kind", "网点类型", S.CHOICE, required=True, choices=KINDS, example="便民服务站"),
        S.Column("unit", "所属单位", S.LOOKUP, required=True, lookup="unit"),
        S.Column("address", "地址", S.TEXT, required=True, max_length=200),
        S.Column("latitude", "纬度", S.DECIMAL, example="41.1190"),
        S.Column("longitude", "经度", S.DECIMAL, example="121.1270"),
        S.Column("hours", "办公时间", S.TEXT, max_length=200),
        S.Column("phone", "咨询电话", S.TEXT, max_length=50),
        S.Column("items", "可办事项编码", S.LIST, help="多个编码以逗号或顿号分隔"),
        S.Column("is_public", "在服务地图公开", S.CHOICE, choices=YES, example="是"),
    ],
    notes=["每行一个网点;网点编码已存在时更新该网点;“可办事项编码”填写后替换原有事项。"],
)

TRANSACTION_SCHEMA = S.SheetSchema(
    key="govservice_transactions",
    title="政务服务办件",
    columns=[
        S.Column("number", "办件编号", S.TEXT, required=True, max_length=40),
        S.Column("point", "网点编码", S.TEXT, required=True),
        S.Column("item", "事项编码", S.TEXT, required=True),
        S.Column("channel", "办理渠道", S.CHOICE, choices=CHANNELS, example="窗口办理"),
        S.Column("received_at", "受理时间", S.TEXT, required=True, example="2024-03-05 09:30"),
        S.Column("completed_at", "办结时间", S.TEXT, example="2024-03-05 10:10"),
    ],
    notes=[
        "每行一件办件;时间写作“2024-03-05 09:30”;未办结的办件“办结时间”留空。",
        "办件编号已存在时更正该办件;办理时长、办结期限由系统按事项承诺时限计算。",
    ],
)


def _time(text: str, label: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(text.strip(), fmt))
        except ValueError:
            continue
    raise RowProblems([(label, f"“{text}”不是时间(应写作 2024-03-05 09:30)")])


def items_import(*, actor: Actor, **options: Any) -> ImportResult:
    session = ImportSession(ITEM_SCHEMA, actor=actor, **options)

    def row(r: SheetRow) -> str:
        v = r.values
        _item, created = services.item_save(
            actor=actor,
            code=v["code"],
            name=v["name"],
            keywords=v.get("keywords") or "",
            department=v.get("department") or "",
            time_limit_days=v.get("time_limit_days") or 0,
            unit=v["unit"],
        )
        return "created" if created else "updated"

    return session.run_rows(row)


def points_import(*, actor: Actor, **options: Any) -> ImportResult:
    session = ImportSession(POINT_SCHEMA, actor=actor, **options)
    title = session.title
    catalogue = {i.code: i for i in ServiceItem.objects.restrict(actor, Action.VIEW)}

    def row(r: SheetRow) -> str:
        v = r.values
        items = None
        if v.get("items"):
            missing = [c for c in v["items"] if c not in catalogue]
            if missing:
                raise RowProblems([(title("items"), f"事项编码“{'、'.join(missing)}”不存在")])
            items = [catalogue[c] for c in v["items"]]
        _point, created = services.point_save(
            actor=actor,
            code=v["code"],
            items=items,
            name=v["name"],
            kind=v["kind"],
            unit=v["unit"],
            address=v["address"],
            latitude=v.get("latitude"),
            longitude=v.get("longitude"),
            hours=v.get("hours") or "",
            phone=v.get("phone") or "",
            is_public=(v.get("is_public") or "1") == "1",
        )
        return "created" if created else "updated"

    return session.run_rows(row)


def transactions_import(*, actor: Actor, **options: Any) -> ImportResult:
    session = ImportSession(TRANSACTION_SCHEMA, actor=actor, **options)
    title = session.title
    points = {p.code: p for p in ServicePoint.objects.restrict(actor, Action.CHANGE)}
    items = {i.code: i for i in ServiceItem.objects.restrict(actor, Action.VIEW)}
    calendar = WorkCalendar.load()

    def row(r: SheetRow) -> str:
        v = r.values
        problems = []
        point = points.get(v["point"])
        if point is None:
            problems.append((title("point"), f"网点编码“{v['point']}”不存在或无权录入"))
        item = items.get(v["item"])
        if item is None:
            problems.append((title("item"), f"事项编码“{v['item']}”不存在"))
        if problems:
            raise RowProblems(problems)
        received = _time(v["received_at"], title("received_at"))
        completed = (
            _time(v["completed_at"], title("completed_at")) if v.get("completed_at") else None
        )
        _tx, created = services.transaction_record(
            actor=actor,
            number=v["number"],
            point=point,
            item=item,
            channel=v.get("channel") or Channel.WINDOW,
            received_at=received,
            completed_at=completed,
            calendar=calendar,
        )
        return "created" if created else "updated"

    return session.run_rows(row)


# --- exports ------------------------------------------------------------------------


def _export_items(user, query) -> Path:
    from .selectors import items_for

    qs = items_for(user, (query.get("q") or "").strip()).order_by("code")
    cols = [
        X.Col("事项编码", lambda i: i.code),
        X.Col("事项名称", lambda i: i.name, width=24),
        X.Col("关键词", lambda i: i.keywords, width=24),
        X.Col("主管部门", lambda i: i.department),
        X.Col("承诺办结时限(工作日)", lambda i: i.time_limit_days, X.INT),
        X.Col("维护单位", lambda i: i.unit.name),
    ]
    return X.write_table("政务服务事项", cols, qs.iterator(chunk_size=2000))


def _export_points(user, query) -> Path:
    from .selectors import points_for

    qs = points_for(user, query=(query.get("q") or "").strip()).prefetch_related("items")
    cols = [
        X.Col("网点编码", lambda p: p.code),
        X.Col("网点名称", lambda p: p.name, width=24),
        X.Col("网点类型", lambda p: p.get_kind_display()),
        X.Col("所属单位", lambda p: p.unit.name),
        X.Col("地址", lambda p: p.address, width=30),
        X.Col("纬度", lambda p: str(p.latitude or "")),
        X.Col("经度", lambda p: str(p.longitude or "")),
        X.Col("办公时间", lambda p: p.hours, width=24),
        X.Col("咨询电话", lambda p: p.phone),
        X.Col("可办事项编码", lambda p: "、".join(i.code for i in p.items.all()), width=30),
        X.Col("在服务地图公开", lambda p: "是" if p.is_public else "否"),
    ]
    return X.write_table("政务服务网点", cols, qs.order_by("code"))


def _local(at: dt.datetime | None) -> str:
    return "" if at is None else timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _export_transactions(user, query) -> Path:
    from .selectors import transactions_for

    qs: Any = transactions_for(user, query)[0].order_by("-received_at", "-pk")
    cols = [
        X.Col("办件编号", lambda t: t.number, width=18),
        X.Col("网点编码", lambda t: t.point.code),
        X.Col("事项编码", lambda t: t.item.code),
        X.Col("办理渠道", lambda t: t.get_channel_display()),
        X.Col("受理时间", lambda t: _local(t.received_at), width=18),
        X.Col("办结时间", lambda t: _local(t.completed_at), width=18),
        X.Col("办结期限", lambda t: t.due_on, X.DATE),
        X.Col("办理时长(分钟)", lambda t: t.handling_minutes, X.INT),
    ]
    return X.write_table("政务服务办件", cols, qs.iterator(chunk_size=2000))


def register() -> None:
    register_importer(Importer(ITEM_SCHEMA, items_import, back_url="/govservice/items/"))
    register_importer(Importer(POINT_SCHEMA, points_import, back_url="/govservice/points/"))
    register_importer(
        Importer(TRANSACTION_SCHEMA, transactions_import, back_url="/govservice/transactions/")
    )
    register_exporter(Exporter("govservice_items", "政务服务事项", _export_items))
    register_exporter(Exporter("govservice_points", "政务服务网点", _export_points))
    register_exporter(Exporter("govservice_transactions", "政务服务办件", _export_transactions))

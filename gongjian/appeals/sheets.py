"""Excel in and out for appeals, on ``kit.tabular`` (the sheet schema, the one import
driver, ``write_table`` for the list)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from gongjian.enterprises.models import Enterprise
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
from gongjian.projects.models import Project
from gongjian.units.models import Actor

from . import services
from .models import AppealCategory, AppellantKind, Channel
from .selectors import intake_unit_of
from .workdays import WorkCalendar

CHANNELS = {str(label): value for value, label in Channel.choices}
KINDS = {str(label): value for value, label in AppellantKind.choices}

APPEAL_SCHEMA = S.SheetSchema(
    key="appeals",
    title="12345诉求",
    columns=[
        S.Column(
            "received_on",
            "受理日期",
            S.DATE,
            required=True,
            aliases=("受理时间",),
            example=dt.date(2024, 3, 5),
        ),
        S.Column(
            "category", "诉求类别", S.TEXT, required=True, aliases=("类别",), example="涉企服务诉求"
        ),
        S.Column("title", "标题", S.TEXT, required=True, max_length=200, example="企业用电报装"),
        S.Column(
            "content",
            "诉求内容",
            S.TEXT,
            required=True,
            example="企业新建厂房用电报装进度慢",
            width=40,
        ),
        S.Column("channel", "来源渠道", S.CHOICE, choices=CHANNELS, example="12345热线"),
        S.Column("appellant_kind", "诉求人类型", S.CHOICE, choices=KINDS, example="企业"),
        S.Column("appellant_name", "诉求人", S.TEXT, max_length=100),
        S.Column("phone", "联系电话", S.TEXT, max_length=30),
        S.Column("credit_code", "企业统一社会信用代码", S.TEXT, aliases=("统一社会信用代码",)),
        S.Column("project", "项目编号", S.TEXT),
        S.Column("address", "地点", S.TEXT, max_length=200),
        S.Column("unit", "承办单位", S.LOOKUP, lookup="unit", help="填写后即派单到该单位"),
        S.Column("external_id", "外部编号", S.TEXT, max_length=64, aliases=("原工单编号",)),
    ],
    notes=[
        "每行一件诉求;带 * 的列必须填写。",
        "诉求类别填写类别名称或代码;填写“承办单位”即同时派单。",
        "任何一行有错误时整批不导入(可选择跳过错误行)。",
    ],
)


def appeals_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Receive each row as an appeal through ``appeal_receive`` (and ``appeal_transition``
    when a unit is named), each in its own savepoint, all in one transaction."""
    session = ImportSession(APPEAL_SCHEMA, actor=actor, **options)
    title = session.title
    categories = {}
    for c in AppealCategory.objects.filter(is_active=True):
        categories[S.normalize(c.name)] = c
        categories[S.normalize(c.code)] = c
    calendar = WorkCalendar.load()
    intake = intake_unit_of(actor)
    enterprises = Enterprise.objects.restrict(actor, Action.VIEW)
    projects = Project.objects.restrict(actor, Action.VIEW)

    def row(r: SheetRow) -> str:
        v = r.values
        problems = []
        category = categories.get(S.normalize(v["category"]))
        if category is None:
            problems.append((title("category"), f"诉求类别“{v['category']}”不存在"))
        enterprise = project = None
        if v.get("credit_code"):
            enterprise = enterprises.filter(credit_code=v["credit_code"]).first()
            if enterprise is None:
                problems.append((title("credit_code"), f"企业库中没有“{v['credit_code']}”"))
        if v.get("project"):
            project = projects.filter(code=v["project"]).first()
            if project is None:
                problems.append((title("project"), f"项目编号“{v['project']}”不存在"))
        unit = intake or (v.get("unit") and v["unit"].parent) or None
        if unit is None:
            problems.append(("", "没有可受理诉求的单位"))
        if problems:
            raise RowProblems(problems)
        day = v["received_on"]
        appeal = services.appeal_receive(
            actor=actor,
            intake_unit=unit,
            category=category,
            title=v["title"],
            content=v["content"],
            channel=v.get("channel") or Channel.HOTLINE,
            appellant_kind=v.get("appellant_kind") or AppellantKind.CITIZEN,
            appellant_name=v.get("appellant_name") or "",
            phone=v.get("phone") or "",
            enterprise=enterprise,
            project=project,
            address=v.get("address") or "",
            received_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
            external_id=v.get("external_id") or "",
            calendar=calendar,
        )
        if v.get("unit"):
            services.appeal_transition(
                actor=actor,
                appeal=appeal,
                action="dispatch",
                unit=v["unit"],
                at=appeal.received_at + dt.timedelta(minutes=1),
                calendar=calendar,
            )
        return "created"

    return session.run_rows(row)


def appeal_columns() -> list[X.Col]:
    return [
        X.Col("工单编号", lambda a: a.number, width=18),
        X.Col("受理日期", lambda a: a.received_on, X.DATE),
        X.Col("诉求类别", lambda a: a.category.name),
        X.Col("标题", lambda a: a.title, width=24),
        X.Col("诉求内容", lambda a: a.content, width=40),
        X.Col("来源渠道", lambda a: a.get_channel_display()),
        X.Col("诉求人类型", lambda a: a.get_appellant_kind_display()),
        X.Col("诉求人", lambda a: a.appellant_name),
        X.Col(
            "企业统一社会信用代码", lambda a: a.enterprise.credit_code if a.enterprise_id else ""
        ),
        X.Col("项目编号", lambda a: a.project.code if a.project_id else ""),
        X.Col("地点", lambda a: a.address),
        X.Col("受理单位", lambda a: a.intake_unit.name),
        X.Col("承办单位", lambda a: a.unit.name),
        X.Col("状态", lambda a: a.get_status_display()),
        X.Col("办结期限", lambda a: a.due_on, X.DATE),
        X.Col("答复日期", lambda a: a.replied_on, X.DATE),
        X.Col("办结日期", lambda a: a.closed_on, X.DATE),
        X.Col("满意度", lambda a: a.get_satisfaction_display()),
        X.Col("重办次数", lambda a: a.reopen_count, X.INT),
    ]


def export_appeals(qs, caption: str = "") -> Path:
    qs = qs.select_related("category", "enterprise", "project", "intake_unit", "unit")
    return X.write_table(
        "12345诉求", appeal_columns(), qs.iterator(chunk_size=2000), caption=caption
    )


def _export(user, query) -> Path:
    from .selectors import appeal_rows

    return export_appeals(appeal_rows(user, query)[0].order_by("-received_at", "-pk"))


def register() -> None:
    """Offer the appeal sheet on the import page and the list on the export view."""
    register_importer(Importer(APPEAL_SCHEMA, appeals_import, back_url="/appeals/list/"))
    register_exporter(Exporter("appeals", "12345诉求", _export))

"""Excel in and out for policies and grant lists, on ``kit.tabular`` (the sheet schema,
the one import driver, ``write_table`` for the lists). The
rules and the benefit travel as JSON text in the rule language, so an exported sheet
imports back unchanged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from gongjian.kit.scope import Action
from gongjian.kit.tabular import exports as X
from gongjian.kit.tabular import schema as S
from gongjian.kit.tabular.exports import Exporter, register_exporter
from gongjian.kit.tabular.imports import (
    Importer,
    ImportResult,
    ImportSession,
    SheetRow,
    register_importer,
)
from gongjian.units.models import Actor, Unit

from . import services
from .models import Grant, Policy

MODES = {str(label): value for value, label in Policy.Mode.choices}

POLICY_SCHEMA = S.SheetSchema(
    key="policies",
    title="惠企政策",
    columns=[
        S.Column(
            "code", "政策编号", S.TEXT, required=True, max_length=40, example="JZ-ZC-2024-001"
        ),
        S.Column("name", "政策名称", S.TEXT, required=True, max_length=200, width=30),
        S.Column("unit", "发布单位", S.LOOKUP, required=True, lookup="unit"),
        S.Column("department", "兑现部门", S.TEXT, max_length=100),
        S.Column("mode", "兑现方式", S.CHOICE, required=True, choices=MODES, example="免申即享"),
        S.Column("summary", "政策内容", S.TEXT, width=30),
        S.Column("rules", "适用条件(JSON)", S.TEXT, aliases=("适用条件",), width=50),
        S.Column(
            "benefit",
            "兑现标准(JSON)",
            S.TEXT,
            required=True,
            aliases=("兑现标准",),
            width=30,
            example='{"amount": 200000}',
        ),
        S.Column("valid_from", "有效期起", S.DATE, required=True, example=dt.date(2024, 1, 1)),
        S.Column("valid_to", "有效期止", S.DATE),
    ],
    notes=[
        "适用条件与兑现标准为 JSON,写法见政策页面的说明;已有的政策编号将被更新。",
        "任何一行有错误时整批不导入(可选择跳过错误行)。",
    ],
)


def _json(text, title: str):
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            {title: f"不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列)"}
        ) from None


def policies_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Create or update (by 政策编号) each policy through ``policy_create`` /
    ``policy_update``, each row in its own savepoint, all in one transaction."""
    session = ImportSession(POLICY_SCHEMA, actor=actor, **options)

    def row(r: SheetRow) -> str:
        v = dict(r.values)
        v["rules"] = _json(v.get("rules"), "rules")
        v["benefit"] = _json(v.get("benefit"), "benefit")
        fields = {k: v.get(k) if v.get(k) is not None else "" for k in services.POLICY_FIELDS}
        fields["valid_to"] = v.get("valid_to")
        existing = Policy.objects.filter(code=v["code"]).first()
        if existing is None:
            services.policy_create(actor=actor, code=v["code"], **fields)
            return "created"
        services.policy_update(actor=actor, policy=existing, **fields)
        return "updated"

    return session.run_rows(row)


def export_policies(qs, caption: str = "") -> Path:
    columns = [
        X.Col("政策编号", lambda p: p.code, width=18),
        X.Col("政策名称", lambda p: p.name, width=30),
        X.Col("发布单位", lambda p: p.unit.name),
        X.Col("兑现部门", lambda p: p.department),
        X.Col("兑现方式", lambda p: p.get_mode_display()),
        X.Col("政策内容", lambda p: p.summary, width=30),
        X.Col(
            "适用条件(JSON)",
            lambda p: json.dumps(p.rules, ensure_ascii=False) if p.rules else "",
            width=50,
        ),
        X.Col("兑现标准(JSON)", lambda p: json.dumps(p.benefit, ensure_ascii=False), width=30),
        X.Col("有效期起", lambda p: p.valid_from, X.DATE),
        X.Col("有效期止", lambda p: p.valid_to, X.DATE),
        X.Col("状态", lambda p: p.get_status_display()),
    ]
    return X.write_table("惠企政策", columns, qs.select_related("unit").iterator(), caption=caption)


def export_grants(qs, caption: str = "") -> Path:
    columns = [
        X.Col("政策编号", lambda g: g.policy.code, width=18),
        X.Col("政策名称", lambda g: g.policy.name, width=30),
        X.Col("企业名称", lambda g: g.enterprise.name, width=30),
        X.Col("统一社会信用代码", lambda g: g.enterprise.credit_code or "", width=22),
        X.Col("年度", lambda g: g.year, X.INT),
        X.Col("兑现金额(万元)", lambda g: g.amount, X.WAN_AMOUNT),
        X.Col("状态", lambda g: g.get_status_display()),
        X.Col("符合条件说明", lambda g: g.reason, width=60),
        X.Col("审核日期", lambda g: g.decided_on, X.DATE),
        X.Col("审核意见", lambda g: g.note),
    ]
    qs = qs.select_related("policy", "enterprise")
    return X.write_table("兑现名单", columns, qs.iterator(), caption=caption)


def _export_policies(user, query) -> Path:
    qs = Policy.objects.restrict(user, Action.VIEW).select_related("unit")
    if query.get("mode") in Policy.Mode.values:
        qs = qs.filter(mode=query["mode"])
    return export_policies(qs.order_by("code"))


def _export_grants(user, query) -> Path:
    """The grant lists the user may see (every policy's), or one policy's
    (``?policy=<id>``, a policy the user may see)."""
    grants = Grant.objects.restrict(user, Action.VIEW)
    ref = str(query.get("policy", "")).strip()
    if not ref:
        return export_grants(grants.order_by("policy__code", "enterprise__name"))
    if not ref.isdigit():
        raise ValidationError({"policy": f"政策“{ref}”不存在"})
    policy = Policy.objects.restrict(user, Action.VIEW).filter(pk=int(ref)).first()
    if policy is None:
        raise Http404
    return export_grants(grants.filter(policy=policy).order_by("enterprise__name"), policy.name)


def register() -> None:
    """Offer the policy sheet on the import page, the lists on the export view."""
    register_importer(
        Importer(
            POLICY_SCHEMA,
            policies_import,
            lambda user: Unit.objects.restrict(user, Action.CHANGE),
            back_url="/policies/",
        )
    )
    register_exporter(Exporter("policies", "惠企政策", _export_policies))
    register_exporter(Exporter("grants", "兑现名单", _export_grants))

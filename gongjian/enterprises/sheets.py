"""Excel in and out for the enterprise registry, on ``kit.tabular`` (the sheet schema,
the one import driver, ``write_table`` for the list).

A row updates the enterprise with the same 统一社会信用代码, else the one with the same
normalised name, else registers a new one; every write goes through
``enterprises.services`` (the same rules and duplicate detection as the page and the API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from gongjian.kit.scope import Action, allows
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
from gongjian.kit.validators import credit_code_check_char, validate_credit_code
from gongjian.units.models import Actor, Unit
from gongjian.units.selectors import ambiguous_unit_names

from . import services
from .models import Enterprise, normalise_name
from .schemas import EnterpriseIn
from .selectors import enterprise_rows

ENTERPRISE_SCHEMA = S.SheetSchema(
    key="enterprises",
    title="企业库",
    columns=[
        S.Column(
            "name",
            "企业名称",
            required=True,
            aliases=("名称", "企业"),
            max_length=200,
            example="锦州某某新材料有限公司",
            width=30,
        ),
        S.Column(
            "credit_code",
            "统一社会信用代码",
            aliases=("信用代码", "社会信用代码", "企业统一社会信用代码"),
            max_length=18,
            example="91210700MA0000001" + credit_code_check_char("91210700MA0000001"),
            help="18 位大写字母与数字;不填则按企业名称查找",
            width=22,
        ),
        S.Column(
            "unit",
            "跟踪服务单位",
            S.LOOKUP,
            required=True,
            lookup="unit",
            aliases=("服务单位", "所属单位", "单位", "县区"),
            example="凌河区",
            width=18,
        ),
        S.Column(
            "industry", "所属行业", aliases=("行业",), max_length=50, example="制造业", width=14
        ),
        S.Column("cluster", "产业集群", max_length=50, example="新材料", width=14),
        S.Column("region", "所在地区", aliases=("地区",), max_length=50, width=14),
        S.Column("notes", "备注", width=30),
    ],
    notes=[
        "带 * 的列必须填写;列的顺序可以调整,表头前可以有标题行。",
        "统一社会信用代码已在企业库中的行会更新该企业;没有代码时按企业名称"
        "(忽略空格、全角半角和“有限公司”等后缀)查找,找不到则新增企业。",
        "统一社会信用代码须为 18 位半角大写字母和数字,并符合 GB 32100-2015 的校验规则。",
        "跟踪服务单位请从下拉列表中选择;只能导入本单位(及下级单位)跟踪服务的企业。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)

TEXT_FIELDS = ("industry", "cluster", "region", "notes")


def _existing(name: str, code: str | None) -> Enterprise | None:
    """The enterprise a row is about: same credit code, else same normalised name (when
    that one has no other credit code)."""
    if code:
        found = Enterprise.objects.filter(credit_code=code).select_related("unit").first()
        if found is not None:
            return found
    for candidate in Enterprise.objects.filter(normalized_name=normalise_name(name)).order_by("pk"):
        if not code or not candidate.credit_code:
            return candidate
    return None  # a namesake with another code: the service refuses the duplicate


def _enterprise_row(session: ImportSession, values: dict) -> str:
    """Create or update one enterprise; returns ``created``, ``updated`` or ``unchanged``."""
    actor = session.actor
    present = session.header.positions
    name = values["name"]
    unit: Unit = values["unit"]
    code = values.get("credit_code") or None
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}) from None
    if not allows(actor, Action.CHANGE, unit):
        raise session.problem("unit", f"无权为“{unit}”导入企业")
    texts = {k: values.get(k) or "" for k in TEXT_FIELDS if k in present}
    EnterpriseIn.model_validate({"name": name, "unit_id": unit.pk, "credit_code": code, **texts})
    existing = _existing(name, code)
    if existing is None:
        services.enterprise_create(actor=actor, name=name, unit=unit, credit_code=code, **texts)
        return "created"
    if not allows(actor, Action.CHANGE, existing):
        column = "credit_code" if code and existing.credit_code == code else "name"
        if allows(actor, Action.VIEW, existing):
            message = f"企业“{existing.name}”由“{existing.unit}”跟踪服务,无权修改"
        else:
            message = "企业库中已有相同的企业,由其他单位跟踪服务,请联系攻坚办"
        raise session.problem(column, message)
    wanted = {"name": name, "unit": unit, **texts}
    if code:
        wanted["credit_code"] = code
    changes = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
    if not changes:
        return "unchanged"
    services.enterprise_update(actor=actor, enterprise=existing, **changes)
    return "updated"


def enterprises_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Update-or-create each row through ``enterprise_create`` / ``enterprise_update``, each
    in its own savepoint, all in one transaction."""
    session = ImportSession(ENTERPRISE_SCHEMA, actor=actor, **options)
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}

    def row(r: SheetRow) -> str:
        v = r.values
        code = v.get("credit_code") or ""
        norm = normalise_name(v["name"])
        if code and code in seen_codes:
            raise session.problem(
                "credit_code", f"与第 {seen_codes[code]} 行的统一社会信用代码重复"
            )
        if norm and norm in seen_names:
            raise session.problem("name", f"与第 {seen_names[norm]} 行是同一家企业(名称相同)")
        if code:
            seen_codes[code] = r.number
        seen_names[norm] = r.number
        return _enterprise_row(session, v)

    return session.run_rows(row)


def enterprise_columns() -> list[X.Col]:
    """The import's columns in the import's order (an export imports back), then the
    read-only figures."""
    dup = ambiguous_unit_names()
    return [
        X.Col("企业名称", lambda e: e.name, width=30),
        X.Col("统一社会信用代码", lambda e: e.credit_code or "", width=22),
        X.Col("跟踪服务单位", lambda e: X.unit_ref(e.unit, dup), width=18),
        X.Col("所属行业", lambda e: e.industry),
        X.Col("产业集群", lambda e: e.cluster),
        X.Col("所在地区", lambda e: e.region),
        X.Col("备注", lambda e: e.notes, width=30),
        X.Col("最近年度营收(万元)", lambda e: e.latest_revenue, X.WAN_AMOUNT),
        X.Col("营收年度", lambda e: e.revenue_year, X.INT, width=10),
        X.Col("21152 矩阵档次", lambda e: e.get_tier_display() if e.tier else "", width=20),
    ]


def export_enterprises(qs, caption: str = "") -> Path:
    return X.write_table(
        "企业库",
        enterprise_columns(),
        qs.select_related("unit").iterator(chunk_size=2000),
        caption=caption,
    )


def _export(user, query) -> Path:
    return export_enterprises(enterprise_rows(user, query)[0])


def register() -> None:
    """Offer the enterprise sheet on the import page and the list on the export view."""
    register_importer(
        Importer(
            ENTERPRISE_SCHEMA,
            enterprises_import,
            lambda user: Unit.objects.restrict(user, Action.CHANGE),
            back_url="/enterprises/",
        )
    )
    register_exporter(Exporter("enterprises", "企业库", _export))

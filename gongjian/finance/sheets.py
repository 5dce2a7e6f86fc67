"""Excel in and out for the financing platform, on ``kit.tabular``: enterprises' needs
and institutions' products are imported (each row through ``finance.services``, the same
rules as the pages and the API); needs, products and matches are exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Q

from gongjian.enterprises.models import Enterprise, Tier
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
from gongjian.units.models import Actor

from . import services
from .models import Collateral, Institution, NeedKind, Product
from .selectors import match_rows, need_rows, product_rows

KINDS = {str(label): value for value, label in NeedKind.choices}
COLLATERALS = {str(label): value for value, label in Collateral.choices}
TIERS = {str(label): value for value, label in Tier.choices}

NEED_SCHEMA = S.SheetSchema(
    key="finance_needs",
    title="企业需求(融资信用服务)",
    columns=[
        S.Column(
            "enterprise",
            "企业",
            required=True,
            aliases=("企业名称", "统一社会信用代码"),
            max_length=200,
            example="锦州某某新材料有限公司",
            width=30,
        ),
        S.Column(
            "kind",
            "需求类型",
            S.CHOICE,
            required=True,
            choices=KINDS,
            choice_aliases={"资金": "funds", "市场": "market", "订单": "market", "人才": "talent"},
            example="找资金",
        ),
        S.Column(
            "title", "需求标题", required=True, max_length=200, example="技改设备购置贷款", width=30
        ),
        S.Column("posted_on", "发布日期", S.DATE, example="2024-05-10"),
        S.Column("amount", "融资金额", S.AMOUNT, example=500),
        S.Column("term", "期限(月)", S.INT, example=12),
        S.Column("purpose", "资金用途", max_length=200, example="购置生产设备"),
        S.Column(
            "collateral", "可提供的担保方式", S.CHOICE, choices=COLLATERALS, example="信用(无抵押)"
        ),
        S.Column("offering", "产品或服务", max_length=200),
        S.Column("customers", "目标客户", max_length=200),
        S.Column("roles", "岗位", max_length=200),
        S.Column("headcount", "人数", S.INT),
        S.Column("notes", "说明", width=30),
    ],
    notes=[
        "带 * 的列必须填写;企业按名称或统一社会信用代码在企业库中查找。",
        "找资金须填融资金额、期限(月)和资金用途;找市场/订单须填产品或服务和目标客户;"
        "找人才须填岗位和人数。",
        "只能为本单位(及下级单位)跟踪服务的企业发布需求;任何一行有错误时整个文件都不会导入。",
    ],
)

PRODUCT_SCHEMA = S.SheetSchema(
    key="finance_products",
    title="金融产品",
    columns=[
        S.Column(
            "institution", "金融机构", required=True, max_length=100, example="锦州银行", width=20
        ),
        S.Column("name", "产品名称", required=True, max_length=100, example="科技e贷", width=24),
        S.Column("amount_min", "最低额度", S.AMOUNT, example=10),
        S.Column("amount_max", "最高额度", S.AMOUNT, required=True, example=1000),
        S.Column("term_min", "最短期限(月)", S.INT, example=1),
        S.Column("term_max", "最长期限(月)", S.INT, example=36),
        S.Column("rate_min", "最低年利率(%)", S.DECIMAL, example="3.45"),
        S.Column("rate_max", "最高年利率(%)", S.DECIMAL, example="4.35"),
        S.Column("industries", "适用行业", S.LIST, help="多个行业用顿号或逗号分隔;不填为不限"),
        S.Column("tiers", "适用企业档次", S.LIST, help="21152 矩阵档次,多个用顿号分隔;不填为不限"),
        S.Column("collateral", "担保方式", S.CHOICE, choices=COLLATERALS, example="信用(无抵押)"),
        S.Column("requirements", "准入条件", width=30),
    ],
    notes=[
        "带 * 的列必须填写;同一机构已有同名产品的行会更新该产品。",
        "金融机构须已在平台登记;金融机构的工作人员只能导入本机构的产品。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)


def _enterprise(session: ImportSession, text: str) -> Enterprise:
    found = (
        Enterprise.objects.restrict(session.actor, Action.VIEW)
        .filter(Q(name=text) | Q(credit_code=text))
        .select_related("unit")
        .first()
    )
    if found is None:
        raise session.problem("enterprise", f"企业库中没有“{text}”")
    return found


def needs_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Post each row's need through ``need_create``."""
    session = ImportSession(NEED_SCHEMA, actor=actor, **options)

    def row(r: SheetRow) -> str:
        v = dict(r.values)
        enterprise = _enterprise(session, v.pop("enterprise"))
        fields = {k: val for k, val in v.items() if val not in (None, "")}
        services.need_create(actor=actor, enterprise=enterprise, **fields)
        return "created"

    return session.run_rows(row)


def _tiers(session: ImportSession, values: list[str]) -> list[str]:
    out = []
    for text in values:
        value = TIERS.get(text, text)
        if value not in Tier.values:
            raise session.problem("tiers", f"“{text}”不是 21152 矩阵的档次")
        out.append(value)
    return out


def products_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Create or update each row's product through ``product_create`` / ``product_update``."""
    session = ImportSession(PRODUCT_SCHEMA, actor=actor, **options)
    present = session.header.positions

    def row(r: SheetRow) -> str:
        v = dict(r.values)
        name = v.pop("institution")
        institution = Institution.objects.restrict(actor, Action.VIEW).filter(name=name).first()
        if institution is None:
            raise session.problem("institution", f"平台上没有金融机构“{name}”")
        fields = {k: val for k, val in v.items() if k in present and val not in (None, "")}
        if "tiers" in fields:
            fields["tiers"] = _tiers(session, fields["tiers"])
        existing = Product.objects.filter(institution=institution, name=fields["name"]).first()
        if existing is None:
            services.product_create(actor=actor, institution=institution, **fields)
            return "created"
        changes = {k: val for k, val in fields.items() if getattr(existing, k) != val}
        if not changes:
            return "unchanged"
        services.product_update(actor=actor, product=existing, **changes)
        return "updated"

    return session.run_rows(row)


# --- export ----------------------------------------------------------------------------------


def need_columns() -> list[X.Col]:
    return [
        X.Col("企业", lambda n: n.enterprise.name, width=30),
        X.Col("需求类型", lambda n: n.get_kind_display()),
        X.Col("需求标题", lambda n: n.title, width=30),
        X.Col("发布日期", lambda n: n.posted_on, X.DATE),
        X.Col("融资金额(万元)", lambda n: n.amount, X.WAN_AMOUNT),
        X.Col("期限(月)", lambda n: n.term, X.INT),
        X.Col("资金用途", lambda n: n.purpose),
        X.Col("可提供的担保方式", lambda n: n.get_collateral_display() if n.collateral else ""),
        X.Col("产品或服务", lambda n: n.offering),
        X.Col("目标客户", lambda n: n.customers),
        X.Col("岗位", lambda n: n.roles),
        X.Col("人数", lambda n: n.headcount, X.INT),
        X.Col("说明", lambda n: n.notes, width=30),
        X.Col("服务单位", lambda n: n.unit.name),
        X.Col("状态", lambda n: n.get_status_display()),
    ]


def product_columns() -> list[X.Col]:
    tiers = dict(Tier.choices)
    return [
        X.Col("金融机构", lambda p: p.institution.name, width=20),
        X.Col("产品名称", lambda p: p.name, width=24),
        X.Col("最低额度(万元)", lambda p: p.amount_min, X.WAN_AMOUNT),
        X.Col("最高额度(万元)", lambda p: p.amount_max, X.WAN_AMOUNT),
        X.Col("最短期限(月)", lambda p: p.term_min, X.INT),
        X.Col("最长期限(月)", lambda p: p.term_max, X.INT),
        X.Col("最低年利率(%)", lambda p: p.rate_min, X.NUMBER),
        X.Col("最高年利率(%)", lambda p: p.rate_max, X.NUMBER),
        X.Col("适用行业", lambda p: "、".join(p.industries)),
        X.Col("适用企业档次", lambda p: "、".join(str(tiers.get(t, t)) for t in p.tiers)),
        X.Col("担保方式", lambda p: p.get_collateral_display()),
        X.Col("准入条件", lambda p: p.requirements, width=30),
    ]


def match_columns() -> list[X.Col]:
    return [
        X.Col("企业", lambda m: m.need.enterprise.name, width=30),
        X.Col("需求标题", lambda m: m.need.title, width=24),
        X.Col("融资金额(万元)", lambda m: m.need.amount, X.WAN_AMOUNT),
        X.Col("金融机构", lambda m: m.product.institution.name, width=20),
        X.Col("金融产品", lambda m: m.product.name, width=20),
        X.Col("匹配日期", lambda m: m.matched_on, X.DATE),
        X.Col("匹配理由", lambda m: m.reason, width=40),
        X.Col("进展", lambda m: m.get_stage_display()),
        X.Col("对接日期", lambda m: m.contacted_on, X.DATE),
        X.Col("授信金额(万元)", lambda m: m.credit_amount, X.WAN_AMOUNT),
        X.Col("授信日期", lambda m: m.credit_on, X.DATE),
        X.Col("放款金额(万元)", lambda m: m.loan_amount, X.WAN_AMOUNT),
        X.Col("放款日期", lambda m: m.loan_on, X.DATE),
        X.Col("未通过原因", lambda m: m.declined_reason, width=30),
    ]


def _export_needs(user, query) -> Path:
    rows = need_rows(user, query)[0].select_related("enterprise", "unit")
    return X.write_table("企业需求", need_columns(), rows.iterator(chunk_size=2000))


def _export_products(user, query) -> Path:
    return X.write_table(
        "金融产品", product_columns(), product_rows(user, query)[0].iterator(chunk_size=2000)
    )


def _export_matches(user, query) -> Path:
    return X.write_table(
        "融资对接", match_columns(), match_rows(user, query)[0].iterator(chunk_size=2000)
    )


def register() -> None:
    register_importer(Importer(NEED_SCHEMA, needs_import, back_url="/finance/needs/"))
    register_importer(Importer(PRODUCT_SCHEMA, products_import, back_url="/finance/products/"))
    register_exporter(Exporter("finance_needs", "企业需求", _export_needs))
    register_exporter(Exporter("finance_products", "金融产品", _export_products))
    register_exporter(Exporter("finance_matches", "融资对接", _export_matches))

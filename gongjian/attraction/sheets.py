"""Excel in and out for outreach batches and leads, on ``kit.tabular`` (the sheet schema,
the one import driver, ``write_table`` for the lists).

Every row goes through ``attraction.services`` (the rules of the page and the API). A
lead is imported at 接洽 or 洽谈 only: 签约 links a registry project and is done on the
lead's page; the export reads the stage from the linked project.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, Subquery

from gongjian.enterprises.models import Enterprise, normalise_name
from gongjian.kit.clock import today as clock_today
from gongjian.kit.scope import Action, allows
from gongjian.kit.tabular import exports as X
from gongjian.kit.tabular import schema as S
from gongjian.kit.tabular.exports import Exporter, register_exporter
from gongjian.kit.tabular.imports import (
    Importer,
    ImportResult,
    ImportSession,
    RowProblems,
    register_importer,
)
from gongjian.projects.models import Category
from gongjian.units.models import Actor, Unit
from gongjian.units.selectors import ambiguous_unit_names

from . import services
from .models import Lead, LeadStage, LeadTransition, Outreach
from .schemas import LeadIn, OutreachIn

KINDS = {str(label): value for value, label in Outreach.Kind.choices}
THEMES = {str(label): value for value, label in Outreach.Theme.choices}
LEAD_STAGES = {str(label): value for value, label in LeadStage.choices}
IMPORTABLE_STAGES = (LeadStage.CONTACT, LeadStage.NEGOTIATING)

CATEGORY_CHOICES = {str(label): value for value, label in Category.choices}


class EnterpriseFinder:
    """An enterprise of the actor's scope by credit code or name (exact, then normalised)."""

    def __init__(self, actor: Actor):
        self.qs = Enterprise.objects.restrict(actor, Action.VIEW)
        self.cache: dict[str, Enterprise] = {}

    def find(self, text: str) -> Enterprise:
        text = text.strip()
        if text in self.cache:
            return self.cache[text]
        rows = list(self.qs.filter(Q(credit_code=text.upper()) | Q(name=text)).order_by("pk")[:2])
        if not rows:
            rows = list(self.qs.filter(normalized_name=normalise_name(text)).order_by("pk")[:2])
        if not rows:
            raise S.CellError(f"企业库中没有“{text}”")
        if len(rows) > 1:
            raise S.CellError(f"企业库中有多家企业与“{text}”相符,请填写统一社会信用代码")
        self.cache[text] = rows[0]
        return rows[0]


# --- outreach ------------------------------------------------------------------------

OUTREACH_SCHEMA = S.SheetSchema(
    key="outreach",
    title="招商活动",
    columns=[
        S.Column(
            "held_on",
            "日期",
            S.DATE,
            required=True,
            aliases=("活动日期", "时间"),
            example=dt.date(2024, 3, 5),
            width=12,
        ),
        S.Column(
            "kind",
            "方式",
            S.CHOICE,
            required=True,
            choices=KINDS,
            aliases=("招商方式", "活动方式"),
            example="走出去",
            width=10,
        ),
        S.Column(
            "theme",
            "主题",
            S.CHOICE,
            required=True,
            choices=THEMES,
            aliases=("招商主题",),
            example="新材料",
            width=14,
        ),
        S.Column(
            "title",
            "活动名称",
            required=True,
            aliases=("名称", "活动"),
            max_length=200,
            example="赴深圳新材料产业招商",
            width=30,
        ),
        S.Column("place", "地点", aliases=("活动地点",), max_length=100, width=14),
        S.Column(
            "unit",
            "组织单位",
            S.LOOKUP,
            required=True,
            lookup="unit",
            aliases=("单位", "责任单位", "县区"),
            example="凌河区",
            width=18,
        ),
        S.Column(
            "leader_name",
            "带队领导",
            aliases=("带队市领导", "领导"),
            max_length=100,
            example="张三",
            width=12,
        ),
        S.Column(
            "enterprises",
            "对接企业",
            S.LIST,
            aliases=("对接企业名单", "企业"),
            help="企业库中的统一社会信用代码或企业名称,多个用顿号或分号分隔",
            width=40,
        ),
        S.Column("notes", "备注", width=30),
    ],
    notes=[
        "带 * 的列必须填写;列的顺序可以调整,表头前可以有标题行。",
        "组织单位、日期、活动名称都相同的行更新已登记的活动,否则新增活动。",
        "对接企业填写企业库中的统一社会信用代码或企业名称,多家用顿号(、)或分号(;)分隔;"
        "导入只增加对接企业,不删除已登记的。",
        "方式、主题、组织单位请从下拉列表中选择;只能导入本单位(及下级单位)组织的活动。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)

OUTREACH_TEXTS = ("place", "leader_name", "notes")


def outreach_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Create (or update, same unit + date + title) each batch through
    ``outreach_create`` / ``outreach_update`` / ``outreach_add_enterprises``."""
    session = ImportSession(OUTREACH_SCHEMA, actor=actor, **options)
    finder = EnterpriseFinder(actor)
    present = session.header.positions
    title = session.title
    seen: dict[tuple, int] = {}

    def one(row) -> str:
        v = row.values
        unit = v["unit"]
        problems = []
        key = (unit.pk, v["held_on"], v["title"])
        if key in seen:
            problems.append((title("title"), f"与第 {seen[key]} 行是同一场活动"))
        seen.setdefault(key, row.number)
        if not allows(actor, Action.CHANGE, unit):
            problems.append((title("unit"), f"无权为“{unit}”导入招商活动"))
        enterprises = []
        for text in v.get("enterprises") or []:
            try:
                enterprises.append(finder.find(text))
            except S.CellError as exc:
                problems.append((title("enterprises"), str(exc)))
        if problems:
            raise RowProblems(problems)
        texts = {k: v.get(k) or "" for k in OUTREACH_TEXTS if k in present}
        OutreachIn.model_validate(
            {
                "held_on": v["held_on"],
                "kind": v["kind"],
                "theme": v["theme"],
                "title": v["title"],
                "unit_id": unit.pk,
                "enterprise_ids": [e.pk for e in enterprises],
                **texts,
            }
        )
        existing = (
            Outreach.objects.filter(unit=unit, held_on=v["held_on"], title=v["title"])
            .order_by("pk")
            .first()
        )
        if existing is None:
            services.outreach_create(
                actor=actor,
                held_on=v["held_on"],
                kind=v["kind"],
                theme=v["theme"],
                title=v["title"],
                unit=unit,
                enterprises=enterprises,
                **texts,
            )
            return "created"
        wanted = {"kind": v["kind"], "theme": v["theme"], **texts}
        changes = {k: value for k, value in wanted.items() if getattr(existing, k) != value}
        if changes:
            existing = services.outreach_update(actor=actor, outreach=existing, **changes)
        added = services.outreach_add_enterprises(
            actor=actor, outreach=existing, enterprises=enterprises
        )
        return "updated" if changes or added else "unchanged"

    return session.run_rows(one)


def outreach_columns() -> list[X.Col]:
    dup = ambiguous_unit_names()
    kinds, themes = X.labels(Outreach.Kind), X.labels(Outreach.Theme)
    return [
        X.Col("日期", lambda o: o.held_on, X.DATE, 12),
        X.Col("方式", lambda o: kinds[o.kind], width=10),
        X.Col("主题", lambda o: themes[o.theme]),
        X.Col("活动名称", lambda o: o.title, width=30),
        X.Col("地点", lambda o: o.place),
        X.Col("组织单位", lambda o: X.unit_ref(o.unit, dup), width=18),
        X.Col("带队领导", lambda o: o.leader_name, width=12),
        X.Col("对接企业", lambda o: "、".join(e.name for e in o.enterprises.all()), width=40),
        X.Col("备注", lambda o: o.notes, width=30),
    ]


def export_outreach(qs, caption: str = "") -> Path:
    rows = (
        qs.select_related("unit")
        .prefetch_related(Prefetch("enterprises", queryset=Enterprise.objects.order_by("pk")))
        .iterator(chunk_size=2000)
    )
    return X.write_table("招商活动", outreach_columns(), rows, caption=caption)


# --- leads ---------------------------------------------------------------------------

LEAD_SCHEMA = S.SheetSchema(
    key="leads",
    title="招商线索",
    columns=[
        S.Column(
            "id",
            "线索编号",
            S.INT,
            aliases=("编号",),
            help="导出表中的编号;填写则更新该线索,不填则按企业和项目名称查找或新增",
            width=10,
        ),
        S.Column(
            "name",
            "项目名称",
            required=True,
            aliases=("线索名称", "名称"),
            max_length=200,
            example="新材料生产基地项目",
            width=30,
        ),
        S.Column(
            "enterprise",
            "企业",
            required=True,
            aliases=("企业名称", "投资企业", "投资方"),
            max_length=200,
            example="锦州某某新材料有限公司",
            help="企业库中的企业名称或统一社会信用代码",
            width=30,
        ),
        S.Column(
            "enterprise_code",
            "统一社会信用代码",
            aliases=("企业统一社会信用代码", "信用代码"),
            max_length=18,
            help="填写则按代码查找企业",
            width=22,
        ),
        S.Column(
            "intended_investment",
            "意向投资额",
            S.AMOUNT,
            required=True,
            aliases=("意向投资", "投资额", "计划投资"),
            example=50000,
            width=14,
        ),
        S.Column(
            "category",
            "项目类别",
            S.CHOICE,
            choices=CATEGORY_CHOICES,
            aliases=("类别",),
            example="工业",
            help="不填为工业",
            width=10,
        ),
        S.Column(
            "industry_cluster",
            "产业集群",
            aliases=("所属行业", "行业", "产业"),
            max_length=50,
            example="新材料",
            width=14,
        ),
        S.Column(
            "unit",
            "责任单位",
            S.LOOKUP,
            required=True,
            lookup="unit",
            aliases=("跟踪单位", "单位", "县区"),
            example="凌河区",
            width=18,
        ),
        S.Column(
            "official",
            "责任领导",
            S.LOOKUP,
            lookup="user",
            aliases=("包保领导", "负责人"),
            help="姓名或登录名",
            width=12,
        ),
        S.Column(
            "stage",
            "阶段",
            S.CHOICE,
            choices=LEAD_STAGES,
            aliases=("当前阶段", "线索阶段"),
            example="洽谈",
            help="导入只能登记接洽或洽谈;签约在线索页办理",
            width=10,
        ),
        S.Column(
            "contacted_on",
            "首次接洽日期",
            S.DATE,
            required=True,
            aliases=("接洽日期",),
            example=dt.date(2024, 3, 5),
            width=12,
        ),
        S.Column(
            "negotiating_on",
            "洽谈日期",
            S.DATE,
            aliases=("进入洽谈日期",),
            help="阶段为洽谈时的日期;不填为首次接洽日期(新增)或今天(更新)",
            width=12,
        ),
        S.Column(
            "expected_sign_on", "预计签约日期", S.DATE, example=dt.date(2024, 9, 30), width=12
        ),
        S.Column("expected_start_on", "预计开工日期", S.DATE, width=12),
        S.Column(
            "next_step",
            "下一步工作",
            aliases=("下一步",),
            max_length=200,
            example="赴企业总部商谈投资协议",
            width=30,
        ),
        S.Column("next_step_due", "下一步完成时限", S.DATE, aliases=("完成时限",), width=12),
    ],
    notes=[
        "带 * 的列必须填写;列的顺序可以调整,表头前可以有标题行。",
        "意向投资额按表头写明的单位(元、万元或亿元)读取;表头未写单位时按万元。",
        "填写线索编号的行更新该线索;不填时同一企业、同一项目名称的线索被更新,否则新增线索。",
        "阶段只能填接洽或洽谈;签约须在线索页办理(签约时纳入项目清单),终止也在线索页办理。",
        "企业须已在企业库中;责任单位请从下拉列表中选择,只能导入本单位(及下级单位)的线索。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)

LEAD_TEXTS = ("industry_cluster", "next_step")
LEAD_OPTIONAL = ("official", "expected_sign_on", "expected_start_on", "next_step_due")


def leads_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Create or update each lead through ``lead_create`` / ``lead_update``, and move it to
    洽谈 through ``lead_transition``."""
    session = ImportSession(LEAD_SCHEMA, actor=actor, **options)
    finder = EnterpriseFinder(actor)
    present = session.header.positions
    title = session.title
    leads = Lead.objects.restrict(actor, Action.VIEW)
    leads = leads.select_related("project", "unit", "enterprise")
    today = clock_today()
    seen: dict[object, int] = {}

    def one(row) -> str:
        v = row.values
        unit = v["unit"]
        problems = []
        enterprise = None
        by_code = bool(v.get("enterprise_code"))
        try:
            enterprise = finder.find(v["enterprise_code"] if by_code else v["enterprise"])
        except S.CellError as exc:
            problems.append((title("enterprise_code" if by_code else "enterprise"), str(exc)))
        if not allows(actor, Action.CHANGE, unit):
            problems.append((title("unit"), f"无权为“{unit}”导入招商线索"))
        existing = None
        if v.get("id"):
            existing = leads.filter(pk=v["id"]).first()
            if existing is None:
                problems.append((title("id"), f"线索编号“{v['id']}”不存在"))
        elif enterprise is not None:
            existing = leads.filter(enterprise=enterprise, name=v["name"]).order_by("pk").first()
        key = existing.pk if existing is not None else (enterprise and enterprise.pk, v["name"])
        if key in seen:
            problems.append((title("name"), f"与第 {seen[key]} 行是同一条线索"))
        seen.setdefault(key, row.number)
        if problems:
            raise RowProblems(problems)
        fields: dict = {k: v.get(k) or "" for k in LEAD_TEXTS if k in present}
        fields.update({k: v.get(k) for k in LEAD_OPTIONAL if k in present})
        if "category" in present or existing is None:
            fields["category"] = v.get("category") or "industry"
        official = fields.get("official")
        LeadIn.model_validate(
            {
                "enterprise_id": enterprise.pk,
                "name": v["name"],
                "unit_id": unit.pk,
                "intended_investment": v["intended_investment"],
                "contacted_on": v["contacted_on"],
                **{k: val for k, val in fields.items() if k != "official"},
                "official_id": official.pk if official is not None else None,
            }
        )
        stage = v.get("stage")
        if existing is None:
            if stage is not None and stage not in IMPORTABLE_STAGES:
                raise RowProblems([(title("stage"), _stage_refusal(stage))])
            lead = services.lead_create(
                actor=actor,
                enterprise=enterprise,
                name=v["name"],
                unit=unit,
                intended_investment=v["intended_investment"],
                contacted_on=v["contacted_on"],
                **fields,
            )
            if stage == LeadStage.NEGOTIATING:
                services.lead_transition(
                    actor=actor,
                    lead=lead,
                    to_stage=stage,
                    on_date=v.get("negotiating_on") or v["contacted_on"],
                    note="Excel 导入",
                )
            return "created"
        return _update_lead(session, existing, enterprise, v, fields, today)

    return session.run_rows(one)


def _stage_refusal(stage: str) -> str:
    label = LeadStage(stage).label
    if stage == LeadStage.TERMINATED:
        return "终止线索须在线索页办理并填写终止原因,导入只能登记接洽或洽谈"
    return f"“{label}”须在线索页办理(签约时纳入项目清单),导入只能登记接洽或洽谈"


def _update_lead(
    session: ImportSession, lead: Lead, enterprise, v: dict, fields: dict, today
) -> str:
    actor = session.actor
    title = session.title
    problems = []
    if not allows(actor, Action.CHANGE, lead.unit):
        raise RowProblems([(title("unit"), f"线索由“{lead.unit}”负责,无权修改")])
    if lead.unit_id != v["unit"].pk:
        problems.append((title("unit"), f"与已登记的“{lead.unit}”不一致:责任单位不能在导入中修改"))
    if lead.enterprise_id != enterprise.pk:
        problems.append(
            (title("enterprise"), f"与已登记的“{lead.enterprise}”不一致:企业不能在导入中修改")
        )
    if lead.contacted_on != v["contacted_on"]:
        problems.append(
            (title("contacted_on"), f"与已登记的 {lead.contacted_on} 不一致:首次接洽日期不能修改")
        )
    stage = v.get("stage")
    current = lead.current_stage
    if stage is not None and stage != current and stage not in IMPORTABLE_STAGES:
        problems.append((title("stage"), _stage_refusal(stage)))
    if problems:
        raise RowProblems(problems)
    wanted = {"name": v["name"], "intended_investment": v["intended_investment"], **fields}
    changes = {k: value for k, value in wanted.items() if getattr(lead, k) != value}
    if changes:
        lead = services.lead_update(actor=actor, lead=lead, **changes)
    moved = stage is not None and stage != current
    if moved:
        services.lead_transition(
            actor=actor,
            lead=lead,
            to_stage=stage,
            on_date=v.get("negotiating_on") or today,
            note="Excel 导入",
        )
    return "updated" if changes or moved else "unchanged"


def lead_columns() -> list[X.Col]:
    """The import's columns in its order (an export imports back), then the signing date
    and project read from the linked project."""
    dup = ambiguous_unit_names()
    categories = {value: label for label, value in CATEGORY_CHOICES.items()}
    return [
        X.Col("线索编号", lambda lead: lead.pk, X.INT, 10),
        X.Col("项目名称", lambda lead: lead.name, width=30),
        X.Col("企业", lambda lead: lead.enterprise.name, width=30),
        X.Col("统一社会信用代码", lambda lead: lead.enterprise.credit_code or "", width=22),
        X.Col("意向投资额(万元)", lambda lead: lead.intended_investment, X.WAN_AMOUNT),
        X.Col("项目类别", lambda lead: categories.get(lead.category, lead.category), width=10),
        X.Col("产业集群", lambda lead: lead.industry_cluster),
        X.Col("责任单位", lambda lead: X.unit_ref(lead.unit, dup), width=18),
        X.Col("责任领导", lambda lead: X.person_ref(lead.official), width=12),
        X.Col("阶段", lambda lead: lead.current_stage_label, width=10),
        X.Col("首次接洽日期", lambda lead: lead.contacted_on, X.DATE, 12),
        X.Col("洽谈日期", lambda lead: getattr(lead, "negotiating_on", None), X.DATE, 12),
        X.Col("预计签约日期", lambda lead: lead.expected_sign_on, X.DATE, 12),
        X.Col("预计开工日期", lambda lead: lead.expected_start_on, X.DATE, 12),
        X.Col("下一步工作", lambda lead: lead.next_step, width=30),
        X.Col("下一步完成时限", lambda lead: lead.next_step_due, X.DATE, 12),
        X.Col("签约日期", lambda lead: lead.signed_on, X.DATE, 12),
        X.Col("清单项目编号", lambda lead: lead.project.code if lead.project_id else "", width=16),
        X.Col("终止原因", lambda lead: lead.terminated_reason, width=20),
    ]


def export_leads(qs, caption: str = "") -> Path:
    negotiating = LeadTransition.objects.filter(
        lead=OuterRef("pk"), stage=LeadStage.NEGOTIATING
    ).order_by("-occurred_on", "-pk")
    rows = (
        qs.select_related("enterprise", "unit", "official", "project")
        .annotate(negotiating_on=Subquery(negotiating.values("occurred_on")[:1]))
        .iterator(chunk_size=2000)
    )
    return X.write_table("招商线索", lead_columns(), rows, caption=caption)


def _lead_template_schema() -> S.SheetSchema:
    """The lead sheet as its template offers it: only the stages an import may set."""
    importable = {str(LeadStage(s).label): s for s in IMPORTABLE_STAGES}
    return dataclasses.replace(
        LEAD_SCHEMA,
        columns=[
            dataclasses.replace(c, choices=importable) if c.key == "stage" else c
            for c in LEAD_SCHEMA.columns
        ],
    )


def _writable_units(user):
    return Unit.objects.restrict(user, Action.CHANGE)


def _export_outreach(user, query) -> Path:
    from .selectors import outreach_rows

    return export_outreach(outreach_rows(user, query)[0])


def _export_leads(user, query) -> Path:
    from .selectors import lead_rows

    return export_leads(lead_rows(user, query).order_by("-contacted_on", "-pk"))


def register() -> None:
    """Offer the outreach and lead sheets on the import page and the lists on the export
    view."""
    register_importer(
        Importer(
            OUTREACH_SCHEMA, outreach_import, _writable_units, back_url="/attraction/outreach/"
        )
    )
    register_importer(
        Importer(
            LEAD_SCHEMA,
            leads_import,
            _writable_units,
            back_url="/attraction/leads/",
            template_schema=_lead_template_schema(),
        )
    )
    register_exporter(Exporter("outreach", "招商活动", _export_outreach))
    register_exporter(Exporter("leads", "招商线索", _export_leads))

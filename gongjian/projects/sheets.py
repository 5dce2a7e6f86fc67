"""The project domain in Excel: the project and progress-report sheets (import and
template), and the project, report and problem lists (export).

An import row goes through the same rules as the page form and the API: projects through
``services.ProjectBulk`` (the API's input schema, the model's ``full_clean()``, the stage
moves, history and 提级 with the actor), progress reports through the API's ``ReportIn``
and ``services.progress_report_submit`` — the very service the page and the API call.
The reading, bad rows and the transaction are ``kit.tabular``'s one import driver.
"""

from __future__ import annotations

import datetime as dt
import operator
from itertools import islice
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from gongjian.kit.clock import today as clock_today
from gongjian.kit.tabular import schema as S
from gongjian.kit.tabular.exports import (
    DATE,
    DATETIME,
    NUMBER,
    TEXT,
    WAN_AMOUNT,
    Col,
    labels,
    person_ref,
    unit_ref,
    write_table,
)
from gongjian.kit.tabular.imports import ImportResult, ImportSession, Lookup, SheetRow
from gongjian.kit.validators import normalize_national_project_code
from gongjian.units.models import Actor, Unit, User
from gongjian.units.selectors import ambiguous_unit_names

from . import services
from .filters import problem_is_overdue
from .models import Batch, Category, Problem, ProgressReport, Project, Stage, Tag
from .schemas import ReportIn

# --- schemas ---------------------------------------------------------------------

STAGE_CHOICES = {str(label): value for value, label in Stage.choices}
CATEGORY_CHOICES = {str(label): value for value, label in Category.choices}
# how cities' own sheets name the categories and stages
CATEGORY_ALIASES = {
    **{f"{label}项目": value for label, value in CATEGORY_CHOICES.items()},
    "工业类": Category.INDUSTRY,
    "制造业": Category.INDUSTRY,
    "服务业": Category.COMMERCE,
    "服务业项目": Category.COMMERCE,
    "现代服务业": Category.COMMERCE,
    "商贸": Category.COMMERCE,
    "商贸流通": Category.COMMERCE,
    "基础设施建设": Category.INFRASTRUCTURE,
    "基础设施类": Category.INFRASTRUCTURE,
    "城建": Category.INFRASTRUCTURE,
    "民生": Category.LIVELIHOOD,
    "民生项目": Category.LIVELIHOOD,
    "社会事业": Category.LIVELIHOOD,
    "农业": Category.AGRICULTURE,
    "农业项目": Category.AGRICULTURE,
    "乡村振兴": Category.AGRICULTURE,
    "文化旅游": Category.TOURISM,
    "文旅项目": Category.TOURISM,
    "旅游": Category.TOURISM,
}
STAGE_ALIASES = {
    "在谋划": Stage.PLANNED,
    "已签约": Stage.SIGNED,
    "已落地": Stage.LANDED,
    "已开工": Stage.STARTED,
    "新开工": Stage.STARTED,
    "在建": Stage.STARTED,
    "续建": Stage.STARTED,
    "已复工": Stage.RESUMED,
    "停建": Stage.STALLED,
    "缓建": Stage.STALLED,
    "已竣工": Stage.COMPLETED,
    "已投产": Stage.IN_PRODUCTION,
}

PROJECT_DATE_COLUMNS = [
    (Stage.SIGNED, "signed_on", "签约日期", ("签约时间",)),
    (Stage.LANDED, "landed_on", "落地日期", ("落地时间", "注册落地日期")),
    (Stage.STARTED, "started_on", "开工日期", ("开工时间",)),
    (Stage.RESUMED, "resumed_on", "复工日期", ("最近复工日期", "复工时间")),
    (Stage.STALLED, "stalled_on", "停缓建日期", ()),
    (Stage.COMPLETED, "completed_on", "竣工日期", ("竣工时间",)),
    (Stage.IN_PRODUCTION, "in_production_on", "投产日期", ("投产时间",)),
]

# The plan the warning light judges against, and the actual 入库纳统 date (columns named
# by the model field; any date may be cleared by an empty cell).
PLAN_DATE_COLUMNS = [
    (
        "planned_start_on",
        "计划开工日期",
        ("计划开工时间", "计划开工"),
        "",
        dt.date(2024, 4, 1),
    ),
    (
        "planned_completion_on",
        "计划竣工日期",
        ("计划竣工时间", "计划竣工"),
        "不得早于计划开工日期",
        dt.date(2026, 6, 30),
    ),
    (
        "planned_in_stats_on",
        "计划入库日期",
        ("计划入库时间", "计划纳统日期"),
        "不得早于计划开工日期",
        dt.date(2024, 5, 1),
    ),
    (
        "in_stats_on",
        "入库日期",
        ("入库时间", "实际入库日期", "纳统日期", "入库纳统日期"),
        "项目入库纳统的日期,不得早于开工日期",
        "",
    ),
]

PROJECT_SCHEMA = S.SheetSchema(
    key="projects",
    title="项目清单",
    columns=[
        S.Column(
            "code",
            "项目编号",
            required=True,
            aliases=("编号",),
            max_length=40,
            example="JZ2024-0001",
            width=16,
        ),
        S.Column(
            "name",
            "项目名称",
            required=True,
            aliases=("名称",),
            max_length=200,
            example="锦州新材料产业园项目",
            width=36,
        ),
        S.Column(
            "unit",
            "所属单位",
            S.LOOKUP,
            required=True,
            lookup="unit",
            aliases=("县区", "所属县区", "单位", "所在地区"),
            example="凌河区",
            width=18,
        ),
        S.Column(
            "category",
            "项目类别",
            S.CHOICE,
            required=True,
            choices=CATEGORY_CHOICES,
            choice_aliases=CATEGORY_ALIASES,
            aliases=("类别", "行业类别", "项目类型"),
            example="工业",
            width=12,
        ),
        S.Column(
            "total_investment",
            "总投资",
            S.AMOUNT,
            required=True,
            aliases=("计划总投资", "项目总投资"),
            example=25000,
            width=14,
        ),
        S.Column(
            "planned_investment",
            "年度计划投资",
            S.AMOUNT,
            aliases=("本年计划投资", "年度计划"),
            example=8000,
            width=14,
        ),
        S.Column(
            "stage",
            "阶段",
            S.CHOICE,
            choices=STAGE_CHOICES,
            choice_aliases=STAGE_ALIASES,
            aliases=("项目阶段", "建设阶段", "当前阶段"),
            example="开工",
            width=10,
            help="不填则按阶段日期推定",
        ),
        *[
            S.Column(
                f"date_{stage}",
                title,
                S.DATE,
                aliases=aliases,
                width=12,
                example=dt.date(2024, 3, 5)
                if stage == Stage.SIGNED
                else dt.date(2024, 4, 10)
                if stage == Stage.STARTED
                else "",
            )
            for stage, _field, title, aliases in PROJECT_DATE_COLUMNS
        ],
        *[
            S.Column(field, title, S.DATE, aliases=aliases, width=12, help=help_, example=example)
            for field, title, aliases, help_, example in PLAN_DATE_COLUMNS
        ],
        S.Column(
            "responsible_unit",
            "责任部门",
            S.LOOKUP,
            lookup="any_unit",
            aliases=("责任单位", "牵头部门"),
            example="市工业和信息化局",
            width=20,
        ),
        S.Column(
            "leader",
            "包保领导",
            S.LOOKUP,
            lookup="user",
            aliases=("包保市领导",),
            example="",
            width=10,
        ),
        S.Column("industry_cluster", "产业集群", max_length=50, example="新材料", width=14),
        S.Column(
            "enterprise_name",
            "建设单位/企业",
            aliases=("建设单位", "企业名称", "项目单位"),
            max_length=200,
            example="锦州某某新材料有限公司",
            width=28,
        ),
        S.Column(
            "tags",
            "标签",
            S.LIST,
            lookup="tag",
            aliases=("项目标签",),
            help="多个用顿号或逗号分隔",
            width=16,
        ),
        S.Column("batches", "批次", S.LIST, lookup="batch", aliases=("所属批次",), width=16),
        S.Column("latitude", "纬度", S.DECIMAL, width=10),
        S.Column("longitude", "经度", S.DECIMAL, width=10),
        S.Column("description", "项目简介", aliases=("建设内容", "简介"), width=40),
        S.Column(
            "national_code",
            "全国投资项目代码",
            aliases=("项目代码", "投资项目统一代码", "项目统一代码", "投资项目代码"),
            max_length=30,
            example="2104-210703-04-01-528179",
            width=26,
            help="全国投资项目在线审批监管平台赋予的 24 位代码,校验码须正确;可不填",
        ),
    ],
    notes=[
        "带 * 的列必须填写;列的顺序可以调整,表头前可以有标题行。",
        "金额按表头写明的单位(元、万元或亿元)读取;表头未写单位时按万元。单元格也可写“3.5亿元”。",
        "日期可以是 Excel 日期,也可以写成 2024-03-05、2024/3/5、2024.3.5 或 2024年3月5日。",
        "项目编号已存在的行会更新该项目,否则新增项目;阶段日期按先后顺序登记,已登记的日期不能在导入中修改。",
        "所属单位、项目类别、阶段请从下拉列表中选择;包保领导填姓名或登录名。",
        "请不要合并单元格,也不要使用公式(请先转为数值)。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行,错误行可下载修改后再导入。",
    ],
    # a service's error about a field → the column to look at
    fields={
        "unit_id": "unit",
        "responsible_unit_id": "responsible_unit",
        "leader_id": "leader",
        "occurred_on": "stage",
        **{field: f"date_{stage}" for stage, field, _t, _a in PROJECT_DATE_COLUMNS},
    },
)

REPORT_SCHEMA = S.SheetSchema(
    key="reports",
    title="进度报告",
    columns=[
        S.Column(
            "code", "项目编号", required=True, aliases=("编号",), example="JZ2024-0001", width=16
        ),
        S.Column("name", "项目名称", aliases=("名称",), help="仅供核对,不导入", width=30),
        S.Column(
            "period_start",
            "期间开始",
            S.DATE,
            required=True,
            aliases=("开始日期", "报告期开始"),
            example=dt.date(2024, 10, 1),
            width=12,
        ),
        S.Column(
            "period_end",
            "期间结束",
            S.DATE,
            required=True,
            aliases=("结束日期", "报告期结束", "截止日期"),
            example=dt.date(2024, 10, 31),
            width=12,
        ),
        S.Column(
            "investment_this_period",
            "本期完成投资",
            S.AMOUNT,
            required=True,
            aliases=("本月完成投资", "本期投资"),
            example=1200,
            width=14,
        ),
        S.Column(
            "cumulative_investment",
            "累计完成投资",
            S.AMOUNT,
            aliases=("自开工累计完成投资", "累计投资"),
            help="不填则按上期累计加本期计算",
            width=14,
        ),
        S.Column(
            "funds_paid",
            "累计资金支付",
            S.AMOUNT,
            aliases=("自开工累计资金支付", "累计支付资金", "资金支付"),
            help="可不填:自开工累计已支付的资金",
            width=14,
        ),
        S.Column(
            "progress_text",
            "形象进度",
            aliases=("项目进展", "进展情况"),
            example="主体结构施工",
            width=36,
        ),
        S.Column("problems_text", "存在问题", aliases=("问题",), width=30),
    ],
    notes=[
        "带 * 的列必须填写;每个项目每个期间一行,期间以“期间开始”区分。",
        "金额按表头写明的单位(元、万元或亿元)读取;表头未写单位时按万元。",
        "同一期间已报送且未审核的,导入会替换原报告;已审核的不能修改。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)


def lookups(actor: Actor) -> dict:
    """The project sheets' own look-up columns for ``actor`` (units and people are the
    default ones)."""
    from gongjian.kit.scope import Action

    return {
        "tag": Lookup(Tag.objects.all(), ("name", "slug"), "标签"),
        "batch": Lookup(Batch.objects.restrict(actor, Action.VIEW), ("name", "code"), "批次"),
    }


# --- import ----------------------------------------------------------------------------

_DATE_KEYS = [(stage, f"date_{stage}") for stage, _f, _t, _a in PROJECT_DATE_COLUMNS]


def _project_row(values: dict, present: dict) -> services.ProjectRow:
    fields = {key: values.get(key) for key in ("name", "unit", "category", "total_investment")}
    for key in services.OPTIONAL_FIELDS:
        if key in present:
            fields[key] = values.get(key)
    return services.ProjectRow(
        code=values["code"],
        fields=fields,
        events=[(stage, values[key]) for stage, key in _DATE_KEYS if values.get(key)],
        tags=values.get("tags") if "tags" in present else None,
        batches=values.get("batches") if "batches" in present else None,
        stage=values.get("stage") or None,
    )


def _national_code_holders(rows: list[SheetRow]) -> dict[str, str]:
    """National code → code of the project (live or deleted) holding it, for the codes
    of ``rows``: one query a chunk."""
    wanted = {normalize_national_project_code(r.values.get("national_code")) for r in rows} - {None}
    found = Project.all_objects.filter(national_code__in=[w for w in wanted if isinstance(w, str)])
    return dict(found.values_list("national_code", "code"))


def projects_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Import (update-or-create by 项目编号) the project sheet at ``path``."""
    session = ImportSession(PROJECT_SCHEMA, actor=actor, lookups=lookups(actor), **options)
    present = session.header.positions
    bulk = services.ProjectBulk(
        actor=actor,
        columns={k for k in services.OPTIONAL_FIELDS if k in present},
        reason=f"Excel 导入 {session.file_name}".strip(),
    )
    seen: set[str] = set()
    seen_national: dict[str, str] = {}  # national code → the sheet's project code
    code_title = session.title("code")
    national_title = session.title("national_code") if "national_code" in present else ""

    bulk.refused = lambda: session.refused

    def set_wise(codes: list[str], columns: dict[str, list]) -> bool:
        """A chunk of new projects read column by column, checked and written set-wise
        (``ProjectBulk.create_set``); False: the rows go one by one."""
        if len(set(codes)) != len(codes) or not seen.isdisjoint(codes):
            return False  # a code repeated: the rows below say where
        if any(columns.get(key) and any(columns[key]) for key in ("tags", "batches")):
            return False
        if national_title and any(columns["national_code"]):
            return False
        stages = columns.get("stage") if "stage" in present else None
        if not bulk.create_set(codes, columns, stages):
            return False
        seen.update(codes)
        if not session.refused:
            session.result.created += len(codes)
        return True

    def chunk(rows: list[SheetRow]) -> None:
        # the chunk's codes already taken, live projects and deleted ones in one query
        codes = [r.values["code"] for r in rows]
        existing, deleted = bulk.existing(codes)
        columns = getattr(rows, "columns", None)
        if columns is not None and not existing and not deleted and set_wise(codes, columns):
            return
        national_holders = _national_code_holders(rows) if national_title else {}
        creates: list[Project] = []
        updates: list[Project] = []
        links: list = []
        for row in rows:
            code = row.values["code"]
            if code in seen:
                session.bad(row.number, row.raw, [(code_title, f"项目编号“{code}”在表中重复")])
                continue
            seen.add(code)
            national = normalize_national_project_code(row.values.get("national_code"))
            if isinstance(national, str):
                holder = seen_national.setdefault(national, code)
                taken = national_holders.get(national, code)
                if holder != code or taken != code:
                    other = holder if holder != code else taken
                    where = "在表中重复" if holder != code else "已被其他项目使用"
                    session.bad(
                        row.number,
                        row.raw,
                        [
                            (
                                national_title,
                                f"全国投资项目代码“{national}”{where}(项目编号“{other}”)",
                            )
                        ],
                    )
                    continue
            if code in deleted:
                session.bad(
                    row.number,
                    row.raw,
                    [(code_title, f"项目编号“{code}”属于已删除的项目,请先在回收站恢复")],
                )
                continue
            wanted = _project_row(row.values, present)
            try:
                project, events, changed = bulk.prepare(wanted, existing.get(code))
            except Exception as exc:  # noqa: BLE001 - a refusal is the row's problem
                session.bad(row.number, row.raw, session.problems(exc))
                continue
            links.append((project, events, wanted.tags, wanted.batches))
            if project.pk is None:
                creates.append(project)
            elif changed:
                updates.append(project)
            else:
                session.result.unchanged += 1
        if session.refused:
            return  # keep validating; nothing will be written
        bulk.write(creates, updates, links)
        session.result.created += len(creates)
        session.result.updated += len(updates)

    return session.run_chunks(chunk, after=bulk.finish)


def reports_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Import progress reports; each row goes through ``progress_report_submit``, the same
    service the page and the API call, with the API's input schema ``ReportIn``."""
    from gongjian.kit.scope import Action

    session = ImportSession(REPORT_SCHEMA, actor=actor, **options)
    visible = Project.objects.restrict(actor, Action.VIEW).select_related("unit")
    projects: dict[str, Project] = {}

    def row(r: SheetRow) -> str:
        v = r.values
        if v["code"] not in projects:
            found = visible.filter(code=v["code"]).first()
            if found is None:
                raise session.problem("code", f"项目编号“{v['code']}”不存在")
            projects[v["code"]] = found
        project = projects[v["code"]]
        payload = ReportIn.model_validate(
            {
                "period_start": v.get("period_start"),
                "period_end": v.get("period_end"),
                "investment_this_period": v.get("investment_this_period"),
                "cumulative_investment": v.get("cumulative_investment"),
                "funds_paid": v.get("funds_paid"),
                "progress_text": v.get("progress_text") or "",
                "problems_text": v.get("problems_text") or "",
            }
        )
        existed = ProgressReport.objects.filter(
            project=project, period_start=payload.period_start
        ).exists()
        services.progress_report_submit(actor=actor, project=project, **payload.model_dump())
        return "updated" if existed else "created"

    return session.run_rows(row)


# --- lists ---------------------------------------------------------------------------

# What a project row is read from (one ``values_list`` query); the sheet's cells are
# computed from it with look-up tables loaded once per export.
_PROJECT_VALUES = [
    "pk",
    "code",
    "national_code",
    "name",
    "unit_id",
    "category",
    "total_investment",
    "planned_investment",
    "stage",
    *(field for _s, field, _t, _a in PROJECT_DATE_COLUMNS),
    "responsible_unit_id",
    "leader_id",
    "industry_cluster",
    "enterprise_name",
    "latitude",
    "longitude",
    "description",
    *(field for field, *_rest in PLAN_DATE_COLUMNS),
    "completed_investment",
]
EXPORT_CHUNK = 5000


def project_columns() -> list[Col]:
    """The project sheet: the import's columns in the import's order (so that an export
    imports back), then read-only extras. Each column reads its cell from the tuples
    ``project_rows`` yields, in this order."""
    columns = []
    for index, column in enumerate(PROJECT_SCHEMA.columns):
        get = operator.itemgetter(index)
        if column.kind == S.DATE:
            columns.append(Col(column.title, get, DATE, 12))
        elif column.kind == S.AMOUNT:
            columns.append(Col(f"{column.title}(万元)", get, WAN_AMOUNT, column.width))
        elif column.kind == S.DECIMAL:
            columns.append(Col(column.title, get, NUMBER, column.width))
        else:
            columns.append(Col(column.title, get, TEXT, column.width))
    get = operator.itemgetter(len(PROJECT_SCHEMA.columns))
    columns.append(Col("累计完成投资(万元)", get, WAN_AMOUNT, 14))
    return columns


def project_rows(qs: QuerySet[Project], chunk_size: int = EXPORT_CHUNK):
    """The cells of ``project_columns`` for each project of ``qs``, in its order: one
    ``values_list`` query read in chunks, two queries per chunk for its tags and
    batches, units / people / labels from tables read once."""
    dup = ambiguous_unit_names()
    units = {u.pk: unit_ref(u, dup) for u in Unit.objects.only("pk", "name", "code")}
    leaders = qs.filter(leader__isnull=False).values("leader_id")
    people = {u.pk: person_ref(u) for u in User.objects.filter(pk__in=leaders)}
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    batch_codes = dict(Batch.objects.values_list("pk", "code"))
    categories, stages = labels(Category), labels(Stage)
    at = {name: i for i, name in enumerate(_PROJECT_VALUES)}
    dates = {f"date_{stage}": at[field] for stage, field, _t, _a in PROJECT_DATE_COLUMNS}
    plain = {  # schema column → index of the value written as it is
        "code": at["code"],
        "national_code": at["national_code"],
        "name": at["name"],
        "total_investment": at["total_investment"],
        "planned_investment": at["planned_investment"],
        "industry_cluster": at["industry_cluster"],
        "enterprise_name": at["enterprise_name"],
        "latitude": at["latitude"],
        "longitude": at["longitude"],
        "description": at["description"],
        **{field: at[field] for field, *_rest in PLAN_DATE_COLUMNS},
    }
    # a cell is either values[i] (plain) or computed[j] (look-ups): one index table
    computed_keys = ["unit", "category", "stage", "responsible_unit", "leader", "tags", "batches"]
    width = len(_PROJECT_VALUES)
    order = []
    for column in PROJECT_SCHEMA.columns:
        if column.key in plain:
            order.append(plain[column.key])
        elif column.key in computed_keys:
            order.append(width + computed_keys.index(column.key))
        else:
            order.append(dates[column.key])
    order.append(at["completed_investment"])
    pick = operator.itemgetter(*order)
    i_unit, i_cat, i_stage = at["unit_id"], at["category"], at["stage"]
    i_resp, i_leader = at["responsible_unit_id"], at["leader_id"]
    tag_through, batch_through = Project.tags.through, Project.batches.through
    rows = qs.values_list(*_PROJECT_VALUES).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        ids = [r[0] for r in chunk]
        tags: dict[int, list[str]] = {}
        for pid, tid in (
            tag_through.objects.filter(project_id__in=ids)
            .order_by("tag_id")
            .values_list("project_id", "tag_id")
        ):
            tags.setdefault(pid, []).append(tag_names[tid])
        batches: dict[int, list[str]] = {}
        for pid, bid in batch_through.objects.filter(project_id__in=ids).values_list(
            "project_id", "batch_id"
        ):
            batches.setdefault(pid, []).append(batch_codes[bid])
        for r in chunk:
            pid = r[0]
            yield pick(
                (
                    *r,
                    units[r[i_unit]],
                    categories[r[i_cat]],
                    stages[r[i_stage]],
                    units.get(r[i_resp], ""),
                    people.get(r[i_leader], ""),
                    "、".join(tags.get(pid, ())),
                    "、".join(sorted(batches.get(pid, ()))),
                )
            )


def export_projects(qs: QuerySet[Project], caption: str = "") -> Path:
    return write_table("项目清单", project_columns(), project_rows(qs), caption=caption)


def export_reports(qs: QuerySet[ProgressReport], caption: str = "") -> Path:
    dup = ambiguous_unit_names()
    report_statuses = labels(ProgressReport.Status)
    columns = [
        Col("项目编号", lambda r: r.project.code, TEXT, 16),
        Col("项目名称", lambda r: r.project.name, TEXT, 30),
        Col("所属单位", lambda r: unit_ref(r.project.unit, dup), TEXT, 14),
        Col("期间开始", lambda r: r.period_start, DATE, 12),
        Col("期间结束", lambda r: r.period_end, DATE, 12),
        Col("本期完成投资(万元)", lambda r: r.investment_this_period, WAN_AMOUNT, 14),
        Col("累计完成投资(万元)", lambda r: r.cumulative_investment, WAN_AMOUNT, 14),
        Col("累计资金支付(万元)", lambda r: r.funds_paid, WAN_AMOUNT, 14),
        Col("形象进度", lambda r: r.progress_text, TEXT, 36),
        Col("存在问题", lambda r: r.problems_text, TEXT, 30),
        Col("状态", lambda r: report_statuses[r.status], TEXT, 8),
        Col("报送人", lambda r: person_ref(r.submitted_by), TEXT, 14),
        Col("报送时间", lambda r: r.submitted_at, DATETIME, 17),
        Col("全国投资项目代码", lambda r: r.project.national_code, TEXT, 26),
    ]
    rows = qs.select_related("project", "project__unit", "submitted_by").iterator(chunk_size=2000)
    return write_table("进度报告", columns, rows, caption=caption)


def export_problems(qs: QuerySet[Problem], caption: str = "") -> Path:
    dup = ambiguous_unit_names()
    kinds, statuses = labels(Problem.Kind), labels(Problem.Status)
    today = clock_today()
    columns = [
        Col("项目编号", lambda p: p.project.code, TEXT, 16),
        Col("项目名称", lambda p: p.project.name, TEXT, 30),
        Col("所属单位", lambda p: unit_ref(p.project.unit, dup), TEXT, 14),
        Col("问题类型", lambda p: kinds[p.kind], TEXT, 10),
        Col("问题描述", lambda p: p.description, TEXT, 40),
        Col("责任单位", lambda p: unit_ref(p.owner_unit, dup), TEXT, 18),
        Col("包保领导", lambda p: person_ref(p.leader), TEXT, 14),
        Col("提出日期", lambda p: p.raised_on, DATE, 12),
        Col("办结时限", lambda p: p.deadline, DATE, 12),
        Col("状态", lambda p: statuses[p.status], TEXT, 8),
        Col("是否超期", lambda p: "超期" if problem_is_overdue(p, today) else "", TEXT, 8),
        Col("解决日期", lambda p: p.resolved_on, DATE, 12),
        Col("销号日期", lambda p: p.verified_on, DATE, 12),
        Col("办理情况", lambda p: p.resolution, TEXT, 40),
        Col("全国投资项目代码", lambda p: p.project.national_code, TEXT, 26),
    ]
    rows = qs.select_related("project", "project__unit", "owner_unit", "leader").iterator(
        chunk_size=2000
    )
    return write_table("问题清单", columns, rows, caption=caption)


# --- what this app offers the import page and the export view ---------------------------


def _project_rows(user, query):
    from gongjian.kit.scope import Action

    from .filters import ProjectFilter

    return ProjectFilter.from_querydict(query).apply(Project.objects.restrict(user, Action.VIEW))


def _report_rows(user, query):
    from gongjian.kit.scope import Action

    from .filters import ProgressReportFilter

    rows = ProgressReport.objects.restrict(user, Action.VIEW).filter(
        project__deleted_at__isnull=True
    )
    return ProgressReportFilter.from_querydict(query).apply(rows)


def _problem_rows(user, query):
    from gongjian.kit.scope import Action

    from .filters import ProblemFilter

    rows = Problem.objects.restrict(user, Action.VIEW).filter(project__deleted_at__isnull=True)
    return ProblemFilter.from_querydict(query).apply(rows)


def register() -> None:
    from gongjian.kit.scope import Action
    from gongjian.kit.tabular.exports import Exporter, register_exporter
    from gongjian.kit.tabular.imports import Importer, register_importer

    def writable_units(user):
        return Unit.objects.restrict(user, Action.CHANGE)

    register_importer(
        Importer(PROJECT_SCHEMA, projects_import, writable_units, back_url="/projects/")
    )
    register_importer(Importer(REPORT_SCHEMA, reports_import, back_url="/dispatch/"))
    register_exporter(
        Exporter(
            "projects", "项目清单", lambda u, q: export_projects(_project_rows(u, q)), _project_rows
        )
    )
    register_exporter(
        Exporter(
            "reports", "进度报告", lambda u, q: export_reports(_report_rows(u, q)), _report_rows
        )
    )
    register_exporter(
        Exporter(
            "problems", "问题清单", lambda u, q: export_problems(_problem_rows(u, q)), _problem_rows
        )
    )

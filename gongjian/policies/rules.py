"""The eligibility rule language of 免申即享 policies: JSON data, never code.

A rule is a condition or a group of conditions::

    {"all": [ … ]}   every one holds          {"any": [ … ]}   at least one holds
    {"not": { … }}   the condition fails
    {"field": "tier", "op": "in", "value": ["ge_1bn", "ge_5bn"]}
    {"field": "revenue", "year": 2023, "op": "gte", "value": 100000000}
    {"field": "revenue_growth", "year": 2023, "op": "gte", "value": "0.1"}
    {"field": "labels", "op": "has", "value": "高新技术企业"}
    {"field": "label_since", "label": "专精特新", "op": "gte", "value": "2023-01-01"}
    {"field": "unit", "op": "within", "value": "210703"}
    {"field": "credit_code", "op": "division_in", "value": ["2107"]}

``validate_rules`` refuses anything else with a Chinese message naming where the problem
is (``条件 1.2``); ``explain`` evaluates a rule for one enterprise and says, condition by
condition, why it holds or not. A benefit is ``{"amount": 元}`` or a formula
``{"formula": {"base": "revenue", "year": 2023, "rate": "0.001", "min": 0, "max": 元}}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from gongjian.enterprises.models import Tier
from gongjian.kit.money import format_amount

STR, CHOICE, AMOUNT, RATE, UNIT, CODE, LABELS, DATE = (
    "str",
    "choice",
    "amount",
    "rate",
    "unit",
    "code",
    "labels",
    "date",
)

FIELDS: dict[str, tuple[str, str]] = {
    "industry": ("所属行业", STR),
    "cluster": ("产业集群", STR),
    "region": ("所在地区", STR),
    "tier": ("21152 矩阵档次", CHOICE),
    "latest_revenue": ("最近年度营收", AMOUNT),
    "revenue": ("年度营收", AMOUNT),
    "revenue_growth": ("营收增长率", RATE),
    "unit": ("跟踪服务单位", UNIT),
    "credit_code": ("统一社会信用代码", CODE),
    "labels": ("企业标签", LABELS),
    "label_since": ("标签认定日期", DATE),
}
OPS: dict[str, dict[str, str]] = {
    STR: {"eq": "等于", "ne": "不等于", "in": "属于", "not_in": "不属于"},
    CHOICE: {"eq": "等于", "in": "属于", "not_in": "不属于"},
    AMOUNT: {"gte": "不低于", "gt": "高于", "lte": "不高于", "lt": "低于", "between": "介于"},
    RATE: {"gte": "不低于", "gt": "高于", "lte": "不高于", "lt": "低于"},
    UNIT: {"within": "位于"},
    CODE: {"present": "已登记", "prefix": "开头为", "division_in": "登记管理机关行政区划属于"},
    LABELS: {"has": "带有", "has_any": "带有任一", "has_none": "不带有"},
    DATE: {"gte": "不早于", "lte": "不晚于", "between": "介于"},
}
LIST_OPS = {"in", "not_in", "division_in", "has_any", "has_none", "between"}
TIERS = {str(v): str(label) for v, label in Tier.choices}
MAX_DEPTH = 6


def _where(path: str) -> str:
    return f"条件 {path}" if path else "适用条件"


# --- validation ---------------------------------------------------------------------


def validate_rules(rule) -> None:
    """Refuse a rule the engine could not evaluate; every problem in one Chinese message
    list."""
    errors: list[str] = []
    if rule in (None, {}):
        return
    _check(rule, "", 0, errors)
    if errors:
        raise ValidationError(errors)


def _check(rule, path: str, depth: int, errors: list[str]) -> None:
    where = _where(path)
    if depth > MAX_DEPTH:
        errors.append(f"{where}:嵌套超过 {MAX_DEPTH} 层")
        return
    if not isinstance(rule, dict):
        errors.append(
            f'{where}:应为 JSON 对象,例如 {{"field": "tier", "op": "in", "value": ["ge_1bn"]}}'
        )
        return
    groups = [k for k in ("all", "any", "not") if k in rule]
    if groups:
        if len(rule) != 1:
            errors.append(f"{where}:“{groups[0]}”组合不能与其他键并列({'、'.join(sorted(rule))})")
            return
        key = groups[0]
        if key == "not":
            _check(rule["not"], f"{path}.1" if path else "1", depth + 1, errors)
            return
        items = rule[key]
        if not isinstance(items, list) or not items:
            errors.append(f"{where}:“{key}”须为非空的条件列表")
            return
        for index, item in enumerate(items, start=1):
            _check(item, f"{path}.{index}" if path else str(index), depth + 1, errors)
        return
    name = rule.get("field")
    if name not in FIELDS:
        errors.append(
            f"{where}:未知字段“{name}”,可选:{'、'.join(f'{k}({v[0]})' for k, v in FIELDS.items())}"
        )
        return
    label, kind = FIELDS[name]
    allowed = {"field", "op", "value"} | (
        {"year"} if name in ("revenue", "revenue_growth") else set()
    )
    allowed |= {"label"} if name == "label_since" else set()
    extra = set(rule) - allowed
    if extra:
        errors.append(f"{where}({label}):不认识的键 {'、'.join(sorted(extra))}")
    op = rule.get("op")
    if op not in OPS[kind]:
        errors.append(
            f"{where}({label}):不支持的比较“{op}”,可选:{'、'.join(f'{k}({v})' for k, v in OPS[kind].items())}"
        )
        return
    if name in ("revenue", "revenue_growth"):
        year = rule.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            errors.append(f"{where}({label}):须用“year”指定年度,例如 2023")
    if name == "label_since" and not (isinstance(rule.get("label"), str) and rule["label"].strip()):
        errors.append(f"{where}({label}):须用“label”指定标签名称")
    if op == "present":
        if "value" in rule and rule["value"] not in (True, None):
            errors.append(f"{where}({label}):“present”不需要取值")
        return
    if "value" not in rule:
        errors.append(f"{where}({label}):缺少取值“value”")
        return
    value = rule["value"]
    values = value if op in LIST_OPS else [value]
    if op in LIST_OPS and (not isinstance(value, list) or not value):
        errors.append(f"{where}({label}):“{op}”的取值须为非空列表")
        return
    if op == "between" and len(value) != 2:
        errors.append(f"{where}({label}):“between”的取值须为 [下限, 上限]")
        return
    for item in values:
        problem = _value_problem(kind, item)
        if problem:
            errors.append(f"{where}({label}):取值“{item}”{problem}")
    if op == "between" and not errors:
        low, high = (_parse(kind, v) for v in value)
        if low > high:
            errors.append(f"{where}({label}):下限不能大于上限")


def _value_problem(kind: str, value) -> str:
    if kind == CHOICE:
        if value not in TIERS:
            return "不是有效档次,可选:" + "、".join(f"{k}({v})" for k, v in TIERS.items())
        return ""
    if kind == AMOUNT:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return "应为不小于 0 的整数(元)"
        return ""
    if kind == RATE:
        try:
            Decimal(str(value))
        except InvalidOperation:
            return "应为数字,如 0.1 表示 10%"
        return "" if not isinstance(value, bool) else "应为数字"
    if kind == DATE:
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return "应为日期,如 2024-01-01"
        return ""
    if not isinstance(value, str) or not value.strip():
        return "应为非空文字"
    return ""


def _parse(kind: str, value):
    if kind == RATE:
        return Decimal(str(value))
    if kind == DATE:
        return dt.date.fromisoformat(str(value))
    return value


def validate_benefit(benefit) -> None:
    if not isinstance(benefit, dict) or not benefit:
        raise ValidationError(['兑现标准须为 {"amount": 金额(元)} 或 {"formula": {…}}'])
    if set(benefit) == {"amount"}:
        amount = benefit["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise ValidationError(["兑现金额“amount”须为不小于 0 的整数(元)"])
        return
    if set(benefit) != {"formula"} or not isinstance(benefit["formula"], dict):
        raise ValidationError(
            [f"兑现标准只能有“amount”或“formula”一项,收到:{'、'.join(map(str, benefit))}"]
        )
    f = benefit["formula"]
    errors = []
    extra = set(f) - {"base", "year", "rate", "min", "max"}
    if extra:
        errors.append(f"兑现公式:不认识的键 {'、'.join(sorted(extra))}")
    if f.get("base") not in ("latest_revenue", "revenue"):
        errors.append(
            "兑现公式:基数“base”须为 latest_revenue(最近年度营收)或 revenue(指定年度营收)"
        )
    if f.get("base") == "revenue" and not isinstance(f.get("year"), int):
        errors.append("兑现公式:按指定年度营收计算时须填写“year”")
    try:
        rate = Decimal(str(f.get("rate")))
        if rate <= 0 or rate > 1:
            errors.append("兑现公式:比例“rate”须大于 0 且不超过 1")
    except InvalidOperation:
        errors.append("兑现公式:比例“rate”须为数字,如 0.001")
    for key in ("min", "max"):
        if key in f and (not isinstance(f[key], int) or isinstance(f[key], bool) or f[key] < 0):
            errors.append(f"兑现公式:“{key}”须为不小于 0 的整数(元)")
    if not errors and "min" in f and "max" in f and f["min"] > f["max"]:
        errors.append("兑现公式:下限“min”不能大于上限“max”")
    if errors:
        raise ValidationError(errors)


# --- evaluation and explanation -------------------------------------------------------


@dataclass
class Facts:
    """What a rule can see of one enterprise."""

    name: str
    industry: str = ""
    cluster: str = ""
    region: str = ""
    tier: str = ""
    latest_revenue: int | None = None
    revenues: dict[int, int] = field(default_factory=dict)
    unit_path: str = ""
    unit_name: str = ""
    credit_code: str = ""
    labels: dict[str, dt.date | None] = field(default_factory=dict)

    @classmethod
    def of(cls, enterprise) -> Facts:
        """From an ``Enterprise`` with ``revenues`` and ``labels`` prefetched (or not)."""
        return cls(
            name=enterprise.name,
            industry=enterprise.industry,
            cluster=enterprise.cluster,
            region=enterprise.region,
            tier=enterprise.tier,
            latest_revenue=enterprise.latest_revenue,
            revenues={r.year: r.revenue for r in enterprise.revenues.all()},
            unit_path=enterprise.unit.path,
            unit_name=enterprise.unit.name,
            credit_code=enterprise.credit_code or "",
            labels={lb.label: lb.since for lb in enterprise.labels.all()},
        )


@dataclass
class Line:
    ok: bool
    text: str
    depth: int


@dataclass
class Explanation:
    eligible: bool
    lines: list[Line]

    def text(self) -> str:
        return "\n".join(f"{'  ' * ln.depth}{'✓' if ln.ok else '✗'} {ln.text}" for ln in self.lines)


def explain(rule, facts: Facts, units=None) -> Explanation:
    """Evaluate ``rule`` for one enterprise, saying why each condition holds or not.
    ``units``: code/name → path for the ``unit`` condition (looked up once by the caller)."""
    lines: list[Line] = []
    if rule in (None, {}):
        lines.append(Line(True, "本政策不设条件,所有企业均适用", 0))
        return Explanation(True, lines)
    ok = _eval(rule, facts, units or {}, 0, lines)
    return Explanation(ok, lines)


def _money(v) -> str:
    return "未登记" if v is None else format_amount(v, "万元")


def _show(kind: str, value) -> str:
    if isinstance(value, list):
        return "、".join(_show(kind, v) for v in value)
    if kind == CHOICE:
        return f"“{TIERS.get(value, value or '无')}”"
    if kind == AMOUNT:
        return _money(value)
    if kind == RATE:
        return "未知" if value is None else f"{Decimal(str(value)) * 100:.1f}%"
    return f"“{value}”" if value not in (None, "") else "未登记"


def _compare(op: str, actual, expected) -> bool:
    if actual is None:
        return False
    if op == "gte":
        return actual >= expected
    if op == "gt":
        return actual > expected
    if op == "lte":
        return actual <= expected
    if op == "lt":
        return actual < expected
    if op == "between":
        return expected[0] <= actual <= expected[1]
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    raise ValueError(op)


def _eval(rule: dict, facts: Facts, units: dict, depth: int, lines: list[Line]) -> bool:
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        head = Line(False, "同时满足以下全部条件" if key == "all" else "满足以下任一条件", depth)
        lines.append(head)
        results = [_eval(r, facts, units, depth + 1, lines) for r in rule[key]]
        head.ok = all(results) if key == "all" else any(results)
        return head.ok
    if "not" in rule:
        head = Line(False, "不满足下列条件", depth)
        lines.append(head)
        head.ok = not _eval(rule["not"], facts, units, depth + 1, lines)
        return head.ok
    name, op, value = rule["field"], rule["op"], rule.get("value")
    label, kind = FIELDS[name]
    op_text = OPS[kind][op]
    expected = [_parse(kind, v) for v in value] if op in LIST_OPS else _parse(kind, value)
    if name in ("industry", "cluster", "region", "tier"):
        actual = getattr(facts, name)
        ok = _compare(op, actual, expected)
        text = f"{label}为{_show(kind, actual)},要求{op_text}{_show(kind, value)}"
    elif name == "latest_revenue":
        actual = facts.latest_revenue
        ok = _compare(op, actual, expected)
        text = f"{label}为{_money(actual)},要求{op_text}{_show(kind, value)}"
    elif name == "revenue":
        actual = facts.revenues.get(rule["year"])
        ok = _compare(op, actual, expected)
        text = f"{rule['year']}年营收为{_money(actual)},要求{op_text}{_show(kind, value)}"
    elif name == "revenue_growth":
        year = rule["year"]
        now, before = facts.revenues.get(year), facts.revenues.get(year - 1)
        actual = (Decimal(now) / Decimal(before) - 1) if now is not None and before else None
        ok = _compare(op, actual, expected)
        text = f"{year}年营收增长率为{_show(kind, actual)},要求{op_text}{_show(kind, value)}"
        if actual is None:
            text += f"(缺少{year - 1}或{year}年营收)"
    elif name == "unit":
        path = units.get(value)
        ok = path is not None and facts.unit_path.startswith(path)
        text = f"跟踪服务单位为“{facts.unit_name}”,要求位于“{value}”"
        if path is None:
            text += "(该单位不存在)"
    elif name == "credit_code":
        code = facts.credit_code
        if op == "present":
            ok = bool(code)
            text = f"统一社会信用代码{'为 ' + code if code else '未登记'},要求已登记"
        elif op == "prefix":
            ok = bool(code) and code.startswith(value)
            text = f"统一社会信用代码为{_show(STR, code)},要求以“{value}”开头"
        else:
            ok = bool(code) and any(code[2:8].startswith(p) for p in value)
            text = (
                f"统一社会信用代码登记管理机关行政区划为{_show(STR, code[2:8] if code else '')},"
                f"要求属于 {'、'.join(value)}"
            )
    elif name == "labels":
        wanted = [value] if isinstance(value, str) else value
        held = [w for w in wanted if w in facts.labels]
        ok = (
            len(held) == len(wanted)
            if op == "has"
            else (bool(held) if op == "has_any" else not held)
        )
        have = "、".join(sorted(facts.labels)) or "无"
        text = f"企业标签为 {have},要求{op_text}“{'、'.join(wanted)}”"
    else:  # label_since
        tag = rule["label"]
        since = facts.labels.get(tag)
        ok = since is not None and _compare(op, since, expected)
        shown = "未认定" if tag not in facts.labels else (str(since) if since else "未登记日期")
        text = f"“{tag}”认定日期为 {shown},要求{op_text} {_show(DATE, value)}"
    lines.append(Line(ok, text + (" — 符合" if ok else " — 不符合"), depth))
    return ok


def unit_refs(rule) -> set[str]:
    """Every unit code or name a rule's ``unit`` conditions name."""
    found: set[str] = set()

    def walk(r):
        if not isinstance(r, dict):
            return
        for key in ("all", "any"):
            for item in r.get(key, []) or []:
                walk(item)
        if "not" in r:
            walk(r["not"])
        if r.get("field") == "unit" and isinstance(r.get("value"), str):
            found.add(r["value"])

    walk(rule)
    return found


def benefit_amount(benefit: dict, facts: Facts) -> int | None:
    """The grant in 元 for an enterprise; None when the formula's base is unknown."""
    if "amount" in benefit:
        return int(benefit["amount"])
    f = benefit["formula"]
    base = facts.latest_revenue if f["base"] == "latest_revenue" else facts.revenues.get(f["year"])
    if base is None:
        return None
    amount = (Decimal(base) * Decimal(str(f["rate"]))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if "min" in f:
        amount = max(amount, Decimal(f["min"]))
    if "max" in f:
        amount = min(amount, Decimal(f["max"]))
    return int(amount)


def describe_benefit(benefit: dict) -> str:
    if "amount" in benefit:
        return f"每户 {format_amount(benefit['amount'], '万元')}"
    f = benefit["formula"]
    base = "最近年度营收" if f["base"] == "latest_revenue" else f"{f['year']}年营收"
    text = f"{base} × {Decimal(str(f['rate'])) * 100}%"
    if "min" in f:
        text += f",不低于{format_amount(f['min'], '万元')}"
    if "max" in f:
        text += f",最高{format_amount(f['max'], '万元')}"
    return text

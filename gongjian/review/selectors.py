"""Reads for the year review: the corpus a user may see, the user dictionary, the term →
indicator map, and the drafted review (terms, key sentences, figures from the engine)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.dates import Period
from gongjian.kit.money import format_amount
from gongjian.units.models import Unit

from . import words
from .models import DictionaryTerm
from .sources import Passage, corpus

TOP_TERMS = 10
CLOUD_TERMS = 60
SENTENCES_PER_TERM = 2


def dictionary() -> tuple[list[str], list[str]]:
    """(campaign terms kept whole, extra stop-words) of the office's user dictionary."""
    terms: list[str] = []
    stops: list[str] = []
    for term, kind in DictionaryTerm.objects.values_list("term", "kind"):
        (terms if kind == DictionaryTerm.Kind.TERM else stops).append(term)
    return terms, stops


@cache
def term_indicator_map() -> dict[str, list[str]]:
    text = (
        resources.files("gongjian.review").joinpath("data/term-indicators.yaml").read_text("utf-8")
    )
    data = yaml.safe_load(text) or {}
    return {str(k): [str(c) for c in v or []] for k, v in data.items()}


def related_indicators(term: str, indicators: list[Indicator]) -> list[Indicator]:
    """The indicators that tell ``term``'s story: from the office's map (the term, or map
    keys inside it), else the indicators whose name holds the term."""
    by_code = {i.code: i for i in indicators}
    mapping = term_indicator_map()
    codes: list[str] = list(mapping.get(term, []))
    if not codes:
        for key, key_codes in mapping.items():
            if key in term or (len(term) >= 2 and term in key):
                codes.extend(c for c in key_codes if c not in codes)
    found = [by_code[c] for c in codes if c in by_code]
    if found or codes:
        return found
    return [i for i in indicators if len(term) >= 2 and term in i.name][:4]


def display_figure(value, indicator: Indicator) -> str | None:
    """An engine value as the draft writes it; money through ``format_amount``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "实现" if value else "未实现"
    if indicator.display_unit == "比率" or indicator.kind == Indicator.Kind.COMPLETION:
        return f"{Decimal(value) * 100:.1f}%"
    if indicator.display_unit == "元" or (
        indicator.measure == Indicator.Measure.SUM and not indicator.display_unit
    ):
        return format_amount(int(value), "亿元", 1 if int(value) % 10_000_000 == 0 else 2)
    number = Decimal(value)
    text = f"{number.normalize():f}" if number != number.to_integral_value() else f"{int(number)}"
    return f"{text}{indicator.display_unit or '个'}"


@dataclass
class Figure:
    code: str
    name: str
    value: str


@dataclass
class Quote:
    sentence: str
    source: str
    label: str
    unit: str
    dated_on: str


@dataclass
class ReviewTerm:
    term: str
    score: float
    count: int
    quotes: list[Quote] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    paragraph: str = ""


@dataclass
class Review:
    year: int
    unit: str
    as_of: dt.date
    title: str
    terms: list[ReviewTerm]
    cloud: list[dict]
    n_passages: int
    n_chars: int

    def as_dict(self) -> dict:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


_DIGIT = re.compile(r"\d")


def key_sentences(term: str, passages: list[Passage], others: list[str], limit: int) -> list[Quote]:
    """The sentences of the corpus that hold ``term``, best first: those that hold more of
    the year's other terms and figures, then the shorter ones; each sentence once."""
    candidates: dict[str, tuple[float, Passage]] = {}
    for passage in passages:
        if term not in passage.text:
            continue
        for sentence in words.split_sentences(passage.text):
            if term not in sentence or sentence in candidates or len(sentence) > 300:
                continue
            score: float = sum(1 for o in others if o != term and o in sentence)
            score += min(len(_DIGIT.findall(sentence)), 6) * 0.3
            score -= len(sentence) / 400
            candidates[sentence] = (score, passage)
    ranked = sorted(candidates.items(), key=lambda kv: -kv[1][0])[:limit]
    return [
        Quote(
            sentence,
            p.source,
            p.label,
            p.unit,
            p.dated_on.isoformat() if p.dated_on else "",
        )
        for sentence, (_score, p) in ranked
    ]


def compose_paragraph(term: str, as_of: dt.date, figures: list[Figure], quotes: list[Quote]) -> str:
    parts = []
    if figures:
        stated = ",".join(f"{f.name}{f.value}" for f in figures)
        parts.append(f"截至{as_of.month}月{as_of.day}日,{stated}。")
    parts.extend(q.sentence if q.sentence[-1] in "。!?!?" else q.sentence + "。" for q in quotes)
    return "".join(parts)


def compose_review(
    year: int,
    unit: Unit,
    user=None,
    as_of: dt.date | None = None,
    top: int = TOP_TERMS,
    background_years: int = 3,
) -> Review:
    """Draft the year's review: the ``top`` themes of the corpus, each with its key
    sentences (with sources) and the related figures evaluated by the engine."""
    as_of = as_of or resolve_year_as_of(unit=unit, year=year).as_of
    period = Period.year_to_date(year, as_of)
    passages = corpus(year, unit, user)
    background = [
        p.text for y in range(year - background_years, year) for p in corpus(y, unit, user)
    ]
    terms, stops = dictionary()
    unit_names = list(
        Unit.objects.filter(path__startswith=unit.path).values_list("name", flat=True)
    )
    # The city's own unit names (锦州市, 锦州) are everywhere in its texts: not themes.
    unit_names += [n[:-1] for n in unit_names if len(n) >= 3 and n[-1] in "市区县"]
    options = words.Options(user_terms=terms, stop_words=[*stops, *unit_names])
    # Boilerplate repeated in thousands of reports (土建施工) counts once: a theme is
    # what the year's distinct texts say, not how many forms were filed.
    texts = list(dict.fromkeys(p.text.strip() for p in passages))
    ranked = words.extract(texts, "themes", CLOUD_TERMS, before=background, options=options)
    top_terms = ranked[:top]
    indicators = list(
        Indicator.objects.filter(is_active=True).select_related(
            "fixed_unit", "base_indicator", "denominator"
        )
    )
    names = [t.text for t in top_terms]
    items: list[ReviewTerm] = []
    for term in top_terms:
        figures = []
        for indicator in related_indicators(term.text, indicators):
            value = display_figure(evaluate(indicator, unit, period), indicator)
            if value is not None:
                figures.append(Figure(indicator.code, indicator.name, value))
        quotes = key_sentences(term.text, passages, names, SENTENCES_PER_TERM)
        item = ReviewTerm(term.text, round(term.score, 2), term.count, quotes, figures)
        item.paragraph = compose_paragraph(term.text, as_of, figures, quotes)
        items.append(item)
    return Review(
        year=year,
        unit=unit.name,
        as_of=as_of,
        title=f"{year} {unit.name}攻坚 十大高频词",
        terms=items,
        cloud=[{"name": t.text, "value": round(t.score, 2)} for t in ranked],
        n_passages=len(passages),
        n_chars=sum(len(t) for t in texts),
    )


def source_counts(passages: list[Passage]) -> Counter:
    return Counter(p.source for p in passages)

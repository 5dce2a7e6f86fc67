"""Reads for the year review: the corpus a user may see, the user dictionary, the term →
indicator map, and the drafted review (terms, key sentences, figures from the engine)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml
from django.core.exceptions import ImproperlyConfigured

from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.indicators.periods import campaign_for, resolve_year_as_of
from gongjian.kit.dates import Period
from gongjian.kit.money import format_amount
from gongjian.strategy.selectors import themes_for
from gongjian.units.models import Unit

from . import words
from .models import DictionaryTerm
from .sources import Passage, corpus

logger = logging.getLogger(__name__)

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


def undefined_term_indicators(mapping: dict[str, list[str]], known: Iterable[str]) -> list[str]:
    """The map's entries (“term”→code) whose indicator code nobody defined."""
    known = set(known)
    return [
        f"“{term}”→{code}" for term, codes in mapping.items() for code in codes if code not in known
    ]


def check_term_indicators(mapping: dict[str, list[str]], known: Iterable[str]) -> None:
    """Refuse a term → indicator map that names an indicator code nobody defined: the
    draft would otherwise lose the figure without a word (the demo's load and the tests
    hold the shipped map to it; an instance that lacks some shows which on the page)."""
    unknown = undefined_term_indicators(mapping, known)
    if unknown:
        raise ImproperlyConfigured(
            "年度总结的词语—指标对照表(review/data/term-indicators.yaml)中有未定义的指标代码:"
            + "、".join(unknown)
        )


def related_indicators(
    term: str, indicators: list[Indicator], *, strict: bool = True
) -> list[Indicator]:
    """The indicators the office chose to tell ``term``'s story in its map (the term, or
    map keys inside it). A term the map does not list has no figures: the draft states
    no total the office did not choose. A code that no indicator has is an error; not
    ``strict``, it is left out (the draft lists such terms in ``Review.undefined``)."""
    by_code = {i.code: i for i in indicators}
    mapping = term_indicator_map()
    if strict:
        check_term_indicators(mapping, by_code)
    codes: list[str] = list(mapping.get(term, []))
    if not codes:
        for key, key_codes in mapping.items():
            if key in term:
                codes.extend(c for c in key_codes if c not in codes)
    return [by_code[c] for c in codes if c in by_code and by_code[c].is_active]


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
    theme: str = ""  # the office's heading it falls under (``strategy.Theme``)


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
    # terms of the term → indicator map whose indicators this instance has not defined
    undefined: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


_DIGIT = re.compile(r"\d")
# A sentence opening like these leans on the one before it (its subject is there).
_DEPENDENT_START = re.compile(
    r"^(\d|其中|同时|此外|另外|并|且|这|该|此|其|对此|为此|从而|进而|——|…)"
)
_SENTENCE_ENDS = "。！？!?；;"


def _quotable(sentence: str) -> bool:
    """A sentence an editor can quote on its own: a full sentence (not a heading line,
    not a caption), with its own subject."""
    if len(sentence) < 12 or len(sentence) > 300:
        return False
    if sentence[-1] not in _SENTENCE_ENDS and words.is_heading_line(sentence):
        return False
    return not _DEPENDENT_START.match(sentence)


def key_sentences(
    term: str,
    passages: list[Passage],
    others: list[str],
    limit: int,
    used: set[str] | None = None,
    stated: Iterable[str] = (),
) -> list[Quote]:
    """The sentences of the corpus that hold ``term``, best first: those that hold more of
    the year's other terms and figures, then the shorter ones; each sentence once, and
    none of ``used`` (the sentences other terms' paragraphs already quote), and none that
    restates a figure the paragraph gives from the engine (``stated``: the indicators'
    names — a 调度通报's "全市…总投资461.00亿元" beside the engine's 461.0亿元)."""
    used = used if used is not None else set()
    stated = [name for name in stated if name]
    candidates: dict[str, tuple[float, Passage]] = {}
    for passage in passages:
        if term not in passage.text:
            continue
        # a heading's section speaks of the heading's term without repeating it
        sections = [
            body
            for heading, body in words.heading_sections(passage.text).items()
            if term in heading.split()
        ]
        in_section = {s for body in sections for s in words.split_sentences(body)}
        for sentence in words.split_sentences(passage.text):
            sentence = sentence.strip().lstrip("—").strip()
            if sentence in candidates or sentence in used:
                continue
            if term not in sentence and sentence not in in_section:
                continue
            if not _quotable(sentence):
                continue
            if _DIGIT.search(sentence) and any(name in sentence for name in stated):
                continue
            # a sentence naming the term says more of it than one of its section
            score: float = 1.0 if term in sentence else 0.0
            score += sum(1 for o in others if o != term and o in sentence)
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


def _date_label(iso: str) -> str:
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def quote_source(quote: Quote) -> str:
    """Where a quote comes from, as the draft names it: 《label》(source, unit, date)."""
    details = "，".join(x for x in (quote.source, quote.unit, _date_label(quote.dated_on)) if x)
    label = quote.label if "《" in quote.label else f"《{quote.label}》"
    return f"{label}（{details}）" if details else label


def compose_paragraph(
    term: str, as_of: dt.date, figures: list[Figure], quotes: list[Quote], unit_name: str = ""
) -> str:
    """The drafted paragraph: the engine's figures with their date and units, then each
    quoted sentence with its source named; a sentence of a sub-unit's text that does
    not name the sub-unit gets its name in front (凌河区: …)."""
    parts = []
    if figures:
        stated = "，".join(f"{f.name}{f.value}" for f in figures)
        parts.append(f"据平台指标统计，截至{as_of.year}年{as_of.month}月{as_of.day}日，{stated}。")
    previous = ""
    for quote in quotes:
        sentence = quote.sentence.rstrip(_SENTENCE_ENDS)
        short = (
            quote.unit[:-1] if len(quote.unit) >= 3 and quote.unit[-1] in "市区县" else quote.unit
        )
        if quote.unit and quote.unit != unit_name and short not in sentence:
            sentence = f"{quote.unit}：{sentence}"
        source = quote_source(quote)
        lead = "又载" if source == previous else f"{source}载"
        parts.append(f"{lead}：“{sentence}。”")
        previous = source
    return "".join(parts)


def by_theme(items: list[ReviewTerm], themes) -> list[ReviewTerm]:
    """The drafted terms under the office's headings (``strategy.Theme``), in the headings'
    order: a term goes under the first heading listing it (or a term it contains, or one
    containing it); the others follow, unheaded. Without headings: as drafted."""
    if not themes:
        return items

    def place(term: str) -> tuple[int, str]:
        for n, theme in enumerate(themes):
            if any(t == term or t in term or term in t for t in theme.terms):
                return n, theme.name
        return len(themes), ""

    placed = [(place(item.term), item) for item in items]
    for (_n, name), item in placed:
        item.theme = name
    return [item for _p, item in sorted(placed, key=lambda pi: pi[0][0])]


_DIGITS = re.compile(r"[\d.,，%]+")


def distinct_lines(texts: Iterable[str]) -> list[str]:
    """The texts with each line kept once in the whole corpus, lines that differ only in
    their figures being the same line: a form or a monthly report repeats its template
    ("红灯项目151个,黄灯项目349个", a table's column labels) every time it is filed, and
    a theme is what the year's texts say, not how many forms were filed."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        kept = []
        for line in text.strip().splitlines():
            key = _DIGITS.sub("0", line.strip())
            if not key or key in seen:
                continue
            seen.add(key)
            kept.append(line)
        if kept:
            out.append("\n".join(kept))
    return out


def compose_review(
    year: int,
    unit: Unit,
    user=None,
    as_of: dt.date | None = None,
    top: int = TOP_TERMS,
    background_years: int = 3,
) -> Review:
    """Draft the year's review: the ``top`` themes of the corpus, each with its key
    sentences (with sources) and the figures of the indicators the office mapped to it,
    evaluated by the engine. Each paragraph is different: a sentence is quoted once, and
    a term with nothing of its own to say gives its place to the next."""
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
    texts = distinct_lines(p.text for p in passages)
    ranked = words.extract(texts, "themes", CLOUD_TERMS, before=background, options=options)
    indicators = list(
        Indicator.objects.select_related("fixed_unit", "base_indicator", "denominator")
    )
    # the map's codes this instance has not defined: their terms get no figure, and the
    # page tells the office which (never a silent gap, never a broken page)
    mapping = term_indicator_map()
    known = {i.code for i in indicators}
    undefined = undefined_term_indicators(mapping, known)
    if undefined:
        logger.warning("term map codes not defined here: %s", "、".join(undefined))
    names = [t.text for t in ranked[: top * 2]]
    items: list[ReviewTerm] = []
    used_sentences: set[str] = set()
    used_figures: set[str] = set()
    paragraphs: set[str] = set()
    for term in ranked:
        if len(items) >= top:
            break
        figures = []
        for indicator in related_indicators(term.text, indicators, strict=False):
            if indicator.code in used_figures:
                continue
            value = display_figure(evaluate(indicator, unit, period), indicator)
            if value is not None:
                figures.append(Figure(indicator.code, indicator.name, value))
        quotes = key_sentences(
            term.text,
            passages,
            names,
            SENTENCES_PER_TERM,
            used_sentences,
            stated=[f.name for f in figures],
        )
        paragraph = compose_paragraph(term.text, as_of, figures, quotes, unit.name)
        if not paragraph or paragraph in paragraphs:
            continue
        item = ReviewTerm(term.text, round(term.score, 2), term.count, quotes, figures)
        item.paragraph = paragraph
        paragraphs.add(paragraph)
        used_sentences.update(q.sentence for q in quotes)
        used_figures.update(f.code for f in figures)
        items.append(item)
    items = by_theme(items, themes_for(campaign_for(unit, year)))
    return Review(
        year=year,
        unit=unit.name,
        as_of=as_of,
        title=f"{year} {unit.name}攻坚 十大高频词",
        terms=items,
        cloud=[{"name": t.text, "value": round(t.score, 2)} for t in ranked],
        n_passages=len(passages),
        n_chars=sum(len(t) for t in texts),
        undefined=sorted(t for t, codes in mapping.items() if not known.issuperset(codes)),
    )


def source_counts(passages: list[Passage]) -> Counter:
    return Counter(p.source for p in passages)

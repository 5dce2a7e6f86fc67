"""Word statistics over Chinese texts: 高频词, distinctive themes and new terms.

Pure Python over jieba, no Django: the CLI (``gongjian words``), the year review and
the benchmarks share it.

- ``frequency``: the newspapers' "高频词" — how often each word occurs in the text as a
  reader counts it (开放 inside 对外开放 counts too), function words and generic verbs
  left out (``data/stopwords-zh.txt``, ``data/generic-verbs.txt``), single-character
  policy words (党, 稳) let through from ``data/single-char-words.txt``.
- ``themes``: terms distinctive for these texts against a background (jieba's IDF
  table, and earlier years when given), with multi-word phrases found by cohesion
  (pointwise mutual information between their parts) and freedom (entropy of their
  left and right neighbours), and quoted slogans (“136921”, “一枢纽、两中心、两高地”)
  kept whole.
  Heading lines of a document (幸福民生, 锦绣英才) are candidates in their own right;
  captions and bylines (``data/heading-labels.txt``), place names and verbs are not.
  One short text on its own (an abstract, a note: at most ``KEYWORD_MAX_CHARS``
  characters, no heading line, no background) is ranked by the keyword model instead
  (``keyword_terms``): every run of one to four words between punctuation is a
  candidate, written once or not, and a logistic regression over how and where it is
  written (in a title-like sentence, how often, bounded by function words, its words'
  parts of speech and IDF) gives the probability that its author would list it as a
  keyword (``data/keyword-model.yaml``, fitted by bench/fit_words.py on the CSL
  keyword benchmark's tuning half). ``Options.ranker`` forces either ranking.
- ``new``: terms of these texts that appear in none of the earlier texts (首次写入), even
  when written once: noun compounds, items of "X、Y、Z等" enumerations, quoted terms,
  "+"-suffixed terms (人工智能+); stock phrases (``data/stock-phrases.txt``) and
  sentence fragments left out, quoted sayings weighed down (``quoted_weight``).

A user dictionary (campaign terms the office keeps) is honoured by every mode: its
terms are never split. Segmentation goes through jieba-rs (``rjieba``: jieba's
dictionary and tokens, many times faster) when installed, else jieba; jieba's IDF table
and part-of-speech dictionary are used either way.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

MODES = ("frequency", "themes", "new")

# Text longer than this (characters, all texts together) is refused: a year of a
# city's texts is a few million characters; the limit guards memory, not normal use.
MAX_CHARS = 50_000_000

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_ASCII_WORD = re.compile(r"^[A-Za-z][A-Za-z\-]{2,}$")
_NUMBERISH = re.compile(r"^[\d.%％,，万亿千百十个年月日号第]+$")
# Sentences end at these; phrases never cross any punctuation or space.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
_FRAGMENT_SPLIT = re.compile(
    r"[\s，,、。！？!?；;：:（）()\[\]【】《》〈〉<>“”\"‘’'「」『』…—\-·•/|～~]+"
)
# Quoted spans: Chinese curly quotes, corner brackets, straight double quotes.
_QUOTED = re.compile(
    r"“([^“”\n]{2,24})”|「([^「」\n]{2,24})」|『([^『』\n]{2,24})』|\"([^\"\n]{2,24})\""
)
_NOT_SLOGAN = re.compile(r"[，,。！？!?；;：:\s]")
_SEGMENT_LOCK = threading.Lock()


@dataclass
class Term:
    """One term of a ranking: its text, score (mode-specific) and count in the texts."""

    text: str
    score: float
    count: int


@dataclass
class Options:
    """Tuning of the extraction; the defaults are those measured in docs/benchmarks.md."""

    min_count: int = 2  # a phrase must occur this often to be a candidate
    max_phrase_tokens: int = 4
    max_phrase_chars: int = 12
    min_pmi: float = 1.0  # natural log
    min_entropy: float = 0.5  # left/right neighbour entropy (nats) when count >= 3
    idf_power: float = 1.6  # themes: score = (1 + ln tf) × idf ** idf_power
    phrase_bonus: float = 0.5  # share of the parts' IDF beyond the rarest one a phrase adds
    heading_weight: float = 1.0  # themes: extra weight of a term that a heading line holds
    # themes: extra weight of a term that a text opens with (a title, a lead), falling
    # linearly to none at the text's end
    position_weight: float = 0.0
    user_terms: Sequence[str] = field(default_factory=tuple)
    stop_words: Sequence[str] = field(default_factory=tuple)
    # themes: "auto" ranks a single text of at most ``KEYWORD_MAX_CHARS`` characters
    # without heading lines or background (an abstract, a note) by the keyword model
    # (``keyword_terms``) and everything else by the statistics above; "model" (the
    # texts joined as one) and "statistics" force either
    ranker: str = "auto"


# --- resources -------------------------------------------------------------------


@cache
def default_stop_words() -> frozenset[str]:
    text = resources.files("gongjian.review").joinpath("data/stopwords-zh.txt").read_text("utf-8")
    words = {line.strip() for line in text.splitlines()}
    return frozenset(w for w in words if w and not w.startswith("#"))


def _word_list(name: str) -> frozenset[str]:
    text = resources.files("gongjian.review").joinpath(f"data/{name}").read_text("utf-8")
    words = {line.strip() for line in text.splitlines()}
    return frozenset(w for w in words if w and not w.startswith("#"))


@cache
def generic_verbs() -> frozenset[str]:
    """Generic verbs of policy prose (推进, 加强): out of frequency and themes."""
    return _word_list("generic-verbs.txt")


@cache
def single_char_words() -> frozenset[str]:
    """The single characters counted as words (党, 稳)."""
    return _word_list("single-char-words.txt")


@cache
def stock_phrases() -> frozenset[str]:
    """Set phrases of official prose (衷心感谢, 积极进取): never themes nor new terms."""
    return _word_list("stock-phrases.txt")


@cache
def heading_labels() -> frozenset[str]:
    """Captions, bylines, column labels and the campaign's name: never themes."""
    return _word_list("heading-labels.txt")


@cache
def jieba_idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (the background of ``themes``) and its median."""
    from jieba.analyse.tfidf import TFIDF

    table = TFIDF()
    return table.idf_freq, table.median_idf


@cache
def jieba_pos() -> dict[str, str]:
    """Part of speech of jieba's dictionary words (a phrase may not start with a verb
    or adverb, nor end with a verb: 打造带动辽西, 正式获省 are not terms)."""
    text = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) >= 3:
            out[parts[0]] = parts[2]
    return out


_BAD_FIRST = frozenset("v d ad p c r u uj ul uz ug uv ud m q f y e o".split())
_BAD_LAST = frozenset("v d ad p c r u uj ul uz ug uv ud m q y e o".split())

_tokenizer = None


def tokenizer():
    """One jieba tokenizer per process (its dictionary takes a second to load)."""
    global _tokenizer
    if _tokenizer is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        _tokenizer = tk
    return _tokenizer


def _load_cut():
    """The segmenter: jieba-rs (``rjieba``) when installed — the same dictionary and, on
    Chinese text, the same tokens as jieba (docs/benchmarks.md), about 15 times faster —
    else jieba itself. Both with jieba's HMM for words the dictionary lacks."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is a dependency; jieba is the fallback
        return tokenizer().lcut
    return rjieba.cut


_cut_impl = None


def cut(text: str) -> list[str]:
    """``text`` cut into words (see ``_load_cut``)."""
    global _cut_impl
    if _cut_impl is None:
        _cut_impl = _load_cut()
    return _cut_impl(text)


# --- segmentation ----------------------------------------------------------------


def find_slogans(text: str) -> Counter:
    """Quoted short spans: slogans and coined terms (“136921”, “免申即享”)."""
    found: Counter = Counter()
    for match in _QUOTED.finditer(text):
        span = next(g for g in match.groups() if g is not None).strip()
        if len(span) < 2 or _NOT_SLOGAN.search(span):
            continue
        if not (_HAS_CJK.search(span) or (span.isalnum() and len(span) >= 3)):
            continue
        if _HAS_CJK.search(span) and len(span) > 16:
            continue
        found[span] += 1
    return found


_HEADING_PUNCT = re.compile(r"[，,。！？!?；;：:]")
_SENTENCE_PUNCT = re.compile(r"[，,。！？!?；;]")
_CAPTION_TAIL = re.compile(r"(摄|供图|摄影|报道|记者|通讯员)$")


def is_heading_line(line: str) -> bool:
    line = line.strip()
    return 2 <= len(line) <= 20 and bool(_HAS_CJK.search(line)) and not _HEADING_PUNCT.search(line)


def find_headings(text: str) -> list[str]:
    """Short lines without sentence punctuation followed by a paragraph: section
    headings, which name topics. A text of one line (a one-line problem, a progress
    note) has no heading, however short it is."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    return list(heading_sections(text))


def heading_sections(text: str) -> dict[str, str]:
    """Each heading line (see ``find_headings``) with the text of its section: the
    lines after it up to the next heading."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    starts = []
    for index, line in enumerate(lines):
        if not is_heading_line(line) or len(line) > 12:
            continue
        following = lines[index + 1 : index + 3]
        if any(_SENTENCE_PUNCT.search(f) and len(f) > len(line) for f in following):
            starts.append(index)
    out: dict[str, str] = {}
    for n, index in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        out.setdefault(lines[index], "\n".join(lines[index + 1 : end]))
    return out


_HEADING_BAD_FIRST = frozenset("v d ad p c r u uj ul uz ug uv ud m q f y e o".split())


def heading_terms(headings: Iterable[str]) -> list[str]:
    """The topic words heading lines name: each heading (or each half of a heading
    made of two, "项目会师 裂变") that reads as a term — not a caption or byline, not a
    person's or place's name, not a predicate (塑造新优势), at most 6 characters."""
    pos = jieba_pos()
    labels = heading_labels()
    out: list[str] = []
    for heading in headings:
        if _CAPTION_TAIL.search(heading):
            continue
        for part in heading.split():
            if part in out or _NUMBERISH.match(part) or any(label in part for label in labels):
                continue
            if not (2 <= len(part) <= 6) or not _HAS_CJK.fullmatch(part[0]):
                continue
            tokens = cut(part)
            if len(tokens) == 1:
                # one dictionary word: a noun naming a topic, not a verb or a name
                if len(part) >= 4 or pos.get(part) in ("n", "nz", "vn", "l", "i"):
                    out.append(part)
                continue
            if pos.get(tokens[0]) in _HEADING_BAD_FIRST:
                continue
            if len(tokens[0]) == 1 or all(pos.get(t) in ("nr", "ns") for t in tokens):
                continue
            if len(part) >= 4:
                out.append(part)
    return out


class Segmenter:
    """jieba with protected terms: user-dictionary terms and slogans come out whole."""

    def __init__(self, protected: Iterable[str] = ()):
        terms = sorted({t for t in protected if t}, key=len, reverse=True)
        self.protected = set(terms)
        self._pattern = re.compile("|".join(map(re.escape, terms))) if terms else None

    def cut(self, text: str) -> list[str]:
        if self._pattern is None:
            return cut(text)
        tokens: list[str] = []
        position = 0
        for match in self._pattern.finditer(text):
            if match.start() > position:
                tokens.extend(cut(text[position : match.start()]))
            tokens.append(match.group())
            position = match.end()
        if position < len(text):
            tokens.extend(cut(text[position:]))
        return tokens

    def fragments(self, text: str) -> list[list[str]]:
        """Token lists between punctuation; a protected term with punctuation inside
        (一枢纽、两中心、两高地) stays one token."""
        out: list[list[str]] = []
        current: list[str] = []
        for token in self.cut(text):
            if token in self.protected:
                current.append(token)
            elif _FRAGMENT_SPLIT.fullmatch(token) or not token.strip():
                if current:
                    out.append(current)
                current = []
            else:
                current.append(token)
        if current:
            out.append(current)
        return out


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# --- the analysis ----------------------------------------------------------------


class Analysis:
    """Token and phrase statistics of a set of texts."""

    def __init__(self, texts: Sequence[str], options: Options | None = None):
        self.options = options or Options()
        total = sum(len(t) for t in texts)
        if total > MAX_CHARS:
            raise ValueError(f"文本共 {total:,} 字,超过上限 {MAX_CHARS:,} 字")
        self.stop = default_stop_words() | set(self.options.stop_words)
        self.generic = generic_verbs() - set(self.options.user_terms)
        self.texts = list(texts)
        self.slogans: Counter = Counter()
        self.headings: list[str] = []
        self.sections: dict[str, str] = {}
        for text in texts:
            self.slogans.update(find_slogans(text))
            for heading, section in heading_sections(text).items():
                self.headings.append(heading)
                for part in heading.split():
                    self.sections.setdefault(part, section)
        self.user_terms = set(self.options.user_terms)
        self.heading_terms = set(heading_terms(self.headings)) - self.stop
        protected = self.user_terms | set(self.slogans) | self.heading_terms
        self.segmenter = Segmenter(protected)
        with _SEGMENT_LOCK:
            self._per_text = [self.segmenter.fragments(text) for text in texts]
        self.fragments = [f for frags in self._per_text for f in frags]
        # where each term first occurs, as a share of its text (0: the opening)
        self.first_seen: dict[str, float] = {}
        self.unigrams = Counter(t for f in self.fragments for t in f)
        self.n_tokens = sum(self.unigrams.values()) or 1
        self.parts: dict[str, tuple[str, ...]] = {}
        self.phrases = self._discover_phrases()
        self.counts = self._merged_counts()

    def special(self, token: str) -> bool:
        """A term the texts themselves mark: quoted, a heading, or the office's."""
        return token in self.slogans or token in self.user_terms or token in self.heading_terms

    # a word that can stand as a term on its own
    def is_word(self, token: str) -> bool:
        if self.special(token):
            return True
        if token in self.stop or _NUMBERISH.match(token):
            return False
        if _HAS_CJK.search(token):
            return len(token) >= 2 or token in single_char_words()
        return bool(_ASCII_WORD.match(token)) and token.lower() not in self.stop

    def is_frequency_word(self, token: str) -> bool:
        return self.is_word(token) and (self.special(token) or token not in self.generic)

    def is_theme(self, term: str) -> bool:
        """A term that can name a topic: not a generic or bare verb (签约, 联动), not a
        place name, caption or stock phrase."""
        if term in self.user_terms:
            return True
        if not self.is_word(term) or term in heading_labels() or term in stock_phrases():
            return False
        if term in self.slogans or term in self.heading_terms:
            return True
        if term in self.generic:
            return False
        pos = jieba_pos()
        parts = self.parts.get(term)
        if parts:  # a phrase led by a place name is the place doing something
            return pos.get(parts[0]) != "ns"
        # a bare verb, place, person or adjective (老旧 of 老旧小区) names no topic
        return not (len(term) < 5 and pos.get(term) in ("v", "ns", "nr", "a", "ad", "d"))

    def _can_join(self, token: str) -> bool:
        return token not in self.stop and not _NUMBERISH.match(token) and token.strip() != ""

    def _discover_phrases(self) -> dict[tuple[str, ...], int]:
        """n-grams of tokens that hold together (PMI) and stand free (neighbour entropy)."""
        opt = self.options
        grams: Counter = Counter()
        left: dict[tuple, Counter] = defaultdict(Counter)
        right: dict[tuple, Counter] = defaultdict(Counter)
        for frag in self.fragments:
            n_frag = len(frag)
            for i in range(n_frag):
                if not self._can_join(frag[i]):
                    continue
                for n in range(2, opt.max_phrase_tokens + 1):
                    j = i + n
                    if j > n_frag or not self._can_join(frag[j - 1]):
                        break
                    gram = tuple(frag[i:j])
                    grams[gram] += 1
        candidates = {
            g: c
            for g, c in grams.items()
            if c >= opt.min_count
            and len("".join(g)) <= opt.max_phrase_chars
            and _HAS_CJK.search("".join(g))
            and not any(t in self.slogans for t in g)
        }
        if not candidates:
            return {}
        for frag in self.fragments:
            n_frag = len(frag)
            for i in range(n_frag):
                for n in range(2, opt.max_phrase_tokens + 1):
                    gram = tuple(frag[i : i + n])
                    if len(gram) < n:
                        break
                    if gram in candidates:
                        left[gram][frag[i - 1] if i > 0 else f"^{i}{id(frag)}"] += 1
                        right[gram][frag[i + n] if i + n < n_frag else f"${i}{id(frag)}"] += 1

        def count(g: tuple[str, ...]) -> int:
            return self.unigrams[g[0]] if len(g) == 1 else grams[g]

        def entropy(counter: Counter) -> float:
            total = sum(counter.values())
            return -sum(c / total * math.log(c / total) for c in counter.values())

        n_tok = self.n_tokens
        pos = jieba_pos()
        accepted: dict[tuple[str, ...], int] = {}
        for gram, c in candidates.items():
            if pos.get(gram[0]) in _BAD_FIRST or pos.get(gram[-1]) in _BAD_LAST:
                continue
            pmi = min(
                math.log(c * n_tok / (count(gram[:k]) * count(gram[k:])))
                for k in range(1, len(gram))
            )
            if pmi < opt.min_pmi:
                continue
            if c >= 3 and min(entropy(left[gram]), entropy(right[gram])) < opt.min_entropy:
                continue
            if c == 2 and (len(left[gram]) < 2 or len(right[gram]) < 2):
                continue
            accepted[gram] = c
        # A longer phrase around a much more frequent shorter one is the shorter one
        # in a context (建设区域中心城市 around 区域中心城市): keep the shorter.
        for gram, c in list(accepted.items()):
            for n in range(2, len(gram)):
                for i in range(len(gram) - n + 1):
                    if accepted.get(gram[i : i + n], 0) >= 2 * c:
                        accepted.pop(gram, None)
        return accepted

    def _merged_counts(self) -> Counter:
        """Token counts after joining accepted phrases (longest first, left to right)."""
        longest = max((len(g) for g in self.phrases), default=1)
        counts: Counter = Counter()
        first = self.first_seen
        for frags in self._per_text:
            n_frags = len(frags)
            for index, frag in enumerate(frags):
                where = index / n_frags
                i = 0
                while i < len(frag):
                    for n in range(min(longest, len(frag) - i), 1, -1):
                        gram = tuple(frag[i : i + n])
                        if gram in self.phrases:
                            text = "".join(gram)
                            counts[text] += 1
                            self.parts[text] = gram
                            if text not in first or where < first[text]:
                                first[text] = where
                            i += n
                            break
                    else:
                        token = frag[i]
                        counts[token] += 1
                        if token not in first or where < first[token]:
                            first[token] = where
                        i += 1
        return counts

    # --- rankings --------------------------------------------------------------

    def frequency(self, top: int) -> list[Term]:
        """Words by how often they occur in the texts, a word inside a longer one
        included (开放 in 对外开放): first from the tokens (each token's substrings),
        then the leading words counted exactly in the texts."""
        candidates = {t for t in self.unigrams if self.is_frequency_word(t)}
        # the listed single characters count wherever they are written (党 in 从严治党)
        candidates |= {
            c for c in single_char_words() - self.stop if any(c in t for t in self.texts)
        }
        rough: Counter = Counter()
        for token, c in self.unigrams.items():
            if len(token) == 1 or len(token) > 24:
                if token in candidates:
                    rough[token] += c
                continue
            seen = set()
            for i in range(len(token)):
                for j in range(i + 1, len(token) + 1):
                    sub = token[i:j]
                    if sub in candidates and sub not in seen:
                        seen.add(sub)
                        rough[sub] += c * token.count(sub)
        leading = sorted(rough.items(), key=lambda tc: (-tc[1], tc[0]))[: max(top * 3, top + 20)]
        exact = [(t, sum(text.count(t) for text in self.texts) or c) for t, c in leading]
        exact.sort(key=lambda tc: (-tc[1], tc[0]))
        return [Term(t, float(c), c) for t, c in exact[:top]]

    def new_terms(self, top: int, background: Sequence[str]) -> list[Term]:
        """Terms of these texts found in none of ``background`` (首次写入), even if
        written once: ranked by how strongly the text marks them as terms, how rare
        their parts are in the background, and how often they occur."""
        bg_text = "\n".join(background)
        candidates = new_term_candidates(self)
        bg_tokens: Counter = Counter()
        if bg_text:
            with _SEGMENT_LOCK:
                bg_tokens = Counter(cut(bg_text))
        bg_total = sum(bg_tokens.values()) or 1
        pos = jieba_pos()
        scored: list[Term] = []
        for term, weight in candidates.items():
            if term in self.stop or term in self.generic or term in heading_labels():
                continue
            if bg_text and term.rstrip("+") + ("+" if term.endswith("+") else "") in bg_text:
                continue
            count = sum(text.count(term) for text in self.texts)
            if not count:
                continue
            parts = self.tokenizer_parts(term)
            rarity = max(math.log(bg_total / (bg_tokens[p] + 1)) for p in parts) if parts else 1
            if len(parts) == 1 and pos.get(term) in ("n", "vn") and term not in self.slogans:
                weight *= 0.5  # a common dictionary noun (家居) is not a coined term
            # a term written in for the first time is often written once: repetition
            # adds a little, not a factor
            score = weight * (1 + 0.5 * math.log(count)) * rarity * (1 + 0.1 * min(len(term), 8))
            scored.append(Term(term, score, count))
        scored.sort(key=lambda t: (-t.score, t.text))
        return _drop_nested(scored, top)

    def tokenizer_parts(self, term: str) -> list[str]:
        return [t for t in cut(term.rstrip("+＋")) if t.strip()]

    def idf(self, term: str) -> float:
        table, median = jieba_idf()
        if term in table:
            return table[term]
        parts = self.parts.get(term)
        if not parts and term in self.slogans and _HAS_CJK.search(term):
            # a quoted slogan weighs what its words weigh (“一枢纽、两中心、两高地”)
            parts = tuple(t for t in cut(term) if _HAS_CJK.search(t))
        if parts:
            values = sorted((table.get(p, median) for p in parts), reverse=True)
            return min(values[0] + self.options.phrase_bonus * sum(values[1:]), median * 1.5)
        return median

    def themes(
        self, top: int, background: Sequence[str] = (), exclude_seen: bool = False
    ) -> list[Term]:
        """Distinctive terms; with ``background`` (earlier texts) weighed against it;
        ``exclude_seen`` keeps only terms absent from the background (``new`` mode)."""
        opt = self.options
        bg_text = "\n".join(background)
        bg_chars = max(len(bg_text), 1)
        n_chars = max(sum(len(t) * c for t, c in self.counts.items()), 1)
        scored: list[Term] = []
        for term, count in self.counts.items():
            if not self.is_theme(term):
                continue
            special = self.special(term)
            if not special and count < (opt.min_count if exclude_seen else 1):
                continue
            weight = count
            if term in self.heading_terms:
                # a heading names its whole section: each of its sentences counts
                weight += len(split_sentences(self.sections.get(term, "")))
            score = (1 + math.log(weight)) * self.idf(term) ** opt.idf_power
            if opt.position_weight:
                score *= 1 + opt.position_weight * (1 - self.first_seen.get(term, 1.0))
            if term in self.slogans and term not in self.user_terms:
                # a slogan ranks by its weight, not only kept whole: a coined term
                # (“免申即享”) keeps its score, a saying (“走出去、请进来”) or a
                # numbered shorthand (“三保”) weighs less (see ``quoted_weight``)
                score *= quoted_weight(term) / 2
            if opt.heading_weight and term in self.heading_terms:
                # a heading names its section's topic: the author's own choice of term
                score *= 1 + 2 * opt.heading_weight
            elif opt.heading_weight and any(term in h for h in self.headings):
                score *= 1 + opt.heading_weight
            if bg_text:
                seen = bg_text.count(term)
                if exclude_seen and seen:
                    continue
                ratio = (weight / n_chars) / ((seen + 0.5) / bg_chars)
                score *= math.log2(1 + ratio)
            scored.append(Term(term, score, count))
        scored.sort(key=lambda t: (-t.score, t.text))
        return _drop_nested(scored, top)


_ENUMERATION = re.compile(
    r"((?:[^、，,。；;：:！？!?\s“”「」（）()]{2,14}、)+[^、，,。；;：:！？!?\s“”「」（）()]{2,14})等"
)
_PLUS_TERM = re.compile(r"([A-Za-z0-9\u4e00-\u9fff]{2,12})[+＋]")
_NOUNISH = frozenset("n nz vn nt nl ng an l i".split())
# Head nouns of coined policy terms (低空经济, 创新药, 新质生产力, 商业航天).
_TERM_HEADS = frozenset(
    "经济 产业 制造 技术 生产力 资本 国债 航天 科学 药 材料 能源 消费 服务 模式 业态".split()
)


def _trim_term(text: str) -> str | None:
    """The term inside an item or a "+" prefix: leading verbs, adverbs and function
    words cut off (积极打造生物制造 → 生物制造); None if nothing term-like is left."""
    pos = jieba_pos()
    tokens = cut(text)
    while len(tokens) > 1 and (
        pos.get(tokens[0]) in _BAD_FIRST
        or tokens[0] in default_stop_words()
        or tokens[0] in generic_verbs()
        or (pos.get(tokens[0]) == "vn" and len(tokens) > 2)
    ):
        if len("".join(tokens[1:])) < 2:
            break  # 创新药 is a term, 药 alone is not
        tokens.pop(0)
    while tokens and pos.get(tokens[-1]) in ("u", "uj", "y", "p", "c", "d"):
        tokens.pop()
    # an item that opens a sentence carries its predicate (部分地区遭受洪涝, 一些地方的
    # 房地产): the term is what follows the last verb or 的
    for index in range(len(tokens) - 2, -1, -1):
        token = tokens[index]
        if pos.get(token) in ("v", "uj") or token in generic_verbs():
            if len("".join(tokens[index + 1 :])) >= 2:
                tokens = tokens[index + 1 :]
            break
    term = "".join(tokens)
    if not (2 <= len(term) <= 10) or not _HAS_CJK.search(term):
        return None
    if len(tokens[0]) == 1 and tokens[0] not in single_char_words() and len(tokens) > 1:
        return None
    return term


_HEADS_TUPLE = tuple(_TERM_HEADS)
_CONJUNCTION = re.compile("[和与及]")
_NUMERAL_START = re.compile("^[一二三四五六七八九十百千万两双][个大项]?")
# single characters that prefix a word into a coined one (超长期, 新质)
_PREFIXES = frozenset("超 新 微 准 泛 智")


def quoted_weight(term: str) -> float:
    """How strongly a quoted span marks a new term: a coined noun (“人工智能+”, “新三样”,
    “碳达峰十大行动”) 2; a numbered shorthand (“三北”, “双减”, “四风”) or a couplet
    (“千村示范、万村整治”, “一枢纽、两中心、两高地”) 1 — slogans that recur from year to
    year; a predicate (“三个区分开来”, “平急两用”) 0.8; a saying — a reduplicated
    opening (“事事心中有底”) or an idiom (“大水漫灌”) — 0.4."""
    if term.endswith(("+", "＋")) or not _HAS_CJK.search(term):
        return 2.0
    pos = jieba_pos()
    if (len(term) >= 4 and term[0] == term[1]) or pos.get(term) == "i":
        return 0.4
    if "、" in term:
        return 1.0  # a couplet or a list: “走出去、请进来”, “一枢纽、两中心、两高地”
    if _NUMERAL_START.match(term) and len(term) <= 4:
        return 1.0
    tokens = [t for t in cut(term) if t.strip()]
    last = tokens[-1] if tokens else term
    if last not in _TERM_HEADS and pos.get(last, "n") not in _NOUNISH:
        return 0.8
    return 2.0


def new_term_candidates(analysis: Analysis) -> dict[str, float]:
    """Candidate terms for ``new`` and how strongly the text marks each as a term:
    quoted (2), "+"-suffixed (2), an item of an "X、Y、Z等" enumeration (1.5), a noun
    compound with a known head (1.5) or without (1). No count floor."""
    found: dict[str, float] = {}

    def add(term: str | None, weight: float) -> None:
        if term and term not in stock_phrases():
            found[term] = max(found.get(term, 0.0), weight)

    for term in analysis.slogans:
        add(term, quoted_weight(term))
    for term in analysis.user_terms | analysis.heading_terms:
        add(term, 2.0)
    pos = jieba_pos()
    for text in analysis.texts:
        for match in _PLUS_TERM.finditer(text):
            base = _trim_term(match.group(1))
            if base:
                add(base + "+", 2.0)
        for match in _ENUMERATION.finditer(text):
            for item in match.group(1).split("、"):
                term = _trim_term(item)
                if term and not _CONJUNCTION.search(term):  # 文学艺术和档案: two items
                    add(term, 2.0 if term.endswith(_HEADS_TUPLE) else 1.5)
    for raw in analysis.fragments:
        # runs of single characters the segmenter could not place (新/质) are one word
        frag: list[str] = []
        for token in raw:
            if frag and frag[-1] in _PREFIXES and len(token) >= 2 and token not in analysis.stop:
                frag[-1] += token  # 超 + 长期: 超长期
            elif (
                frag
                and len(token) == 1
                and len(frag[-1]) <= 2
                and (len(frag[-1]) == 1 or frag[-1] not in pos)
                and frag[-1] not in analysis.stop
                and token not in analysis.stop
            ):
                frag[-1] += token
            else:
                frag.append(token)
        n_frag = len(frag)
        for token in frag:
            if (
                len(token) >= 3
                and token not in pos
                and pos.get(token[:2]) not in ("v", "vn")
                and _HAS_CJK.search(token)
            ):
                add(token, 1.0)  # a word of the text the dictionary does not know
        for i in range(n_frag):
            first = frag[i]
            if pos.get(first, "n") in _BAD_FIRST or first in analysis.stop:
                continue
            if len(first) == 1 and first not in single_char_words():
                continue
            if first in analysis.generic or pos.get(first[-2:]) in ("v", "vn"):
                continue  # 大力发展 + 银发经济 is 银发经济 with its verb
            for n in range(2, 4):
                gram = frag[i : i + n]
                if len(gram) < n:
                    break
                last = gram[-1]
                if any(t in analysis.stop or _NUMBERISH.match(t) for t in gram):
                    break
                if last in analysis.generic:
                    break  # 中国式现代化全面 is a term and the next sentence's adverb
                if any(
                    pos.get(t, "n") not in _NOUNISH and pos.get(t) not in ("a", "d")
                    for t in gram[1:-1]
                ):
                    break
                if pos.get(last, "n") not in _NOUNISH and last not in _TERM_HEADS:
                    if pos.get(last) in ("a", "d"):
                        continue  # 超长期特别 … 国债: the modifier of a longer term
                    break
                if n >= 3 and pos.get(first) in ("v", "vn"):
                    continue  # 发展新质生产力 is 新质生产力 with its verb
                text = "".join(gram)
                if len(text) > 10 or pos.get(last, "n") not in _NOUNISH:
                    continue
                # a compound with a policy head (低空经济, 商业航天) is marked as
                # strongly as a quoted term; one a noun follows is the head of a longer
                # compound cut short (重大生产力 of 重大生产力布局)
                weight = 2.0 if last in _TERM_HEADS else 1.0
                following = frag[i + n] if i + n < n_frag else ""
                if following and pos.get(following, "x") in _NOUNISH:
                    weight *= 0.5
                add(text, weight)
    return found


# --- keywords of one short text ----------------------------------------------------

# A single text up to this long (an abstract, a note, a problem) is ranked by the
# keyword model when ``Options.ranker`` is "auto".
KEYWORD_MAX_CHARS = 3_000
# Candidates: runs of 1–4 words between punctuation, without stop words or numbers, of
# 2–14 characters, written once or more.
KEYWORD_MAX_TOKENS = 4
KEYWORD_MAX_CHARS_TERM = 14
# Heads of scientific and technical terms (有限元分析, 遗传算法, 控制系统).
KEYWORD_HEADS = tuple(
    "法 模型 系统 技术 分析 算法 方法 机制 结构 理论 网络 控制 设计 效应 特征 性能 "
    "因素 模式 策略 评价 管理 研究 工艺 材料 检测 识别 优化 教学 体系 制度 问题 发展".split()
)
_KEYWORD_POS = ("n", "nz", "vn", "v", "a", "ns", "nr", "l", "p", "f")
_KEYWORD_SENTENCE = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)|(?<=[\u4e00-\u9fff])\.")
_KEYWORD_BREAK = frozenset(".．")
_NOUN_CLASSES = frozenset(("n", "nz", "vn", "unknown", "latin"))
_POS_CLASSES = (*_KEYWORD_POS, "unknown", "latin", "other")
_ONE_HOT = {c: tuple(float(c == d) for d in _POS_CLASSES) for c in _POS_CLASSES}
# what keyword_features needs of the words seen (_token_info; cleared when large)
_TOKEN_CACHE: dict[str, tuple[str, int, int, bool, bool, bool]] = {}
# how a candidate is written (bits of a mask over its occurrences)
_MARK_WHOLE = 1  # the whole run between two punctuation marks
_MARK_START = 2  # opens such a run
_MARK_END = 4  # closes one
_MARK_AFTER_STOP = 8
_MARK_BEFORE_STOP = 16
_MARK_AFTER_VERB = 32
_MARK_NOUN_BEFORE = 64
_MARK_NO_NOUN_BEFORE = 128
_MARK_NOUN_AFTER = 256
_MARK_NO_NOUN_AFTER = 512
_MARK_BOUNDED = 1024  # between stop words, verbs, function words or punctuation
_MARK_TITLE_BOUNDED = 2048  # so, in the title
_TITLE_BREAK = re.compile("[,，;；、]")
_ONCE_BAD_FIRST = frozenset(("v", "other", "p", "unknown"))
_ONCE_BAD_LAST = frozenset(("a", "other", "p", "unknown"))


# A candidate's features (``keyword_features``): numbers, yes/no flags, and the part
# of speech of its first and last word.
KEYWORD_NUMBERS = (
    "bias",
    "log_count",
    "count_capped",  # count, at most 5, / 5
    "first_position",  # where it is first written, as a share of the text's words
    "chars",  # characters / 10
    "chars_squared",
    "idf_max",  # its words' IDF (jieba's table) / 10
    "idf_mean",
    "idf_last",
    "idf_min",
    "inside_longer_share",  # count of the most frequent longer candidate around it / its own
    "in_title_log_count",
)
KEYWORD_FLAGS = (
    "once",
    "in_title",  # in a title-like first or last sentence
    "in_title_and_body",
    "tokens_1",
    "tokens_2",
    "tokens_3",
    "tokens_4",
    "chars_2",
    "chars_3",
    "chars_4",
    "chars_7_or_more",
    "dictionary_word",  # a word of jieba's IDF table
    "whole_fragment",  # written alone between punctuation marks
    "inside_longer_always",
    "term_head",  # ends with one of KEYWORD_HEADS
    "first_generic_verb",
    "last_generic_verb",
    "left_varied",  # more than one word before it
    "right_varied",
    "bounded",  # between stop words, verbs, function words or punctuation
    "bounded_in_title",
    "after_verb",
    "after_stop_word",
    "before_stop_word",
    "starts_fragment",
    "ends_fragment",
    "always_after_noun",
    "always_before_noun",
    "in_title_1_token",
    "in_title_3_tokens",
    "repeated_1_token",
    "repeated_3_tokens",
    "multi_first_verb",  # of two words or more, the first a verb
    "multi_last_verb",
)
_FLAG = {name: 1 << i for i, name in enumerate(KEYWORD_FLAGS)}
_F_ONCE = _FLAG["once"]
_F_TITLE = _FLAG["in_title"]
_F_TITLE_1 = _F_TITLE | _FLAG["in_title_1_token"]
_F_TITLE_3 = _F_TITLE | _FLAG["in_title_3_tokens"]
_F_TITLE_AND_BODY = _FLAG["in_title_and_body"]
_F_REPEATED_1 = _FLAG["repeated_1_token"]
_F_REPEATED_3 = _FLAG["repeated_3_tokens"]
_F_DICTIONARY = _FLAG["dictionary_word"]
_F_INSIDE_ALWAYS = _FLAG["inside_longer_always"]
_F_HEAD = _FLAG["term_head"]
_F_FIRST_GENERIC = _FLAG["first_generic_verb"]
_F_LAST_GENERIC = _FLAG["last_generic_verb"]
_F_MULTI_FIRST_VERB = _FLAG["multi_first_verb"]
_F_MULTI_LAST_VERB = _FLAG["multi_last_verb"]
_VARIED_FLAGS = (
    0,
    _FLAG["left_varied"],
    _FLAG["right_varied"],
    _FLAG["left_varied"] | _FLAG["right_varied"],
)
_FLAG_TOKENS = {n: _FLAG[f"tokens_{n}"] for n in range(1, 5)}
_FLAG_CHARS = {
    2: _FLAG["chars_2"],
    3: _FLAG["chars_3"],
    4: _FLAG["chars_4"],
    5: 0,
    6: 0,
    7: _FLAG["chars_7_or_more"],
}


def _mark_flags(mark: int) -> int:
    """The flags an occurrence mask (``_MARK_*``) sets."""
    pairs = (
        (_MARK_WHOLE, "whole_fragment"),
        (_MARK_BOUNDED, "bounded"),
        (_MARK_TITLE_BOUNDED, "bounded_in_title"),
        (_MARK_AFTER_VERB, "after_verb"),
        (_MARK_AFTER_STOP, "after_stop_word"),
        (_MARK_BEFORE_STOP, "before_stop_word"),
        (_MARK_START, "starts_fragment"),
        (_MARK_END, "ends_fragment"),
    )
    flags = 0
    for mark_bit, name in pairs:
        if mark & mark_bit:
            flags |= _FLAG[name]
    if not mark & _MARK_NO_NOUN_BEFORE:
        flags |= _FLAG["always_after_noun"]
    if not mark & _MARK_NO_NOUN_AFTER:
        flags |= _FLAG["always_before_noun"]
    return flags


_MARK_TO_FLAGS = tuple(_mark_flags(mark) for mark in range(_MARK_TITLE_BOUNDED * 2))


class KeywordCandidate(NamedTuple):
    """A candidate term of one text with its features (see ``keyword_feature_names``)."""

    text: str
    occurrences: int  # how often the text writes it
    numbers: tuple[float, ...]  # KEYWORD_NUMBERS
    flags: int  # a bit for each of KEYWORD_FLAGS set
    first_class: str  # the part of speech of its first word (_POS_CLASSES)
    last_class: str

    def row(self) -> list[float]:
        """The features as one row of numbers, in ``keyword_feature_names`` order."""
        return [
            *self.numbers,
            *(float(self.flags >> i & 1) for i in range(len(KEYWORD_FLAGS))),
            *_ONE_HOT[self.first_class],
            *_ONE_HOT[self.last_class],
        ]


def keyword_feature_names() -> list[str]:
    """The names of a candidate's features (``KeywordCandidate.row``), in order."""
    return [
        *KEYWORD_NUMBERS,
        *KEYWORD_FLAGS,
        *(f"first_pos_{p}" for p in _POS_CLASSES),
        *(f"last_pos_{p}" for p in _POS_CLASSES),
    ]


def keyword_model_names() -> list[str]:
    """The keyword model's weights, in order (the model file's keys): one for each
    feature, then one for each feature of a candidate in the title (``title*…``) and of
    a candidate written once (``once*…``) — a title's words and a once-written term are
    judged by other weights than the rest."""
    base = keyword_feature_names()
    return base + [f"title*{n}" for n in base[1:]] + [f"once*{n}" for n in base[1:]]


def keyword_design(candidate: KeywordCandidate) -> list[float]:
    """A candidate's features with their products with the in-title and written-once
    flags: the columns of ``keyword_model_names``."""
    row = candidate.row()
    title = float(bool(candidate.flags & _F_TITLE))
    once = float(bool(candidate.flags & _F_ONCE))
    rest = row[1:]
    return [*row, *(title * x for x in rest), *(once * x for x in rest)]


@lru_cache(maxsize=8)
def _keyword_excluded(stop: frozenset[str]) -> frozenset[str]:
    """Stop words, captions and stock phrases: never keywords."""
    return stop | heading_labels() | stock_phrases()


def _token_info(token: str, pos: dict[str, str]) -> tuple[str, int, int, bool, bool, bool]:
    """What ``keyword_features`` needs of a word: its part of speech (``_pos_class``),
    how it marks a candidate it follows and one it precedes, whether it bounds a term
    (a verb or a function word), whether it can be part of one (not a number) — all
    for a word that is not a stop word — and whether it is punctuation or space."""
    cls = _pos_class(token, pos)
    if cls in _NOUN_CLASSES:
        left, right, bound = _MARK_NOUN_BEFORE, _MARK_NOUN_AFTER, False
    elif cls == "v":
        left, right, bound = _MARK_AFTER_VERB | _MARK_NO_NOUN_BEFORE, _MARK_NO_NOUN_AFTER, True
    else:
        left, right, bound = _MARK_NO_NOUN_BEFORE, _MARK_NO_NOUN_AFTER, cls == "other"
    # punctuation and space hold no Chinese character
    punctuation = cls == "latin" and bool(
        _FRAGMENT_SPLIT.fullmatch(token) or not token.strip() or token in _KEYWORD_BREAK
    )
    return cls, left, right, bound, not _NUMBERISH.match(token), punctuation


def _pos_class(token: str, pos: dict[str, str]) -> str:
    if not _HAS_CJK.search(token):
        return "latin"
    tag = pos.get(token)
    if tag is None:
        return "unknown"  # a word jieba's HMM found (镇定控制器's 镇定)
    if tag in ("nt", "nrt", "ng", "nl"):
        return "n"
    return tag if tag in _KEYWORD_POS else "other"


def keyword_features(text: str, options: Options | None = None) -> list[KeywordCandidate]:
    """The candidate terms of one text with their features (``KeywordCandidate``,
    ``keyword_feature_names``): where and how often a candidate is written, in
    the title-like opening or closing sentence or not, its length, the rarity of its
    words (jieba's IDF), its parts of speech, whether it stands between punctuation or
    function words, whether it lies inside a longer candidate."""
    return [KeywordCandidate(*fields) for fields in _keyword_candidates(text, options)]


_CandidateFields = tuple[str, int, tuple[float, ...], int, str, str]


def _keyword_candidates(text: str, options: Options | None) -> list[_CandidateFields]:
    """``keyword_features`` as plain tuples (the ranking reads many)."""
    opt = options or Options()
    stop = (
        default_stop_words() | frozenset(opt.stop_words) if opt.stop_words else default_stop_words()
    )
    generic = generic_verbs() - set(opt.user_terms) if opt.user_terms else generic_verbs()
    pos = jieba_pos()
    idf_table, median = jieba_idf()
    slogans = find_slogans(text)
    protected = set(opt.user_terms) | set(slogans)
    # sentences as (start, end) spans; the first and the last are title-like when short
    # and without commas (a title line, an abstract's closing title)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _KEYWORD_SENTENCE.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    title_spans = {
        (a, b)
        for a, b in spans[:1] + spans[-1:]
        if len(text[a:b].strip()) <= 60 and not _TITLE_BREAK.search(text[a:b])
    }
    title = "\n".join(text[a:b] for a, b in sorted(title_spans))
    (a0, b0), (a1, b1) = ([*sorted(title_spans), (-1, -1), (-1, -1)])[:2]
    known = _TOKEN_CACHE
    if len(known) > 100_000:  # the words of many texts: start again
        known.clear()
    start_mark = _MARK_START | _MARK_NO_NOUN_BEFORE
    end_mark = _MARK_END | _MARK_NO_NOUN_AFTER
    # runs of words between punctuation, each with its words' parts of speech, whether
    # each can be part of a term, how each marks a candidate it stands after (left)
    # or before (right), whether each bounds a term (a stop word, a verb, a function
    # word; the run's ends do), and whether the run is in the title
    fragments: list[tuple[list[str], list[str], list[bool], list, list, list, bool]] = []
    words: list[str] = []
    classes: list[str] = []
    ok: list[bool] = []
    left_marks = [start_mark]
    right_marks: list[int] = []
    bounds = [True]
    titled = False
    offset = 0
    with _SEGMENT_LOCK:
        tokens = Segmenter(protected).cut(text)
    for token in tokens:
        info = known.get(token)
        if info is None:
            info = known[token] = _token_info(token, pos)
        if info[5] and token not in protected:
            if words:
                right_marks.append(end_mark)
                bounds.append(True)
                fragments.append((words, classes, ok, left_marks, right_marks, bounds, titled))
                words, classes, ok = [], [], []
                left_marks, right_marks, bounds = [start_mark], [], [True]
        else:
            if not words:
                titled = a0 <= offset < b0 or a1 <= offset < b1
            words.append(token)
            classes.append(info[0])
            if token in stop:
                ok.append(token in protected)
                left_marks.append(_MARK_AFTER_STOP | _MARK_NO_NOUN_BEFORE)
                right_marks.append(_MARK_BEFORE_STOP | _MARK_NO_NOUN_AFTER)
                bounds.append(True)
            else:
                ok.append(info[4] or token in protected)
                left_marks.append(info[1])
                right_marks.append(info[2])
                bounds.append(info[3])
        offset += len(token)
    if words:
        right_marks.append(end_mark)
        bounds.append(True)
        fragments.append((words, classes, ok, left_marks, right_marks, bounds, titled))
    n_tokens = max(sum(len(f[0]) for f in fragments), 1)

    # per candidate: its tokens, first token index, occurrence marks (_MARK_*), its
    # first left and right neighbours, whether others differ (1 left, 2 right), the
    # candidates one word shorter inside it (its head and its tail), and the parts of
    # speech of its first and last word
    records: dict[str, list] = {}
    seen = 0
    for frag, classes, ok, left_marks, right_marks, bounds, titled in fragments:
        size = len(frag)
        bounded_mark = _MARK_TITLE_BOUNDED | _MARK_BOUNDED if titled else _MARK_BOUNDED
        for i in range(size):
            if not ok[i]:
                continue
            before = frag[i - 1] if i else "^"
            left_mark = left_marks[i]
            left_bound = bounds[i]
            term = ""
            last = i + KEYWORD_MAX_TOKENS if i + KEYWORD_MAX_TOKENS < size else size
            for j in range(i, last):
                if not ok[j]:
                    break
                shorter = term
                term += frag[j]
                n_chars = len(term)
                if n_chars > KEYWORD_MAX_CHARS_TERM:
                    break
                if n_chars < 2 or (j == i and term in generic):
                    continue
                mark = left_mark | right_marks[j + 1]
                if left_bound and bounds[j + 2]:
                    mark |= bounded_mark
                if j + 1 == size:
                    after = "$"
                    if i == 0:
                        mark |= _MARK_WHOLE
                else:
                    after = frag[j + 1]
                record = records.get(term)
                if record is None:
                    head, tail = (shorter, term[len(frag[i]) :]) if j > i else (None, None)
                    records[term] = [
                        frag[i : j + 1],
                        seen + i,
                        mark,
                        before,
                        after,
                        0,
                        head,
                        tail,
                        classes[i],
                        classes[j],
                    ]
                else:
                    record[2] |= mark
                    if record[3] != before:
                        record[5] |= 1
                    if record[4] != after:
                        record[5] |= 2
        seen += size
    excluded = _keyword_excluded(stop)
    counts = {t: text.count(t) or 1 for t in records}
    # how often the most frequent longer candidate around each candidate is written
    # (the candidates one word longer: a longer one is written no more often)
    inside: dict[str, int] = {}
    for term, record in records.items():
        if record[6] is None:
            continue
        count = counts[term]
        for part in (record[6], record[7]):
            if part in records and count > inside.get(part, 0):
                inside[part] = count
    out: list[_CandidateFields] = []
    n_tokens_f = float(n_tokens)
    mark_flags = _MARK_TO_FLAGS
    tokens_flags = _FLAG_TOKENS
    chars_flags = _FLAG_CHARS
    for term, record in records.items():
        gram, first_index, mark, _before, _after, varied, _head, _tail, first_class, last_class = (
            record
        )
        n = len(gram)
        count = counts[term]
        titled = term in title
        if count == 1 and (
            n >= 3
            or (not titled and (first_class in _ONCE_BAD_FIRST or last_class in _ONCE_BAD_LAST))
        ):
            # written once: a phrase of three words or more; outside the title, one led
            # by a verb, a function word or a word jieba's dictionary lacks, or ending
            # in an adjective, a function word or such a word — rarely a keyword (8 %
            # of the authors' keywords of the tuning half, half of its candidates;
            # leaving them out made the ranking no worse, and faster)
            continue
        if term in excluded or (term.isascii() and term.lower() in stop):
            continue
        log_count = math.log(count)
        if n == 1:
            idf_max = idf_mean = idf_last = idf_min = idf_table.get(term, median) / 10
        else:
            idfs = [idf_table.get(t, median) / 10 for t in gram]
            idf_max, idf_mean, idf_last, idf_min = max(idfs), sum(idfs) / n, idfs[-1], min(idfs)
        longer = inside.get(term, 0)
        n_chars = len(term)
        bits = mark_flags[mark] | tokens_flags[n] | chars_flags[min(n_chars, 7)]
        if count == 1:
            bits |= _F_ONCE
        elif n == 1:
            bits |= _F_REPEATED_1
        elif n >= 3:
            bits |= _F_REPEATED_3
        if titled:
            bits |= _F_TITLE_1 if n == 1 else _F_TITLE_3 if n >= 3 else _F_TITLE
            if count > 1:
                bits |= _F_TITLE_AND_BODY
        if term in idf_table:
            bits |= _F_DICTIONARY
        if longer >= count:
            bits |= _F_INSIDE_ALWAYS
        if term.endswith(KEYWORD_HEADS):
            bits |= _F_HEAD
        if gram[0] in generic:
            bits |= _F_FIRST_GENERIC
        if gram[-1] in generic:
            bits |= _F_LAST_GENERIC
        if varied:
            bits |= _VARIED_FLAGS[varied]
        if n > 1:
            if first_class == "v":
                bits |= _F_MULTI_FIRST_VERB
            if last_class == "v":
                bits |= _F_MULTI_LAST_VERB
        numbers = (
            1.0,
            log_count,
            min(count, 5) / 5,
            first_index / n_tokens_f,
            n_chars / 10,
            (n_chars / 10) ** 2,
            idf_max,
            idf_mean,
            idf_last,
            idf_min,
            longer / count,
            log_count if titled else 0.0,
        )
        out.append((term, count, numbers, bits, first_class, last_class))
    return out


@dataclass(frozen=True)
class _KeywordWeights:
    """The keyword model's weights for one case (in the title or not, written once or
    not): over the numbers, over the flags (by bytes of the flag bits: the sum of the
    weights of each byte's set bits), over the parts of speech of the first and last
    word."""

    numbers: tuple[float, ...]
    flag_bytes: tuple[tuple[float, ...], ...]
    first: dict[str, float]
    last: dict[str, float]

    def score(self, candidate: _CandidateFields) -> float:
        """A candidate's logit (``KeywordCandidate`` or its fields): the sum over
        ``keyword_design``'s columns."""
        _text, _count, numbers, bits, first_class, last_class = candidate
        z = sum(map(operator.mul, self.numbers, numbers))
        for table in self.flag_bytes:
            z += table[bits & 255]
            bits >>= 8
        return z + self.first[first_class] + self.last[last_class]


@cache
def keyword_model() -> dict[tuple[bool, bool], _KeywordWeights]:
    """The keyword model (data/keyword-model.yaml): a logistic regression fitted by
    bench/fit_words.py on the tuning half of the CSL keyword benchmark. Its weights
    by (in the title, written once): the weights of ``keyword_model_names`` summed
    for each case, so that a candidate's score is the sum over ``keyword_design``."""
    import yaml

    raw = resources.files("gongjian.review").joinpath("data/keyword-model.yaml").read_text("utf-8")
    weights = yaml.safe_load(raw)["weights"]
    names = keyword_model_names()
    if set(weights) != set(names):
        missing = sorted(set(names) - set(weights)) + sorted(set(weights) - set(names))
        raise ValueError(f"keyword-model.yaml does not match the features: {', '.join(missing)}")
    out = {}
    for titled in (False, True):
        for once in (False, True):

            def w(name: str, titled: bool = titled, once: bool = once) -> float:
                value = float(weights[name])
                if name != "bias":
                    value += float(weights[f"title*{name}"]) if titled else 0.0
                    value += float(weights[f"once*{name}"]) if once else 0.0
                return value

            flags = [w(name) for name in KEYWORD_FLAGS]
            flag_bytes = tuple(
                tuple(
                    sum(
                        flags[start + i]
                        for i in range(8)
                        if byte >> i & 1 and start + i < len(flags)
                    )
                    for byte in range(256)
                )
                for start in range(0, len(flags), 8)
            )
            out[titled, once] = _KeywordWeights(
                tuple(w(name) for name in KEYWORD_NUMBERS),
                flag_bytes,
                {p: w(f"first_pos_{p}") for p in _POS_CLASSES},
                {p: w(f"last_pos_{p}") for p in _POS_CLASSES},
            )
    return out


def keyword_terms(text: str, top: int, options: Options | None = None) -> list[Term]:
    """The ``top`` keywords of one short text by the keyword model: each candidate's
    probability of being one of the author's keywords (``Term.score``). Nested terms
    are both kept: authors list 平方和优化 and 平方和 alike."""
    model = keyword_model()
    cases = [model[t, o].score for t in (False, True) for o in (False, True)]
    candidates = _keyword_candidates(text, options)
    scores = [
        cases[(2 if c[3] & _F_TITLE else 0) + (1 if c[3] & _F_ONCE else 0)](c) for c in candidates
    ]
    best = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:top]
    return [
        Term(
            candidates[i][0],
            1 / (1 + math.exp(-max(min(scores[i], 50.0), -50.0))),
            candidates[i][1],
        )
        for i in best
    ]


def _use_keyword_model(texts: Sequence[str], before: Sequence[str], options: Options) -> bool:
    """Whether ``themes`` ranks ``texts`` by the keyword model (``Options.ranker``)."""
    if options.ranker not in ("auto", "model", "statistics"):
        raise ValueError(f"未知的排序方式“{options.ranker}”,可选:auto、model、statistics")
    if options.ranker != "auto":
        return options.ranker == "model"
    if len(texts) != 1 or any(t.strip() for t in before):
        return False
    text = texts[0]
    return len(text) <= KEYWORD_MAX_CHARS and not find_headings(text)


def _drop_nested(terms: list[Term], top: int) -> list[Term]:
    """The first ``top`` terms, leaving out a term contained in a better-ranked one when
    nearly all its occurrences are inside it (引资 under 招商引资)."""
    kept: list[Term] = []
    for term in terms:
        if len(kept) >= top:
            break
        if any(term.text in better.text and term.count <= better.count * 1.5 for better in kept):
            continue
        kept.append(term)
    return kept


def extract(
    texts: Sequence[str],
    mode: str = "themes",
    top: int = 10,
    before: Sequence[str] = (),
    options: Options | None = None,
) -> list[Term]:
    """Rank the terms of ``texts``: mode ``frequency``, ``themes`` or ``new``."""
    if mode not in MODES:
        raise ValueError(f"未知的模式“{mode}”,可选:{'、'.join(MODES)}")
    if top < 1:
        raise ValueError("top 须为正整数")
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        return []
    if mode == "themes" and _use_keyword_model(texts, before, options or Options()):
        return keyword_terms("\n".join(texts), top, options)
    analysis = Analysis(texts, options)
    if mode == "frequency":
        return analysis.frequency(top)
    if mode == "new":
        return analysis.new_terms(top, before)
    return analysis.themes(top, background=before)

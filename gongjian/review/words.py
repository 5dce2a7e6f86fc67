"""Word statistics over Chinese texts: 高频词, distinctive themes and new terms.

Pure Python over jieba, no Django: the CLI (``gongjian words``), the year review and
the benchmarks share it.

- ``frequency``: the newspapers' "高频词" — word counts with Chinese stop-words removed.
- ``themes``: terms distinctive for these texts against a background (jieba's IDF
  table, and earlier years when given), with multi-word phrases found by cohesion
  (pointwise mutual information between their parts) and freedom (entropy of their
  left and right neighbours), and quoted slogans (“136921”, “一枢纽、两中心、两高地”)
  kept whole.
- ``new``: terms of these texts that appear in none of the earlier texts (首次写入).

A user dictionary (campaign terms the office keeps) is honoured by every mode: its
terms are never split.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

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
    user_terms: Sequence[str] = field(default_factory=tuple)
    stop_words: Sequence[str] = field(default_factory=tuple)


# --- resources -------------------------------------------------------------------


@cache
def default_stop_words() -> frozenset[str]:
    text = resources.files("gongjian.review").joinpath("data/stopwords-zh.txt").read_text("utf-8")
    words = {line.strip() for line in text.splitlines()}
    return frozenset(w for w in words if w and not w.startswith("#"))


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


def find_headings(text: str) -> list[str]:
    """Short lines without sentence punctuation: section headings, which name topics."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if 2 <= len(line) <= 12 and _HAS_CJK.search(line) and not _HEADING_PUNCT.search(line):
            out.append(line)
    return out


class Segmenter:
    """jieba with protected terms: user-dictionary terms and slogans come out whole."""

    def __init__(self, protected: Iterable[str] = ()):
        terms = sorted({t for t in protected if t}, key=len, reverse=True)
        self.protected = set(terms)
        self._pattern = re.compile("|".join(map(re.escape, terms))) if terms else None
        self._tk = tokenizer()

    def cut(self, text: str) -> list[str]:
        if self._pattern is None:
            return self._tk.lcut(text)
        tokens: list[str] = []
        position = 0
        for match in self._pattern.finditer(text):
            if match.start() > position:
                tokens.extend(self._tk.lcut(text[position : match.start()]))
            tokens.append(match.group())
            position = match.end()
        if position < len(text):
            tokens.extend(self._tk.lcut(text[position:]))
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
        self.slogans = Counter()
        self.headings: list[str] = []
        for text in texts:
            self.slogans.update(find_slogans(text))
            self.headings.extend(find_headings(text))
        protected = set(self.options.user_terms) | set(self.slogans)
        self.user_terms = set(self.options.user_terms)
        self.segmenter = Segmenter(protected)
        with _SEGMENT_LOCK:
            self.fragments = [f for text in texts for f in self.segmenter.fragments(text)]
        self.unigrams = Counter(t for f in self.fragments for t in f)
        self.n_tokens = sum(self.unigrams.values()) or 1
        self.parts: dict[str, tuple[str, ...]] = {}
        self.phrases = self._discover_phrases()
        self.counts = self._merged_counts()

    # a word that can stand as a term on its own
    def is_word(self, token: str) -> bool:
        if token in self.slogans or token in self.user_terms:
            return True
        if token in self.stop or _NUMBERISH.match(token):
            return False
        if _HAS_CJK.search(token):
            return len(token) >= 2
        return bool(_ASCII_WORD.match(token)) and token.lower() not in self.stop

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
        if not self.phrases:
            return Counter(t for t in self.unigrams.elements())
        longest = max(len(g) for g in self.phrases)
        counts: Counter = Counter()
        for frag in self.fragments:
            i = 0
            while i < len(frag):
                for n in range(min(longest, len(frag) - i), 1, -1):
                    gram = tuple(frag[i : i + n])
                    if gram in self.phrases:
                        text = "".join(gram)
                        counts[text] += 1
                        self.parts[text] = gram
                        i += n
                        break
                else:
                    counts[frag[i]] += 1
                    i += 1
        return counts

    # --- rankings --------------------------------------------------------------

    def frequency(self, top: int) -> list[Term]:
        ranked = [(t, c) for t, c in self.unigrams.items() if self.is_word(t)]
        ranked.sort(key=lambda tc: (-tc[1], tc[0]))
        return [Term(t, float(c), c) for t, c in ranked[:top]]

    def idf(self, term: str) -> float:
        table, median = jieba_idf()
        if term in table:
            return table[term]
        parts = self.parts.get(term)
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
            if not self.is_word(term):
                continue
            special = term in self.slogans or term in self.user_terms
            if not special and count < (opt.min_count if exclude_seen else 1):
                continue
            score = (1 + math.log(count)) * self.idf(term) ** opt.idf_power
            if opt.heading_weight and any(term in h for h in self.headings):
                score *= 1 + opt.heading_weight
            if bg_text:
                seen = bg_text.count(term)
                if exclude_seen and seen:
                    continue
                ratio = (count / n_chars) / ((seen + 0.5) / bg_chars)
                score *= math.log2(1 + ratio)
            scored.append(Term(term, score, count))
        scored.sort(key=lambda t: (-t.score, t.text))
        return _drop_nested(scored)[:top]


def _drop_nested(terms: list[Term]) -> list[Term]:
    """Leave out a term contained in a better-ranked one when nearly all its
    occurrences are inside it (引资 under 招商引资)."""
    kept: list[Term] = []
    for term in terms:
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
    analysis = Analysis(texts, options)
    if mode == "frequency":
        return analysis.frequency(top)
    if mode == "new":
        return analysis.themes(top, background=before, exclude_seen=True)
    return analysis.themes(top, background=before)

"""Benchmark of the word statistics behind the year review (``gongjian.review.words``).

Usage::

    .venv/bin/python bench/bench_words.py [CORPUS_DIR] [--seed FILE] [--limit N]

``CORPUS_DIR`` (default ``../shared/corpus``, relative to the repository) holds public
Chinese policy texts that are not part of the repository: the national Government Work
Reports ``gwr20XX.txt`` and ``csl_kg_dev.jsonl`` (the CSL keyword benchmark's dev split:
1,000 scientific abstracts with their authors' keywords). ``--seed`` is the newspaper's
"十大高频词" article (default: the demo's copy, ``gongjian/demo/data/``). Prints a
Markdown section for docs/benchmarks.md:

1. frequency: the top words' counts against the counts the texts themselves give (a
   reader's count, ``str.count``), beside a plain jieba token count;
2. new terms: the 2024 report against every earlier report of the folder, and where
   the terms the press called "首次写入" rank; the years the background lacks;
3. themes on the seed article: how many of its section headings are in the top 10;
4. CSL F1@5 of themes (the product's mode: the keyword model for one short text; and
   the statistics ranker for comparison) against jieba's two keyword extractors, on
   both halves of the dev file (abstracts 1–500 tuned the defaults and fitted the
   keyword model, bench/fit_words.py; 501–1,000 are held out), with throughput.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402
import jieba.analyse  # noqa: E402

from gongjian.review.words import Options, extract, tokenizer  # noqa: E402

jieba.setLogLevel(logging.WARNING)

DEFAULT_CORPUS = Path("../shared/corpus")
DEFAULT_SEED = ROOT / "gongjian" / "demo" / "data" / "jinzhou-2024-article.txt"
# The seed article's section headings (a line of two headings counts when either half
# is in the top 10).
SEED_HEADINGS = [
    "幸福民生",
    "区域中心城市",
    "项目会师 裂变",
    "招商引资",
    "工业矩阵",
    "营商环境",
    "锦绣英才",
    "优化产业布局",
    "山海福地 锦绣之州",
]
# Terms that the press reported as written into the 2024 Government Work Report for the
# first time (首次写入); the check is where each ranks among the new terms.
FIRST_WRITTEN_2024 = [
    "新质生产力",
    "人工智能+",
    "低空经济",
    "商业航天",
    "量子技术",
    "生命科学",
    "创新药",
    "超长期特别国债",
    "银发经济",
]
CSL_TUNING = 500  # abstracts 1–500 tuned the defaults; 501–1,000 are reported
TIMING_ROUNDS = 3


def _year(path: Path) -> int:
    return int(re.sub(r"\D", "", path.stem))


def frequency(folder: Path, top: int = 20) -> list[str]:
    """The top words' counts against the text's own counts (a word inside a longer one
    counts, as a reader counts), and what a plain jieba token count gives."""
    lines = [
        f"Frequency: the top {top} words of each report, their counts against the counts the "
        "text itself gives (`str.count`, a word inside a longer one included), and a plain "
        "jieba token count of the same words.",
        "",
        "| report | characters | recall of the text's counts | jieba token count recall | top 10 (count) |",
        "| --- | --- | --- | --- | --- |",
    ]
    tk = tokenizer()
    for path in sorted(folder.glob("gwr20*.txt")):
        text = path.read_text("utf-8")
        terms = extract([text], "frequency", top)
        actual = {t.text: text.count(t.text) for t in terms}
        tokens = Counter(tk.lcut(text))
        ours = sum(min(t.count, actual[t.text]) for t in terms) / max(sum(actual.values()), 1)
        plain = sum(min(tokens[w], c) for w, c in actual.items()) / max(sum(actual.values()), 1)
        shown = "、".join(f"{t.text} {t.count}" for t in terms[:10])
        lines.append(f"| {path.stem} | {len(text):,} | {ours:.1%} | {plain:.1%} | {shown} |")
    return lines


def new_terms(folder: Path) -> list[str]:
    files = sorted(folder.glob("gwr20*.txt"), key=_year)
    latest = next((f for f in files if _year(f) == 2024), None)
    if latest is None:
        return ["(no gwr2024.txt: new terms not measured)"]
    earlier = [f for f in files if _year(f) < 2024]
    years = [_year(f) for f in earlier]
    missing = [y for y in range(min(years), 2024) if y not in years] if years else []
    text = latest.read_text("utf-8")
    before = [f.read_text("utf-8") for f in earlier]
    started = time.perf_counter()
    ranked = extract([text], "new", 200, before=before)
    elapsed = time.perf_counter() - started
    names = [t.text for t in ranked]
    ranks = {w: (names.index(w) + 1 if w in names else None) for w in FIRST_WRITTEN_2024}
    in20 = sum(1 for r in ranks.values() if r and r <= 20)
    in50 = sum(1 for r in ranks.values() if r and r <= 50)
    return [
        f"New terms: the 2024 report against {', '.join(map(str, years))} ({elapsed:.2f} s). "
        f"The background lacks {', '.join(map(str, missing)) or 'no year'}: a term first "
        "written in a missing year is new against this background and comes out as such.",
        "",
        f'- press "首次写入" terms in the top 20: {in20} of {len(FIRST_WRITTEN_2024)}; '
        f"in the top 50: {in50}",
        "- rank of each: " + ", ".join(f"{w} {r if r else 'not found'}" for w, r in ranks.items()),
        f"- top 20: {'、'.join(names[:20])}",
    ]


def seed(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    started = time.perf_counter()
    themes = [t.text for t in extract([text], "themes", 10)]
    elapsed = time.perf_counter() - started
    found = [h for h in SEED_HEADINGS if any(part in themes for part in h.split())]
    frequency_top = extract([text], "frequency", 10)
    return [
        f"Seed article ({len(text):,} characters), themes in {elapsed:.2f} s:",
        "",
        f"- themes top 10: {'、'.join(themes)}",
        f"- section headings in the top 10: {len(found)} of {len(SEED_HEADINGS)} "
        f"(missing: {'、'.join(h for h in SEED_HEADINGS if h not in found) or 'none'})",
        "- frequency top 10: " + "、".join(f"{t.text} {t.count}" for t in frequency_top),
        f"- jieba.analyse.extract_tags top 10: {'、'.join(jieba.analyse.extract_tags(text, 10))}",
    ]


def f1_at_k(predicted: list[str], gold: list[str], k: int = 5) -> tuple[float, float, float]:
    predicted = predicted[:k]
    gold_set = {g.strip() for g in gold}
    hits = sum(1 for p in predicted if p in gold_set)
    precision = hits / k
    recall = hits / len(gold_set) if gold_set else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def csl(path: Path, limit: int | None) -> list[str]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    splits = {"tuning (1–500)": rows[:CSL_TUNING], "held-out (501–1,000)": rows[CSL_TUNING:]}
    if limit:
        splits = {k: v[:limit] for k, v in splits.items()}
    statistics_only = Options(ranker="statistics")
    methods = {
        # the product's themes mode as it is: one short text goes to the keyword model
        "gongjian themes": lambda text: [t.text for t in extract([text], "themes", 5)],
        "gongjian themes, statistics ranker": lambda text: [
            t.text for t in extract([text], "themes", 5, options=statistics_only)
        ],
        "jieba.analyse.extract_tags": lambda text: jieba.analyse.extract_tags(text, topK=5),
        "jieba.analyse.textrank": lambda text: jieba.analyse.textrank(text, topK=5),
    }
    lines = [
        "CSL keyword benchmark (dev file, 1,000 abstracts): exact match of the top 5 "
        "against the authors' keywords. The defaults and the keyword model "
        "(bench/fit_words.py) were fitted on the tuning half; the held-out half is the "
        "figure to quote. `gongjian themes` is the mode as the product runs it (one "
        "abstract is one short text: the keyword model ranks it); the statistics ranker "
        "is the ranking of long texts and of a year's corpus, forced here for comparison. "
        "Characters per second over each half, one abstract at a time (dictionaries "
        f"loaded before timing), the best of {TIMING_ROUNDS} rounds in which the methods "
        "take turns.",
        "",
        "| method | split | P@5 | R@5 | F1@5 | characters/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    figures = {}
    best: dict[tuple[str, str], float] = {}
    for name, method in methods.items():
        method(rows[0]["text"])  # warm up (dictionaries load once)
        for split, chosen in splits.items():
            scores = [f1_at_k(method(row["text"]), row["keywords"]) for row in chosen]
            figures[name, split] = [statistics.mean(s[i] for s in scores) for i in range(3)]
    # timing: the methods in turn, three rounds, the best round of each (the machine's
    # load drifts; one pass per method would time each under a different load)
    for _ in range(TIMING_ROUNDS):
        for name, method in methods.items():
            for split, chosen in splits.items():
                started = time.perf_counter()
                for row in chosen:
                    method(row["text"])
                elapsed = time.perf_counter() - started
                best[name, split] = min(best.get((name, split), elapsed), elapsed)
    for name in methods:
        for split, chosen in splits.items():
            chars = sum(len(r["text"]) for r in chosen)
            p, r, f = figures[name, split]
            lines.append(
                f"| {name} | {split} | {p:.3f} | {r:.3f} | {f:.3f} | "
                f"{chars / best[name, split]:,.0f} |"
            )
    return lines


def throughput(folder: Path) -> list[str]:
    """Characters per second on whole reports: themes, frequency and extract_tags."""
    texts = [p.read_text("utf-8") for p in sorted(folder.glob("gwr20*.txt"))]
    if not texts:
        return []
    chars = sum(len(t) for t in texts)
    methods = {
        "gongjian themes": lambda t: extract([t], "themes", 10),
        "gongjian frequency": lambda t: extract([t], "frequency", 10),
        "jieba.analyse.extract_tags": lambda t: jieba.analyse.extract_tags(t, topK=10),
    }
    lines = [
        f"Throughput on the {len(texts)} reports ({chars:,} characters), best of 3:",
        "",
        "| method | characters/s |",
        "| --- | --- |",
    ]
    for name, method in methods.items():
        method(texts[0][:200])
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for text in texts:
                method(text)
            best = min(best, time.perf_counter() - started)
        lines.append(f"| {name} | {chars / best:,.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--corpus", dest="corpus_option", help="the same, as an option")
    parser.add_argument("--seed", default=str(DEFAULT_SEED))
    parser.add_argument("--limit", type=int, help="only the first N CSL abstracts of each half")
    parser.add_argument(
        "--only", choices=["frequency", "new", "seed", "csl", "throughput"], action="append"
    )
    args = parser.parse_args()
    folder = Path(args.corpus_option or args.corpus)
    if not folder.is_absolute():
        folder = (ROOT / folder).resolve()
    if not folder.is_dir():
        parser.error(f"no corpus folder {folder}")
    only = set(args.only or ["frequency", "new", "seed", "csl", "throughput"])
    lines = ["## Year review words (bench/bench_words.py)", ""]
    if "seed" in only and Path(args.seed).exists():
        lines += seed(Path(args.seed)) + [""]
    if "frequency" in only:
        lines += frequency(folder) + [""]
    if "new" in only:
        lines += new_terms(folder) + [""]
    if "csl" in only and (folder / "csl_kg_dev.jsonl").exists():
        lines += csl(folder / "csl_kg_dev.jsonl", args.limit) + [""]
    if "throughput" in only:
        lines += throughput(folder) + [""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

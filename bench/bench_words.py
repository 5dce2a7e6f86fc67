"""Benchmark of the word statistics behind the year review (``gongjian.review.words``).

Usage::

    .venv/bin/python bench/bench_words.py --corpus DIR --seed FILE [--limit N]

``--corpus`` is a folder holding ``csl_kg_dev.jsonl`` (the CSL keyword benchmark,
dev split) and the Government Work Reports ``gwr20XX.txt``; ``--seed`` is the
newspaper's "十大高频词" article. Both default to the environment variables
``GONGJIAN_CORPUS_DIR`` and ``GONGJIAN_SEED_FILE``. Prints a Markdown section for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jieba  # noqa: E402
import jieba.analyse  # noqa: E402

from gongjian.review.words import extract, tokenizer  # noqa: E402

jieba.setLogLevel(logging.WARNING)


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
    rows = rows[:limit] if limit else rows
    methods = {
        "gongjian themes": lambda text: [t.text for t in extract([text], "themes", 5)],
        "jieba.analyse.extract_tags": lambda text: jieba.analyse.extract_tags(text, topK=5),
        "jieba.analyse.textrank": lambda text: jieba.analyse.textrank(text, topK=5),
    }
    chars = sum(len(r["text"]) for r in rows)
    lines = [
        f"CSL keyword benchmark, dev split: {len(rows)} abstracts, {chars:,} characters; "
        "exact match of the top 5 against the authors' keywords.",
        "",
        "| method | P@5 | R@5 | F1@5 | characters/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, method in methods.items():
        method(rows[0]["text"])  # warm up (dictionaries load once)
        scores = []
        started = time.perf_counter()
        for row in rows:
            scores.append(f1_at_k(method(row["text"]), row["keywords"]))
        elapsed = time.perf_counter() - started
        p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
        lines.append(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {chars / elapsed:,.0f} |")
    return lines


def seed(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    started = time.perf_counter()
    themes = [t.text for t in extract([text], "themes", 10)]
    elapsed = time.perf_counter() - started
    frequency = [t.text for t in extract([text], "frequency", 10)]
    tags = jieba.analyse.extract_tags(text, topK=10)
    expected = ["区域中心城市", "招商引资", "营商环境"]
    whole = {
        s: any(s == t.text for t in extract([text], "themes", 500)) for s in ("136921", "21152")
    }
    return [
        f"Seed article ({len(text):,} characters), themes in {elapsed:.2f} s:",
        "",
        f"- themes top 10: {'、'.join(themes)}",
        f"- expected in top 10 ({'、'.join(expected)}): "
        + ", ".join(f"{e} {'yes' if e in themes else 'NO'}" for e in expected),
        "- kept whole as terms: "
        + ", ".join(f"“{k}” {'yes' if v else 'NO'}" for k, v in whole.items()),
        f"- frequency top 10: {'、'.join(frequency)}",
        f"- jieba.analyse.extract_tags top 10 (for comparison): {'、'.join(tags)}",
    ]


def reports(folder: Path) -> list[str]:
    files = sorted(folder.glob("gwr20*.txt"))
    if len(files) < 2:
        return []
    latest, earlier = files[-1], files[:-1]
    text = latest.read_text("utf-8")
    before = [f.read_text("utf-8") for f in earlier]
    out = [
        f"Government Work Report {latest.stem[3:]} against {', '.join(f.stem[3:] for f in earlier)}:",
        "",
    ]
    for mode in ("frequency", "themes", "new"):
        started = time.perf_counter()
        terms = extract([text], mode, 10, before=before if mode != "frequency" else ())
        elapsed = time.perf_counter() - started
        out.append(f"- {mode} ({elapsed:.2f} s): {'、'.join(t.text for t in terms)}")
    return out


def segmenters(texts: list[str]) -> list[str]:
    """Segmentation speed of jieba and its accelerated ports on the same text."""
    text = "\n".join(texts)
    out = [
        f"Segmentation of {len(text):,} characters (best of 3, HMM on):",
        "",
        "| segmenter | characters/s | tokens | same tokens as jieba |",
        "| --- | --- | --- | --- |",
    ]
    reference = None
    candidates = [("jieba 0.42 (gongjian's tokenizer)", lambda s: tokenizer().lcut(s))]
    try:
        import jieba_fast

        jieba_fast.setLogLevel(logging.WARNING)
        candidates.append(("jieba_fast", lambda s: jieba_fast.lcut(s)))
    except ImportError:
        out.insert(0, "(jieba_fast not installed)")
    try:
        import rjieba

        candidates.append(("rjieba (jieba-rs)", lambda s: rjieba.cut(s)))
    except ImportError:
        out.insert(0, "(rjieba not installed)")
    for name, cut in candidates:
        cut("预热")
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            tokens = cut(text)
            best = min(best, time.perf_counter() - started)
        if reference is None:
            reference = tokens
        same = sum(1 for a, b in zip(tokens, reference, strict=False) if a == b) / max(
            len(reference), 1
        )
        out.append(f"| {name} | {len(text) / best:,.0f} | {len(tokens):,} | {same:.1%} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("GONGJIAN_CORPUS_DIR"))
    parser.add_argument("--seed", default=os.environ.get("GONGJIAN_SEED_FILE"))
    parser.add_argument("--limit", type=int, help="only the first N CSL abstracts")
    parser.add_argument("--only", choices=["csl", "seed", "reports", "segmenters"])
    args = parser.parse_args()
    if not args.corpus and not args.seed:
        parser.error("give --corpus and/or --seed (or GONGJIAN_CORPUS_DIR / GONGJIAN_SEED_FILE)")
    lines = ["## Year review words (bench/bench_words.py)", ""]
    if args.seed and args.only in (None, "seed"):
        lines += seed(Path(args.seed)) + [""]
    if args.corpus:
        folder = Path(args.corpus)
        if args.only in (None, "csl") and (folder / "csl_kg_dev.jsonl").exists():
            lines += csl(folder / "csl_kg_dev.jsonl", args.limit) + [""]
        if args.only in (None, "reports"):
            lines += reports(folder) + [""]
        if args.only in (None, "segmenters"):
            texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))]
            lines += segmenters(texts) + [""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

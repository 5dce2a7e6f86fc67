"""Fit the keyword model of ``gongjian.review.words`` (``keyword_terms``).

Usage::

    .venv/bin/python bench/fit_words.py [CORPUS_DIR] [--check]

Reads ``csl_kg_dev.jsonl`` of ``CORPUS_DIR`` (default ``../shared/corpus``; see
bench/bench_words.py) and uses **only its tuning half, abstracts 1–500**: the held-out
half (501–1,000) is what bench/bench_words.py reports and is never read here. Each
candidate term of an abstract (``words.keyword_features``) is labelled 1 when it is one
of the authors' keywords, and a logistic regression (L2, Newton's method, numpy) is
fitted over all candidates. Prints F1@5 of a 5-fold cross-validation inside the tuning
half, then writes the weights to ``gongjian/review/data/keyword-model.yaml``
(``--check``: print only, write nothing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongjian.review.words import (  # noqa: E402
    keyword_design,
    keyword_features,
    keyword_model_names,
)

DEFAULT_CORPUS = Path("../shared/corpus")
MODEL = ROOT / "gongjian" / "review" / "data" / "keyword-model.yaml"
TUNING = 500  # abstracts 1–500; 501–1,000 are held out
L2 = 3.0
FOLDS = 5


def tuning_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                rows.append(json.loads(line))
            if len(rows) == TUNING:
                break
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 30) -> np.ndarray:
    """Logistic regression by Newton's method; the bias (column 0) is not penalised."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -50, 50)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def f1_at_5(predicted: list[str], gold: list[str]) -> tuple[float, float, float]:
    gold_set = {g.strip() for g in gold}
    hits = sum(1 for p in predicted[:5] if p in gold_set)
    precision, recall = hits / 5, hits / len(gold_set)
    return precision, recall, (2 * precision * recall / (precision + recall) if hits else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--check", action="store_true", help="cross-validate only")
    args = parser.parse_args()
    folder = Path(args.corpus)
    if not folder.is_absolute():
        folder = (ROOT / folder).resolve()
    rows = tuning_rows(folder / "csl_kg_dev.jsonl")
    data = []
    for row in rows:
        candidates = keyword_features(row["text"])
        terms = [c.text for c in candidates]
        gold = {k.strip() for k in row["keywords"]}
        labels = np.array([float(t in gold) for t in terms])
        design = np.array([keyword_design(c) for c in candidates], dtype=float)
        data.append((terms, design, labels))
    covered = sum(
        len({k.strip() for k in r["keywords"]} & set(d[0])) for r, d in zip(rows, data, strict=True)
    )
    total = sum(len({k.strip() for k in r["keywords"]}) for r in rows)
    print(
        f"abstracts 1–{len(rows)}: {sum(len(d[0]) for d in data):,} candidates, "
        f"{covered / total:.1%} of the authors' keywords among them"
    )
    scores = []
    for fold in range(FOLDS):
        train = [d for i, d in enumerate(data) if i % FOLDS != fold]
        w = fit(np.vstack([d[1] for d in train]), np.concatenate([d[2] for d in train]))
        for i, (terms, x, _labels) in enumerate(data):
            if i % FOLDS == fold:
                order = np.argsort(-(x @ w), kind="stable")
                scores.append(f1_at_5([terms[j] for j in order[:5]], rows[i]["keywords"]))
    p, r, f = (float(np.mean([s[k] for s in scores])) for k in range(3))
    print(f"{FOLDS}-fold cross-validation on the tuning half: P@5 {p:.3f} R@5 {r:.3f} F1@5 {f:.3f}")
    if args.check:
        return
    w = fit(np.vstack([d[1] for d in data]), np.concatenate([d[2] for d in data]))
    lines = [
        "# The keyword model of gongjian.review.words (keyword_terms): the weights of a",
        f"# logistic regression (L2 {L2}) over keyword_model_names' columns, fitted by",
        f"# bench/fit_words.py on abstracts 1-{len(rows)} of the CSL keyword benchmark's dev",
        "# file (its tuning half; 501-1,000 are held out and were not read). F1@5 of a",
        f"# {FOLDS}-fold cross-validation inside the tuning half: {f:.3f}. Written by the",
        "# script: refit rather than edit.",
        "weights:",
    ]
    lines += [f"  {name}: {float(v):.6f}" for name, v in zip(keyword_model_names(), w, strict=True)]
    MODEL.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {MODEL.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

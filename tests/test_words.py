"""Word statistics (gongjian.review.words) and the ``gongjian words`` command, on the
small texts in tests/review_texts."""

from __future__ import annotations

import math
from importlib import resources
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from gongjian.review import words

TEXTS = Path(__file__).parent / "review_texts"
YEAR = (TEXTS / "year2024.txt").read_text("utf-8")
EARLIER = (TEXTS / "year2023.txt").read_text("utf-8")
# An abstract as scientific journals print it, its title last.
ABSTRACT = (
    "针对传统方法收敛慢、易陷入局部最优的问题,提出一种改进粒子群算法,用于配电网无功优化."
    "该方法引入自适应惯性权重和变异算子.以IEEE 33节点系统为例,仿真结果表明,该方法降低了"
    "网损,收敛速度更快. 基于改进粒子群算法的配电网无功优化"
)


def ranked(mode, texts=(YEAR,), top=10, **kwargs):
    return [t.text for t in words.extract(list(texts), mode, top, **kwargs)]


def test_frequency_counts_words_without_stop_words():
    result = words.extract([YEAR], "frequency", 50)
    texts = [t.text for t in result]
    assert "的" not in texts and "和" not in texts
    counts = {t.text: t.count for t in result}
    assert counts["发展"] == YEAR.count("发展")
    assert [t.count for t in result] == sorted((t.count for t in result), reverse=True)


def test_themes_keep_terms_and_slogans_whole_and_push_generic_words_down():
    top = ranked("themes")
    for term in ("区域中心城市", "营商环境", "招商引资"):
        assert term in top
    everything = ranked("themes", top=200)
    assert "136921" in everything and "21152" in everything
    assert "一枢纽、两中心、两高地" in everything
    assert "免申即享" in everything
    assert "136" not in everything
    for generic in ("发展", "建设", "推进"):
        assert generic not in top


def test_new_terms_are_absent_from_earlier_years():
    new = ranked("new", top=50, before=[EARLIER])
    assert new
    for term in new:
        assert term not in EARLIER
    assert "营商环境" not in new and "区域中心城市" not in new
    assert "136921" in new


def test_user_terms_are_not_split():
    text = "锦凌水库建成。锦凌水库蓄水。锦凌水库通过验收。"
    plain = ranked("frequency", [text], top=20)
    kept = ranked("frequency", [text], top=20, options=words.Options(user_terms=["锦凌水库"]))
    assert "锦凌水库" in kept
    assert kept != plain or "锦凌水库" in plain


def test_extra_stop_words_are_left_out():
    result = ranked("frequency", top=50, options=words.Options(stop_words=["发展"]))
    assert "发展" not in result


@pytest.mark.parametrize("mode", words.MODES)
def test_empty_input(mode):
    assert words.extract([], mode) == []
    assert words.extract(["", "   \n"], mode) == []
    assert words.extract(["。，、!?"], mode) == []


@pytest.mark.parametrize("mode", words.MODES)
def test_english_only_input(mode):
    text = "The investment attraction campaign signed projects. Investment projects landed."
    result = ranked(mode, [text], top=5)
    assert "the" not in [r.lower() for r in result]
    if mode == "frequency":
        assert result[0] in ("investment", "projects", "Investment")


def test_mixed_input():
    text = "5G工厂建成16个，AI大模型赋能制造业。5G工厂、数字化车间带动产业升级，AI赋能。"
    result = ranked("frequency", [text], top=20)
    assert "工厂" in result or "5G工厂" in result
    assert not any(r.isdigit() for r in result)


def test_very_long_input_is_handled():
    long_text = YEAR * 300
    result = words.extract([long_text], "themes", 10)
    assert "区域中心城市" in [t.text for t in result]
    counts = {t.text: t.count for t in words.extract([long_text], "frequency", 100)}
    assert counts["招商引资"] == 300 * YEAR.count("招商引资")


def test_too_long_input_is_refused(monkeypatch):
    monkeypatch.setattr(words, "MAX_CHARS", 100)
    with pytest.raises(ValueError, match="超过上限"):
        words.extract([YEAR], "themes")


def test_bad_mode_and_top():
    with pytest.raises(ValueError, match="未知的模式"):
        words.extract([YEAR], "magic")
    with pytest.raises(ValueError):
        words.extract([YEAR], "themes", top=0)


def run(*args) -> str:
    out = StringIO()
    call_command("words", *args, stdout=out)
    return out.getvalue()


def test_one_short_text_is_ranked_by_the_keyword_model():
    result = words.extract([ABSTRACT], "themes", 5)
    top = [t.text for t in result]
    assert "无功优化" in top and "配电网" in top
    assert top == ranked("themes", [ABSTRACT], top=5, options=words.Options(ranker="model"))
    assert top != ranked("themes", [ABSTRACT], top=5, options=words.Options(ranker="statistics"))
    scores = [t.score for t in result]
    assert all(0 < s < 1 for s in scores) and scores == sorted(scores, reverse=True)
    # a term written once is a candidate too
    assert "变异算子" in [c.text for c in words.keyword_features(ABSTRACT)]


def test_headings_a_background_or_several_texts_keep_the_statistics():
    statistics = words.Options(ranker="statistics")
    assert ranked("themes") == ranked("themes", options=statistics)  # YEAR has headings
    assert ranked("themes", [ABSTRACT], before=[EARLIER]) == ranked(
        "themes", [ABSTRACT], before=[EARLIER], options=statistics
    )
    assert ranked("themes", [ABSTRACT, EARLIER]) == ranked(
        "themes", [ABSTRACT, EARLIER], options=statistics
    )
    with pytest.raises(ValueError, match="未知的排序方式"):
        words.extract([ABSTRACT], "themes", options=words.Options(ranker="magic"))


def test_keyword_scores_are_the_fitted_logistic_regression():
    raw = resources.files("gongjian.review").joinpath("data/keyword-model.yaml").read_text("utf-8")
    weights = yaml.safe_load(raw)["weights"]
    names = words.keyword_model_names()
    assert set(weights) == set(names)
    expected = {}
    for candidate in words.keyword_features(ABSTRACT):
        design = words.keyword_design(candidate)
        assert len(design) == len(names)
        z = sum(weights[n] * x for n, x in zip(names, design, strict=True))
        expected[candidate.text] = 1 / (1 + math.exp(-z))
    result = words.keyword_terms(ABSTRACT, len(expected))
    assert [t.text for t in result] == sorted(expected, key=lambda t: -expected[t])
    for term in result:
        assert term.score == pytest.approx(expected[term.text])


def test_words_command_prints_one_term_per_line():
    lines = run("--mode", "themes", "--top", "5", str(TEXTS / "year2024.txt")).splitlines()
    assert len(lines) == 5
    assert lines == ranked("themes", top=5)


def test_words_command_new_with_before():
    lines = run(
        "--mode",
        "new",
        "--top",
        "10",
        str(TEXTS / "year2024.txt"),
        "--before",
        str(TEXTS / "year2023.txt"),
    ).splitlines()
    assert lines and all(line not in EARLIER for line in lines)


def test_words_command_on_an_empty_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", "utf-8")
    assert run("--mode", "frequency", str(empty)) == ""


def test_words_command_refuses_missing_and_binary_files(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run(str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00\xd8\x00\xdc" * 3)
    with pytest.raises(CommandError):
        run(str(bad))

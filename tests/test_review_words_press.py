"""Word lists as newspapers publish them: reader's counts with nested and
single-character words, once-mentioned new terms, headings as themes; and the
review draft's refusals (duplicate paragraphs, unknown indicator codes)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from gongjian.review import words
from gongjian.review.selectors import check_term_indicators


def test_frequency_counts_nested_and_single_character_words():
    text = "坚持对外开放，深化改革开放，扩大高水平开放。党的领导，全面从严治党。推进推进推进。"
    counts = {t.text: t.count for t in words.extract([text], "frequency", 30)}
    assert counts["开放"] == text.count("开放") == 3
    assert counts["党"] == text.count("党") == 2
    assert "推进" not in counts  # a generic verb, on the editable stop list


def test_new_terms_written_once_are_found():
    before = ["坚持创新驱动发展，推进产业升级。"]
    text = (
        "积极打造生物制造、商业航天、低空经济等新增长引擎。开展“人工智能+”行动。衷心感谢各位代表。"
    )
    new = [t.text for t in words.extract([text], "new", 20, before=before)]
    for term in ("生物制造", "商业航天", "低空经济", "人工智能+"):
        assert term in new
    assert "衷心感谢" not in new


def test_headings_are_theme_candidates_and_captions_are_not():
    text = (
        "幸福民生\n推进162个老旧小区改造，物业服务管理实现全覆盖。\n"
        "锦绣英才\n建成省级以上双创平台51个，集聚青年人才1.8万名。\n"
        "图片说明\n建设中的新能源产业基地项目。\n"
    )
    top = [t.text for t in words.extract([text], "themes", 5)]
    assert "幸福民生" in top and "锦绣英才" in top
    assert "图片说明" not in top


def test_a_one_line_text_has_no_heading():
    assert words.find_headings("签约") == []
    assert words.find_headings("签约\n项目于3月签约，总投资5亿元。") == ["签约"]


def test_unknown_indicator_codes_are_refused():
    with pytest.raises(ImproperlyConfigured, match="no_such_code"):
        check_term_indicators({"营商环境": ["no_such_code"]}, ["service_efficiency_gain"])
    check_term_indicators({"营商环境": ["service_efficiency_gain"]}, ["service_efficiency_gain"])


@pytest.mark.django_db
def test_duplicate_paragraphs_are_refused():
    import datetime as dt

    from django.core.exceptions import ValidationError

    from gongjian.kit.scope import SYSTEM
    from gongjian.review.services import draft_save
    from tests.factories import CityFactory

    city = CityFactory()
    items = [{"term": "京津冀", "paragraph": "同一段。"}, {"term": "联动", "paragraph": "同一段。"}]
    with pytest.raises(ValidationError, match="与第 1 条相同"):
        draft_save(
            actor=SYSTEM, unit=city, year=2024, as_of=dt.date(2024, 10, 31), title="t", items=items
        )

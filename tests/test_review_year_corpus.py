"""The year review on the city's own year: the demo's corpus (the platform's monthly
调度通报, minutes, summaries, 拉练 comments — not the newspaper's article), the
template lines of monthly reports counted once, quoted slogans ranked by their weight,
new terms without sayings or sentence fragments, and a .docx whose title holds a
control character."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from docx import Document

from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.reports.dispatch import statement_text, value_text
from gongjian.review import words
from gongjian.review.exports import review_docx
from gongjian.review.models import CorpusDocument, ReviewDraft
from gongjian.review.selectors import compose_review, display_figure, distinct_lines
from gongjian.units.models import Role
from tests.factories import member

AS_OF = dt.date(2024, 10, 31)


# --- words ------------------------------------------------------------------------------


def test_quoted_sayings_weigh_less_than_coined_terms():
    assert words.quoted_weight("人工智能+") == 2.0
    assert words.quoted_weight("免申即享") == 2.0
    assert words.quoted_weight("事事心中有底") < 1  # a saying (reduplicated opening)
    assert words.quoted_weight("三个区分开来") < 1  # a predicate
    assert words.quoted_weight("双减") == 1.0  # a numbered shorthand
    assert words.quoted_weight("千村示范、万村整治") == 1.0  # a couplet


def test_slogans_are_ranked_by_their_weight():
    """Two slogans quoted as often: the coined term ranks above the saying."""
    text = (
        "各地推行“免申即享”，做到“事事心中有底”。\n惠企政策实现“免申即享”，干部“事事心中有底”。\n"
    )
    ranked = [t.text for t in words.extract([text], "themes", 20)]
    assert ranked.index("免申即享") < ranked.index("事事心中有底")


def test_new_terms_trim_predicates_and_keep_short_terms():
    before = ["坚持创新驱动发展，推进产业升级，防范化解风险。"]
    text = (
        "一些地方的房地产、地方债务、中小金融机构等风险隐患凸显，部分地区遭受洪涝、台风等灾害。"
        "加快前沿新兴氢能、新材料、创新药等产业发展。拟连续几年发行超长期特别国债。"
        "大力发展银发经济。做到“事事心中有底、时时放心不下”。"
    )
    ranked = [t.text for t in words.extract([text], "new", 40, before=before)]
    for term in ("创新药", "超长期特别国债", "银发经济", "地方债务"):
        assert term in ranked
    for fragment in ("部分地区遭受洪涝", "大力发展银发经济", "一些地方的房地产"):
        assert fragment not in ranked
    saying = "事事心中有底"
    assert saying not in ranked[:5]


def test_new_terms_seen_in_the_background_are_not_new():
    before = ["大力发展数字经济。"]
    ranked = [
        t.text for t in words.extract(["发展数字经济和低空经济等产业。"], "new", 10, before=before)
    ]
    assert "低空经济" in ranked and "数字经济" not in ranked


def test_template_lines_of_monthly_reports_count_once():
    january = "调度通报\n红灯项目17个,黄灯项目78个。\n招商引资持续推进。"
    october = "调度通报\n红灯项目151个,黄灯项目349个。\n营商环境持续优化。"
    texts = distinct_lines([january, october])
    joined = "\n".join(texts)
    assert joined.count("红灯项目") == 1 and joined.count("调度通报") == 1
    assert "招商引资持续推进。" in joined and "营商环境持续优化。" in joined


# --- the .docx ----------------------------------------------------------------------------


def test_docx_with_a_control_character_in_the_title():
    items = [
        {
            "term": "招商\x07引资",
            "paragraph": "改写\x0b的段落",
            "quotes": [
                {
                    "sentence": "招商引资持续推进。",
                    "source": "会议纪要",
                    "label": "半年\x01调度会",
                    "unit": "锦州市",
                    "dated_on": "2024-07-10",
                }
            ],
            "figures": [],
        }
    ]
    data = review_docx("2024 锦州\x00市攻坚\x1f 十大高频词", "2024-10-31", items)
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2024 锦州市攻坚 十大高频词" in text
    assert "改写的段落" in text
    assert "引文来源:《半年调度会》" in text  # the rewritten paragraph names no source


@pytest.mark.django_db
def test_docx_download_with_a_control_character_in_the_saved_title(client, demo):
    office = member(demo, Role.OFFICE)
    client.force_login(office)
    ReviewDraft.objects.create(
        year=2024,
        unit=demo,
        as_of=AS_OF,
        title="2024\x0b 锦州\x07攻坚",
        items=[{"term": "营商环境", "paragraph": "段落\x1b一", "quotes": [], "figures": []}],
    )
    response = client.get(f"/review/review.docx?year=2024&unit={demo.pk}")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "2024 锦州攻坚" in text and "段落一" in text


# --- the demo's year ----------------------------------------------------------------------


def test_demo_corpus_is_the_citys_own_year(demo):
    docs = CorpusDocument.objects.filter(year=2024, unit__path__startswith=demo.path)
    sources = set(docs.values_list("source", flat=True))
    assert {"调度通报", "会议纪要", "工作总结", "拉练点评"} <= sources
    # the newspaper's article is background, not the year's corpus
    assert not docs.filter(text__contains="记者手记").exists()
    # one 调度通报 a month, January to the demo's date, dated at each month's end
    reports = docs.filter(source="调度通报").order_by("dated_on")
    assert [d.dated_on.month for d in reports] == list(range(1, AS_OF.month + 1))
    assert reports.last().dated_on == AS_OF
    # 拉练 comments belong to the unit they comment on
    assert docs.filter(source="拉练点评").exclude(unit=demo).count() >= 7


def test_demo_dispatch_reports_state_the_engines_figures(demo):
    """Every 总体情况 statement of a month's report is the engine's value at that
    month's end (the report was drafted by the platform, not written by hand)."""
    for month in (3, 10):
        period = Period.month(2024, month)
        doc = CorpusDocument.objects.get(
            unit=demo, source="调度通报", dated_on=min(period.end, AS_OF)
        )
        ytd = Period.year_to_date(2024, min(period.end, AS_OF))
        checked = 0
        for code in ("signed_ge_100m", "landed_ge_20m", "started_or_resumed"):
            indicator = Indicator.objects.get(code=code)
            value = evaluate(indicator, demo, ytd)
            sentence = statement_text("全市", indicator, value)
            assert sentence in doc.text, (month, sentence)
            assert value_text(value, indicator) in sentence
            checked += 1
        assert checked == 3


def test_demo_review_quotes_the_years_own_texts(demo):
    review = compose_review(2024, demo, as_of=AS_OF)
    terms = [t.term for t in review.terms]
    assert len(terms) == 10
    assert {"招商引资", "营商环境", "区域中心城市"} <= set(terms)
    for label in ("序时", "红灯", "黄灯", "全市", "锦州", "攻坚"):
        assert label not in terms
    sources = {q.source for t in review.terms for q in t.quotes}
    labels = [q.label for t in review.terms for q in t.quotes]
    assert sources and not any("年终报道" in label for label in labels)
    assert any("工作总结" in label or "纪要" in label for label in labels)
    period = Period.year_to_date(2024, AS_OF)
    paragraphs = [t.paragraph for t in review.terms]
    assert len(set(paragraphs)) == len(paragraphs)
    for term in review.terms:
        for figure in term.figures:
            indicator = Indicator.objects.get(code=figure.code)
            assert figure.value == display_figure(evaluate(indicator, demo, period), indicator)
        # no internal code on the page
        assert not re.search(r"[a-z]+_[a-z0-9_]+", term.paragraph)
        for quote in term.quotes:
            assert quote.label and quote.dated_on
            assert quote.label in term.paragraph or quote.label.strip("《》") in term.paragraph

"""The demo's year-review corpus: besides the registry's own texts (project
descriptions, progress notes, problems, outreach notes), the newspaper's 2024
year-end review of the campaign, as the office would upload it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gongjian.kit.scope import SYSTEM
from gongjian.review.models import CorpusDocument, DictionaryTerm
from gongjian.review.services import dictionary_term_set, document_upload

DATA = Path(__file__).parent / "data"

ARTICLE = DATA / "jinzhou-2024-article.txt"
TITLE = "2024 锦州攻坚 十大高频词(年终报道)"
# The office's dictionary: its campaign's terms kept whole, and words its own forms
# repeat so often that they say nothing about the year.
CAMPAIGN_TERMS = [
    "幸福民生",
    "区域中心城市",
    "项目会师",
    "招商引资",
    "工业矩阵",
    "营商环境",
    "锦绣英才",
    "免申即享",
    "挂图作战",
    "开门红",
    "双过半",
]
STOP_WORDS = ["建设", "项目", "施工", "打造"]


def load_review(loader) -> None:
    for term in CAMPAIGN_TERMS:
        dictionary_term_set(actor=SYSTEM, term=term, note="攻坚词汇")
    for term in STOP_WORDS:
        dictionary_term_set(
            actor=SYSTEM, term=term, kind=DictionaryTerm.Kind.STOP, note="填报表格中的套话"
        )
    document_upload(
        actor=SYSTEM,
        unit=loader.city,
        year=2024,
        dated_on=dt.date(2024, 10, 31),
        file_name="jinzhou-2024-article.txt",
        data=ARTICLE.read_bytes(),
        title=TITLE,
        source="报刊年终报道",
    )


def remove_review(city) -> None:
    CorpusDocument.objects.filter(unit=city, title=TITLE).delete()
    DictionaryTerm.objects.filter(term__in=CAMPAIGN_TERMS + STOP_WORDS).delete()

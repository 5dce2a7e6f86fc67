"""The demo's year-review corpus: the year's own texts as the city's office would have
them, besides the registry's texts (project descriptions, progress notes, problems,
outreach notes):

- the monthly 调度通报 the platform itself drafted, January to the demo's date (the
  campaign runs on 2024-10-31: November's and December's are not issued yet), rendered
  by ``reports.dispatch`` with the bundled template at each month's end and read back
  as the office uploads a .docx — every figure in them is the engine's at that month;
- meeting minutes, work summaries and the third-quarter 拉练's comments (one document
  per county-level unit), written for the demo as plain texts in ``data/``: they carry
  no figure, only dates, names and the campaign's slogans.

The newspaper's year-end article (``data/jinzhou-2024-article.txt``) is not part of
the corpus: it is the background the demo's texts were written from (and the seed of
the words benchmark); a draft that quoted it would re-quote the press to itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gongjian.kit.scope import SYSTEM
from gongjian.review.models import CorpusDocument, DictionaryTerm
from gongjian.review.services import dictionary_term_set, document_upload
from gongjian.units.models import Unit

DATA = Path(__file__).parent / "data"

ARTICLE = DATA / "jinzhou-2024-article.txt"
# (file, title, source, date) of the texts written for the demo
DOCUMENTS = [
    (
        "jinzhou-2024-minutes-q1.txt",
        "全市项目建设攻坚一季度推进会会议纪要",
        "会议纪要",
        "2024-03-28",
    ),
    (
        "jinzhou-2024-summary-h1.txt",
        "锦州市2024年上半年项目建设攻坚工作总结",
        "工作总结",
        "2024-07-05",
    ),
    ("jinzhou-2024-minutes-h1.txt", "全市项目建设攻坚半年调度会会议纪要", "会议纪要", "2024-07-10"),
    (
        "jinzhou-2024-minutes-q3.txt",
        "2024年第三季度重点项目建设拉练总结会会议纪要",
        "会议纪要",
        "2024-09-20",
    ),
    (
        "jinzhou-2024-summary-q3.txt",
        "锦州市2024年前三季度项目建设攻坚工作总结",
        "工作总结",
        "2024-10-15",
    ),
]
TOUR_COMMENTS = DATA / "jinzhou-2024-tour-comments.txt"
TOUR_TITLE = "2024年第三季度重点项目建设拉练点评意见"
TOUR_DATE = dt.date(2024, 9, 20)
DISPATCH_SOURCE = "调度通报"
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
    "老旧小区",
]
STOP_WORDS = ["建设", "项目", "施工", "打造", "工程"]


def tour_comment_sections(text: str) -> list[tuple[str, str]]:
    """(unit name, comment) pairs of the tour comments file: a unit's name on its own
    line, its comment below."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out: list[tuple[str, str]] = []
    for line in lines[1:]:
        if len(line) <= 12 and not any(c in line for c in "，。；"):
            out.append((line, ""))
        elif out:
            out[-1] = (out[-1][0], (out[-1][1] + "\n" + line).strip())
    return out


def load_review(loader) -> None:
    for term in CAMPAIGN_TERMS:
        dictionary_term_set(actor=SYSTEM, term=term, note="攻坚词汇")
    for term in STOP_WORDS:
        dictionary_term_set(
            actor=SYSTEM, term=term, kind=DictionaryTerm.Kind.STOP, note="填报表格中的套话"
        )
    for file_name, title, source, dated in DOCUMENTS:
        document_upload(
            actor=SYSTEM,
            unit=loader.city,
            year=2024,
            dated_on=dt.date.fromisoformat(dated),
            file_name=file_name,
            data=(DATA / file_name).read_bytes(),
            title=title,
            source=source,
        )
    units = {u.name: u for u in Unit.objects.subtree(loader.city)}
    for name, comment in tour_comment_sections(TOUR_COMMENTS.read_text("utf-8")):
        document_upload(
            actor=SYSTEM,
            unit=units[name],
            year=2024,
            dated_on=TOUR_DATE,
            file_name=f"tour-comments-{units[name].code or units[name].pk}.txt",
            data=comment.encode("utf-8"),
            title=f"{TOUR_TITLE}（{name}）",
            source="拉练点评",
        )


def load_dispatch_reports(loader, through: dt.date) -> None:
    """The city's monthly 调度通报 of 2024 up to ``through``, each rendered at its month's
    end (or ``through``) by the platform and uploaded as the office files it. Runs after
    every registry of the demo is loaded."""
    from gongjian.kit.clock import override
    from gongjian.kit.dates import Period
    from gongjian.reports.dispatch import render_docx

    with override(through):
        for month in range(1, through.month + 1):
            period = Period.month(2024, month)
            issued = min(period.end, through)
            document_upload(
                actor=SYSTEM,
                unit=loader.city,
                year=2024,
                dated_on=issued,
                file_name=f"dispatch-2024-{month:02d}.docx",
                data=render_docx(unit=loader.city, period=period),
                title=f"{loader.city.name}重点项目建设调度通报（2024年第{month}期）",
                source=DISPATCH_SOURCE,
            )


def remove_review(city) -> None:
    # the demo's documents and those the office uploaded since (the units go with the demo)
    CorpusDocument.objects.filter(unit__path__startswith=city.path).delete()
    DictionaryTerm.objects.filter(term__in=CAMPAIGN_TERMS + STOP_WORDS).delete()

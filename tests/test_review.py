"""The year review: corpus sources and scope, uploads, the user dictionary, the drafted
review (figures from the engine, quotes from the corpus), its pages, .docx and CLI."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from docx import Document

from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM, Action
from gongjian.review import services
from gongjian.review.documents import read_document
from gongjian.review.models import CorpusDocument, DictionaryTerm, ReviewDraft
from gongjian.review.selectors import (
    check_term_indicators,
    compose_review,
    display_figure,
    related_indicators,
    term_indicator_map,
)
from gongjian.review.sources import corpus
from gongjian.review.words import heading_sections
from gongjian.units.models import Role, Unit
from tests.factories import CityFactory, member

TEXTS = Path(__file__).parent / "review_texts"
YEAR_TEXT = (TEXTS / "year2024.txt").read_bytes()
AS_OF = dt.date(2024, 10, 31)


def docx_bytes(paragraphs: list[str]) -> bytes:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def districts(demo):
    linghe = Unit.objects.get(code="210703")
    other = Unit.objects.filter(parent=demo).exclude(pk=linghe.pk).exclude(code=None).first()
    return linghe, other


@pytest.fixture
def office(demo):
    return member(demo, Role.OFFICE)


@pytest.fixture
def city_document(demo, office):
    return services.document_upload(
        actor=office,
        unit=demo,
        year=2024,
        dated_on=dt.date(2024, 12, 20),
        file_name="year2024.txt",
        data=YEAR_TEXT,
        source="市攻坚办",
    )


# --- reading documents ---------------------------------------------------------------


def test_read_txt_docx_and_refusals():
    assert read_document("a.txt", "营商环境".encode("gb18030")) == ("txt", "营商环境")
    fmt, text = read_document("a.docx", docx_bytes(["招商引资", "营商环境优化"]))
    assert fmt == "docx" and text == "招商引资\n营商环境优化"
    for name, data, message in [
        ("a.doc", b"x", "格式不受支持"),
        ("a.txt", b"", "空文件"),
        ("a.docx", b"not a zip", "不是有效的 Word"),
        ("a.pdf", b"%PDF-1.4 broken", "PDF"),
    ]:
        with pytest.raises(ValidationError, match=message):
            read_document(name, data)


def test_docx_with_an_entity_bomb_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("word/document.xml", bomb)
    with pytest.raises(ValidationError, match="无法读取"):
        read_document("bomb.docx", data.getvalue())


def test_pdf_text_layer_is_read():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError, match="没有文字层"):
        read_document("scan.pdf", out.getvalue())


# --- uploads, scope and history --------------------------------------------------------


def test_upload_records_history_and_refuses_bad_input(demo, office):
    doc = services.document_upload(
        actor=office,
        unit=demo,
        year=2024,
        dated_on=dt.date(2024, 3, 1),
        file_name="note.docx",
        data=docx_bytes(["营商环境"]),
    )
    assert doc.history.first().history_user == office
    assert doc.file_format == "docx" and doc.title == "note"
    before = CorpusDocument.objects.count()
    with pytest.raises(ValidationError, match="不在 2024 年内"):
        services.document_upload(
            actor=office,
            unit=demo,
            year=2024,
            dated_on=dt.date(2023, 3, 1),
            file_name="a.txt",
            data=YEAR_TEXT,
        )
    with pytest.raises(ValidationError, match="格式不受支持"):
        services.document_upload(
            actor=office,
            unit=demo,
            year=2024,
            dated_on=dt.date(2024, 3, 1),
            file_name="a.exe",
            data=b"MZ",
        )
    assert CorpusDocument.objects.count() == before


def test_operator_cannot_upload_for_or_see_another_district(districts):
    linghe, other = districts
    operator = member(linghe, Role.OPERATOR)
    with pytest.raises(PermissionDenied):
        services.document_upload(
            actor=operator,
            unit=other,
            year=2024,
            dated_on=dt.date(2024, 5, 1),
            file_name="a.txt",
            data=YEAR_TEXT,
        )
    theirs = services.document_upload(
        actor=SYSTEM,
        unit=other,
        year=2024,
        dated_on=dt.date(2024, 5, 1),
        file_name="theirs.txt",
        data="别区的秘密文字材料".encode(),
    )
    mine = services.document_upload(
        actor=operator,
        unit=linghe,
        year=2024,
        dated_on=dt.date(2024, 5, 1),
        file_name="mine.txt",
        data=YEAR_TEXT,
    )
    visible = set(CorpusDocument.objects.restrict(operator, Action.VIEW))
    assert mine in visible and theirs not in visible
    texts = [p.text for p in corpus(2024, linghe, operator)]
    assert mine.text in texts and theirs.text not in texts
    # the city's corpus seen by the district operator holds only the district's rows
    city = linghe.parent
    units = {p.unit for p in corpus(2024, city, operator)}
    assert units and units <= set(Unit.objects.subtree(linghe).values_list("name", flat=True))


def test_corpus_gathers_the_platforms_texts(demo, city_document):
    sources = {p.source for p in corpus(2024, demo)}
    assert {"项目简介", "进度报告·形象进度", "问题描述", "上传文档"} <= sources


def test_dictionary_is_office_only(demo, districts, office):
    operator = member(districts[0], Role.OPERATOR)
    with pytest.raises(PermissionDenied):
        services.dictionary_term_set(actor=operator, term="锦凌水库")
    with pytest.raises(ValidationError, match="不能为空"):
        services.dictionary_term_set(actor=office, term="  ")
    row = services.dictionary_term_set(actor=office, term="锦凌水库", note="重点工程")
    assert row.history.first().history_user == office
    assert DictionaryTerm.objects.filter(term="锦凌水库").exists()


# --- the drafted review -----------------------------------------------------------------


def _city_with_year_text():
    """A city of its own whose corpus is the fixture text."""
    city = CityFactory()
    services.document_upload(
        actor=SYSTEM,
        unit=city,
        year=2024,
        dated_on=dt.date(2024, 12, 20),
        file_name="year2024.txt",
        data=YEAR_TEXT,
        source="市攻坚办",
    )
    return city


def test_review_terms_figures_and_quotes(demo):
    """A city of its own whose corpus is the fixture text: its themes are the review's
    terms; every figure is the engine's value for that city, every quote a corpus
    sentence with its source."""
    city = _city_with_year_text()
    review = compose_review(2024, city, as_of=AS_OF)
    terms = [t.term for t in review.terms]
    assert {"招商引资", "营商环境", "区域中心城市"} <= set(terms)
    assert review.cloud and review.cloud[0]["name"] == terms[0]
    _assert_grounded(review, city)


def test_demo_review_is_grounded(demo, city_document):
    review = compose_review(2024, demo, as_of=AS_OF)
    assert len(review.terms) == 10
    assert "锦州" not in [t.term for t in review.terms]
    _assert_grounded(review, demo)
    indicators = list(Indicator.objects.all())
    codes = [i.code for i in related_indicators("招商引资", indicators)]
    assert "signed_ge_100m" in codes and "landed_ge_20m" in codes


def _assert_grounded(review, unit):
    period = Period.year_to_date(2024, AS_OF)
    texts = [p.text for p in corpus(2024, unit)]
    for term in review.terms:
        for figure in term.figures:
            indicator = Indicator.objects.get(code=figure.code)
            assert figure.value == display_figure(evaluate(indicator, unit, period), indicator)
            assert figure.value in term.paragraph
        sections = [
            body for text in texts for h, body in heading_sections(text).items() if term.term in h
        ]
        for quote in term.quotes:
            assert term.term in quote.sentence or any(quote.sentence in b for b in sections)
            assert any(quote.sentence in text for text in texts)
            assert quote.source and quote.label
            assert quote.sentence.rstrip("。；;！!？?") in term.paragraph


def test_related_indicators_refuse_codes_not_defined():
    """A code of the term map that no indicator has stops a strict look-up with its name;
    the draft leaves the figure out and says which terms lack one."""
    with pytest.raises(ImproperlyConfigured, match="signed_ge_100m"):
        related_indicators("招商引资", list(Indicator.objects.none()))
    assert related_indicators("招商引资", [], strict=False) == []
    with pytest.raises(ImproperlyConfigured, match="no_such_code"):
        check_term_indicators({"营商环境": ["no_such_code"]}, ["service_efficiency_gain"])


def test_term_map_codes_are_all_defined(demo):
    check_term_indicators(term_indicator_map(), Indicator.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_an_indicator_the_instance_lacks_is_named_on_the_page(client, monkeypatch):
    """A term mapped to an indicator this instance has not defined: the draft gives that
    term no figure, and the page names the term (no code) instead of failing."""
    from gongjian.review import selectors

    monkeypatch.setattr(
        selectors, "term_indicator_map", lambda: {"招商引资": ["no_such_indicator"]}
    )
    city = _city_with_year_text()
    review = compose_review(2024, city, as_of=AS_OF)
    assert review.undefined == ["招商引资"]
    assert all(not t.figures for t in review.terms if t.term == "招商引资")
    client.force_login(member(city, Role.OFFICE))
    page = client.get(f"/review/?year=2024&unit={city.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "尚未定义" in body and "招商引资" in body and "no_such_indicator" not in body


def test_review_of_an_empty_year(demo):
    review = compose_review(2019, demo, as_of=dt.date(2019, 12, 31))
    assert review.terms == [] and review.cloud == []


def test_draft_save_history_and_stale_version(demo, office, districts):
    draft = services.draft_save(
        actor=office,
        unit=demo,
        year=2024,
        as_of=AS_OF,
        title="稿",
        items=[{"term": "招商引资", "paragraph": "编辑后的段落"}],
    )
    assert draft.version == 1 and draft.history.first().history_user == office
    from gongjian.kit.errors import ConflictError

    with pytest.raises(ConflictError):
        services.draft_save(
            actor=office,
            unit=demo,
            year=2024,
            as_of=AS_OF,
            title="稿",
            items=[{"term": "x"}],
            expected_version=0,
        )
    with pytest.raises(ValidationError, match="第 1 条"):
        services.draft_save(
            actor=office, unit=demo, year=2024, as_of=AS_OF, title="稿", items=[{"term": ""}]
        )
    with pytest.raises(PermissionDenied):
        services.draft_save(
            actor=member(districts[0], Role.OPERATOR),
            unit=demo,
            year=2024,
            as_of=AS_OF,
            title="稿",
            items=[],
        )
    assert ReviewDraft.objects.get(pk=draft.pk).items[0]["paragraph"] == "编辑后的段落"


# --- pages ------------------------------------------------------------------------------


def test_review_page_permissions(client, demo, districts, office, city_document):
    linghe, other = districts
    assert client.get("/review/?year=2024").status_code == 302
    client.force_login(office)
    response = client.get("/review/?year=2024")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="review-cloud-data"' in body
    assert "<script>" not in body and "http://" not in body.replace("http://testserver", "")
    operator = member(linghe, Role.OPERATOR)
    client.force_login(operator)
    assert client.get(f"/review/?year=2024&unit={other.pk}").status_code == 404
    assert client.get(f"/review/review.docx?year=2024&unit={other.pk}").status_code == 404
    count = CorpusDocument.objects.count()
    response = client.post(
        f"/review/documents/?year=2024&unit={other.pk}",
        {"dated_on": "2024-05-01", "file": io.BytesIO(YEAR_TEXT)},
    )
    assert response.status_code == 404 and CorpusDocument.objects.count() == count
    assert client.post("/review/draft/", {"year": 2024, "unit": other.pk}).status_code == 404
    assert not ReviewDraft.objects.filter(unit=other).exists()
    assert client.get("/review/dictionary/").status_code == 404
    assert client.get(f"/review/?year=2024&unit={linghe.pk}").status_code == 200


def test_upload_page_and_docx_download(client, demo, office):
    client.force_login(office)
    upload = io.BytesIO(YEAR_TEXT)
    upload.name = "year2024.txt"
    response = client.post(
        f"/review/documents/?year=2024&unit={demo.pk}",
        {"dated_on": "2024-06-01", "file": upload, "source": "市攻坚办"},
    )
    assert response.status_code == 302
    bad = io.BytesIO(b"MZ")
    bad.name = "virus.exe"
    response = client.post(
        f"/review/documents/?year=2024&unit={demo.pk}", {"dated_on": "2024-06-01", "file": bad}
    )
    assert response.status_code == 400 and "格式不受支持" in response.content.decode()
    response = client.post(
        "/review/draft/", {"year": 2024, "unit": demo.pk, "paragraph-0": "办公室改写的第一段"}
    )
    assert response.status_code == 302
    response = client.get(f"/review/review.docx?year=2024&unit={demo.pk}")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "办公室改写的第一段" in text and "引文来源" in text


def test_dictionary_page(client, office):
    client.force_login(office)
    response = client.post("/review/dictionary/", {"term": "锦凌水库", "kind": "term"})
    assert response.status_code == 302
    term = DictionaryTerm.objects.get(term="锦凌水库")
    client.post("/review/dictionary/", {"delete": term.pk})
    assert not DictionaryTerm.objects.filter(pk=term.pk).exists()


# --- the command -----------------------------------------------------------------------


def test_review_command_docx_and_text(demo, city_document, tmp_path):
    out = tmp_path / "review.docx"
    call_command(
        "review", "--year", "2024", "--format", "docx", "--output", str(out), stdout=StringIO()
    )
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) == 10
    text = StringIO()
    call_command("review", "--year", "2024", "--as-of", "2024-10-31", stdout=text)
    assert "十大高频词" in text.getvalue()

"""Writes of the year review: uploaded documents, the user dictionary, saved drafts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.kit.errors import ConflictError
from gongjian.kit.history import actor_user, record_actor
from gongjian.kit.scope import Action, allows, manages_shared
from gongjian.units.models import Actor, Unit

from .documents import read_document
from .models import CorpusDocument, DictionaryTerm, ReviewDraft


@transaction.atomic
def document_upload(
    *,
    actor: Actor,
    unit: Unit,
    year: int,
    dated_on: dt.date,
    file_name: str,
    data: bytes,
    title: str = "",
    source: str = "",
) -> CorpusDocument:
    """Add a .txt/.docx/.pdf document to a year's corpus; refuses what it cannot read."""
    if not allows(actor, Action.CHANGE, unit):
        raise PermissionDenied(f"无权为“{unit}”上传文档")
    if dated_on.year != year:
        raise ValidationError({"dated_on": f"日期 {dated_on} 不在 {year} 年内"})
    fmt, text = read_document(file_name, data)
    doc = CorpusDocument(
        year=year,
        unit=unit,
        dated_on=dated_on,
        title=(title or file_name.rsplit(".", 1)[0])[:200],
        source=source,
        file_name=file_name[:255],
        file_format=fmt,
        size=len(data),
        text=text,
        uploaded_by=actor_user(actor),
    )
    doc.full_clean()
    record_actor(doc, actor)
    doc.save()
    return doc


@transaction.atomic
def document_delete(*, actor: Actor, document: CorpusDocument) -> None:
    if not allows(actor, Action.CHANGE, document.unit):
        raise PermissionDenied(f"无权删除“{document.unit}”的文档")
    record_actor(document, actor)
    document.delete()


@transaction.atomic
def dictionary_term_set(
    *, actor: Actor, term: str, kind: str = DictionaryTerm.Kind.TERM, note: str = ""
) -> DictionaryTerm:
    """Add or change a user-dictionary entry (the office's campaign terms, stop-words)."""
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以维护用户词典")
    term = (term or "").strip()
    if not term or any(c.isspace() for c in term):
        raise ValidationError({"term": "词语不能为空,也不能含空格"})
    row = DictionaryTerm.objects.filter(term=term).first() or DictionaryTerm(term=term)
    row.kind = kind
    row.note = note
    row.full_clean()
    record_actor(row, actor)
    row.save()
    return row


@transaction.atomic
def dictionary_term_delete(*, actor: Actor, term: DictionaryTerm) -> None:
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以维护用户词典")
    record_actor(term, actor)
    term.delete()


@transaction.atomic
def draft_save(
    *,
    actor: Actor,
    unit: Unit,
    year: int,
    as_of: dt.date,
    title: str,
    items: list[dict],
    expected_version: int | None = None,
) -> ReviewDraft:
    """Save the office's edited review; ``items`` are the drafted terms with their
    (edited) paragraphs. A stale ``expected_version`` is refused (no lost update)."""
    if not allows(actor, Action.CHANGE, unit):
        raise PermissionDenied(f"无权修改“{unit}”的年度总结")
    seen: dict[str, int] = {}
    for index, item in enumerate(items, start=1):
        if not str(item.get("term", "")).strip():
            raise ValidationError({"items": f"第 {index} 条:词语不能为空"})
        paragraph = str(item.get("paragraph", "")).strip()
        if len(paragraph) > 5000:
            raise ValidationError({"items": f"第 {index} 条:段落超过 5000 字"})
        if paragraph and paragraph in seen:
            raise ValidationError(
                {"items": f"第 {index} 条“{item['term']}”的段落与第 {seen[paragraph]} 条相同"}
            )
        seen.setdefault(paragraph, index)
    draft = ReviewDraft.objects.select_for_update().filter(
        year=year, unit=unit
    ).first() or ReviewDraft(year=year, unit=unit, version=0)
    if expected_version is not None and draft.pk and draft.version != expected_version:
        raise ConflictError("该稿已被他人修改,请刷新后再编辑", current_version=draft.version)
    draft.as_of = as_of
    draft.title = title
    draft.items = items
    draft.updated_by = actor_user(actor)
    draft.version += 1
    draft.full_clean()
    record_actor(draft, actor)
    draft.save()
    return draft


# --- the year review as a file --------------------------------------------------------------


def review_items(review) -> list[dict]:
    """A composed review's terms as the draft stores them."""
    return [
        {
            "term": t.term,
            "paragraph": t.paragraph,
            "quotes": [vars(q) for q in t.quotes],
            "figures": [vars(f) for f in t.figures],
            "theme": t.theme,
        }
        for t in review.terms
    ]


def review_file(*, user, unit: Unit, year: int) -> tuple[bytes, str]:
    """The year review of ``unit`` as .docx: the office's saved draft, else the drafted one."""
    from .exports import review_docx
    from .selectors import compose_review

    draft = ReviewDraft.objects.restrict(user, Action.VIEW).filter(year=year, unit=unit).first()
    if draft is not None:
        title, as_of, items = draft.title, draft.as_of, draft.items
    else:
        review = compose_review(year, unit, user=user)
        title, as_of, items = review.title, review.as_of, review_items(review)
    return review_docx(title, f"{as_of:%Y-%m-%d}", items), f"review-{year}-{unit.pk}.docx"


def review_job(job, report):
    """The job (``kit.jobs``): the year review of ``job.params`` (unit, year) as .docx."""
    from gongjian.kit.jobs import Result
    from gongjian.kit.scope import require

    unit = Unit.objects.get(pk=job.params["unit"])
    require(job.requested_by, Action.VIEW, unit)
    report(0, 1, "撰写年度综述")
    data, name = review_file(user=job.requested_by, unit=unit, year=int(job.params["year"]))
    report(1, 1, "")
    return Result(data, name)

"""Writes of the year review: uploaded documents, the user dictionary, saved drafts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.common.errors import ConflictError
from gongjian.units.models import Unit, User
from gongjian.units.selectors import can_write_unit, is_office

from .documents import read_document
from .models import CorpusDocument, DictionaryTerm, ReviewDraft


@transaction.atomic
def document_upload(
    *,
    actor: User | None,
    unit: Unit,
    year: int,
    dated_on: dt.date,
    file_name: str,
    data: bytes,
    title: str = "",
    source: str = "",
) -> CorpusDocument:
    """Add a .txt/.docx/.pdf document to a year's corpus; refuses what it cannot read."""
    if actor is not None and not can_write_unit(actor, unit):
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
        uploaded_by=actor,
    )
    doc.full_clean()
    doc._history_user = actor
    doc.save()
    return doc


@transaction.atomic
def document_delete(*, actor: User | None, document: CorpusDocument) -> None:
    if actor is not None and not can_write_unit(actor, document.unit):
        raise PermissionDenied(f"无权删除“{document.unit}”的文档")
    document._history_user = actor
    document.delete()


@transaction.atomic
def dictionary_term_set(
    *, actor: User | None, term: str, kind: str = DictionaryTerm.Kind.TERM, note: str = ""
) -> DictionaryTerm:
    """Add or change a user-dictionary entry (the office's campaign terms, stop-words)."""
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以维护用户词典")
    term = (term or "").strip()
    if not term or any(c.isspace() for c in term):
        raise ValidationError({"term": "词语不能为空,也不能含空格"})
    row = DictionaryTerm.objects.filter(term=term).first() or DictionaryTerm(term=term)
    row.kind = kind
    row.note = note
    row.full_clean()
    row._history_user = actor
    row.save()
    return row


@transaction.atomic
def dictionary_term_delete(*, actor: User | None, term: DictionaryTerm) -> None:
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以维护用户词典")
    term._history_user = actor
    term.delete()


@transaction.atomic
def draft_save(
    *,
    actor: User | None,
    unit: Unit,
    year: int,
    as_of: dt.date,
    title: str,
    items: list[dict],
    expected_version: int | None = None,
) -> ReviewDraft:
    """Save the office's edited review; ``items`` are the drafted terms with their
    (edited) paragraphs. A stale ``expected_version`` is refused (no lost update)."""
    if actor is not None and not can_write_unit(actor, unit):
        raise PermissionDenied(f"无权修改“{unit}”的年度总结")
    for index, item in enumerate(items, start=1):
        if not str(item.get("term", "")).strip():
            raise ValidationError({"items": f"第 {index} 条:词语不能为空"})
        if len(str(item.get("paragraph", ""))) > 5000:
            raise ValidationError({"items": f"第 {index} 条:段落超过 5000 字"})
    draft = ReviewDraft.objects.select_for_update().filter(
        year=year, unit=unit
    ).first() or ReviewDraft(year=year, unit=unit, version=0)
    if expected_version is not None and draft.pk and draft.version != expected_version:
        raise ConflictError("该稿已被他人修改,请刷新后再编辑", current_version=draft.version)
    draft.as_of = as_of
    draft.title = title
    draft.items = items
    draft.updated_by = actor
    draft.version += 1
    draft.full_clean()
    draft._history_user = actor
    draft.save()
    return draft

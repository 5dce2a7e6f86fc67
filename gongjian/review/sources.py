"""Where a year's corpus comes from: the texts every app registers
(``kit.registration.text_sources``: project descriptions, progress reports, problems,
outreach notes …) and the documents uploaded here, each restricted to what a user may
see."""

from __future__ import annotations

from collections.abc import Iterable

from gongjian.kit.registration import Passage, TextSource, text_sources
from gongjian.kit.scope import SYSTEM, Action
from gongjian.units.models import Unit

from .models import CorpusDocument

__all__ = ["Passage", "corpus", "register"]


def uploaded_documents(year: int, unit: Unit, user) -> Iterable[Passage]:
    qs = CorpusDocument.objects.restrict(user, Action.VIEW).filter(
        year=year, unit__path__startswith=unit.path
    )
    for doc in qs.select_related("unit").only("title", "text", "source", "unit__name", "dated_on"):
        label = f"{doc.source}《{doc.title}》" if doc.source else doc.title
        yield Passage(doc.text, "上传文档", label, doc.unit.name, doc.dated_on)


def register() -> None:
    text_sources.register("uploaded_documents", TextSource("上传文档", uploaded_documents))


def corpus(year: int, unit: Unit, user=None, sources: Iterable[str] | None = None) -> list[Passage]:
    """Every passage of ``year`` for ``unit``'s subtree that ``user`` may see (no user:
    the system, everything)."""
    who = user if user is not None else SYSTEM
    out: list[Passage] = []
    for key in sources or text_sources.keys():
        out.extend(p for p in text_sources[key].read(year, unit, who) if p.text and p.text.strip())
    return out

"""The attraction app's texts for the year review's corpus: outreach notes."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import TextField

from gongjian.kit.registration import Passage, TextSource, text_sources
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from .models import Outreach


def outreach_notes(year: int, unit: Unit, user) -> Iterable[Passage]:
    """Every text field of the year's outreach batches in ``unit``'s subtree."""
    texts = [f.name for f in Outreach._meta.get_fields() if isinstance(f, TextField)]
    qs = Outreach.objects.restrict(user, Action.VIEW).filter(
        unit__path__startswith=unit.path, held_on__year=year
    )
    for row in qs.select_related("unit"):
        for name in texts:
            text = getattr(row, name)
            if text:
                yield Passage(text, "招商活动", str(row), str(row.unit), row.held_on)


def register() -> None:
    text_sources.register("outreach_notes", TextSource("招商活动记录", outreach_notes))

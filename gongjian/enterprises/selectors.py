"""Reads about enterprises: duplicates, profiles, tier counts through the engine."""

from __future__ import annotations

from django.db.models import Q

from gongjian.kit.scope import Action
from gongjian.units.selectors import unit_visible_or_404

from .models import Enterprise, Tier, normalise_name


def enterprise_rows(user, query) -> tuple:
    """The list's rows — the user's scope, then the list's filters from ``query`` (``q``
    name or code, ``tier``, ``unit``; a unit out of scope answers 404) — with the ``q`` and
    ``tier`` used. The list page and the export read the same rows."""
    qs = Enterprise.objects.restrict(user, Action.VIEW).select_related("unit")
    q = query.get("q", "").strip()
    tier = query.get("tier", "")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code=q)
    if tier in Tier.values:
        qs = qs.filter(tier=tier)
    if query.get("unit", "").strip():
        unit = unit_visible_or_404(user, query["unit"])
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.order_by("name", "pk"), q, tier


def duplicates_of(
    *, name: str, credit_code: str | None = None, exclude_pk: int | None = None
) -> list[tuple[Enterprise, str]]:
    """Enterprises that look like the same one: same credit code, or same normalised name.
    Each with the reason (``credit_code`` or ``name``); credit-code matches first."""
    q = Q(normalized_name=normalise_name(name))
    if credit_code:
        q |= Q(credit_code=credit_code)
    found = Enterprise.objects.filter(q)
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    rows = [
        (e, "credit_code" if credit_code and e.credit_code == credit_code else "name")
        for e in found.order_by("pk")[:10]
    ]
    return sorted(rows, key=lambda r: r[1] != "credit_code")

"""Reads about enterprises: duplicates, profiles, tier counts through the engine."""

from __future__ import annotations

from django.db.models import Q

from .models import Enterprise, normalise_name


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

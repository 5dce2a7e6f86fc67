"""API shapes for units."""

from typing import Literal

from ninja import Schema

from .models import Unit

UnitKind = Literal[tuple(Unit.Kind.values)]  # type: ignore[valid-type]


class UnitRef(Schema):
    """A unit named inside another object."""

    id: int
    name: str


class UnitOut(Schema):
    id: int
    name: str
    code: str | None
    kind: UnitKind
    kind_label: str
    parent_id: int | None
    depth: int

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return obj.get_kind_display()

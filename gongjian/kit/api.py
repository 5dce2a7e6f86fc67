"""What every app's JSON API (django-ninja) shares: error bodies, paging, look-ups, numbers.

A domain app's ``api.py`` imports from here (never from ``gongjian.api``, which mounts the
routers and so reads across every domain)."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

NOT_FOUND = "未找到"


# --- error bodies (documented in the OpenAPI schema) --------------------------------


class ErrorOut(Schema):
    """400, 401, 403 and 404 answers."""

    detail: str


class ValidationErrorOut(Schema):
    """422: every problem with the request, in Chinese, and the same grouped by field."""

    detail: list[str]
    fields: dict[str, list[str]] = {}


class ChangedFieldOut(Schema):
    field: str
    label: str
    before: str = ""
    after: str = ""


class ConflictOut(Schema):
    """409 (``expected_version``) or 412 (``If-Match``): someone saved the object since the
    caller read it; ``changed`` lists the fields that differ from what the caller read."""

    detail: str
    current_version: int
    current: dict[str, Any] = {}
    changed: list[ChangedFieldOut] = []


READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# 400: a request body that is not JSON at all.
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut, 403: ErrorOut}


# --- paging ----------------------------------------------------------------------

MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """ninja's page-number paging with the page number bounded: an offset past what the
    database can count answers 422 instead of failing in the database. ``rows``, if given,
    turns the page's slice of the queryset into the items (e.g. finished dicts) that the
    response schema then validates."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)

    def __init__(self, *, rows: Callable[[QuerySet], list] | None = None, **kwargs: Any):
        self.rows = rows
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        if self.rows is not None:
            page[self.items_attribute] = self.rows(page[self.items_attribute])
        return page


# --- look-ups ------------------------------------------------------------------


def get_or_404(queryset: QuerySet, **lookup) -> Model:
    """One row of an already scoped queryset; a row outside the scope is simply missing."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def reference(
    model: type[Model], pk: int | None, field: str, label: str, queryset: QuerySet | None = None
) -> Model | None:
    """Turn an id in a request body into a row, or a 422 naming the field."""
    if pk is None:
        return None
    qs = queryset if queryset is not None else model._default_manager.all()
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: f"{label}“{pk}”不存在"})
    return obj


# --- numbers and periods -------------------------------------------------------------


def as_number(value: Any) -> Any:
    """Indicator values for JSON: Decimals become numbers (int when whole); ints, booleans
    and None stay what they are."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value

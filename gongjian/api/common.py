"""Pieces every router shares: error bodies, scope look-ups, numbers, periods."""

import calendar
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from gongjian.common.dates import Period
from gongjian.units.models import Unit, User
from gongjian.units.selectors import is_office, root_unit, units_visible_to

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


# --- scope -----------------------------------------------------------------------


def get_or_404(queryset: QuerySet, **lookup) -> Model:
    """One row of an already scoped queryset; a row outside the scope is simply missing."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def resolve_unit_in(queryset: QuerySet, ref: str | int) -> Unit | None:
    """A unit of ``queryset`` by primary key, 6-digit division code or exact name."""
    ref = str(ref).strip()
    if not ref:
        return None
    if ref.isdigit():
        if len(ref) == 6:
            found = queryset.filter(code=ref).first()
            if found:
                return found
        return queryset.filter(pk=int(ref)).first()
    return queryset.filter(name=ref).order_by("depth", "pk").first()


def visible_unit_or_404(user: User, ref: str | int | None) -> Unit:
    """The unit ``ref`` names if ``user`` may see it; without ``ref``, the user's own top unit
    (the campaign's root unit for the office). Anything else answers 404."""
    units = units_visible_to(user)
    if ref is None or str(ref).strip() == "":
        unit = root_unit() if is_office(user) else None
        if unit is None:
            unit = units.order_by("depth", "sort_order", "pk").first()
    else:
        unit = resolve_unit_in(units, ref)
    if unit is None:
        raise Http404(NOT_FOUND)
    return unit


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


YEARS = (1990, 2100)


def year_and_as_of(
    year: int | None, as_of: dt.date | None, default_year: int | None = None
) -> tuple[int, dt.date]:
    """Fill in the evaluation year and cut-off date: today in the current year, the last day
    of the year otherwise; refuse a cut-off outside the year (422)."""
    today = timezone.localdate()
    if year is None:
        year = as_of.year if as_of is not None else (default_year or today.year)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValidationError({"year": f"年度 {year} 超出范围({YEARS[0]}–{YEARS[1]})"})
    if as_of is None:
        as_of = today if year == today.year else dt.date(year, 12, 31)
    try:
        Period.year_to_date(year, as_of)
    except ValueError as exc:
        raise ValidationError({"as_of": str(exc)}) from None
    return year, as_of


def month_earlier(day: dt.date) -> dt.date | None:
    """The same day one month earlier (clamped to the month's end); None across a year."""
    if day.month == 1:
        return None
    month = day.month - 1
    return day.replace(month=month, day=min(day.day, calendar.monthrange(day.year, month)[1]))

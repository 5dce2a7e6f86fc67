"""An Open311 GeoReport v2 endpoint (https://wiki.open311.org/GeoReport_v2), so that the
12345 front ends that already speak it can post appeals into gongjian.

    GET  /open311/v2/services.json|xml           the appeal categories
    GET  /open311/v2/services/{code}.json|xml    a category's definition
    POST /open311/v2/requests.json|xml           file an appeal (api_key required)
    GET  /open311/v2/requests.json|xml           appeals (api_key required, scoped)
    GET  /open311/v2/requests/{id}.json|xml      one appeal (api_key required, scoped)

``api_key`` is a gongjian API token (``gj_…``); the appeal is received at the token
user's top writable unit (its 12345 centre). Errors are GeoReport error arrays
(``[{"code": 400, "description": "…"}]``), also for a parameter carrying a control
character (``kit.cleaning``). An enterprise is linked with the optional attribute
``attribute[credit_code]``: one the key's user may see (``restrict``), as the API, the
page and the sheet look it up; one outside that scope is answered exactly as one that does
not exist.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from gongjian.enterprises.models import Enterprise
from gongjian.kit.cleaning import input_refusal
from gongjian.kit.dates import out_of_range
from gongjian.kit.errors import messages_of
from gongjian.kit.scope import Action
from gongjian.units.auth import api_token_auth
from gongjian.units.models import User

from . import services
from .models import Appeal, AppealCategory, AppellantKind, Channel, Status
from .selectors import intake_unit_of

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _render(data: list[dict], fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ET.Element(root)
        for row in data:
            node = ET.SubElement(top, item)
            for key, value in row.items():
                child = ET.SubElement(node, key)
                if value is not None:
                    child.text = str(value).lower() if isinstance(value, bool) else str(value)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, status=status, content_type=FORMATS["xml"])
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=FORMATS["json"]
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render([{"code": status, "description": description}], fmt, "errors", "error", status)


def _refused_input(request, view_kwargs: dict, field: str, message: str) -> HttpResponse:
    """A parameter carrying a control character: a GeoReport 400 naming it."""
    fmt = str(view_kwargs.get("fmt", ""))
    return _error(fmt if fmt in FORMATS else "json", 400, f"{field}: {message}")


def _caller(request) -> User | None:
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not key:
        header = request.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return api_token_auth.authenticate(request, key) if key else None


def _service(category: AppealCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}(办结时限 {category.sla_days} 个工作日)",
        "metadata": False,
        "type": "realtime",
        "keywords": "企业" if category.for_enterprises else "",
        "group": "涉企诉求" if category.for_enterprises else "民生诉求",
    }


@input_refusal(_refused_input)
@require_GET
def service_list(request, fmt: str):
    rows = [_service(c) for c in AppealCategory.objects.filter(is_active=True).order_by("code")]
    return _render(rows, fmt, "services", "service")


@input_refusal(_refused_input)
@require_GET
def service_definition(request, code: str, fmt: str):
    category = AppealCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        return _error(fmt, 404, f"没有服务代码“{code}”")
    data = {"service_code": category.code, "attributes": []}
    if fmt == "xml":
        return _render([{"service_code": category.code}], fmt, "service_definition", "service")
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=FORMATS["json"])


OPEN_STATUSES = {s for s in Status.values if s != Status.CLOSED}


def _request_row(appeal: Appeal) -> dict:
    updated = appeal.steps.order_by("-at", "-pk").values_list("at", flat=True).first()
    return {
        "service_request_id": appeal.number,
        "status": "closed" if appeal.status == Status.CLOSED else "open",
        "status_notes": appeal.get_status_display(),
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": appeal.content,
        "agency_responsible": appeal.unit.name,
        "service_notice": f"办结时限:{appeal.due_on:%Y-%m-%d}",
        "requested_datetime": timezone.localtime(appeal.received_at).isoformat(),
        "updated_datetime": timezone.localtime(updated).isoformat() if updated else None,
        "expected_datetime": appeal.due_on.isoformat(),
        "address": appeal.address,
        "address_id": None,
        "zipcode": None,
        "lat": float(appeal.latitude) if appeal.latitude is not None else None,
        "long": float(appeal.longitude) if appeal.longitude is not None else None,
        "media_url": None,
    }


@input_refusal(_refused_input)
@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt: str):
    user = _caller(request)
    if user is None:
        return _error(fmt, 403, "缺少或无效的 api_key")
    if request.method == "POST":
        return _create(request, user, fmt)
    qs = Appeal.objects.restrict(user, Action.VIEW).select_related("category", "unit")
    ids = request.GET.get("service_request_id", "")
    if ids:
        qs = qs.filter(number__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        if request.GET.get("service_code"):
            qs = qs.filter(category__code__in=request.GET["service_code"].split(","))
        status = request.GET.get("status", "")
        if status == "open":
            qs = qs.exclude(status=Status.CLOSED)
        elif status == "closed":
            qs = qs.filter(status=Status.CLOSED)
        for param, lookup in (("start_date", "received_at__gte"), ("end_date", "received_at__lte")):
            if request.GET.get(param):
                try:
                    value = timezone.datetime.fromisoformat(
                        request.GET[param].replace("Z", "+00:00")
                    )
                except ValueError:
                    return _error(
                        fmt, 400, f"{param} 须为 ISO 8601 时间,如 2024-10-01T00:00:00+08:00"
                    )
                if out_of_range(value):
                    return _error(fmt, 400, f"{param}: {out_of_range(value)}")
                if timezone.is_naive(value):
                    value = timezone.make_aware(value)
                qs = qs.filter(**{lookup: value})
        if not request.GET.get("start_date") and not request.GET.get("end_date"):
            qs = qs.filter(received_at__gte=timezone.now() - timezone.timedelta(days=90))
    rows = [_request_row(a) for a in qs.order_by("-received_at", "-pk")[:1000]]
    return _render(rows, fmt, "service_requests", "request")


@input_refusal(_refused_input)
@require_GET
def request_detail(request, number: str, fmt: str):
    user = _caller(request)
    if user is None:
        return _error(fmt, 403, "缺少或无效的 api_key")
    appeal = (
        Appeal.objects.restrict(user, Action.VIEW)
        .select_related("category", "unit")
        .filter(number=number)
        .first()
    )
    if appeal is None:
        return _error(fmt, 404, f"没有工单“{number}”")
    return _render([_request_row(appeal)], fmt, "service_requests", "request")


def _coordinate(value: str, name: str, low: int, high: int) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValidationError({name: f"{name} 须为数字"}) from None
    if not low <= number <= high:
        raise ValidationError({name: f"{name} 超出范围({low}–{high})"})
    return number


def _create(request, user: User, fmt: str) -> HttpResponse:
    p = request.POST
    code = p.get("service_code", "").strip()
    if not code:
        return _error(fmt, 400, "缺少 service_code")
    category = AppealCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        return _error(fmt, 404, f"没有服务代码“{code}”")
    description = p.get("description", "").strip()
    if not description:
        return _error(fmt, 400, "缺少 description(诉求内容)")
    address = p.get("address_string", "").strip() or p.get("address_id", "").strip()
    if not address and not (p.get("lat") and p.get("long")):
        return _error(fmt, 400, "须提供位置:lat 与 long,或 address_string")
    unit = intake_unit_of(user)
    if unit is None:
        return _error(fmt, 403, "该 api_key 的用户没有可受理诉求的单位")
    credit_code = p.get("attribute[credit_code]", "").strip()
    enterprise = None
    if credit_code:
        # within the key's scope, as everywhere else: one the user may not see is answered
        # as one that does not exist, so that no code's existence can be tested
        enterprise = (
            Enterprise.objects.restrict(user, Action.VIEW).filter(credit_code=credit_code).first()
        )
        if enterprise is None:
            return _error(
                fmt, 400, f"本单位可查看的企业库中没有统一社会信用代码为“{credit_code}”的企业"
            )
    name = f"{p.get('last_name', '').strip()}{p.get('first_name', '').strip()}"
    try:
        appeal = services.appeal_receive(
            actor=user,
            intake_unit=unit,
            category=category,
            title=description[:60],
            content=description,
            channel=Channel.OPEN311,
            appellant_kind=AppellantKind.ENTERPRISE if enterprise else AppellantKind.CITIZEN,
            appellant_name=name[:100],
            phone=p.get("phone", "").strip()[:30],
            email=p.get("email", "").strip()[:100],
            enterprise=enterprise,
            address=address[:200],
            latitude=_coordinate(p.get("lat", ""), "lat", -90, 90),
            longitude=_coordinate(p.get("long", ""), "long", -180, 180),
            external_id=(p.get("device_id") or p.get("account_id") or "")[:64],
        )
    except ValidationError as exc:
        return _error(fmt, 400, ";".join(messages_of(exc)))
    except PermissionDenied as exc:
        return _error(fmt, 403, str(exc))
    notice = f"已受理,办结时限 {appeal.due_on:%Y-%m-%d}"
    return _render(
        [{"service_request_id": appeal.number, "service_notice": notice, "account_id": None}],
        fmt,
        "service_requests",
        "request",
        status=201,
    )

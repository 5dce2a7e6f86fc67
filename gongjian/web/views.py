"""Pages. The home page shows the signed-in user's headline indicators."""

from django.shortcuts import render
from django.utils import timezone

from gongjian.common.dates import Period
from gongjian.indicators.engine import evaluate_all
from gongjian.indicators.management.commands.kpi import display_value
from gongjian.indicators.models import Campaign, Indicator
from gongjian.units.selectors import units_visible_to


def home(request):
    context = {"rows": [], "unit": None}
    if request.user.is_authenticated:
        unit = units_visible_to(request.user).order_by("depth", "pk").first()
        campaign = Campaign.objects.order_by("-year").first()
        if unit is not None and campaign is not None:
            as_of = campaign.default_as_of(timezone.localdate())
            indicators = list(
                Indicator.objects.filter(is_active=True, kind="computed").select_related(
                    "fixed_unit"
                )
            )
            values = evaluate_all(unit, Period.year_to_date(campaign.year, as_of), indicators)
            by_code = {i.code: i for i in indicators}
            context.update(
                unit=unit,
                campaign=campaign,
                as_of=as_of,
                rows=[(by_code[c], display_value(v, by_code[c])) for c, v in values.items()],
            )
    return render(request, "web/home.html", context)

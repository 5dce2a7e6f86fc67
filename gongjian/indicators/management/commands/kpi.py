import datetime as dt
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjian.indicators.engine import evaluate_all
from gongjian.indicators.models import Indicator
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.units.selectors import root_unit, unit_resolve


def json_value(value):
    """Counts and 元 amounts as integers, rates as numbers, checkpoints as booleans."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def display_value(value, indicator: Indicator) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if indicator.display_unit == "元":
        return f"{Decimal(value) / 100_000_000:,.2f} 亿元"
    if indicator.display_unit == "比率":
        return f"{Decimal(value) * 100:.1f}%"
    return f"{json_value(value):,} {indicator.display_unit}".strip()


class Command(BaseCommand):
    help = "Evaluate every indicator for a unit, year to date as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="default: the year the pages show")
        parser.add_argument(
            "--as-of", help="YYYY-MM-DD (default: the date the pages show, e.g. the campaign's)"
        )
        parser.add_argument("--unit", help="unit name, GB/T 2260 code or id (default: the city)")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, year=None, as_of=None, unit=None, format="table", **options):
        target_unit = unit_resolve(unit) if unit else root_unit()
        if target_unit is None:
            raise CommandError(
                f"找不到单位“{unit}”" if unit else "还没有任何单位,请先运行 gongjian demo"
            )
        try:
            as_of_date = dt.date.fromisoformat(as_of) if as_of else None
            shown = resolve_year_as_of(unit=target_unit, year=year, as_of=as_of_date)
        except (ValueError, ValidationError) as exc:
            raise CommandError(f"截止日期无效:{exc}") from exc
        period = shown.period
        indicators = list(
            Indicator.objects.filter(is_active=True).select_related("fixed_unit", "base_indicator")
        )
        values = evaluate_all(target_unit, period, indicators)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {k: json_value(v) for k, v in values.items()}, ensure_ascii=False, indent=2
                )
            )
            return
        by_code = {i.code: i for i in indicators}
        self.stdout.write(f"{target_unit.name} {period.label}")
        width = max((len(c) for c in values), default=10)
        for code, value in values.items():
            ind = by_code[code]
            self.stdout.write(f"{code:<{width}}  {display_value(value, ind):>18}  {ind.name}")

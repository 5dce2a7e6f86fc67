"""``gongjian campaign_rollover --from 2024 --to 2025 [--unit CITY] [--factor 1.1]``: next
year's campaigns from this year's (``gongjian.indicators.standard.campaign_rollover``)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjian.indicators.standard import campaign_rollover
from gongjian.kit.http import errors_text
from gongjian.kit.scope import SYSTEM
from gongjian.units.selectors import unit_resolve


class Command(BaseCommand):
    help = (
        "年度结转:按上一年度的攻坚创建新年度(沿用阈值、复制赛马方案;指定 --factor 时按上年目标"
        "乘系数生成目标建议值);上一年度的数据不变,可重复运行"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_year", type=int, required=True, help="原年度")
        parser.add_argument("--to", dest="to_year", type=int, required=True, help="新年度")
        parser.add_argument("--unit", help="只结转该单位(名称、区划代码或 id)下的攻坚")
        parser.add_argument("--factor", help="目标系数,如 1.1:新目标 = 上年目标 × 系数(取整)")

    def handle(self, *args, from_year, to_year, unit=None, factor=None, **options):
        target_unit = None
        if unit:
            target_unit = unit_resolve(unit)
            if target_unit is None:
                raise CommandError(f"找不到单位“{unit}”")
        ratio = None
        if factor is not None:
            try:
                ratio = Decimal(factor)
            except InvalidOperation:
                raise CommandError(f"目标系数“{factor}”不是数字") from None
            if not ratio.is_finite():
                raise CommandError(f"目标系数“{factor}”不是数字")
        try:
            result = campaign_rollover(
                actor=SYSTEM,
                from_year=from_year,
                to_year=to_year,
                unit=target_unit,
                factor=ratio,
            )
        except ValidationError as exc:
            raise CommandError(errors_text(exc)) from None
        for line in result.lines:
            self.stdout.write(line)
        if not result.changed:
            self.stdout.write(f"未作任何改动:{to_year} 年度已结转")

"""``gongjian setup-city CODE --year YEAR --office LOGIN [--reset-password]``: set a
prefecture-level city up on this instance (``gongjian.ops.setup``)."""

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit.scope import SYSTEM
from gongjian.ops.setup import SetupError, city_setup


class Command(BaseCommand):
    help = (
        "按 GB/T 2260 代码设置一个地级市:市及其县级单位、地图、标准指标、年度攻坚、"
        "攻坚办登录;可重复运行"
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="地级市的六位行政区划代码,如 211400")
        parser.add_argument("--year", type=int, required=True, help="攻坚年度,如 2025")
        parser.add_argument("--office", required=True, help="攻坚办管理员的登录名,如 hld_office")
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="攻坚办登录已存在时重新生成密码(默认不改动)",
        )

    def handle(self, *args, code, year, office, reset_password=False, **options):
        try:
            result = city_setup(
                actor=SYSTEM, code=code, year=year, office=office, reset_password=reset_password
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from None
        for line in result.lines:
            self.stdout.write(line)

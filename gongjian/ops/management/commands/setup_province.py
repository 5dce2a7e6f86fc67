"""``gongjian setup-province CODE --office LOGIN [--reset-password]``: a province as the
top unit above the cities then set up with ``setup-city`` (``gongjian.ops.setup``)."""

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit.scope import SYSTEM
from gongjian.ops.setup import SetupError, province_setup


class Command(BaseCommand):
    help = "按 GB/T 2260 代码设置一个省级单位及其攻坚办登录,其后用 setup-city 设置省内各市"

    def add_arguments(self, parser):
        parser.add_argument("code", help="省级行政区划代码,如 210000")
        parser.add_argument("--office", required=True, help="省攻坚办管理员的登录名")
        parser.add_argument("--reset-password", action="store_true", help="登录已存在时重置密码")

    def handle(self, *args, code, office, reset_password=False, **options):
        try:
            result = province_setup(
                actor=SYSTEM, code=code, office=office, reset_password=reset_password
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from None
        for line in result.lines:
            self.stdout.write(line)

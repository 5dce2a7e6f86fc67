import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongjian.units.models import User

DEMO_LOGINS = [
    ("office", "攻坚办管理员(全市)"),
    ("linghe_op", "凌河区填报员"),
    ("heishan_op", "黑山县填报员"),
    ("li_qiang", "包保领导(常务副市长)"),
    ("linghe_leader1", "包保领导(凌河区区长)"),
    ("wang_min", "拉练评分人(副市长)"),
    ("rexian_12345", "12345热线受理员"),
    ("viewer", "查看(全市)"),
]


class Command(BaseCommand):
    help = "Set a password for the demo's logins and print them."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password to set (default: a new random one)")

    @transaction.atomic
    def handle(self, *args, password=None, **options):
        password = password or secrets.token_urlsafe(9)
        users = {
            u.username: u for u in User.objects.filter(username__in=[n for n, _ in DEMO_LOGINS])
        }
        if "office" not in users:
            raise CommandError("没有找到演示账号,请先运行 gongjian demo")
        self.stdout.write("演示账号(密码相同):")
        for username, role in DEMO_LOGINS:
            user = users.get(username)
            if user is None:
                continue
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(f"  密码: {password}")

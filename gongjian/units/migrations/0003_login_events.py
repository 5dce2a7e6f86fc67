import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0002_history_ip_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("success", "登录成功"), ("failure", "登录失败"), ("logout", "退出登录"), ("lockout", "账号锁定")], db_index=True, max_length=10, verbose_name="事件")),
                ("username", models.CharField(blank=True, db_index=True, max_length=150, verbose_name="用户名")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP 地址")),
                ("user_agent", models.CharField(blank=True, max_length=255, verbose_name="浏览器")),
                ("path", models.CharField(blank=True, max_length=255, verbose_name="页面")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="login_events", to=settings.AUTH_USER_MODEL, verbose_name="用户")),
            ],
            options={
                "verbose_name": "登录记录",
                "verbose_name_plural": "登录记录",
                "ordering": ["-at", "-pk"],
            },
        ),
    ]

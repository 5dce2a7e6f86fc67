# The yearly roll-up of progress reports the indicator engine reads, month by month,
# and the database triggers that keep it.

import django.db.models.deletion
from django.db import migrations, models


def create_triggers(apps, schema_editor):
    from gongjian.projects import rollup

    rollup.install(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    from gongjian.projects import rollup

    rollup.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_scale_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("m1", models.BigIntegerField(default=0, verbose_name="1月完成投资(元)")),
                ("m2", models.BigIntegerField(default=0, verbose_name="2月完成投资(元)")),
                ("m3", models.BigIntegerField(default=0, verbose_name="3月完成投资(元)")),
                ("m4", models.BigIntegerField(default=0, verbose_name="4月完成投资(元)")),
                ("m5", models.BigIntegerField(default=0, verbose_name="5月完成投资(元)")),
                ("m6", models.BigIntegerField(default=0, verbose_name="6月完成投资(元)")),
                ("m7", models.BigIntegerField(default=0, verbose_name="7月完成投资(元)")),
                ("m8", models.BigIntegerField(default=0, verbose_name="8月完成投资(元)")),
                ("m9", models.BigIntegerField(default=0, verbose_name="9月完成投资(元)")),
                ("m10", models.BigIntegerField(default=0, verbose_name="10月完成投资(元)")),
                ("m11", models.BigIntegerField(default=0, verbose_name="11月完成投资(元)")),
                ("m12", models.BigIntegerField(default=0, verbose_name="12月完成投资(元)")),
                ("n1", models.IntegerField(default=0, verbose_name="1月报告数")),
                ("n2", models.IntegerField(default=0, verbose_name="2月报告数")),
                ("n3", models.IntegerField(default=0, verbose_name="3月报告数")),
                ("n4", models.IntegerField(default=0, verbose_name="4月报告数")),
                ("n5", models.IntegerField(default=0, verbose_name="5月报告数")),
                ("n6", models.IntegerField(default=0, verbose_name="6月报告数")),
                ("n7", models.IntegerField(default=0, verbose_name="7月报告数")),
                ("n8", models.IntegerField(default=0, verbose_name="8月报告数")),
                ("n9", models.IntegerField(default=0, verbose_name="9月报告数")),
                ("n10", models.IntegerField(default=0, verbose_name="10月报告数")),
                ("n11", models.IntegerField(default=0, verbose_name="11月报告数")),
                ("n12", models.IntegerField(default=0, verbose_name="12月报告数")),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "年度进度汇总",
                "verbose_name_plural": "年度进度汇总",
                "constraints": [
                    models.UniqueConstraint(fields=("project", "year"), name="report_year_unique")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

# The triggers that draw a unit's stamp anew whenever a row its project figures are
# computed from is written (``projects.stamps``).

from django.db import migrations


def create_triggers(apps, schema_editor):
    from gongjian.projects import stamps

    stamps.install(schema_editor.connection, stamps.PROJECT_TABLES)


def drop_triggers(apps, schema_editor):
    from gongjian.projects import stamps

    stamps.uninstall(schema_editor.connection, stamps.PROJECT_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0015_report_funds_paid_latest"),
        ("units", "0005_unit_stamp"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

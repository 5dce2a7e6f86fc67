# Writes to the unit tree, the indicators, their targets and reported values draw stamp
# -1, under which pages keep those rows (``projects.stamps.DEFINITIONS``).

from django.db import migrations


def create_triggers(apps, schema_editor):
    from gongjian.projects import stamps

    stamps.install(schema_editor.connection, list(stamps.DEFINITIONS))


def drop_triggers(apps, schema_editor):
    from gongjian.projects import stamps

    stamps.uninstall(schema_editor.connection, list(stamps.DEFINITIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0018_covered_foreign_key_indexes"),
        ("units", "0006_history_indexes_on_key_only"),
        ("indicators", "0011_history_indexes_on_key_only"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

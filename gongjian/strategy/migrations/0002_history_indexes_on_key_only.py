"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0011_history_indexes_on_key_only"),
        ("strategy", "0001_strategy_pillars_themes_parks"),
        ("units", "0006_history_indexes_on_key_only"),
    ]

    operations = [UnindexCopiedColumns(["historicalpark", "historicalpillar", "historicaltheme"])]

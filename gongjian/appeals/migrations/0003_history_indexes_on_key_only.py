"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0001_squashed_0002_history_ip_address"),
        ("enterprises", "0006_history_indexes_on_key_only"),
        ("projects", "0017_history_indexes_on_key_only"),
        ("units", "0006_history_indexes_on_key_only"),
    ]

    operations = [
        UnindexCopiedColumns(
            ["historicalappeal", "historicalappealcategory", "historicalcalendarday"]
        )
    ]

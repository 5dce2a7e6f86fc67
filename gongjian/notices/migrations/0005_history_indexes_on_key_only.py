"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0004_webhook_events"),
        ("units", "0006_history_indexes_on_key_only"),
    ]

    operations = [UnindexCopiedColumns(["historicalchannel"])]

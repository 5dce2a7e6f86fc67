"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.conf import settings
from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("attraction", "0001_squashed_0003_amounts_not_negative_one_message"),
        ("enterprises", "0006_history_indexes_on_key_only"),
        ("projects", "0017_history_indexes_on_key_only"),
        ("units", "0006_history_indexes_on_key_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnindexCopiedColumns(
            [
                "historicallead",
                "historicalleadtransition",
                "historicaloutreach",
                "historicaloutreachcontact",
            ]
        )
    ]

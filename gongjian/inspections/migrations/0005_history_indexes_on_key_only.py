"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.conf import settings
from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0004_tour_weight"),
        ("projects", "0017_history_indexes_on_key_only"),
        ("units", "0006_history_indexes_on_key_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnindexCopiedColumns(
            [
                "historicalcriterion",
                "historicalmark",
                "historicalscoreform",
                "historicalsheet",
                "historicalstop",
                "historicaltour",
                "historicaltour_panel",
                "historicalunitresult",
            ]
        )
    ]

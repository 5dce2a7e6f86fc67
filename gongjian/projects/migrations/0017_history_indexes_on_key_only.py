"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.conf import settings
from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0016_unit_stamps"),
        ("units", "0006_history_indexes_on_key_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnindexCopiedColumns(
            [
                "historicalbatch",
                "historicalcadencerule",
                "historicalescalationrule",
                "historicalproblem",
                "historicalprogressreport",
                "historicalproject",
                "historicalproject_batches",
                "historicalproject_tags",
                "historicalreportobligation",
                "historicalstagetransition",
                "historicaltag",
            ]
        )
    ]

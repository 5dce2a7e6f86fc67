"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0010_year_on_year_kinds"),
        ("units", "0006_history_indexes_on_key_only"),
    ]

    operations = [
        UnindexCopiedColumns(
            [
                "historicalcampaign",
                "historicalindicator",
                "historicalrankingitem",
                "historicalrankingscheme",
                "historicalreportedvalue",
                "historicaltarget",
            ]
        )
    ]

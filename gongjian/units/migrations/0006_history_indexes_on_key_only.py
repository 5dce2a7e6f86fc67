"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0005_unit_stamp"),
    ]

    operations = [
        UnindexCopiedColumns(["historicalmapconfig", "historicalmembership", "historicalunit"])
    ]

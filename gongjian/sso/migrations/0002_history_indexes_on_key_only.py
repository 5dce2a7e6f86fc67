"""History tables keep no index on the columns copied from their model (``kit.history``)."""

from django.conf import settings
from django.db import migrations

from gongjian.kit.history import UnindexCopiedColumns


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0001_directory_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [UnindexCopiedColumns(["historicaldirectoryaccount"])]

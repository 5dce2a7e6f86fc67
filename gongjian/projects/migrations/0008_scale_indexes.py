# Indexes the dashboard and the indicator engine need at province scale.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_project_soft_delete"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="stagetransition",
            index=models.Index(
                fields=["project", "stage", "occurred_on"], name="transition_project_stage"
            ),
        ),
        migrations.AddIndex(
            model_name="progressreport",
            index=models.Index(
                fields=["project", "period_end", "investment_this_period"],
                name="report_project_end_amount",
            ),
        ),
    ]

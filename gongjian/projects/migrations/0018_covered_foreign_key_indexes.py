"""Four foreign keys lose their single-column index: a composite index of the model that
starts with the same column serves every look-up, and each write paid both.

The indexes are dropped by name (Django names them alike on both engines), not by
altering the fields: SQLite alters a field by copying its table, which would drop the
roll-up and stamp triggers of the projects and reports tables (``projects.rollup``,
``projects.stamps``)."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django gave the foreign key)
DROPPED = [
    ("projects_escalationevent", "project_id", "projects_escalationevent_project_id_ef6cc1ab"),
    ("projects_progressreport", "project_id", "projects_progressreport_project_id_f30dd4fc"),
    ("projects_project", "unit_id", "projects_project_unit_id_08e6721d"),
    ("projects_stagetransition", "project_id", "projects_stagetransition_project_id_ad0b6168"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0017_history_indexes_on_key_only"),
        ("units", "0006_history_indexes_on_key_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX {name} ON {table} ({column})",
                )
                for table, column, name in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="escalationevent",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="escalations",
                        to="projects.project",
                    ),
                ),
                migrations.AlterField(
                    model_name="progressreport",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="projects.project",
                    ),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="projects",
                        to="units.unit",
                        verbose_name="所属单位",
                    ),
                ),
                migrations.AlterField(
                    model_name="stagetransition",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transitions",
                        to="projects.project",
                    ),
                ),
            ],
        )
    ]

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0004_cadence_escalation_events_problem_levels'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalprogressreport',
            name='client_ref',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64, null=True, verbose_name='客户端提交编号'),
        ),
        migrations.AddField(
            model_name='progressreport',
            name='client_ref',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='客户端提交编号'),
        ),
    ]

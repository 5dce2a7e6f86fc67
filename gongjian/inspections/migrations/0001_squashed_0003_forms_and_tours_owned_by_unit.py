# The migrations up to this one in one: a fresh database is created from this file.

import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('inspections', '0001_tours_forms_sheets'), ('inspections', '0002_history_ip_address'), ('inspections', '0003_forms_and_tours_owned_by_unit')]

    initial = True

    dependencies = [
        ('projects', '0003_report_photo_problem_comment'),
        ('units', '0001_initial'),
        ('units', '0002_history_ip_address'),
        ('units', '0004_city_map_moved_from_pages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ScoreForm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='名称')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='说明')),
            ],
            options={
                'verbose_name': '评分表',
                'verbose_name_plural': '评分表',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalScoreForm',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=100, verbose_name='名称')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='说明')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 评分表',
                'verbose_name_plural': 'historical 评分表',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTour',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='季度')),
                ('starts_on', models.DateField(verbose_name='开始日期')),
                ('ends_on', models.DateField(verbose_name='结束日期')),
                ('route', models.TextField(blank=True, verbose_name='路线')),
                ('status', models.CharField(choices=[('planning', '筹备中'), ('scoring', '评分中'), ('closed', '已结束')], default='planning', max_length=20, verbose_name='状态')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('form', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.scoreform', verbose_name='评分表')),
            ],
            options={
                'verbose_name': 'historical 拉练',
                'verbose_name_plural': 'historical 拉练',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalCriterion',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='评分项')),
                ('weight', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='权重')),
                ('min_score', models.DecimalField(decimal_places=2, default=0, max_digits=6, verbose_name='最低分')),
                ('max_score', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='最高分')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('form', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.scoreform')),
            ],
            options={
                'verbose_name': 'historical 评分项',
                'verbose_name_plural': 'historical 评分项',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Criterion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='评分项')),
                ('weight', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='权重')),
                ('min_score', models.DecimalField(decimal_places=2, default=0, max_digits=6, verbose_name='最低分')),
                ('max_score', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='最高分')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='inspections.scoreform')),
            ],
            options={
                'verbose_name': '评分项',
                'verbose_name_plural': '评分项',
                'ordering': ['form', 'sort_order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Sheet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交')], default='draft', max_length=20, verbose_name='状态')),
                ('comment', models.TextField(blank=True, verbose_name='评语')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='保存时间')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tour_sheets', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '评分表单',
                'verbose_name_plural': '评分表单',
            },
        ),
        migrations.CreateModel(
            name='Mark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='得分')),
                ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inspections.criterion')),
                ('sheet', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='marks', to='inspections.sheet')),
            ],
            options={
                'verbose_name': '评分',
                'verbose_name_plural': '评分',
            },
        ),
        migrations.CreateModel(
            name='HistoricalMark',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='得分')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('criterion', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.criterion')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sheet', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.sheet')),
            ],
            options={
                'verbose_name': 'historical 评分',
                'verbose_name_plural': 'historical 评分',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Stop',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('new_start', '新开工'), ('new_production', '新投产'), ('under_way', '续建'), ('other', '其他')], default='other', max_length=20, verbose_name='类别')),
                ('visit_order', models.PositiveSmallIntegerField(default=0, verbose_name='观摩顺序')),
                ('nominated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tour_stops', to='projects.project', verbose_name='项目')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tour_stops', to='units.unit', verbose_name='推荐单位')),
            ],
            options={
                'verbose_name': '观摩点位',
                'verbose_name_plural': '观摩点位',
                'ordering': ['tour', 'visit_order', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='sheet',
            name='stop',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sheets', to='inspections.stop'),
        ),
        migrations.CreateModel(
            name='HistoricalSheet',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交')], default='draft', max_length=20, verbose_name='状态')),
                ('comment', models.TextField(blank=True, verbose_name='评语')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='保存时间')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('member', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('stop', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.stop')),
            ],
            options={
                'verbose_name': 'historical 评分表单',
                'verbose_name_plural': 'historical 评分表单',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Tour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='季度')),
                ('starts_on', models.DateField(verbose_name='开始日期')),
                ('ends_on', models.DateField(verbose_name='结束日期')),
                ('route', models.TextField(blank=True, verbose_name='路线')),
                ('status', models.CharField(choices=[('planning', '筹备中'), ('scoring', '评分中'), ('closed', '已结束')], default='planning', max_length=20, verbose_name='状态')),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tours', to='inspections.scoreform', verbose_name='评分表')),
                ('panel', models.ManyToManyField(blank=True, related_name='tours', to=settings.AUTH_USER_MODEL, verbose_name='评分组成员')),
            ],
            options={
                'verbose_name': '拉练',
                'verbose_name_plural': '拉练',
                'ordering': ['-year', '-quarter', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='stop',
            name='tour',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stops', to='inspections.tour'),
        ),
        migrations.CreateModel(
            name='HistoricalTour_panel',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='inspections.historicaltour')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('tour', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.tour')),
            ],
            options={
                'verbose_name': 'HistoricalTour_panel',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalStop',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('new_start', '新开工'), ('new_production', '新投产'), ('under_way', '续建'), ('other', '其他')], default='other', max_length=20, verbose_name='类别')),
                ('visit_order', models.PositiveSmallIntegerField(default=0, verbose_name='观摩顺序')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('nominated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.project', verbose_name='项目')),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='推荐单位')),
                ('tour', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.tour')),
            ],
            options={
                'verbose_name': 'historical 观摩点位',
                'verbose_name_plural': 'historical 观摩点位',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='UnitResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('held_on', models.DateField(verbose_name='拉练日期')),
                ('score_centi', models.BigIntegerField(verbose_name='拉练得分(0.01分)')),
                ('project_count', models.PositiveIntegerField(verbose_name='观摩项目数')),
                ('rank', models.PositiveIntegerField(verbose_name='名次')),
                ('tour', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unit_results', to='inspections.tour')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tour_results', to='units.unit')),
            ],
            options={
                'verbose_name': '拉练单位成绩',
                'verbose_name_plural': '拉练单位成绩',
                'ordering': ['tour', 'rank', 'unit__sort_order'],
            },
        ),
        migrations.AddConstraint(
            model_name='criterion',
            constraint=models.UniqueConstraint(fields=('form', 'name'), name='criterion_unique_name'),
        ),
        migrations.AddConstraint(
            model_name='mark',
            constraint=models.UniqueConstraint(fields=('sheet', 'criterion'), name='mark_one_per_criterion'),
        ),
        migrations.AddConstraint(
            model_name='sheet',
            constraint=models.UniqueConstraint(fields=('stop', 'member'), name='sheet_one_per_member'),
        ),
        migrations.AddConstraint(
            model_name='stop',
            constraint=models.UniqueConstraint(fields=('tour', 'project'), name='stop_unique_project'),
        ),
        migrations.AddConstraint(
            model_name='unitresult',
            constraint=models.UniqueConstraint(fields=('tour', 'unit'), name='unit_result_unique'),
        ),
        migrations.AddField(
            model_name='historicalcriterion',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalcriterion',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalcriterion',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalmark',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalmark',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalmark',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalmark',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalscoreform',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalscoreform',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalscoreform',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalscoreform',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalsheet',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalsheet',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalsheet',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalsheet',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalstop',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalstop',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalstop',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalstop',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicaltour',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicaltour',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicaltour',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicaltour',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.CreateModel(
            name='HistoricalUnitResult',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('held_on', models.DateField(verbose_name='拉练日期')),
                ('score_centi', models.BigIntegerField(verbose_name='拉练得分(0.01分)')),
                ('project_count', models.PositiveIntegerField(verbose_name='观摩项目数')),
                ('rank', models.PositiveIntegerField(verbose_name='名次')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('tour', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.tour')),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit')),
            ],
            options={
                'verbose_name': 'historical 拉练单位成绩',
                'verbose_name_plural': 'historical 拉练单位成绩',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='historicalscoreform',
            name='unit',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='评分表所属的市(县)', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='所属单位'),
        ),
        migrations.AddField(
            model_name='historicaltour',
            name='unit',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='组织拉练的市(县)', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='组织单位'),
        ),
        migrations.AddField(
            model_name='scoreform',
            name='unit',
            field=models.ForeignKey(help_text='评分表所属的市(县)', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='所属单位'),
        ),
        migrations.AddField(
            model_name='tour',
            name='unit',
            field=models.ForeignKey(help_text='组织拉练的市(县)', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='组织单位'),
        ),
        migrations.AddField(
            model_name='historicalcriterion',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
    ]

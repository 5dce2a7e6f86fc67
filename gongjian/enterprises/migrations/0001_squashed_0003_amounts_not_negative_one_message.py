# The migrations up to this one in one: a fresh database is created from this file.

import django.core.validators
import django.db.models.deletion
import gongjian.kit.validators
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('enterprises', '0001_enterprise_registry'), ('enterprises', '0002_history_ip_address'), ('enterprises', '0003_amounts_not_negative_one_message')]

    initial = True

    dependencies = [
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TierThresholds',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ge_10bn', models.BigIntegerField(default=10000000000, verbose_name='百亿元级:营收不低于(元)')),
                ('ge_5bn', models.BigIntegerField(default=5000000000, verbose_name='50亿元级:营收不低于(元)')),
                ('ge_1bn', models.BigIntegerField(default=1000000000, verbose_name='10亿元级:营收不低于(元)')),
                ('high_growth', models.BigIntegerField(default=100000000, verbose_name='亿元级高成长:营收不低于(元)')),
            ],
            options={
                'verbose_name': '21152 矩阵门槛',
                'verbose_name_plural': '21152 矩阵门槛',
            },
        ),
        migrations.CreateModel(
            name='Enterprise',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='企业名称')),
                ('normalized_name', models.CharField(db_index=True, editable=False, max_length=200)),
                ('credit_code', models.CharField(blank=True, max_length=18, null=True, unique=True, validators=[gongjian.kit.validators.validate_credit_code], verbose_name='统一社会信用代码')),
                ('industry', models.CharField(blank=True, max_length=50, verbose_name='所属行业')),
                ('cluster', models.CharField(blank=True, max_length=50, verbose_name='产业集群')),
                ('region', models.CharField(blank=True, max_length=50, verbose_name='所在地区')),
                ('latest_revenue', models.BigIntegerField(editable=False, null=True, verbose_name='最近年度营收(元)')),
                ('revenue_year', models.PositiveSmallIntegerField(editable=False, null=True, verbose_name='营收年度')),
                ('tier', models.CharField(blank=True, choices=[('ge_10bn', '百亿元以上企业'), ('ge_5bn', '50亿元以上企业'), ('ge_1bn', '10亿元以上企业'), ('high_growth', '亿元以上高成长性企业')], editable=False, max_length=20, verbose_name='21152 矩阵档次')),
                ('notes', models.TextField(blank=True, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enterprises', to='units.unit', verbose_name='跟踪服务单位')),
            ],
            options={
                'verbose_name': '企业',
                'verbose_name_plural': '企业',
                'ordering': ['name', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='EnterpriseContact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='联系人')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='职务')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='电话')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='enterprises.enterprise')),
            ],
            options={
                'verbose_name': '企业联系人',
                'verbose_name_plural': '企业联系人',
                'ordering': ['enterprise', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='EnterpriseRevenue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('revenue', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0)], verbose_name='营业收入(元)')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revenues', to='enterprises.enterprise')),
            ],
            options={
                'verbose_name': '企业营收',
                'verbose_name_plural': '企业营收',
                'ordering': ['enterprise', '-year'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalEnterprise',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='企业名称')),
                ('normalized_name', models.CharField(db_index=True, editable=False, max_length=200)),
                ('credit_code', models.CharField(blank=True, db_index=True, max_length=18, null=True, validators=[gongjian.kit.validators.validate_credit_code], verbose_name='统一社会信用代码')),
                ('industry', models.CharField(blank=True, max_length=50, verbose_name='所属行业')),
                ('cluster', models.CharField(blank=True, max_length=50, verbose_name='产业集群')),
                ('region', models.CharField(blank=True, max_length=50, verbose_name='所在地区')),
                ('latest_revenue', models.BigIntegerField(editable=False, null=True, verbose_name='最近年度营收(元)')),
                ('revenue_year', models.PositiveSmallIntegerField(editable=False, null=True, verbose_name='营收年度')),
                ('tier', models.CharField(blank=True, choices=[('ge_10bn', '百亿元以上企业'), ('ge_5bn', '50亿元以上企业'), ('ge_1bn', '10亿元以上企业'), ('high_growth', '亿元以上高成长性企业')], editable=False, max_length=20, verbose_name='21152 矩阵档次')),
                ('notes', models.TextField(blank=True, verbose_name='备注')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='跟踪服务单位')),
            ],
            options={
                'verbose_name': 'historical 企业',
                'verbose_name_plural': 'historical 企业',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalEnterpriseContact',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='联系人')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='职务')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='电话')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 企业联系人',
                'verbose_name_plural': 'historical 企业联系人',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalEnterpriseRevenue',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('revenue', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0)], verbose_name='营业收入(元)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 企业营收',
                'verbose_name_plural': 'historical 企业营收',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTierThresholds',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ge_10bn', models.BigIntegerField(default=10000000000, verbose_name='百亿元级:营收不低于(元)')),
                ('ge_5bn', models.BigIntegerField(default=5000000000, verbose_name='50亿元级:营收不低于(元)')),
                ('ge_1bn', models.BigIntegerField(default=1000000000, verbose_name='10亿元级:营收不低于(元)')),
                ('high_growth', models.BigIntegerField(default=100000000, verbose_name='亿元级高成长:营收不低于(元)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 21152 矩阵门槛',
                'verbose_name_plural': 'historical 21152 矩阵门槛',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(fields=['tier'], name='enterprises_tier_7e686c_idx'),
        ),
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(fields=['unit', 'tier'], name='enterprises_unit_id_ca79ce_idx'),
        ),
        migrations.AddConstraint(
            model_name='enterpriserevenue',
            constraint=models.UniqueConstraint(fields=('enterprise', 'year'), name='revenue_one_per_year'),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalenterprisecontact',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalenterprisecontact',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalenterprisecontact',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalenterprisecontact',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalenterpriserevenue',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalenterpriserevenue',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalenterpriserevenue',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalenterpriserevenue',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicaltierthresholds',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicaltierthresholds',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicaltierthresholds',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicaltierthresholds',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AlterField(
            model_name='enterpriserevenue',
            name='revenue',
            field=models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='营业收入(元)'),
        ),
        migrations.AlterField(
            model_name='historicalenterpriserevenue',
            name='revenue',
            field=models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='营业收入(元)'),
        ),
    ]

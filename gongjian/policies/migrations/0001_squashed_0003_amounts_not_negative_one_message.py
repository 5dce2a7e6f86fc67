# The migrations up to this one in one: a fresh database is created from this file.

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('policies', '0001_policies_labels_grants'), ('policies', '0002_history_ip_address'), ('policies', '0003_amounts_not_negative_one_message')]

    initial = True

    dependencies = [
        ('enterprises', '0001_enterprise_registry'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Policy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40, unique=True, verbose_name='政策编号')),
                ('name', models.CharField(max_length=200, verbose_name='政策名称')),
                ('department', models.CharField(blank=True, max_length=100, verbose_name='兑现部门')),
                ('mode', models.CharField(choices=[('auto', '免申即享'), ('application', '依申请')], default='auto', max_length=12, verbose_name='兑现方式')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('published', '已发布'), ('withdrawn', '已废止')], default='draft', max_length=10, verbose_name='状态')),
                ('summary', models.TextField(blank=True, verbose_name='政策内容')),
                ('rules', models.JSONField(blank=True, default=dict, verbose_name='适用条件')),
                ('benefit', models.JSONField(default=dict, verbose_name='兑现标准')),
                ('valid_from', models.DateField(verbose_name='有效期起')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name='有效期止')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='units.unit', verbose_name='发布单位')),
            ],
            options={
                'verbose_name': '惠企政策',
                'verbose_name_plural': '惠企政策',
                'ordering': ['-valid_from', 'code'],
            },
        ),
        migrations.CreateModel(
            name='EnterpriseLabel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(max_length=50, verbose_name='标签')),
                ('since', models.DateField(blank=True, null=True, verbose_name='认定日期')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='labels', to='enterprises.enterprise')),
            ],
            options={
                'verbose_name': '企业标签',
                'verbose_name_plural': '企业标签',
                'ordering': ['enterprise', 'label'],
                'constraints': [models.UniqueConstraint(fields=('enterprise', 'label'), name='enterprise_label_unique')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalEnterpriseLabel',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('label', models.CharField(max_length=50, verbose_name='标签')),
                ('since', models.DateField(blank=True, null=True, verbose_name='认定日期')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 企业标签',
                'verbose_name_plural': 'historical 企业标签',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPolicy',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.CharField(db_index=True, max_length=40, verbose_name='政策编号')),
                ('name', models.CharField(max_length=200, verbose_name='政策名称')),
                ('department', models.CharField(blank=True, max_length=100, verbose_name='兑现部门')),
                ('mode', models.CharField(choices=[('auto', '免申即享'), ('application', '依申请')], default='auto', max_length=12, verbose_name='兑现方式')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('published', '已发布'), ('withdrawn', '已废止')], default='draft', max_length=10, verbose_name='状态')),
                ('summary', models.TextField(blank=True, verbose_name='政策内容')),
                ('rules', models.JSONField(blank=True, default=dict, verbose_name='适用条件')),
                ('benefit', models.JSONField(default=dict, verbose_name='兑现标准')),
                ('valid_from', models.DateField(verbose_name='有效期起')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name='有效期止')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='发布单位')),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 惠企政策',
                'verbose_name_plural': 'historical 惠企政策',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Grant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('amount', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='兑现金额(元)')),
                ('status', models.CharField(choices=[('proposed', '待审核'), ('approved', '已核准'), ('rejected', '不予兑现')], default='proposed', max_length=10, verbose_name='状态')),
                ('reason', models.TextField(blank=True, verbose_name='符合条件说明')),
                ('proposed_on', models.DateField(verbose_name='生成日期')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='审核日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='审核意见')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='enterprises.enterprise')),
                ('policy', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='policies.policy')),
            ],
            options={
                'verbose_name': '政策兑现',
                'verbose_name_plural': '政策兑现',
                'ordering': ['policy', 'enterprise'],
                'constraints': [models.UniqueConstraint(fields=('policy', 'enterprise', 'year'), name='grant_once_per_year')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalGrant',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('amount', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='兑现金额(元)')),
                ('status', models.CharField(choices=[('proposed', '待审核'), ('approved', '已核准'), ('rejected', '不予兑现')], default='proposed', max_length=10, verbose_name='状态')),
                ('reason', models.TextField(blank=True, verbose_name='符合条件说明')),
                ('proposed_on', models.DateField(verbose_name='生成日期')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='审核日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='审核意见')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('policy', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='policies.policy')),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 政策兑现',
                'verbose_name_plural': 'historical 政策兑现',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]

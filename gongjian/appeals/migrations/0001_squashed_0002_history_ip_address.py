# The migrations up to this one in one: a fresh database is created from this file.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('appeals', '0001_appeals_calendar_categories_steps'), ('appeals', '0002_history_ip_address')]

    initial = True

    dependencies = [
        ('enterprises', '0001_enterprise_registry'),
        ('projects', '0003_report_photo_problem_comment'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('holiday', '节假日(休息)'), ('workday', '调休上班')], max_length=10, verbose_name='类型')),
                ('name', models.CharField(blank=True, max_length=50, verbose_name='名称')),
            ],
            options={
                'verbose_name': '工作日历',
                'verbose_name_plural': '工作日历',
                'ordering': ['date'],
            },
        ),
        migrations.CreateModel(
            name='AppealCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='类别代码')),
                ('name', models.CharField(max_length=100, verbose_name='类别名称')),
                ('sign_days', models.PositiveSmallIntegerField(default=1, verbose_name='签收时限(工作日)')),
                ('sla_days', models.PositiveSmallIntegerField(default=5, verbose_name='办结时限(工作日)')),
                ('for_enterprises', models.BooleanField(default=False, verbose_name='涉企诉求')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('default_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='units.unit', verbose_name='建议承办单位')),
            ],
            options={
                'verbose_name': '诉求类别',
                'verbose_name_plural': '诉求类别',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Appeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='工单编号')),
                ('channel', models.CharField(choices=[('hotline', '12345热线'), ('web', '网站'), ('app', '移动端'), ('letter', '来信'), ('open311', '接口接入')], max_length=10, verbose_name='来源渠道')),
                ('appellant_kind', models.CharField(choices=[('citizen', '群众'), ('enterprise', '企业')], max_length=10, verbose_name='诉求人类型')),
                ('appellant_name', models.CharField(blank=True, max_length=100, verbose_name='诉求人')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('email', models.CharField(blank=True, max_length=100, verbose_name='电子邮箱')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('content', models.TextField(verbose_name='诉求内容')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地点')),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='纬度')),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='经度')),
                ('status', models.CharField(choices=[('received', '已受理'), ('dispatched', '已派单'), ('signed', '已签收'), ('handling', '办理中'), ('replied', '已答复'), ('visited', '已回访'), ('closed', '已办结')], default='received', max_length=12, verbose_name='状态')),
                ('received_at', models.DateTimeField(verbose_name='受理时间')),
                ('received_on', models.DateField(db_index=True, verbose_name='受理日期')),
                ('sign_due_on', models.DateField(blank=True, null=True, verbose_name='签收期限')),
                ('due_on', models.DateField(verbose_name='办结期限')),
                ('replied_on', models.DateField(blank=True, null=True, verbose_name='答复日期')),
                ('closed_on', models.DateField(blank=True, null=True, verbose_name='办结日期')),
                ('reply', models.TextField(blank=True, verbose_name='答复内容')),
                ('satisfaction', models.CharField(blank=True, choices=[('satisfied', '满意'), ('basic', '基本满意'), ('unsatisfied', '不满意')], max_length=12, verbose_name='满意度')),
                ('reopen_count', models.PositiveSmallIntegerField(default=0, verbose_name='重办次数')),
                ('external_id', models.CharField(blank=True, max_length=64, verbose_name='外部编号')),
                ('enterprise', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='enterprises.enterprise', verbose_name='涉及企业')),
                ('intake_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='受理单位')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='appeals', to='projects.project', verbose_name='涉及项目')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='units.unit', verbose_name='承办单位')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='appeals.appealcategory', verbose_name='诉求类别')),
            ],
            options={
                'verbose_name': '诉求',
                'verbose_name_plural': '诉求',
                'ordering': ['-received_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='AppealStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('receive', '受理'), ('dispatch', '派单'), ('sign', '签收'), ('return', '退单'), ('transfer', '转办'), ('handle', '办理'), ('reply', '答复'), ('visit', '回访'), ('close', '办结'), ('reopen', '重办')], max_length=10, verbose_name='环节')),
                ('from_status', models.CharField(blank=True, choices=[('received', '已受理'), ('dispatched', '已派单'), ('signed', '已签收'), ('handling', '办理中'), ('replied', '已答复'), ('visited', '已回访'), ('closed', '已办结')], max_length=12, verbose_name='原状态')),
                ('to_status', models.CharField(choices=[('received', '已受理'), ('dispatched', '已派单'), ('signed', '已签收'), ('handling', '办理中'), ('replied', '已答复'), ('visited', '已回访'), ('closed', '已办结')], max_length=12, verbose_name='新状态')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='appeals.appeal')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='承办单位')),
            ],
            options={
                'verbose_name': '办理环节',
                'verbose_name_plural': '办理环节',
                'ordering': ['appeal', 'at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAppeal',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('number', models.CharField(db_index=True, max_length=30, verbose_name='工单编号')),
                ('channel', models.CharField(choices=[('hotline', '12345热线'), ('web', '网站'), ('app', '移动端'), ('letter', '来信'), ('open311', '接口接入')], max_length=10, verbose_name='来源渠道')),
                ('appellant_kind', models.CharField(choices=[('citizen', '群众'), ('enterprise', '企业')], max_length=10, verbose_name='诉求人类型')),
                ('appellant_name', models.CharField(blank=True, max_length=100, verbose_name='诉求人')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('email', models.CharField(blank=True, max_length=100, verbose_name='电子邮箱')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('content', models.TextField(verbose_name='诉求内容')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地点')),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='纬度')),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='经度')),
                ('status', models.CharField(choices=[('received', '已受理'), ('dispatched', '已派单'), ('signed', '已签收'), ('handling', '办理中'), ('replied', '已答复'), ('visited', '已回访'), ('closed', '已办结')], default='received', max_length=12, verbose_name='状态')),
                ('received_at', models.DateTimeField(verbose_name='受理时间')),
                ('received_on', models.DateField(db_index=True, verbose_name='受理日期')),
                ('sign_due_on', models.DateField(blank=True, null=True, verbose_name='签收期限')),
                ('due_on', models.DateField(verbose_name='办结期限')),
                ('replied_on', models.DateField(blank=True, null=True, verbose_name='答复日期')),
                ('closed_on', models.DateField(blank=True, null=True, verbose_name='办结日期')),
                ('reply', models.TextField(blank=True, verbose_name='答复内容')),
                ('satisfaction', models.CharField(blank=True, choices=[('satisfied', '满意'), ('basic', '基本满意'), ('unsatisfied', '不满意')], max_length=12, verbose_name='满意度')),
                ('reopen_count', models.PositiveSmallIntegerField(default=0, verbose_name='重办次数')),
                ('external_id', models.CharField(blank=True, max_length=64, verbose_name='外部编号')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('category', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='appeals.appealcategory', verbose_name='诉求类别')),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise', verbose_name='涉及企业')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('intake_unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='受理单位')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.project', verbose_name='涉及项目')),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='承办单位')),
            ],
            options={
                'verbose_name': 'historical 诉求',
                'verbose_name_plural': 'historical 诉求',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAppealCategory',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, verbose_name='类别代码')),
                ('name', models.CharField(max_length=100, verbose_name='类别名称')),
                ('sign_days', models.PositiveSmallIntegerField(default=1, verbose_name='签收时限(工作日)')),
                ('sla_days', models.PositiveSmallIntegerField(default=5, verbose_name='办结时限(工作日)')),
                ('for_enterprises', models.BooleanField(default=False, verbose_name='涉企诉求')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('default_unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='建议承办单位')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 诉求类别',
                'verbose_name_plural': 'historical 诉求类别',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalCalendarDay',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('date', models.DateField(db_index=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('holiday', '节假日(休息)'), ('workday', '调休上班')], max_length=10, verbose_name='类型')),
                ('name', models.CharField(blank=True, max_length=50, verbose_name='名称')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 工作日历',
                'verbose_name_plural': 'historical 工作日历',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['unit', 'received_on'], name='appeals_app_unit_id_f4423d_idx'),
        ),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['status', 'due_on'], name='appeals_app_status_e18e7b_idx'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), ('closed_on__gte', models.F('received_on')), _connector='OR'), name='appeal_closed_after_received'),
        ),
        migrations.AddIndex(
            model_name='appealstep',
            index=models.Index(fields=['action', 'at'], name='appeals_app_action_0fb25a_idx'),
        ),
        migrations.AddField(
            model_name='historicalappeal',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalappeal',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalappeal',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalappeal',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalappealcategory',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalappealcategory',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalappealcategory',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalappealcategory',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalcalendarday',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalcalendarday',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalcalendarday',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalcalendarday',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
    ]

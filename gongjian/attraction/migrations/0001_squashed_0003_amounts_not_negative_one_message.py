# The migrations up to this one in one: a fresh database is created from this file.

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('attraction', '0001_outreach_and_leads'), ('attraction', '0002_history_ip_address'), ('attraction', '0003_amounts_not_negative_one_message')]

    initial = True

    dependencies = [
        ('enterprises', '0001_enterprise_registry'),
        ('projects', '0003_report_photo_problem_comment'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalLead',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='项目名称')),
                ('intended_investment', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0)], verbose_name='意向投资额(元)')),
                ('category', models.CharField(choices=[('industry', '工业'), ('commerce', '商贸服务'), ('infrastructure', '基础设施'), ('livelihood', '社会民生'), ('agriculture', '农业农村'), ('tourism', '文旅'), ('other', '其他')], default='industry', max_length=20, verbose_name='项目类别')),
                ('industry_cluster', models.CharField(blank=True, max_length=50, verbose_name='产业集群')),
                ('stage', models.CharField(choices=[('contact', '接洽'), ('negotiating', '洽谈'), ('signed', '签约'), ('landed', '落地'), ('started', '开工'), ('in_production', '投产'), ('terminated', '终止')], default='contact', max_length=20, verbose_name='阶段')),
                ('contacted_on', models.DateField(editable=False, verbose_name='首次接洽日期')),
                ('terminated_reason', models.CharField(blank=True, max_length=200, verbose_name='终止原因')),
                ('expected_sign_on', models.DateField(blank=True, null=True, verbose_name='预计签约日期')),
                ('expected_start_on', models.DateField(blank=True, null=True, verbose_name='预计开工日期')),
                ('next_step', models.CharField(blank=True, max_length=200, verbose_name='下一步工作')),
                ('next_step_due', models.DateField(blank=True, null=True, verbose_name='下一步完成时限')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise', verbose_name='企业')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('official', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='责任领导')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.project', verbose_name='清单项目')),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': 'historical 招商线索',
                'verbose_name_plural': 'historical 招商线索',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOutreach',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('held_on', models.DateField(db_index=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('going_out', '走出去'), ('inviting_in', '请进来'), ('online', '线上')], max_length=20, verbose_name='方式')),
                ('theme', models.CharField(choices=[('central_local', '央地合作'), ('biomedicine', '生物医药'), ('electronics', '电子信息'), ('new_materials', '新材料'), ('culture_tourism', '文旅融合'), ('petrochemical', '石化及精细化工'), ('equipment', '装备制造'), ('new_energy', '新能源'), ('agriculture', '现代农业'), ('other', '综合')], max_length=30, verbose_name='主题')),
                ('title', models.CharField(max_length=200, verbose_name='活动名称')),
                ('place', models.CharField(blank=True, max_length=100, verbose_name='地点')),
                ('leader_name', models.CharField(blank=True, max_length=100, verbose_name='带队领导')),
                ('notes', models.TextField(blank=True, verbose_name='备注')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='组织单位')),
            ],
            options={
                'verbose_name': 'historical 招商活动',
                'verbose_name_plural': 'historical 招商活动',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Lead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='项目名称')),
                ('intended_investment', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0)], verbose_name='意向投资额(元)')),
                ('category', models.CharField(choices=[('industry', '工业'), ('commerce', '商贸服务'), ('infrastructure', '基础设施'), ('livelihood', '社会民生'), ('agriculture', '农业农村'), ('tourism', '文旅'), ('other', '其他')], default='industry', max_length=20, verbose_name='项目类别')),
                ('industry_cluster', models.CharField(blank=True, max_length=50, verbose_name='产业集群')),
                ('stage', models.CharField(choices=[('contact', '接洽'), ('negotiating', '洽谈'), ('signed', '签约'), ('landed', '落地'), ('started', '开工'), ('in_production', '投产'), ('terminated', '终止')], default='contact', max_length=20, verbose_name='阶段')),
                ('contacted_on', models.DateField(editable=False, verbose_name='首次接洽日期')),
                ('terminated_reason', models.CharField(blank=True, max_length=200, verbose_name='终止原因')),
                ('expected_sign_on', models.DateField(blank=True, null=True, verbose_name='预计签约日期')),
                ('expected_start_on', models.DateField(blank=True, null=True, verbose_name='预计开工日期')),
                ('next_step', models.CharField(blank=True, max_length=200, verbose_name='下一步工作')),
                ('next_step_due', models.DateField(blank=True, null=True, verbose_name='下一步完成时限')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leads', to='enterprises.enterprise', verbose_name='企业')),
                ('official', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='leads', to=settings.AUTH_USER_MODEL, verbose_name='责任领导')),
                ('project', models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead', to='projects.project', verbose_name='清单项目')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leads', to='units.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '招商线索',
                'verbose_name_plural': '招商线索',
                'ordering': ['-contacted_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='LeadTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('contact', '接洽'), ('negotiating', '洽谈'), ('signed', '签约'), ('landed', '落地'), ('started', '开工'), ('in_production', '投产'), ('terminated', '终止')], max_length=20, verbose_name='阶段')),
                ('occurred_on', models.DateField(verbose_name='日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('lead', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='attraction.lead')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '线索阶段变更',
                'verbose_name_plural': '线索阶段变更',
                'ordering': ['lead', 'occurred_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Outreach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('held_on', models.DateField(db_index=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('going_out', '走出去'), ('inviting_in', '请进来'), ('online', '线上')], max_length=20, verbose_name='方式')),
                ('theme', models.CharField(choices=[('central_local', '央地合作'), ('biomedicine', '生物医药'), ('electronics', '电子信息'), ('new_materials', '新材料'), ('culture_tourism', '文旅融合'), ('petrochemical', '石化及精细化工'), ('equipment', '装备制造'), ('new_energy', '新能源'), ('agriculture', '现代农业'), ('other', '综合')], max_length=30, verbose_name='主题')),
                ('title', models.CharField(max_length=200, verbose_name='活动名称')),
                ('place', models.CharField(blank=True, max_length=100, verbose_name='地点')),
                ('leader_name', models.CharField(blank=True, max_length=100, verbose_name='带队领导')),
                ('notes', models.TextField(blank=True, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outreach', to='units.unit', verbose_name='组织单位')),
            ],
            options={
                'verbose_name': '招商活动',
                'verbose_name_plural': '招商活动',
                'ordering': ['-held_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalOutreachContact',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='对接情况')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('enterprise', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='enterprises.enterprise')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('outreach', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='attraction.outreach')),
            ],
            options={
                'verbose_name': 'historical 对接企业',
                'verbose_name_plural': 'historical 对接企业',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='OutreachContact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='对接情况')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outreach_contacts', to='enterprises.enterprise')),
                ('outreach', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='attraction.outreach')),
            ],
            options={
                'verbose_name': '对接企业',
                'verbose_name_plural': '对接企业',
            },
        ),
        migrations.AddField(
            model_name='outreach',
            name='enterprises',
            field=models.ManyToManyField(blank=True, related_name='outreach', through='attraction.OutreachContact', to='enterprises.enterprise', verbose_name='对接企业'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['unit', 'stage'], name='attraction__unit_id_e95c7b_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['contacted_on'], name='attraction__contact_1c2b9c_idx'),
        ),
        migrations.AddIndex(
            model_name='leadtransition',
            index=models.Index(fields=['stage', 'occurred_on', 'lead'], name='attraction__stage_674517_idx'),
        ),
        migrations.AddIndex(
            model_name='outreachcontact',
            index=models.Index(fields=['enterprise', 'outreach'], name='attraction__enterpr_8895ae_idx'),
        ),
        migrations.AddConstraint(
            model_name='outreachcontact',
            constraint=models.UniqueConstraint(fields=('outreach', 'enterprise'), name='contact_once'),
        ),
        migrations.AddIndex(
            model_name='outreach',
            index=models.Index(fields=['unit', 'held_on'], name='attraction__unit_id_dd17e7_idx'),
        ),
        migrations.AddField(
            model_name='historicallead',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicallead',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicallead',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicallead',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicaloutreach',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicaloutreach',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicaloutreach',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicaloutreach',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicaloutreachcontact',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicaloutreachcontact',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicaloutreachcontact',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicaloutreachcontact',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.CreateModel(
            name='HistoricalLeadTransition',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('occurred_on', models.DateField(verbose_name='日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('recorded_at', models.DateTimeField(blank=True, editable=False)),
                ('stage', models.CharField(choices=[('contact', '接洽'), ('negotiating', '洽谈'), ('signed', '签约'), ('landed', '落地'), ('started', '开工'), ('in_production', '投产'), ('terminated', '终止')], max_length=20, verbose_name='阶段')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('lead', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='attraction.lead')),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical 线索阶段变更',
                'verbose_name_plural': 'historical 线索阶段变更',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AlterField(
            model_name='historicallead',
            name='intended_investment',
            field=models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='意向投资额(元)'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='intended_investment',
            field=models.BigIntegerField(validators=[django.core.validators.MinValueValidator(0, message='金额不能为负数')], verbose_name='意向投资额(元)'),
        ),
    ]

# The migrations up to this one in one: a fresh database is created from this file.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('review', '0001_corpus_dictionary_drafts'), ('review', '0002_history_ip_address')]

    initial = True

    dependencies = [
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DictionaryTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=40, unique=True, verbose_name='词语')),
                ('kind', models.CharField(choices=[('term', '攻坚词汇(不切分)'), ('stop', '停用词(不计入)')], default='term', max_length=10, verbose_name='类型')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
            ],
            options={
                'verbose_name': '用户词典词语',
                'verbose_name_plural': '用户词典',
                'ordering': ['kind', 'term'],
            },
        ),
        migrations.CreateModel(
            name='CorpusDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('dated_on', models.DateField(verbose_name='日期')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='来源')),
                ('file_name', models.CharField(max_length=255, verbose_name='文件名')),
                ('file_format', models.CharField(choices=[('txt', '纯文本'), ('docx', 'Word 文档'), ('pdf', 'PDF 文档')], max_length=10, verbose_name='格式')),
                ('size', models.PositiveIntegerField(verbose_name='文件大小(字节)')),
                ('text', models.TextField(verbose_name='正文')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='corpus_documents', to='units.unit', verbose_name='单位')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '语料文档',
                'verbose_name_plural': '语料文档',
                'ordering': ['-year', '-dated_on', 'pk'],
                'indexes': [models.Index(fields=['year', 'unit'], name='review_corp_year_41bcb5_idx')],
            },
        ),
        migrations.CreateModel(
            name='ReviewDraft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('as_of', models.DateField(verbose_name='数据截止日期')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('items', models.JSONField(default=list, verbose_name='词条')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='review_drafts', to='units.unit', verbose_name='单位')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '年度总结稿',
                'verbose_name_plural': '年度总结稿',
                'constraints': [models.UniqueConstraint(fields=('year', 'unit'), name='review_draft_unique_year_unit')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCorpusDocument',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('dated_on', models.DateField(verbose_name='日期')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='来源')),
                ('file_name', models.CharField(max_length=255, verbose_name='文件名')),
                ('file_format', models.CharField(choices=[('txt', '纯文本'), ('docx', 'Word 文档'), ('pdf', 'PDF 文档')], max_length=10, verbose_name='格式')),
                ('size', models.PositiveIntegerField(verbose_name='文件大小(字节)')),
                ('uploaded_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='单位')),
                ('uploaded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 语料文档',
                'verbose_name_plural': 'historical 语料文档',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDictionaryTerm',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('term', models.CharField(db_index=True, max_length=40, verbose_name='词语')),
                ('kind', models.CharField(choices=[('term', '攻坚词汇(不切分)'), ('stop', '停用词(不计入)')], default='term', max_length=10, verbose_name='类型')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 用户词典词语',
                'verbose_name_plural': 'historical 用户词典',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReviewDraft',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('as_of', models.DateField(verbose_name='数据截止日期')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('items', models.JSONField(default=list, verbose_name='词条')),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='单位')),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
            ],
            options={
                'verbose_name': 'historical 年度总结稿',
                'verbose_name_plural': 'historical 年度总结稿',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]

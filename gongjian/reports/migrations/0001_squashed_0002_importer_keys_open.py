# The migrations up to this one in one: a fresh database is created from this file.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('reports', '0001_import_runs_and_column_mappings'), ('reports', '0002_importer_keys_open')]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ColumnMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('schema', models.CharField(choices=[('projects', '项目清单'), ('reports', '进度报告')], max_length=30, verbose_name='导入类型')),
                ('mapping', models.JSONField(default=dict, help_text='表中列名 → 导入列', verbose_name='列名对照')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '列名对照',
                'verbose_name_plural': '列名对照',
                'ordering': ['schema', 'name'],
            },
        ),
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('schema', models.CharField(choices=[('projects', '项目清单'), ('reports', '进度报告')], max_length=30, verbose_name='导入类型')),
                ('file_name', models.CharField(max_length=255, verbose_name='文件名')),
                ('stored_file', models.CharField(blank=True, editable=False, max_length=500)),
                ('skip_bad_rows', models.BooleanField(default=False, verbose_name='跳过错误行')),
                ('status', models.CharField(choices=[('pending', '等待处理'), ('running', '正在导入'), ('done', '已导入'), ('refused', '未导入(有错误)'), ('failed', '文件无法读取')], default='pending', max_length=20, verbose_name='状态')),
                ('rows_total', models.PositiveIntegerField(default=0, verbose_name='数据行数')),
                ('rows_created', models.PositiveIntegerField(default=0, verbose_name='新增')),
                ('rows_updated', models.PositiveIntegerField(default=0, verbose_name='更新')),
                ('rows_unchanged', models.PositiveIntegerField(default=0, verbose_name='无变化')),
                ('rows_bad', models.PositiveIntegerField(default=0, verbose_name='错误行')),
                ('message', models.TextField(blank=True, verbose_name='说明')),
                ('errors', models.JSONField(blank=True, default=list, help_text='[行, 列, 信息]', verbose_name='错误(前 1000 条)')),
                ('error_file', models.CharField(blank=True, editable=False, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('mapping', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='reports.columnmapping', verbose_name='列名对照')),
            ],
            options={
                'verbose_name': '导入记录',
                'verbose_name_plural': '导入记录',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddConstraint(
            model_name='columnmapping',
            constraint=models.UniqueConstraint(fields=('schema', 'name'), name='column_mapping_unique_name'),
        ),
        migrations.AlterField(
            model_name='columnmapping',
            name='schema',
            field=models.CharField(max_length=30, verbose_name='导入类型'),
        ),
        migrations.AlterField(
            model_name='importrun',
            name='schema',
            field=models.CharField(max_length=30, verbose_name='导入类型'),
        ),
    ]

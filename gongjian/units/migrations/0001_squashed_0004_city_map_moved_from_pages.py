# The migrations up to this one in one: a fresh database is created from this file.

import django.contrib.auth.models
import django.contrib.auth.validators
import django.db.models.deletion
import django.utils.timezone
import gongjian.units.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('units', '0001_initial'), ('units', '0002_history_ip_address'), ('units', '0003_login_events'), ('units', '0004_city_map_moved_from_pages')]

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('full_name', models.CharField(blank=True, max_length=50, verbose_name='姓名')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='职务')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='电话')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
            ],
            options={
                'verbose_name': '用户',
                'verbose_name_plural': '用户',
            },
            managers=[
                ('objects', django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='用途')),
                ('prefix', models.CharField(editable=False, max_length=8)),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API 令牌',
                'verbose_name_plural': 'API 令牌',
            },
        ),
        migrations.CreateModel(
            name='Unit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('code', models.CharField(blank=True, help_text='GB/T 2260 六位代码,部门可不填', max_length=6, null=True, unique=True, verbose_name='行政区划代码')),
                ('kind', models.CharField(choices=[('province', '省'), ('city', '市'), ('district', '市辖区'), ('county', '县'), ('county_city', '县级市'), ('zone', '开发区/园区'), ('department', '部门')], max_length=20, verbose_name='类型')),
                ('path', models.CharField(db_index=True, default='', editable=False, max_length=255)),
                ('depth', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='units.unit', verbose_name='上级单位')),
            ],
            options={
                'verbose_name': '单位',
                'verbose_name_plural': '单位',
                'ordering': ['path'],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('office', '攻坚办管理员'), ('operator', '单位填报员'), ('leader', '包保领导'), ('viewer', '查看')], max_length=20, verbose_name='角色')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='units.unit')),
            ],
            options={
                'verbose_name': '任职',
                'verbose_name_plural': '任职',
            },
        ),
        migrations.CreateModel(
            name='HistoricalUnit',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('code', models.CharField(blank=True, db_index=True, help_text='GB/T 2260 六位代码,部门可不填', max_length=6, null=True, verbose_name='行政区划代码')),
                ('kind', models.CharField(choices=[('province', '省'), ('city', '市'), ('district', '市辖区'), ('county', '县'), ('county_city', '县级市'), ('zone', '开发区/园区'), ('department', '部门')], max_length=20, verbose_name='类型')),
                ('path', models.CharField(db_index=True, default='', editable=False, max_length=255)),
                ('depth', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='上级单位')),
            ],
            options={
                'verbose_name': 'historical 单位',
                'verbose_name_plural': 'historical 单位',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMembership',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('role', models.CharField(choices=[('office', '攻坚办管理员'), ('operator', '单位填报员'), ('leader', '包保领导'), ('viewer', '查看')], max_length=20, verbose_name='角色')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit')),
            ],
            options={
                'verbose_name': 'historical 任职',
                'verbose_name_plural': 'historical 任职',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.UniqueConstraint(fields=('parent', 'name'), name='unit_unique_name_in_parent'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.UniqueConstraint(fields=('user', 'unit', 'role'), name='membership_unique'),
        ),
        migrations.AddField(
            model_name='historicalmembership',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalmembership',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalmembership',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.AddField(
            model_name='historicalunit',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='historicalunit',
            name='history_object_repr',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='historicalunit',
            name='history_unit_path',
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.AddField(
            model_name='historicalunit',
            name='history_user_agent',
            field=models.CharField(blank=True, max_length=200, verbose_name='客户端'),
        ),
        migrations.CreateModel(
            name='LoginEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('success', '登录成功'), ('failure', '登录失败'), ('logout', '退出登录'), ('lockout', '账号锁定')], db_index=True, max_length=10, verbose_name='事件')),
                ('username', models.CharField(blank=True, db_index=True, max_length=150, verbose_name='用户名')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP 地址')),
                ('user_agent', models.CharField(blank=True, max_length=255, verbose_name='浏览器')),
                ('path', models.CharField(blank=True, max_length=255, verbose_name='页面')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='时间')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='login_events', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '登录记录',
                'verbose_name_plural': '登录记录',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', gongjian.units.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalMapConfig',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址')),
                ('history_user_agent', models.CharField(blank=True, max_length=200, verbose_name='客户端')),
                ('history_unit_path', models.CharField(blank=True, db_index=True, max_length=255)),
                ('history_object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('map_name', models.CharField(help_text='如“锦州”', max_length=50, verbose_name='地图名称')),
                ('package_map', models.CharField(blank=True, help_text='echarts-china-cities-pypkg 中的地图文件名(不含 .js),如 liao2_ning2_jin3_zhou1', max_length=80, verbose_name='内置地图文件')),
                ('geojson', models.TextField(blank=True, help_text='上传的 GeoJSON;要素 id 或 properties.code 为区划代码', verbose_name='GeoJSON')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': 'historical 城市地图',
                'verbose_name_plural': 'historical 城市地图',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='MapConfig',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('map_name', models.CharField(help_text='如“锦州”', max_length=50, verbose_name='地图名称')),
                ('package_map', models.CharField(blank=True, help_text='echarts-china-cities-pypkg 中的地图文件名(不含 .js),如 liao2_ning2_jin3_zhou1', max_length=80, verbose_name='内置地图文件')),
                ('geojson', models.TextField(blank=True, help_text='上传的 GeoJSON;要素 id 或 properties.code 为区划代码', verbose_name='GeoJSON')),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='map_config', to='units.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': '城市地图',
                'verbose_name_plural': '城市地图',
            },
        ),
        migrations.AddField(
            model_name='historicalmembership',
            name='history_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
    ]

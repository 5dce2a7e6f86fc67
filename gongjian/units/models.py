"""Units (the organisational tree), people and their roles."""

from __future__ import annotations

import hashlib
import json
import re

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet, SystemActor
from gongjian.kit.validators import validate_division_child, validate_division_code


def below_root(path: str) -> bool:
    """Whether ``path`` is a unit's below a root unit: its subtree is a part of the data,
    where a root's (one segment, ``"1/"``) is (nearly) all of it."""
    return path.count("/") > 1


class PathStartsWith(StartsWith):
    """``path__startswith`` for the materialised path: on SQLite, below a root unit, a
    range on the path's index (``path >= P AND path < P || U+10FFFF``, exact for a
    binary-collated path of digits and slashes) instead of ``LIKE``, which is
    case-insensitive there and so reads every unit — and leaves the query planner
    guessing how many rows a subtree holds. A root's subtree (one slash) is (nearly)
    every row: there ``LIKE`` keeps the planner reading the big table first."""

    def as_sqlite(self, compiler, connection):
        prefix = str(self.rhs) if self.rhs_is_direct_value() else ""
        if not below_root(prefix):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"({lhs} >= %s AND {lhs} < %s || char(1114111))",
            [*lhs_params, prefix, *lhs_params, prefix],
        )


class UnitQuerySet(RestrictedQuerySet):
    def subtree(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """An organisational unit: city, district/county/zone, or department.

    ``path`` is a materialised path of primary keys (``"1/4/"``) kept by
    ``units.services`` so that a subtree is one indexed prefix filter.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县")
        COUNTY_CITY = "county_city", _("县级市")
        ZONE = "zone", _("开发区/园区")
        DEPARTMENT = "department", _("部门")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        null=True,
        blank=True,
        unique=True,
        help_text=_("GB/T 2260 六位代码,部门可不填"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()
    objects = UnitQuerySet.as_manager()
    ownership = Ownership(units=("self",))

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.code == "":
            self.code = None
        if self.code:
            validate_division_code(self.code)
            if self.kind == self.Kind.DEPARTMENT:
                raise ValidationError({"code": _("部门不使用行政区划代码")})
            parent_code = self.parent.code if self.parent_id else None
            if parent_code:
                try:
                    validate_division_child(parent_code, self.code)
                except ValidationError as exc:
                    raise ValidationError({"code": exc.messages}) from exc
        if self.parent_id and self.pk and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("上级单位不能是本单位或其下级")})

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or below it."""
        return self.path.startswith(other.path)


class UserQuerySet(RestrictedQuerySet):
    pass


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


def owning_unit(label, help_text) -> models.ForeignKey:
    """The unit (a city) a configuration row belongs to — what its ``ownership`` names: a
    batch, a 提级 or 调度频次 rule, a scoring form, a tour."""
    return models.ForeignKey(
        Unit,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text=help_text,
    )


class User(AbstractUser):
    """A person who signs in. Roles come from ``Membership`` rows, one per unit; a user is
    in the scope of the units they hold a role in."""

    objects = UserManager()
    ownership = Ownership(units=("memberships__unit",))

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    OFFICE = "office", _("攻坚办管理员")
    OPERATOR = "operator", _("单位填报员")
    LEADER = "leader", _("包保领导")
    VIEWER = "viewer", pgettext_lazy("role", "查看")


class Membership(models.Model):
    """A user's role in a unit; the role covers the unit's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), parent="user")

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A revocable API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("user__memberships__unit",), leaders=("user",), parent="user")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class LoginEvent(models.Model):
    """One sign-in, failed sign-in, sign-out or lock-out, for the office's login audit.

    Written by ``units.audit`` from Django's auth signals and django-axes' lock-out
    signal; ``username`` is what was typed, so failed attempts on unknown names show too.
    """

    class Kind(models.TextChoices):
        SUCCESS = "success", _("登录成功")
        FAILURE = "failure", _("登录失败")
        LOGOUT = "logout", _("退出登录")
        LOCKOUT = "lockout", _("账号锁定")

    kind = models.CharField(_("事件"), max_length=10, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_events",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=255, blank=True)
    path = models.CharField(_("页面"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    objects = RestrictedQuerySet.as_manager()
    # an office sees the sign-ins of the people of its units
    ownership = Ownership(units=("user__memberships__unit",))

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_kind_display()}"


# every ``…__unit__path__startswith`` in the code base goes through it
Unit._meta.get_field("path").register_lookup(PathStartsWith)


PACKAGE_MAP_RE = re.compile(r"^[a-z0-9_]+$")


class MapConfig(models.Model):
    """The district map of a campaign's root unit: a map from ``echarts-china-cities-pypkg``
    (by its file name, e.g. ``liao2_ning2_jin3_zhou1`` for 锦州) or an uploaded GeoJSON whose
    feature ids are the districts' GB/T 2260 codes."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="map_config"
    )
    map_name = models.CharField(_("地图名称"), max_length=50, help_text=_("如“锦州”"))
    package_map = models.CharField(
        _("内置地图文件"),
        max_length=80,
        blank=True,
        help_text=_(
            "echarts-china-cities-pypkg 中的地图文件名(不含 .js),如 liao2_ning2_jin3_zhou1"
        ),
    )
    geojson = models.TextField(
        _("GeoJSON"),
        blank=True,
        help_text=_("上传的 GeoJSON;要素 id 或 properties.code 为区划代码"),
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("城市地图")
        verbose_name_plural = _("城市地图")

    def __str__(self) -> str:
        return f"{self.unit} · {self.map_name}"

    def clean(self) -> None:
        if not self.package_map and not self.geojson:
            raise ValidationError(_("请填写内置地图文件名或上传 GeoJSON"))
        if self.package_map and not PACKAGE_MAP_RE.match(self.package_map):
            raise ValidationError({"package_map": _("地图文件名只能包含小写字母、数字和下划线")})
        if self.package_map and self.geojson:
            raise ValidationError(_("内置地图与上传的 GeoJSON 只能选一个"))
        if self.package_map:
            from .maps import package_map_path

            if package_map_path(self.package_map) is None:
                raise ValidationError(
                    {"package_map": _("内置地图中没有“%(name)s”") % {"name": self.package_map}}
                )
        if self.geojson:
            try:
                data = json.loads(self.geojson)
            except ValueError as exc:
                raise ValidationError({"geojson": _("不是有效的 JSON:%(e)s") % {"e": exc}}) from exc
            if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
                raise ValidationError({"geojson": _("GeoJSON 须为 FeatureCollection")})


class UnitStamp(models.Model):
    """A number the database draws at random whenever a row that a unit's figures are
    computed from is written (triggers: ``projects.stamps``); ``unit_id`` 0 stands for
    the rows every unit's figures read (tags, batches). A figure kept for a unit
    (``indicators.cube``) is good while the unit's stamp and stamp 0 are those it was
    computed at: no writer — service, import, bulk load, raw SQL — can change the rows
    without changing the stamp. Drawn at random, not counted up, so that a transaction
    rolled back or a database restored from a backup never meets a stamp again with
    other rows behind it."""

    # the stamp a write to the definitions pages are laid out from draws (the unit tree,
    # indicators, targets, reported values: ``projects.stamps.DEFINITIONS``)
    DEFINITIONS = -1

    unit_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    class Meta:
        verbose_name = _("单位数据戳")
        verbose_name_plural = _("单位数据戳")

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.stamp}"


# Who sees what a unit's figures and lists show (the menu's usual audience): every role
# that opens a subtree — a 包保 leader reads their unit's subtree too (a city leader the
# city), and signs off the problems of the projects they 包保 besides.
READERS = (Role.OFFICE, Role.OPERATOR, Role.VIEWER, Role.LEADER)
WRITERS = (Role.OFFICE, Role.OPERATOR)

# Who performs a write: a signed-in user or the explicit system actor (commands, the demo,
# scheduled jobs) — never None (``kit.scope.SYSTEM``).
Actor = User | SystemActor

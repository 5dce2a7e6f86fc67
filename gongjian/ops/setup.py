"""Setting up a city on an instance: ``gongjian setup-city CODE --year YEAR --office LOGIN``
and the same form on ``/ops/``.

``city_setup`` gives a prefecture-level city of the bundled GB/T 2260 table
(``units.divisions``) what its office needs on day one, through each app's own write
path:

- the city unit and every county-level unit below it, with their official names and
  codes (``units.services.unit_create``). Like the Jinzhou demo, the city is a top unit —
  unless its province is already a unit of the instance, and then the city goes below
  it (a province of cities, as ``gen-scale`` builds one);
- the city map from the bundled maps (``units/data/citymaps``, from
  ``echarts-china-cities-pypkg``) when they have the city
  (``units.services.map_config_set``); otherwise a GeoJSON is to be uploaded on the map
  settings page;
- the standard indicator set (``indicators.standard``; instance-wide, those already
  defined are kept) and the year's campaign with the default thresholds;
- an office (攻坚办) login on the city, whose generated password is shown once.

No 调度 cadence rule is written: a project no rule matches reports monthly
(``projects.cadence``). Everything is checked before anything is written, and written
in one transaction: an unknown code, a code that is not a prefecture-level city, a
login taken by someone else or an actor who may not set the city up changes nothing
(``SetupError``, in Chinese). A second run finds everything there and changes nothing
(the password too, unless ``reset_password``).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.indicators.models import Campaign, Indicator
from gongjian.indicators.periods import YEARS
from gongjian.indicators.standard import (
    campaign_create,
    standard_codes,
    standard_indicators_define,
)
from gongjian.kit.http import errors_text
from gongjian.kit.scope import Action, allows, manages_shared, principal
from gongjian.projects.models import CadenceRule
from gongjian.units import divisions
from gongjian.units import services as unit_services
from gongjian.units.maps import CITY_MAPS_DIR, package_map_path
from gongjian.units.models import Actor, MapConfig, Membership, Role, Unit, User

MAP_SETTINGS = "/map/settings/"
PROJECT_IMPORT = "/reports/import/projects/"


class SetupError(Exception):
    """A setup that cannot go ahead; the message is Chinese and says why."""


@dataclass
class SetupResult:
    """What ``city_setup`` found and did, as lines to show (the password among them)."""

    city: Unit
    office: User
    password: str | None = None
    changed: bool = False
    lines: list[str] = field(default_factory=list)


# --- the map ---------------------------------------------------------------------------


def _package_registry() -> dict:
    path = CITY_MAPS_DIR / "registry.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def package_map_of(city: divisions.Division) -> tuple[str, str] | None:
    """(file name, map name) of the city's map among the bundled maps (those of
    ``echarts-china-cities-pypkg``), or None when they have none. The maps are named in
    Chinese, short (葫芦岛) or full (延边朝鲜族自治州); a map counts only when its
    districts carry the city's codes."""
    registry = _package_registry()
    pinyin, files = registry.get("PINYIN_MAP", {}), registry.get("FILE_MAP", {})
    names = [city.name]
    for suffix in ("市", "地区", "盟"):
        if city.name.endswith(suffix) and len(city.name) > len(suffix) + 1:
            names.append(city.name[: -len(suffix)])
    for name in names:
        file_name = files.get(pinyin.get(name, ""), "")
        path = package_map_path(file_name) if file_name else None
        if path is None:
            continue
        script = path.read_text(encoding="utf-8")
        registered = re.search(r'registerMap\("([^"]+)"', script)
        ids = re.findall(r'id:"(\d{6})"', script)
        if registered and any(code.startswith(city.code[:4]) for code in ids):
            return file_name, registered.group(1)
    return None


# --- checks before any write -----------------------------------------------------------


def city_division(code: str) -> divisions.Division:
    """The prefecture-level division of ``code``; anything else is a ``SetupError``."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise SetupError(f"行政区划代码“{code}”应为 6 位数字(GB/T 2260),如 211400")
    found = divisions.division(code)
    if found is None:
        raise SetupError(f"行政区划代码“{code}”不存在:内置的 GB/T 2260 区划表中没有这个代码")
    if found.level == "province":
        raise SetupError(
            f"“{found.name}”({code})是省级行政区划,不是地级市:请填写地级市的代码"
            f"(六位代码以 00 结尾、不以 0000 结尾)"
        )
    if found.level == "county":
        above = divisions.prefecture_of(code) or divisions.province_of(code)
        where = f",属于“{above.name}”({above.code})" if above else ""
        raise SetupError(
            f"“{found.name}”({code})是县级行政区划{where},不是地级市:请填写地级市的代码"
        )
    return found


def may_set_up_cities(user: Actor) -> bool:
    """A superuser (or the system), or the office of a province unit: who may set up a
    city (a province's office, in its own province)."""
    if principal(user).everything:
        return True
    if not isinstance(user, User):
        return False
    return Membership.objects.filter(
        user=user,
        role=Role.OFFICE,
        unit__kind=Unit.Kind.PROVINCE,
        unit__is_active=True,
    ).exists()


def _check_actor(actor: Actor, found: divisions.Division, city: Unit | None, parent: Unit | None):
    if city is not None:
        if not allows(actor, Action.MANAGE, city):
            raise SetupError(f"您无权设置“{found.name}”:它不在您管理的范围内")
        return
    if parent is not None:
        if not allows(actor, Action.MANAGE, parent):
            raise SetupError(f"您无权设置“{found.name}”:只能设置您所管理省份内的地级市")
        return
    if not principal(actor).everything:
        raise SetupError(
            f"“{found.name}”所在的省不是本系统的单位,它将是顶级单位:只有系统管理员可以创建"
        )


def _check_login(login: str, city: Unit | None) -> User | None:
    """The existing office user ``login`` of ``city``, None when the login is free; a login
    that is not valid, or that someone else holds, is a ``SetupError``."""
    login = (login or "").strip()
    if not login:
        raise SetupError("请填写攻坚办管理员的登录名")
    username = User._meta.get_field("username")
    try:
        username.clean(login, None)
    except ValidationError as exc:
        raise SetupError(f"登录名“{login}”无效:{errors_text(exc)}") from None
    user = User.objects.filter(username=login).first()
    if user is None:
        return None
    if city is not None and user.memberships.filter(unit=city, role=Role.OFFICE).exists():
        return user
    raise SetupError(f"登录名“{login}”已被其他用户使用,请换一个登录名")


def _check_year(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise SetupError(f"年度“{year}”应为四位数字") from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise SetupError(f"年度 {year} 超出范围({YEARS[0]}–{YEARS[1]})")
    return year


def new_password() -> str:
    return secrets.token_urlsafe(12)


# --- the setup -------------------------------------------------------------------------


def _office_login(
    actor: Actor,
    unit: Unit,
    login: str,
    office_user: User | None,
    reset_password: bool,
    lines: list[str],
) -> tuple[User, str | None]:
    """The office login of ``unit``: created when missing, its password reset when asked;
    the user and the password to show once (None when it did not change)."""
    if office_user is None:
        password = new_password()
        office_user = unit_services.user_create(
            actor=actor,
            username=login,
            password=password,
            full_name=f"{unit.name}攻坚办",
            title=f"{unit.name}攻坚办管理员",
            memberships=[(unit, Role.OFFICE)],
        )
        lines.append(f"  攻坚办登录:{login}(已创建)")
        lines.append(f"  初始密码:{password}(只显示这一次,请登录后修改)")
        return office_user, password
    if reset_password:
        password = new_password()
        office_user.set_password(password)
        office_user.save(update_fields=["password"])
        lines.append(f"  攻坚办登录:{login} 已存在,密码已重置")
        lines.append(f"  新密码:{password}(只显示这一次,请登录后修改)")
        return office_user, password
    lines.append(
        f"  攻坚办登录:{login} 已存在,密码未改动"
        "(需要新密码时加 --reset-password,或在页面上勾选“重置密码”)"
    )
    return office_user, None


def city_setup(
    *, actor: Actor, code: str, year: int, office: str, reset_password: bool = False
) -> SetupResult:
    """Set the city of ``code`` up for ``year`` with the office login ``office`` (see the
    module's docstring); ``SetupError`` when it cannot, having changed nothing."""
    found = city_division(code)
    year = _check_year(year)
    city = Unit.objects.filter(code=found.code).first()
    province = divisions.province_of(found.code)
    parent = (
        Unit.objects.filter(code=province.code, kind=Unit.Kind.PROVINCE).first()
        if province is not None and city is None
        else None
    )
    _check_actor(actor, found, city, parent)
    office_user = _check_login(office, city)
    try:
        with transaction.atomic():
            return _set_up(
                actor, found, year, city, parent, office.strip(), office_user, reset_password
            )
    except ValidationError as exc:
        raise SetupError(f"无法设置“{found.name}”:{errors_text(exc)}") from None
    except PermissionDenied as exc:
        raise SetupError(str(exc)) from None


def _set_up(
    actor: Actor,
    found: divisions.Division,
    year: int,
    city: Unit | None,
    parent: Unit | None,
    login: str,
    office_user: User | None,
    reset_password: bool,
) -> SetupResult:
    lines: list[str] = []
    changed = False

    # the city and its county-level units
    if city is None:
        city = unit_services.unit_create(
            actor=actor, name=found.name, kind=found.kind, parent=parent, code=found.code
        )
        changed = True
        where = f"“{parent.name}”下" if parent else "为顶级单位"
        lines.append(f"{city.name}({city.code}):已创建,{where}")
    else:
        lines.append(f"{city.name}({city.code}):已存在")
    made, kept = [], []
    for order, child in enumerate(divisions.children(found.code), start=1):
        if (
            Unit.objects.filter(code=child.code).exists()
            or Unit.objects.filter(parent=city, name=child.name).exists()
        ):
            kept.append(child.name)
            continue
        unit_services.unit_create(
            actor=actor,
            name=child.name,
            kind=child.kind,
            parent=city,
            code=child.code,
            sort_order=order,
        )
        made.append(child.name)
    if made:
        changed = True
        lines.append(f"  下级单位:已创建 {len(made)} 个({'、'.join(made)})")
    if kept:
        lines.append(f"  下级单位:{len(kept)} 个已存在({'、'.join(kept)})")
    if not made and not kept:
        lines.append("  下级单位:区划表中没有县级单位(如需要,请在管理后台添加)")

    # the map
    config = MapConfig.objects.filter(unit=city).first()
    if config is not None:
        lines.append(f"  地图:已设置(“{config.map_name}”),未改动")
    else:
        packaged = package_map_of(found)
        if packaged is None:
            lines.append(
                f"  地图:内置地图包中没有“{found.name}”,请在地图设置页面 {MAP_SETTINGS} "
                "上传本市的 GeoJSON(要素 id 为县级区划代码)"
            )
        else:
            file_name, map_name = packaged
            unit_services.map_config_set(
                actor=actor, unit=city, map_name=map_name, package_map=file_name
            )
            changed = True
            lines.append(f"  地图:已使用内置地图“{map_name}”({file_name})")

    # the standard indicators (instance-wide) and the year's campaign
    missing = set(standard_codes()) - set(Indicator.objects.values_list("code", flat=True))
    if missing and manages_shared(actor):
        defined = standard_indicators_define(actor=actor)
        changed = True
        lines.append(f"  标准指标:已定义 {len(defined)} 个(全系统共用)")
    elif missing:
        lines.append(f"  标准指标:缺 {len(missing)} 个,须由系统管理员运行本设置补齐")
    else:
        lines.append("  标准指标:均已定义,未改动")
    campaign = Campaign.objects.filter(root_unit=city, year=year).first()
    if campaign is None:
        campaign = campaign_create(actor=actor, root_unit=city, year=year)
        changed = True
        lines.append(f"  {year} 年度攻坚:已创建“{campaign.name}”(默认阈值)")
    else:
        lines.append(f"  {year} 年度攻坚:“{campaign.name}”已存在,未改动")
    rules = CadenceRule.objects.filter(unit__path__startswith=city.path).count()
    if rules:
        lines.append(f"  调度频次:已有 {rules} 条双高频次规则")
    else:
        lines.append("  调度频次:未设双高规则,项目一律按月调度(需要时在管理后台添加调度频次规则)")

    # the office login
    office_user, password = _office_login(actor, city, login, office_user, reset_password, lines)
    changed = changed or password is not None

    if changed:
        lines.append(
            f"下一步:以 {login} 登录,在 {PROJECT_IMPORT} 导入项目清单"
            f"(或 gongjian import projects 项目清单.xlsx --user {login})"
        )
    else:
        lines.append(f"未作任何改动:{city.name} {year} 年度已全部设置好")
    return SetupResult(
        city=city, office=office_user, password=password, changed=changed, lines=lines
    )


# --- a province of cities ------------------------------------------------------------


def province_setup(*, actor: Actor, code: str, office: str, reset_password: bool = False):
    """The province of ``code`` as the top unit above its cities, with its office login
    (``gongjian setup-province CODE --office LOGIN``; the system or a superuser). Its
    cities are then set up one by one with ``city_setup`` and go below it; a city already
    on the instance as a top unit stays where it is. The province's office sees every
    city below it and their roll-up; a 赛马 scheme of the province ranks its cities."""
    code = (code or "").strip()
    found = divisions.division(code) if re.fullmatch(r"\d{6}", code) else None
    if found is None:
        raise SetupError(f"行政区划代码“{code}”不存在:内置的 GB/T 2260 区划表中没有这个代码")
    if found.level != "province":
        raise SetupError(f"“{found.name}”({code})不是省级行政区划:请填写省级代码,如 210000")
    if not principal(actor).everything:
        raise SetupError("只有系统管理员可以设置省级单位")
    province = Unit.objects.filter(code=found.code).first()
    office_user = _check_login(office, province)
    lines: list[str] = []
    changed = False
    with transaction.atomic():
        if province is None:
            province = unit_services.unit_create(
                actor=actor, name=found.name, kind=Unit.Kind.PROVINCE, code=found.code
            )
            changed = True
            lines.append(f"{province.name}({province.code}):已创建,为顶级单位")
        else:
            lines.append(f"{province.name}({province.code}):已存在")
        office_user, password = _office_login(
            actor, province, office.strip(), office_user, reset_password, lines
        )
        changed = changed or password is not None
    cities = [d.name for d in divisions.children(found.code) if d.level == "city"]
    lines.append(
        f"下一步:逐个设置省内的地级市(共 {len(cities)} 个),如 "
        f"gongjian setup-city {divisions.children(found.code)[0].code} --year … --office …"
        if cities
        else "下一步:逐个设置省内的地级市"
    )
    return SetupResult(
        city=province, office=office_user, password=password, changed=changed, lines=lines
    )

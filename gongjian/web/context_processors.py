"""The main navigation. Apps add their own entries with ``register_nav``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url: str
    order: int = 100
    office_only: bool = False


NAV_ENTRIES: list[NavEntry] = [
    NavEntry("dashboard", _("驾驶舱"), "/", 10),
    NavEntry("projects", _("项目清单"), "/projects/", 20),
    NavEntry("dispatch", _("调度"), "/dispatch/", 30),
    NavEntry("baobao", _("包保"), "/baobao/", 40),
    NavEntry("supervision", _("督办"), "/supervision/", 45),
    NavEntry("map", _("挂图作战"), "/map/", 50),
    NavEntry("rankings", _("赛马"), "/rankings/", 60),
    NavEntry("targets", _("目标"), "/targets/", 70),
    NavEntry("attraction", _("招商"), "/attraction/", 80),
    NavEntry("appeals", _("诉求"), "/appeals/", 85),
    NavEntry("policies", _("政策"), "/policies/", 87),
    NavEntry("reports", _("报表"), "/reports/", 90),
    NavEntry("review", _("年度总结"), "/review/", 100),
]


def register_nav(key: str, label, url: str, order: int = 100, office_only: bool = False) -> None:
    """Add (or replace) a main-menu entry, e.g. from an app's ``AppConfig.ready``:
    ``register_nav("attraction", _("招商"), "/attraction/", 80)``; ``office_only`` shows it
    to the office alone."""
    NAV_ENTRIES[:] = [e for e in NAV_ENTRIES if e.key != key]
    NAV_ENTRIES.append(NavEntry(key, label, url, order, office_only))


def navigation(request) -> dict:
    path = request.path if request is not None else "/"
    entries = sorted(NAV_ENTRIES, key=lambda e: (e.order, e.key))
    if any(e.office_only for e in entries):
        from gongjian.units.selectors import is_office

        user = getattr(request, "user", None)
        office = user is not None and user.is_authenticated and is_office(user)
        entries = [e for e in entries if office or not e.office_only]
    active = None
    for entry in entries:
        if (entry.url == "/" and path == "/") or (entry.url != "/" and path.startswith(entry.url)):
            active = entry.key
    return {"nav_entries": entries, "nav_active": active}

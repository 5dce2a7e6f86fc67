"""Registration: what each app contributes, declared in its ``AppConfig.ready()``.

The engine, the pages, the API root, the import page and the audit know no domain by
name: each domain app registers what it brings (NetBox's ``register_models()``):

- ``Registry``: a named table of items keyed by a string (the engine's registries, the
  importers, the exporters …); an app registers with ``REGISTRY.register(key, item)``
  and a reader asks ``REGISTRY[key]`` or iterates ``REGISTRY.items()``.
- ``navigation``: the main menu, ``NavEntry`` items with the roles that may see each.

A registry is filled while Django starts (``ready()``), so it is read only after that —
never at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Items keyed by a string; registering a key again replaces the item."""

    def __init__(self, name: str, missing: Callable[[str], Exception] | None = None):
        self.name = name
        self._items: dict[str, T] = {}
        self._missing = missing

    def register(self, key: str, item: T) -> T:
        self._items[key] = item
        return item

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            if self._missing is not None:
                raise self._missing(key) from None
            raise

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


# --- navigation --------------------------------------------------------------------


@dataclass(frozen=True)
class NavEntry:
    """One entry of the main menu.

    ``roles``: the role names (``kit.scope.has_role``: office, operator, viewer, leader …)
    whose holders see it; empty means every signed-in user. ``when``: a further test on
    the user (e.g. "is on a tour's panel"), shown when either matches."""

    key: str
    label: Any
    url: str
    order: int = 100
    roles: frozenset[str] = frozenset()
    when: Callable[[Any], bool] | None = None

    def shown_to(self, user: Any) -> bool:
        from .scope import has_role

        if not self.roles and self.when is None:
            return True
        if any(has_role(user, role) for role in self.roles):
            return True
        return self.when is not None and bool(self.when(user))


navigation: Registry[NavEntry] = Registry("navigation")


def register_nav(
    key: str,
    label: Any,
    url: str,
    order: int = 100,
    roles: tuple[str, ...] | frozenset[str] = (),
    when: Callable[[Any], bool] | None = None,
) -> NavEntry:
    """Add (or replace) a main-menu entry from an app's ``ready()``."""
    return navigation.register(key, NavEntry(key, label, url, order, frozenset(roles), when))


def menu(user: Any) -> list[NavEntry]:
    """The entries ``user`` sees, in order."""
    entries = sorted(navigation.values(), key=lambda e: (e.order, e.key))
    return [e for e in entries if e.shown_to(user)]


def nav_context(request: Any) -> dict:
    """Template context processor: ``nav_entries``, the ``nav_active`` key and
    ``may_change`` (the user may change data in some unit: pages show their "new",
    "import" and "edit" links only then — a viewer or a leader reads)."""
    from .scope import Action, holds

    path = request.path if request is not None else "/"
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": [], "nav_active": None, "may_change": False}
    entries = menu(user)
    active = None
    for entry in entries:
        if (entry.url == "/" and path == "/") or (entry.url != "/" and path.startswith(entry.url)):
            active = entry.key
    return {"nav_entries": entries, "nav_active": active, "may_change": holds(user, Action.CHANGE)}


# --- the JSON API's routers ------------------------------------------------------------

# app label → dotted path of its django-ninja router, mounted by ``gongjian.api`` in the
# order the apps registered (INSTALLED_APPS): ``api_routers.register("projects",
# "gongjian.projects.api.router")``
api_routers: Registry[str] = Registry("API routers")


# --- texts for the year review ----------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One text of the year's corpus with where it came from."""

    text: str
    source: str  # e.g. "项目简介" / "进度报告" / "上传文档"
    label: str  # the project, problem or document it belongs to
    unit: str
    dated_on: Any  # a date, or None


@dataclass(frozen=True)
class TextSource:
    """Texts an app contributes to the year review's corpus: ``read(year, unit, user)``
    yields the ``Passage``s of ``unit``'s subtree in ``year`` that ``user`` may see."""

    label: str
    read: Callable[[int, Any, Any], Iterable[Passage]]


text_sources: Registry[TextSource] = Registry("text sources")

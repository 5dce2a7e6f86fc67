"""One shape for every history table: who, when, and from where.

Every registry model declares ``history = HistoricalRecords()`` imported from
here rather than from ``simple_history.models``. The subclass gives each
historical model the abstract base ``HistoryContext``, whose fields are filled
by the ``pre_create_historical_record`` handler below from the request that
``simple_history.middleware.HistoryRequestMiddleware`` keeps for the thread:
the client address, a shortened user agent, the unit path of the object (so
that the office's audit list can filter every table by unit with one prefix
condition) and the object's name as it read at the time.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.migrations.operations.base import Operation
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords as _HistoricalRecords
from simple_history.signals import pre_create_historical_record

USER_AGENT_MAX = 200
REPR_MAX = 200


class HistoryContext(models.Model):
    """Extra columns on every historical table (abstract base for simple-history)."""

    history_ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    history_user_agent = models.CharField(_("客户端"), max_length=USER_AGENT_MAX, blank=True)
    history_unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    history_object_repr = models.CharField(_("对象"), max_length=REPR_MAX, blank=True)

    class Meta:
        abstract = True


class HistoricalRecords(_HistoricalRecords):
    """``simple_history``'s HistoricalRecords with ``HistoryContext`` always among the bases,
    and no index on the copied columns but the object's key. A history table is read by
    object, date, author, unit path and kind of change (the audit pages, an object's
    history), never by the model's own indexed columns, while every write — a form, an
    import of 100,000 rows — pays each index: a project's history row kept thirteen."""

    def __init__(self, *args, bases=(), **kwargs):
        bases = tuple(bases)
        if HistoryContext not in bases:
            bases = (HistoryContext, *bases)
        super().__init__(*args, bases=bases, **kwargs)

    def copy_fields(self, model):
        unindexed = [f.name for f in self.fields_included(model) if not f.primary_key]
        self.no_db_index: list[str] = [*self.no_db_index, *unindexed]
        return super().copy_fields(model)


def actor_user(actor):
    """The user to record as the author of a change: ``actor`` itself, or None for the
    system (``kit.scope.SYSTEM``)."""
    return actor if getattr(actor, "pk", None) is not None else None


def record_actor(instance, actor) -> None:
    """Make ``actor`` the author of ``instance``'s next history row."""
    instance._history_user = actor_user(actor)


def record_reason(instance, reason: str) -> None:
    """Give ``instance``'s next history row its reason (at most 100 characters)."""
    setattr(instance, "_change_reason", reason[:100])  # noqa: B010 - simple-history's name


def short_user_agent(request) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "") or ""
    return agent[:USER_AGENT_MAX]


def unit_path_of(instance) -> str:
    """The materialised path of the unit that owns ``instance`` — the unit its model's
    ``ownership`` (``kit.scope.Ownership``) names — or ``""`` for a model that declares
    none. The office's change log filters every history table by this path."""
    from .scope import Ownership

    own = getattr(type(instance), "ownership", None)
    if not isinstance(own, Ownership):
        return ""
    unit = own.unit_of(instance)
    return (unit.path or "") if unit is not None else ""


def history_parent(instance):
    """The object whose change log ``instance``'s history rows belong to (its model's
    ``ownership.parent``, e.g. a report's project), or ``instance`` itself."""
    from .scope import Ownership, follow

    own = getattr(type(instance), "ownership", None)
    if isinstance(own, Ownership) and own.parent:
        return follow(instance, own.parent) or instance
    return instance


@receiver(pre_create_historical_record)
def fill_history_context(sender, instance, history_instance, **kwargs) -> None:
    if not isinstance(history_instance, HistoryContext):
        return
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        from .http import client_ip

        history_instance.history_ip = client_ip(request)
        history_instance.history_user_agent = short_user_agent(request)
    try:
        history_instance.history_unit_path = unit_path_of(instance)[:255]
    except Exception:  # noqa: BLE001 - history must never block the change itself
        history_instance.history_unit_path = ""
    try:
        history_instance.history_object_repr = str(instance)[:REPR_MAX]
    except Exception:  # noqa: BLE001
        history_instance.history_object_repr = ""


# --- reading history: what changed between two records ------------------------------

# Columns that move on every save and say nothing a reader needs.
NOISE_FIELDS = {
    "version",
    "updated_at",
    "created_at",
    "submitted_at",
    "recorded_at",
    "first_event_on",
    "path",
    "depth",
}


def tracked_fields(record) -> list:
    """The original model's concrete fields kept in ``record``'s history table."""
    return [f for f in record.tracked_fields if f.name not in NOISE_FIELDS]


class Labels:
    """Turns stored values into what a reader recognises: choice labels, and related rows'
    names fetched in one query per related model (``want`` everything first, then
    ``fetch``)."""

    def __init__(self) -> None:
        self._wanted: dict[Any, set] = {}
        self._names: dict[tuple[Any, object], str] = {}

    def want(self, field, value) -> None:
        if value is not None and value != "" and field.is_relation and field.related_model:
            self._wanted.setdefault(field.related_model, set()).add(value)

    def fetch(self) -> None:
        for model, pks in self._wanted.items():
            for obj in model._base_manager.filter(pk__in=pks):
                self._names[(model, obj.pk)] = str(obj)
        self._wanted = {}

    def show(self, field, value) -> str:
        if value is None or value == "":
            return "—"
        if field.is_relation and field.related_model:
            return self._names.get((field.related_model, value), f"#{value}")
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "是" if value else "否"
        if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
            from django.utils import timezone

            if getattr(value, "tzinfo", None) is not None:
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%d %H:%M")
        return str(value)


def raw_changes(newer, older) -> list[tuple]:
    """``[(field, old_value, new_value)]`` for the tracked fields that differ; every
    non-empty field of ``newer`` when there is no ``older`` (a creation)."""
    out = []
    for f in tracked_fields(newer):
        new = getattr(newer, f.attname)
        if older is None:
            if new not in (None, "") and f.name != "id":
                out.append((f, None, new))
            continue
        old = getattr(older, f.attname)
        if old != new:
            out.append((f, old, new))
    return out


# Names for the bookkeeping fields models leave unnamed (Django would show the raw name)
_COMMON_LABELS = {
    "version": _("版本"),
    "created_at": _("创建时间"),
    "updated_at": _("更新时间"),
    "recorded_at": _("登记时间"),
    "submitted_at": _("报送时间"),
    "uploaded_at": _("上传时间"),
    "finished_at": _("完成时间"),
    "first_event_on": _("首个节点日期"),
    "normalized_name": _("规范化名称"),
    "path": _("层级路径"),
    "depth": _("层级深度"),
}


def field_label(field) -> str:
    """A field's name for people: its verbose name; for one left unnamed, the related
    model's name (a foreign key) or the common bookkeeping name."""
    name = str(field.verbose_name)
    if name != field.name.replace("_", " "):
        return name
    if field.name in _COMMON_LABELS:
        return str(_COMMON_LABELS[field.name])
    if field.is_relation and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return name


def describe_changes(pairs: list[tuple], labels: Labels | None = None) -> list[list[dict]]:
    """For each ``(newer, older)`` pair: ``[{"field", "label", "before", "after"}]``.

    Related rows are named with one query per related model for the whole list."""
    labels = labels or Labels()
    raws = [raw_changes(newer, older) for newer, older in pairs]
    for raw in raws:
        for field, old, new in raw:
            labels.want(field, old)
            labels.want(field, new)
    labels.fetch()
    return [
        [
            {
                "field": field.name,
                "label": field_label(field),
                "before": labels.show(field, old),
                "after": labels.show(field, new),
            }
            for field, old, new in raw
        ]
        for raw in raws
    ]


def changes_since_version(instance, version: int) -> tuple[list[dict], object | None]:
    """What changed in ``instance`` since the caller read it at ``version``: the changed
    fields (before = as read, after = as saved now) and the latest history record (who and
    when). Needs a model whose history keeps ``version``."""
    history = instance.history.select_related("history_user").order_by("-history_id")
    latest = history.first()
    opened = history.filter(version=version).first()
    if latest is None or opened is None or latest.pk == opened.pk:
        return [], latest
    return describe_changes([(latest, opened)])[0], latest


def _copied(name: str) -> bool:
    """Whether a history model's field or column ``name`` is a copy of its model's (not
    the object's key, not one of the history's own: its date, author, unit path …, or a
    many-to-many row's link to its history row)."""
    return name not in ("id", "history") and not name.startswith("history_")


class UnindexCopiedColumns(Operation):
    """A migration's operation: the history models ``models`` (of the migration's app) no
    longer index the columns copied from their model — what ``HistoricalRecords``
    declares. The indexes are dropped by name from the table's own list, and the fields
    changed in the migration state all at once: altering them one by one made SQLite copy
    the table once per field and Django render the models' state once per field (20 s
    more for a new database)."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, models: list[str]) -> None:
        self.models = models

    def deconstruct(self):
        return (self.__class__.__name__, [self.models], {})

    def describe(self) -> str:
        return f"Unindex the copied columns of {', '.join(self.models)}"

    def state_forwards(self, app_label: str, state) -> None:
        for name in self.models:
            fields = state.models[app_label, name].fields
            for field_name, field in list(fields.items()):
                if _copied(field_name) and field.db_index:
                    unindexed = field.clone()
                    unindexed.db_index = False
                    fields[field_name] = unindexed
            state.reload_model(app_label, name, delay=True)

    def database_forwards(self, app_label: str, schema_editor, from_state, to_state) -> None:
        connection = schema_editor.connection
        for name in self.models:
            table = from_state.models[app_label, name].options.get("db_table") or (
                f"{app_label}_{name}"
            )
            with connection.cursor() as cursor:
                found = connection.introspection.get_constraints(cursor, table)
            for index, about in found.items():
                columns = about["columns"] or []
                if (
                    about["index"]
                    and not about["unique"]
                    and columns
                    and all(_copied(c) for c in columns)
                ):
                    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")

    def database_backwards(self, app_label: str, schema_editor, from_state, to_state) -> None:
        """Going back leaves the indexes out: nothing reads a history table by them."""

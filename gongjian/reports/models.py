"""Saved column mappings and the record of each Excel import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.scope import Ownership, RestrictedQuerySet


def schema_title(key: str) -> str:
    """The title of the sheet a registered importer reads (its key if none is)."""
    from gongjian.kit.tabular.imports import importers

    importer = importers.get(key)
    return importer.title if importer is not None else key


class ColumnMapping(models.Model):
    """A named mapping from a sheet's own column headers to the import columns, saved by
    the office so that a district's recurring sheet imports without renaming columns."""

    name = models.CharField(_("名称"), max_length=100)
    # the key of a registered importer (``kit.tabular.imports.importers``)
    schema = models.CharField(_("导入类型"), max_length=30)
    mapping = models.JSONField(_("列名对照"), default=dict, help_text=_("表中列名 → 导入列"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("列名对照")
        verbose_name_plural = _("列名对照")
        ordering = ["schema", "name"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "name"], name="column_mapping_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.schema_title} · {self.name}"

    @property
    def schema_title(self) -> str:
        return schema_title(self.schema)


class ImportRun(models.Model):
    """One import of a sheet: who, what, how many rows, and the errors found."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待处理")
        RUNNING = "running", _("正在导入")
        DONE = "done", _("已导入")
        REFUSED = "refused", _("未导入(有错误)")
        FAILED = "failed", _("导入失败")

    schema = models.CharField(_("导入类型"), max_length=30)
    file_name = models.CharField(_("文件名"), max_length=255)
    stored_file = models.CharField(max_length=500, blank=True, editable=False)
    skip_bad_rows = models.BooleanField(_("跳过错误行"), default=False)
    mapping = models.ForeignKey(
        ColumnMapping, verbose_name=_("列名对照"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rows_bad = models.PositiveIntegerField(_("错误行"), default=0)
    message = models.TextField(_("说明"), blank=True)
    errors = models.JSONField(
        _("错误(前 1000 条)"), default=list, blank=True, help_text=_("[行, 列, 信息]")
    )
    error_file = models.CharField(max_length=500, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("created_by__memberships__unit",), leaders=("created_by",))

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.schema_title} {self.file_name} {self.get_status_display()}"

    @property
    def schema_title(self) -> str:
        return schema_title(self.schema)

"""The year review's own data: uploaded documents of the corpus, the office's user
dictionary and saved drafts of the review (十大高频词)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit


class CorpusDocument(models.Model):
    """A document the office uploads into a year's corpus (.txt, .docx, .pdf text layer)."""

    class Format(models.TextChoices):
        TXT = "txt", _("纯文本")
        DOCX = "docx", _("Word 文档")
        PDF = "pdf", _("PDF 文档")

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="corpus_documents"
    )
    dated_on = models.DateField(_("日期"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("格式"), max_length=10, choices=Format.choices)
    size = models.PositiveIntegerField(_("文件大小(字节)"))
    text = models.TextField(_("正文"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["text"])

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("语料文档")
        verbose_name_plural = _("语料文档")
        ordering = ["-year", "-dated_on", "pk"]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return self.title


class DictionaryTerm(models.Model):
    """The office's user dictionary: campaign terms kept whole, and extra stop-words."""

    class Kind(models.TextChoices):
        TERM = "term", _("攻坚词汇(不切分)")
        STOP = "stop", _("停用词(不计入)")

    term = models.CharField(_("词语"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TERM)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用户词典词语")
        verbose_name_plural = _("用户词典")
        ordering = ["kind", "term"]

    def __str__(self) -> str:
        return self.term


class ReviewDraft(models.Model):
    """The office's edited draft of a year's review for a unit: ten terms, each with its
    paragraph; figures and quotes were drafted from the engine and the corpus."""

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="review_drafts"
    )
    as_of = models.DateField(_("数据截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    items = models.JSONField(_("词条"), default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("年度总结稿")
        verbose_name_plural = _("年度总结稿")
        constraints = [
            models.UniqueConstraint(fields=["year", "unit"], name="review_draft_unique_year_unit"),
        ]

    def __str__(self) -> str:
        return self.title

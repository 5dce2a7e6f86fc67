"""The project registry (清单): projects, stages, tags, batches, progress reports, problems."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.models import DatedTransition
from gongjian.kit.money import non_negative_amount
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.kit.validators import (
    normalize_national_project_code,
    validate_national_project_code,
)
from gongjian.units.models import Unit, owning_unit


class Category(models.TextChoices):
    INDUSTRY = "industry", _("工业")
    COMMERCE = "commerce", _("商贸服务")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    LIVELIHOOD = "livelihood", _("社会民生")
    AGRICULTURE = "agriculture", _("农业农村")
    TOURISM = "tourism", _("文旅")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    PLANNED = "planned", _("谋划")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地")
    STARTED = "started", _("开工")
    RESUMED = "resumed", _("复工")
    STALLED = "stalled", _("停缓建")
    COMPLETED = "completed", _("竣工")
    IN_PRODUCTION = "in_production", _("投产")


# The main chain a project moves forward along; 复工 and 停缓建 sit beside 开工.
STAGE_CHAIN = [
    Stage.PLANNED,
    Stage.SIGNED,
    Stage.LANDED,
    Stage.STARTED,
    Stage.COMPLETED,
    Stage.IN_PRODUCTION,
]
STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGE_CHAIN)}
STAGE_RANK[Stage.RESUMED] = STAGE_RANK[Stage.STARTED]
STAGE_RANK[Stage.STALLED] = STAGE_RANK[Stage.STARTED]

# Date column on Project kept for each stage event.
STAGE_DATE_FIELD = {
    Stage.SIGNED: "signed_on",
    Stage.LANDED: "landed_on",
    Stage.STARTED: "started_on",
    Stage.RESUMED: "resumed_on",
    Stage.STALLED: "stalled_on",
    Stage.COMPLETED: "completed_on",
    Stage.IN_PRODUCTION: "in_production_on",
}


class Tag(models.Model):
    """A flag on projects: 省重大工程, 央地合作, 双高, 提级管理 …"""

    slug = models.SlugField(_("标识"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Batch(models.Model):
    """A named group of projects: a 集中开工 ceremony, a 双高 list, a signing event."""

    class Kind(models.TextChoices):
        COLLECTIVE_START = "collective_start", _("集中开工")
        COLLECTIVE_SIGNING = "collective_signing", _("集中签约")
        KEY_LIST = "key_list", _("重点项目名单")

    code = models.SlugField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    held_on = models.DateField(_("日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    unit = owning_unit(_("所属单位"), _("批次所属的市(县)"))

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name


class NationalProjectCodeField(models.CharField):
    """A 全国固定资产投资项目代码 (GB/T 40058-2021): whatever the input, the code is
    stored in its one written form (``normalize_national_project_code``: plain hyphens,
    no blanks; an empty value is NULL, so that uniqueness holds among the projects that
    have one)."""

    def to_python(self, value):
        return super().to_python(normalize_national_project_code(value))

    def pre_save(self, model_instance, add):
        value = normalize_national_project_code(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


# 提前竣工: completed before the planned completion date
COMPLETED_EARLY = Q(completed_on__isnull=False, completed_on__lt=models.F("planned_completion_on"))


class ProjectQuerySet(RestrictedQuerySet):
    def alive(self) -> ProjectQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> ProjectQuerySet:
        """Soft-deleted projects (the office's recycle bin, 回收站)."""
        return self.filter(deleted_at__isnull=False)

    def in_subtree(self, unit: Unit) -> ProjectQuerySet:
        return self.filter(unit__path__startswith=unit.path)

    def completed_early(self, as_of: dt.date | None = None) -> ProjectQuerySet:
        """提前竣工 (by ``as_of``, when given): ``Project.is_completed_early`` in SQL."""
        qs = self.filter(COMPLETED_EARLY)
        return qs if as_of is None else qs.filter(completed_on__lte=as_of)


class LiveProjectManager(models.Manager.from_queryset(ProjectQuerySet)):
    """``Project.objects``: soft-deleted projects are not there, so no page, API call,
    export, ranking, map or indicator counts them. ``Project.all_objects`` has them all
    (the recycle bin, restores, uniqueness checks, the admin)."""

    def get_queryset(self) -> ProjectQuerySet:
        return super().get_queryset().alive()


class Project(models.Model):
    """A key project on the campaign list.

    Stage dates (``signed_on`` …) mirror the ``StageTransition`` history and are
    written only by ``projects.services.project_transition``; ``first_event_on``
    (the earliest of them) and ``completed_on`` decide which years' lists the
    project is on.
    """

    code = models.CharField(_("项目编号"), max_length=40, unique=True)
    # The code the investment-project online approval platform gave the project
    # (全国投资项目在线审批监管平台, GB/T 40058-2021); kit.validators checks it.
    national_code = NationalProjectCodeField(
        _("全国投资项目代码"),
        max_length=24,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_national_project_code],
        help_text=_("全国投资项目在线审批监管平台赋予的 24 位项目代码,如 2104-210703-04-01-528179"),
    )
    name = models.CharField(_("项目名称"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,  # Meta.indexes (unit, stage) serves it
    )
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_projects",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_projects",
    )
    industry_cluster = models.CharField(_("产业集群"), max_length=50, blank=True)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    enterprise_name = models.CharField(_("建设单位/企业"), max_length=200, blank=True)
    total_investment = models.BigIntegerField(_("总投资(元)"), validators=[non_negative_amount])
    planned_investment = models.BigIntegerField(
        _("年度计划投资(元)"), default=0, validators=[non_negative_amount]
    )
    completed_investment = models.BigIntegerField(
        _("累计完成投资(元)"), default=0, validators=[non_negative_amount]
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNED)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True, editable=False)
    landed_on = models.DateField(_("落地日期"), null=True, blank=True, editable=False)
    started_on = models.DateField(_("开工日期"), null=True, blank=True, editable=False)
    resumed_on = models.DateField(_("最近复工日期"), null=True, blank=True, editable=False)
    stalled_on = models.DateField(_("停缓建日期"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True, editable=False)
    in_production_on = models.DateField(_("投产日期"), null=True, blank=True, editable=False)
    first_event_on = models.DateField(null=True, blank=True, editable=False, db_index=True)
    # The plan the warning light judges against (lights.py), and the actual 入库纳统 date.
    planned_start_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_completion_on = models.DateField(_("计划竣工日期"), null=True, blank=True)
    planned_in_stats_on = models.DateField(_("计划入库日期"), null=True, blank=True)
    in_stats_on = models.DateField(
        _("入库日期"), null=True, blank=True, help_text=_("项目入库纳统(纳入统计)的日期")
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="projects")
    batches = models.ManyToManyField(
        Batch, verbose_name=_("批次"), blank=True, related_name="projects"
    )
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("项目简介"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Soft delete: set by projects.services.project_delete, cleared by project_restore.
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords(m2m_fields=[tags, batches])
    all_objects = ProjectQuerySet.as_manager()
    objects = LiveProjectManager()

    ownership = Ownership(units=("unit",), leaders=("leader",))

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["code"]
        # unique checks, the admin and reverse relations see deleted projects too
        default_manager_name = "all_objects"
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["unit", "stage"]),
            models.Index(fields=["total_investment"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def is_completed_early(self, as_of: dt.date | None = None) -> bool:
        """提前竣工: completed (by ``as_of``, when given) before the planned completion date."""
        done, plan = self.completed_on, self.planned_completion_on
        if done is None or plan is None or (as_of is not None and done > as_of):
            return False
        return done < plan

    def clean(self) -> None:
        """The planned dates in their order (开工 before 入库 and 竣工), and 入库 no earlier
        than the start and not in the future."""
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        from gongjian.kit.clock import today

        errors = {}
        start = self.planned_start_on
        if start and self.planned_completion_on and self.planned_completion_on < start:
            errors["planned_completion_on"] = gettext(
                "计划竣工日期 %(end)s 早于计划开工日期 %(start)s"
            ) % {"end": self.planned_completion_on, "start": start}
        if start and self.planned_in_stats_on and self.planned_in_stats_on < start:
            errors["planned_in_stats_on"] = gettext(
                "计划入库日期 %(day)s 早于计划开工日期 %(start)s"
            ) % {"day": self.planned_in_stats_on, "start": start}
        if self.in_stats_on:
            if self.started_on and self.in_stats_on < self.started_on:
                errors["in_stats_on"] = gettext(
                    "入库日期 %(day)s 早于开工日期 %(start)s:项目开工后才能入库纳统"
                ) % {"day": self.in_stats_on, "start": self.started_on}
            elif self.in_stats_on > today():
                errors["in_stats_on"] = gettext("入库日期 %(day)s 晚于今天") % {
                    "day": self.in_stats_on
                }
        if errors:
            raise ValidationError(errors)


class StageTransition(DatedTransition):
    """One dated move of a project to a stage: the project's stage history."""

    # Meta.indexes (project, stage, occurred_on) serves it
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("project__unit",), leaders=("project__leader",), parent="project")

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "occurred_on", "pk"]
        indexes = [
            models.Index(fields=["stage", "occurred_on", "project"]),
            # a project's first event of a kind in a period (dashboard series, grouped KPIs)
            models.Index(
                fields=["project", "stage", "occurred_on"], name="transition_project_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_stage_display()} {self.occurred_on}"


class CurrentReportManager(models.Manager.from_queryset(RestrictedQuerySet)):
    """``ProgressReport.objects``: only the current version of each period's report, so
    every list, check and indicator counts a corrected report once. ``all_versions`` keeps
    the superseded rows too (the project page, the history)."""

    def get_queryset(self) -> RestrictedQuerySet:
        return super().get_queryset().filter(is_current=True)


class ProgressReport(models.Model):
    """A project's report for one dispatch period (调度)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已报送")
        APPROVED = "approved", _("已审核")

    # Meta.indexes (project, period_end, investment_this_period) serves it
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reports", db_index=False
    )
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    investment_this_period = models.BigIntegerField(
        _("本期完成投资(元)"), validators=[non_negative_amount]
    )
    cumulative_investment = models.BigIntegerField(
        _("累计完成投资(元)"), validators=[non_negative_amount]
    )
    funds_paid = models.BigIntegerField(
        _("累计资金支付(元)"),
        null=True,
        blank=True,
        validators=[non_negative_amount],
        help_text=_("自开工累计已支付的资金;资金支付灯按它与累计完成投资之比判定"),
    )
    progress_text = models.TextField(_("形象进度"), blank=True)
    problems_text = models.TextField(_("存在问题"), blank=True)
    photo = models.ImageField(_("现场照片"), upload_to="reports/%Y/%m/", blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # An approved report is never changed: a correction is a new row that supersedes it
    # (projects.services.progress_report_correct). Only the current row of a period counts.
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的报告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="superseded_by",
    )
    is_current = models.BooleanField(_("现行版本"), default=True, editable=False, db_index=True)
    # The submitting client's own key for this submission (e.g. a UUID): a retried
    # request carrying the same key returns the stored report instead of writing again.
    client_ref = models.CharField(
        _("客户端提交编号"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    history = HistoricalRecords()

    all_versions = RestrictedQuerySet.as_manager()
    objects = CurrentReportManager()

    ownership = Ownership(units=("project__unit",), leaders=("project__leader",), parent="project")

    class Meta:
        default_manager_name = "all_versions"
        base_manager_name = "all_versions"
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["project", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period_start"],
                condition=Q(is_current=True),
                name="progress_one_current_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["period_end"]),
            # a project's investment done to a date (warning lights), read from the index
            models.Index(
                fields=["project", "period_end", "investment_this_period"],
                name="report_project_end_amount",
            ),
            # a project's latest report stating its funds paid (the funds light): found at
            # once, not by reading every report of each project that states none
            models.Index(
                fields=["project", "-period_end"],
                condition=Q(funds_paid__isnull=False),
                name="report_funds_paid_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period_start:%Y-%m}"


def discard_report_photo(name: str, *, using: str = "default") -> None:
    """Delete the stored site photo ``name`` once the transaction commits, unless a
    report (any version: a correction keeps the photo of the version it corrects) still
    shows it. A rolled-back replacement or deletion keeps the file."""
    if not name:
        return

    def delete() -> None:
        if not ProgressReport.all_versions.using(using).filter(photo=name).exists():
            ProgressReport._meta.get_field("photo").storage.delete(name)

    transaction.on_commit(delete, using=using)


@receiver(post_delete, sender=ProgressReport, dispatch_uid="progress_report_photo_discard")
def _discard_deleted_reports_photo(sender, instance, using, **kwargs) -> None:
    if instance.photo:
        discard_report_photo(instance.photo.name, using=using)


def _month_columns(prefix: str, label: str, field) -> dict[str, models.Field]:
    return {f"{prefix}{m}": field(f"{m}月{label}", default=0) for m in range(1, 13)}


class ReportYear(models.Model):
    """One project's current progress reports of one year, summed month by month: ``m1``
    … ``m12`` the investment reported in each month (a report counts in the month its
    period ends in), ``n1`` … ``n12`` how many reports.

    The indicator engine reads these rows instead of the reports for every whole month
    of a window: one row per project and year instead of ~50 reports. Kept by database
    triggers on the reports table (migration 0009), so every writer — services,
    imports, bulk loads, raw SQL — keeps it exact; the application never writes it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    locals().update(_month_columns("m", "完成投资(元)", models.BigIntegerField))
    locals().update(_month_columns("n", "报告数", models.IntegerField))

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("project__unit",), parent="project")

    class Meta:
        verbose_name = _("年度进度汇总")
        verbose_name_plural = _("年度进度汇总")
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="report_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}"


class EscalationLevel(models.TextChoices):
    """Who a problem sits with: past its deadline it climbs one level at a time."""

    UNIT = "unit", _("责任单位")
    LEADER = "leader", _("包保领导")
    OFFICE = "office", _("市攻坚办督办")


class Problem(models.Model):
    """A problem blocking a project (要素保障), cleared by its owner and verified (销号)."""

    class Kind(models.TextChoices):
        LAND = "land", _("用地")
        APPROVAL = "approval", _("审批手续")
        FUNDS = "funds", _("资金")
        UTILITIES = "utilities", _("水电气暖")
        DEMOLITION = "demolition", _("征地拆迁")
        ENVIRONMENT = "environment", _("环评能评")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待交办")
        ASSIGNED = "assigned", _("已交办")
        RESOLVED = "resolved", _("已解决")
        VERIFIED = "verified", _("已销号")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(_("问题类型"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("问题描述"))
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
    )
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    raised_on = models.DateField(_("提出日期"))
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True)
    verified_on = models.DateField(_("销号日期"), null=True, blank=True)
    resolution = models.TextField(_("办理情况"), blank=True)
    level = models.CharField(
        _("督办层级"), max_length=20, choices=EscalationLevel.choices, default=EscalationLevel.UNIT
    )
    escalated_on = models.DateField(_("最近升级日期"), null=True, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("project__unit", "owner_unit"),
        leaders=("project__leader", "leader"),
        parent="project",
    )

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{self.description[:20]}"


class ProblemComment(models.Model):
    """One entry of a problem's trail: an action (交办/解决/销号/退回) or a plain comment."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("办理后状态"), max_length=20, choices=Problem.Status.choices, blank=True
    )
    text = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("problem__project__unit", "problem__owner_unit"),
        leaders=("problem__project__leader", "problem__leader"),
        parent="problem",
    )

    class Meta:
        verbose_name = _("问题办理记录")
        verbose_name_plural = _("问题办理记录")
        ordering = ["problem", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.status} {self.created_at:%Y-%m-%d}"


class EscalationRule(models.Model):
    """提级管理: projects matching the rule carry the escalation tag (city-level management)."""

    name = models.CharField(_("名称"), max_length=100)
    unit = owning_unit(_("所属单位"), _("规则适用的市(县)"))
    tag = models.ForeignKey(
        Tag, verbose_name=_("标记标签"), on_delete=models.PROTECT, related_name="+"
    )
    min_total_investment = models.BigIntegerField(_("总投资不低于(元)"), null=True, blank=True)
    any_of_tags = models.ManyToManyField(
        Tag, verbose_name=_("或带有标签"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("市级牵头领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("提级项目的问题转由该领导协调"),
    )
    department = models.ForeignKey(
        Unit,
        verbose_name=_("市级牵头部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("提级项目未指定责任单位的问题转由该部门办理"),
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("提级规则")
        verbose_name_plural = _("提级规则")

    def __str__(self) -> str:
        return self.name


class EscalationEvent(models.Model):
    """One move of a project into (or out of) city-level management (提级/降级), with why."""

    class Direction(models.TextChoices):
        UP = "up", _("提级")
        DOWN = "down", _("取消提级")

    # Meta.indexes (project, occurred_at) serves it
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="escalations", db_index=False
    )
    tag = models.ForeignKey(Tag, verbose_name=_("标签"), on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    reason = models.CharField(_("原因"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("project__unit",), leaders=("project__leader",), parent="project")

    class Meta:
        verbose_name = _("提级记录")
        verbose_name_plural = _("提级记录")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["project", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_direction_display()} {self.occurred_at:%Y-%m-%d}"


class Cadence(models.TextChoices):
    """How often a project reports progress (调度频次)."""

    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class CadenceRule(models.Model):
    """双高 cadence: projects with ``tag`` (and/or at ``stage``) report at ``cadence``.

    Rules are tried by ``priority`` (lowest first); the first that matches wins;
    a project no rule matches reports monthly. A rule naming a stage also puts
    projects at that stage on the dispatch list (e.g. 谋划 projects quarterly)."""

    name = models.CharField(_("名称"), max_length=100)
    unit = owning_unit(_("所属单位"), _("规则适用的市(县)"))
    cadence = models.CharField(_("调度频次"), max_length=20, choices=Cadence.choices)
    tag = models.ForeignKey(
        Tag,
        verbose_name=_("标签"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级(小者优先)"), default=10)
    valid_from = models.DateField(
        _("起始日期"),
        null=True,
        blank=True,
        help_text=_("自该日所在月份起按此频次调度;不填则一直适用"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("调度频次规则")
        verbose_name_plural = _("调度频次规则")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.name}:{self.get_cadence_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.tag_id is None and not self.stage:
            raise ValidationError({"tag": _("请至少指定标签或阶段")})


class ReportObligation(models.Model):
    """A report a project owed for one dispatch period under its cadence (调度报送义务).

    Kept by ``projects.services.report_obligations_sync`` (idempotent, run daily) so the
    indicator engine can count missing reports against the unit (registry
    ``report_obligations``); whether it was met is read live from ``ProgressReport``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="obligations")
    cadence = models.CharField(_("调度频次"), max_length=20, choices=Cadence.choices)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    due_on = models.DateField(_("报送截止"))

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("project__unit",), parent="project")

    class Meta:
        verbose_name = _("调度报送义务")
        verbose_name_plural = _("调度报送义务")
        ordering = ["project", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period_start"], name="obligation_one_per_period"
            ),
        ]
        indexes = [models.Index(fields=["due_on"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period_start}–{self.period_end}"

"""招商引资: outreach batches (走出去 / 请进来 / 线上), the enterprises met, and leads.

A lead's stages before signing (接洽, 洽谈, 终止) are its own history
(``LeadTransition``). From 签约 on, the lead is linked to a registry ``Project``
and its stages and dates are the project's (``StageTransition``): one history,
so a lead's 签约 and its project's 签约 can never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Enterprise
from gongjian.kit.history import HistoricalRecords
from gongjian.kit.models import DatedTransition
from gongjian.kit.money import non_negative_amount
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.projects.models import Category, Project, Stage
from gongjian.units.models import Unit


class Outreach(models.Model):
    """One outreach batch (招商批次): a trip out, a delegation hosted, or an online meeting."""

    class Kind(models.TextChoices):
        GOING_OUT = "going_out", _("走出去")
        INVITING_IN = "inviting_in", _("请进来")
        ONLINE = "online", _("线上")

    class Theme(models.TextChoices):
        CENTRAL_LOCAL = "central_local", _("央地合作")
        BIOMEDICINE = "biomedicine", _("生物医药")
        ELECTRONICS = "electronics", _("电子信息")
        NEW_MATERIALS = "new_materials", _("新材料")
        CULTURE_TOURISM = "culture_tourism", _("文旅融合")
        PETROCHEMICAL = "petrochemical", _("石化及精细化工")
        EQUIPMENT = "equipment", _("装备制造")
        NEW_ENERGY = "new_energy", _("新能源")
        AGRICULTURE = "agriculture", _("现代农业")
        OTHER = "other", _("综合")

    held_on = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    theme = models.CharField(_("主题"), max_length=30, choices=Theme.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="outreach"
    )
    leader_name = models.CharField(_("带队领导"), max_length=100, blank=True)
    enterprises = models.ManyToManyField(
        Enterprise,
        verbose_name=_("对接企业"),
        through="OutreachContact",
        related_name="outreach",
        blank=True,
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("招商活动")
        verbose_name_plural = _("招商活动")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class OutreachContact(models.Model):
    """An enterprise met in an outreach batch."""

    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="contacts")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="outreach_contacts"
    )
    note = models.CharField(_("对接情况"), max_length=200, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("outreach__unit",), parent="outreach")

    class Meta:
        verbose_name = _("对接企业")
        verbose_name_plural = _("对接企业")
        constraints = [
            models.UniqueConstraint(fields=["outreach", "enterprise"], name="contact_once"),
        ]
        indexes = [models.Index(fields=["enterprise", "outreach"])]

    def __str__(self) -> str:
        return f"{self.outreach_id} · {self.enterprise_id}"


class LeadStage(models.TextChoices):
    CONTACT = "contact", _("接洽")
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地")
    STARTED = "started", _("开工")
    IN_PRODUCTION = "in_production", _("投产")
    TERMINATED = "terminated", _("终止")


# The lead funnel, in order; 终止 sits beside it.
LEAD_CHAIN = [
    LeadStage.CONTACT,
    LeadStage.NEGOTIATING,
    LeadStage.SIGNED,
    LeadStage.LANDED,
    LeadStage.STARTED,
    LeadStage.IN_PRODUCTION,
]
# Stages a lead keeps itself; the others are its project's.
OWN_STAGES = (LeadStage.CONTACT, LeadStage.NEGOTIATING, LeadStage.TERMINATED)
# A linked project's stage → the lead's funnel stage.
FROM_PROJECT_STAGE = {
    Stage.PLANNED: LeadStage.NEGOTIATING,
    Stage.SIGNED: LeadStage.SIGNED,
    Stage.LANDED: LeadStage.LANDED,
    Stage.STARTED: LeadStage.STARTED,
    Stage.RESUMED: LeadStage.STARTED,
    Stage.STALLED: LeadStage.STARTED,
    Stage.COMPLETED: LeadStage.STARTED,
    Stage.IN_PRODUCTION: LeadStage.IN_PRODUCTION,
}
# The lead funnel stage → the project stage it is recorded as.
TO_PROJECT_STAGE = {
    LeadStage.SIGNED: Stage.SIGNED,
    LeadStage.LANDED: Stage.LANDED,
    LeadStage.STARTED: Stage.STARTED,
    LeadStage.IN_PRODUCTION: Stage.IN_PRODUCTION,
}


def stage_q(stages) -> Q:
    """Leads whose current funnel stage is one of ``stages`` (a lookup on the lead and its
    project, so that counting never needs a stored copy of the project's stage)."""
    stages = set(stages)
    own = [s for s in stages if s in OWN_STAGES]
    project_stages = [p for p, s in FROM_PROJECT_STAGE.items() if s in stages]
    q = Q(project__isnull=True, stage__in=own)
    if project_stages:
        q |= Q(project__isnull=False, project__stage__in=project_stages)
    return q


class Lead(models.Model):
    """A 招商 lead: an enterprise's intended investment, followed from first contact.

    ``stage`` holds 接洽 / 洽谈 / 终止 while the lead has no project; once signed it is
    linked to ``project`` and ``current_stage`` and the dates from 签约 on are read
    from the project's stage history.
    """

    name = models.CharField(_("项目名称"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="leads"
    )
    intended_investment = models.BigIntegerField(
        _("意向投资额(元)"), validators=[non_negative_amount]
    )
    category = models.CharField(
        _("项目类别"), max_length=20, choices=Category.choices, default=Category.INDUSTRY
    )
    industry_cluster = models.CharField(_("产业集群"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="leads"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    stage = models.CharField(
        _("阶段"), max_length=20, choices=LeadStage.choices, default=LeadStage.CONTACT
    )
    contacted_on = models.DateField(_("首次接洽日期"), editable=False)
    terminated_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    expected_sign_on = models.DateField(_("预计签约日期"), null=True, blank=True)
    expected_start_on = models.DateField(_("预计开工日期"), null=True, blank=True)
    next_step = models.CharField(_("下一步工作"), max_length=200, blank=True)
    next_step_due = models.DateField(_("下一步完成时限"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        verbose_name=_("清单项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="lead",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("招商线索")
        verbose_name_plural = _("招商线索")
        ordering = ["-contacted_on", "-pk"]
        indexes = [models.Index(fields=["unit", "stage"]), models.Index(fields=["contacted_on"])]

    def __str__(self) -> str:
        return self.name

    @property
    def current_stage(self) -> str:
        if self.project_id is not None:
            return FROM_PROJECT_STAGE[Stage(self.project.stage)]
        return self.stage

    @property
    def current_stage_label(self) -> str:
        return str(LeadStage(self.current_stage).label)

    @property
    def signed_on(self):
        """The signing date: the project's (its stage history), never a copy."""
        return self.project.signed_on if self.project_id is not None else None


class LeadTransition(DatedTransition):
    """A dated move of a lead before it has a project: 接洽, 洽谈 or 终止."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    stage = models.CharField(_("阶段"), max_length=20, choices=LeadStage.choices)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("lead__unit",), parent="lead")

    class Meta:
        verbose_name = _("线索阶段变更")
        verbose_name_plural = _("线索阶段变更")
        ordering = ["lead", "occurred_on", "pk"]
        indexes = [models.Index(fields=["stage", "occurred_on", "lead"])]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.get_stage_display()} {self.occurred_on}"

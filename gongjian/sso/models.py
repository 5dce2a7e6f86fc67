"""Which users sign in through the government's identity system, and what it gave them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import User


class DirectoryAccount(models.Model):
    """A user's link to their entry in the directory (LDAP, CAS or OpenID Connect).

    Written at each sign-in by ``sso.services.directory_sign_in``. ``managed`` lists the
    memberships the directory granted (``[unit id, role]``): the next sign-in revokes
    those the directory no longer gives, and never touches a membership the office
    granted by hand.
    """

    class Source(models.TextChoices):
        LDAP = "ldap", "LDAP"
        CAS = "cas", "CAS"
        OIDC = "oidc", "OpenID Connect"

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="directory_account"
    )
    source = models.CharField(_("认证方式"), max_length=10, choices=Source.choices)
    external_id = models.CharField(
        _("目录标识"), max_length=255, help_text=_("LDAP 的 DN、CAS 的用户名或 OpenID 的 sub")
    )
    attributes = models.JSONField(_("目录属性"), default=dict, blank=True)
    managed = models.JSONField(_("目录授予的任职"), default=list, blank=True)
    unmatched = models.JSONField(_("未能对应的单位或角色"), default=list, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("user__memberships__unit",), parent="user")

    class Meta:
        verbose_name = _("统一身份认证账号")
        verbose_name_plural = _("统一身份认证账号")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="directory_account_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_source_display()}"

"""The organisation: sites, teams, employees, job roles and the service catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ArchivableModel
from sqms.core.zones import time_zone_choices


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    WEB = "web", _("Web")
    APP = "app", _("Mobile app")


class Site(ArchivableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default="Asia/Seoul"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    scoped_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("users limited to this site"),
        blank=True,
        related_name="scoped_sites",
        help_text=_("Users listed here see only the records of the sites they are listed on."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Team(ArchivableModel):
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="teams"
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["site__code", "code"]

    def __str__(self) -> str:
        return self.name


class JobRole(ArchivableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("job role")
        verbose_name_plural = _("job roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(ArchivableModel):
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="employees"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    job_role = models.ForeignKey(
        JobRole,
        verbose_name=_("job role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
    )
    hired_on = models.DateField(_("hired on"), null=True, blank=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["name", "employee_no"]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class Service(ArchivableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Employee,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_services",
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    sites = models.ManyToManyField(
        Site, verbose_name=_("offered at"), blank=True, related_name="services"
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(c, c)) for c in self.channels]


class ServiceContext(models.Model):
    """Where and by whom a service was delivered: what a survey link and its response carry."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    agent = models.ForeignKey(
        Employee,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

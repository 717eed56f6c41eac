from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BaseModel


class IntakeOutcome(models.TextChoices):
    NEW_CASE = "new_case", _("새 사례")
    NEW_CASE_KNOWN_VICTIM = "new_case_known_victim", _("기존 피해자의 새 사례")
    ATTACHED = "attached", _("기존 사례에 연결")


class Intake(BaseModel):
    """One contact taken by a staff member, and what became of it."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=IntakeOutcome.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["agency", "submitted_at"])]

    def __str__(self) -> str:
        return f"intake {self.pk} → {self.outcome}"


class PoliceReferral(BaseModel):
    """One police report referred with the victim's consent, and the answer it got.

    ``(referring_agency, idempotency_key)`` and ``(referring_agency, police_report_id)`` are
    unique: a retried request finds its first answer, and a report is received once. Only
    accepted referrals are stored (a refused one writes nothing). Victim identity is not here: it
    went to the case's ``Victim`` and her address to a ``SealedLocation``."""

    referring_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+"
    )
    api_key = models.ForeignKey("accounts.ApiKey", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=128)
    request_digest = models.CharField(max_length=64)
    police_report_id = models.CharField(max_length=64)
    receiving_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=IntakeOutcome.choices)
    received_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    station = models.CharField(max_length=200)
    officer_name = models.CharField(max_length=100)
    officer_phone = models.CharField(max_length=20, blank=True)
    risk_grade = models.CharField(max_length=20, blank=True)
    protection_recommended = models.BooleanField(null=True)
    # [{"kind", "from", "to"}] as received; protective-order tracking builds on them.
    protective_measures = models.JSONField(default=list)
    response_body = models.JSONField()
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referring_agency", "idempotency_key"], name="one_referral_per_key"
            ),
            models.UniqueConstraint(
                fields=["referring_agency", "police_report_id"], name="one_referral_per_report"
            ),
            models.CheckConstraint(
                condition=Q(taken_at__isnull=True, taken_by__isnull=True)
                | Q(taken_at__isnull=False, taken_by__isnull=False),
                name="referral_taken_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["receiving_agency", "taken_at", "received_at"])]

    def __str__(self) -> str:
        return f"police referral {self.pk}"


class Frequency(models.TextChoices):
    """How often it happens, in her words."""

    ONCE = "once", _("한 번")
    SOMETIMES = "sometimes", _("가끔 (한 달에 몇 번)")
    WEEKLY = "weekly", _("매주")
    DAILY = "daily", _("거의 매일")
    MANY_DAILY = "many_daily", _("하루에도 여러 번")
    UNKNOWN = "unknown", _("잘 모르겠음")


class WebApplication(BaseModel):
    """One application a victim sent from the portal, and what became of it.

    A new application opens a case at the receiving center with nobody on its team; the first
    staff member who takes it joins the team (as with police referrals). An application she sends
    while signed in joins her own case. Her identity is not here: it went to the case's
    ``Victim``. ``submission_key`` is a digest of the token her form carried, so a retried submit
    (her connection dropped after the server received it) finds this row instead of opening a
    second case. ``possible_matches`` counts the center's victim records with her phone number or
    name and birth year — for staff only: the applicant is never told."""

    receiving_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=IntakeOutcome.choices)
    submission_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()
    wanted_services = models.JSONField(default=list)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    since = models.DateField(null=True, blank=True)
    possible_matches = models.PositiveSmallIntegerField(default=0)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken_at__isnull=True, taken_by__isnull=True)
                | Q(taken_at__isnull=False, taken_by__isnull=False),
                name="application_taken_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["receiving_agency", "taken_at", "received_at"])]

    def __str__(self) -> str:
        return f"web application {self.pk}"

    @property
    def wanted_service_labels(self) -> list[str]:
        from onestop.support.models import ServiceKind

        return [str(ServiceKind(c).label) for c in self.wanted_services if c in ServiceKind.values]

from __future__ import annotations

from django.conf import settings
from django.db import models
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

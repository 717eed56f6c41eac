"""How a victim reaches her case in the portal: a case code (given to her once, unrelated to the
case's reference) and a passphrase she chose, kept only as a slow hash. No phone number or e-mail
is involved — a stalker could read either. Her code word (sealed) lets staff recognise her when
she asks them to set a new passphrase."""

from __future__ import annotations

from django.db import models

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class PortalAccess(BaseModel):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16, unique=True)
    passphrase_hash = models.CharField(max_length=200)
    code_word = EncryptedTextField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"portal access {self.pk}"


class SatisfactionSurvey(BaseModel):
    """Her answer to the satisfaction survey offered when her case closed: one per case, a score
    from 1 (매우 불만족) to 5 (매우 만족) and an optional comment (sealed)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = EncryptedTextField(blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="portal_survey_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"satisfaction survey {self.pk}"

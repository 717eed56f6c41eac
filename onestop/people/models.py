from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedIntegerField, EncryptedTextField
from onestop.core.models import BaseModel


class Gender(models.TextChoices):
    FEMALE = "female", _("여성")
    MALE = "male", _("남성")
    OTHER = "other", _("기타")
    UNKNOWN = "unknown", _("미상")


class ContactMethod(models.TextChoices):
    """How the center may contact her safely, as in the police referral contract."""

    CALL = "call", _("전화")
    SMS = "sms", _("문자")
    NONE = "none", _("연락하지 않음 (피해자가 먼저 연락)")


class Victim(BaseModel):
    """A victim as one agency knows her. Identity is sealed; lookups go through the indexes.
    Where she lives is not here: it is a ``SealedLocation``."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = EncryptedTextField()
    phone = EncryptedTextField(blank=True)
    birth_year = EncryptedIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    safe_contact_method = models.CharField(
        max_length=20, choices=ContactMethod.choices, default=ContactMethod.CALL
    )
    safe_contact_times = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    name_birth_index = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "phone_index"]),
            models.Index(fields=["agency", "name_birth_index"]),
        ]

    def __str__(self) -> str:
        return f"victim {self.pk}"


class Perpetrator(BaseModel):
    """The person the victim names. Often only partly known."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    address = EncryptedTextField(blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    description = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"perpetrator {self.pk}"


class LocationKind(models.TextChoices):
    HOME = "home", _("거주지")
    NEW_HOME = "new_home", _("새 거주지 (이전 후)")
    WORKPLACE = "workplace", _("직장·학교")
    OTHER = "other", _("기타 장소")


class SealedLocation(BaseModel):
    """A place where a victim can be found. Kept apart from everything else: never in a list, an
    export, a notification, a partner projection or a log line. Reading one is its own,
    audited act (see ``cases.services.case_sealed_locations_reveal``)."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="sealed_locations")
    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    address = EncryptedTextField()
    source = models.CharField(max_length=30, help_text="where it came from: staff, police_referral")
    recorded_by = models.ForeignKey(
        "accounts.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"sealed location {self.pk}"

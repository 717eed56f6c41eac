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
    """A victim as one agency knows her. Identity is sealed; lookups go through the indexes."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = EncryptedTextField()
    phone = EncryptedTextField(blank=True)
    birth_year = EncryptedIntegerField(null=True, blank=True)
    address = EncryptedTextField(blank=True)
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
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    description = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"perpetrator {self.pk}"

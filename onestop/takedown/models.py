"""The hash bank: what a victim's content looks like to a hash, never the content itself.

A ``BankItem`` is one image or video banked for a case's deletion support; its ``BankHash`` rows
are the hashes kept for it (the image as it is and its variants; a video's frames). Hashes are
personal data of the most sensitive kind (they identify her intimate images): every hash value
is sealed, the exact-copy digest is kept only as a blind index, and reading the bank is audited
by the services. Items of quality below 50 wait for a person before they match anything."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class MediaKind(models.TextChoices):
    IMAGE = "image", _("이미지")
    VIDEO = "video", _("동영상")


class BankItem(BaseModel):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    quality = models.PositiveSmallIntegerField()
    needs_review = models.BooleanField(default=False)
    sha256_index = models.CharField(max_length=64, db_index=True)
    banked_at = models.DateTimeField()
    banked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    banked_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256_index"], name="bank_item_once_per_case")
        ]

    def __str__(self) -> str:
        return f"bank item {self.pk}"


class BankHash(BaseModel):
    """One hash of an item: a PDQ variant of an image (``variant``), or one frame of a video
    (``frame``). ``pdq`` is sealed."""

    item = models.ForeignKey(BankItem, on_delete=models.CASCADE, related_name="hashes")
    variant = models.CharField(max_length=20, blank=True)
    frame = models.PositiveIntegerField(null=True, blank=True)
    pdq = EncryptedTextField()
    quality = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"bank hash {self.pk}"

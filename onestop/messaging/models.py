"""One conversation per case: its messages, in the order they were sent. The body is sealed; a
message is never edited or deleted (the transcript stays in the case)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class Side(models.TextChoices):
    VICTIM = "victim", _("피해자")
    STAFF = "staff", _("담당자")


class Message(BaseModel):
    # PROTECT: a case with a conversation cannot be deleted from under its transcript.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="chat_messages")
    side = models.CharField(max_length=10, choices=Side.choices)
    # The staff member who wrote it; empty for her messages (she has no Staff row).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = EncryptedTextField()
    sent_at = models.DateTimeField()
    # A staff message is read by her; a victim message is read by a staff member (who, and when).
    read_by_victim_at = models.DateTimeField(null=True, blank=True)
    read_by_staff_at = models.DateTimeField(null=True, blank=True)
    read_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "created_at"]
        indexes = [
            models.Index(fields=["case", "sent_at"]),
            models.Index(fields=["case", "side", "read_by_staff_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(side="staff", sender__isnull=False) & Q(read_by_staff_at__isnull=True))
                | (Q(side="victim", sender__isnull=True) & Q(read_by_victim_at__isnull=True)),
                name="message_sender_matches_side",
            ),
            models.CheckConstraint(
                condition=Q(read_by_staff_at__isnull=True, read_by_staff__isnull=True)
                | Q(read_by_staff_at__isnull=False, read_by_staff__isnull=False),
                name="message_read_by_staff_names_reader",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.side})"

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

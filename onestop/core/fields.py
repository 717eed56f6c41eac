"""Model fields whose values are encrypted at rest with the key ring (see ``crypto``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable, Expression

from onestop.core.crypto import key_ring


class EncryptedTextField(models.TextField[str | Combinable, str]):
    """Text stored sealed with AES-GCM. Cannot be filtered or ordered on: use a blind index."""

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return key_ring().decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return key_ring().encrypt(str(value))


class EncryptedIntegerField(models.Field[int | Combinable | None, int | None]):
    """An integer (a birth year) stored sealed, as text."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> int | None:
        if value is None or value == "":
            return None
        return int(key_ring().decrypt(value))

    def to_python(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        return int(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return key_ring().encrypt(str(int(value)))

"""A case's safety plan, one row per saved version: the current plan is the latest. Its contents —
answers in her words, ticked checklist codes, trusted people with how to reach them and their code
words — are one JSON document sealed with the key ring. In clear are only the version, when and by
whom it was saved, and which sections changed (codes)."""

from __future__ import annotations

import json
from typing import Any, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class PlanContent(TypedDict):
    answers: dict[str, str]  # question code → her answer (non-empty only)
    checks: list[str]  # checklist codes ticked, in the guide's order
    people: list[dict[str, str]]  # {"name", "contact", "knows", "signal"}


def empty_content() -> PlanContent:
    return {"answers": {}, "checks": [], "people": []}


class SafetyPlan(BaseModel):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    content = EncryptedTextField()
    sections_changed = models.JSONField(default=list)
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "portal" when she saved it herself; else the staff member's username
    saved_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="one_safety_plan_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="safety_plan_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"safety plan {self.case_id} v{self.version}"

    @property
    def data(self) -> PlanContent:
        loaded: Any = json.loads(self.content) if self.content else empty_content()
        return {
            "answers": dict(loaded.get("answers", {})),
            "checks": list(loaded.get("checks", [])),
            "people": [dict(person) for person in loaded.get("people", [])],
        }

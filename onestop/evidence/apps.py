"""The evidence log (layer 5)."""

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "onestop.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

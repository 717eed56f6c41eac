"""The victim portal (layer 8)."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "onestop.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

"""Deletion support (layer 6)."""

from django.apps import AppConfig


class TakedownConfig(AppConfig):
    name = "onestop.takedown"
    label = "takedown"
    default_auto_field = "django.db.models.BigAutoField"

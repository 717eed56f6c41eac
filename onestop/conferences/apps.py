from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "onestop.conferences"
    label = "conferences"
    default_auto_field = "django.db.models.BigAutoField"

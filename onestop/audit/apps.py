from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onestop.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.audit import receivers  # noqa: F401  (connects the failed-login receiver)

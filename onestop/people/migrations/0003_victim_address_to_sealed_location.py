"""Data: a victim's address moves from her record to the sealed-location compartment."""

from typing import Any

from django.db import migrations


def seal_addresses(apps: Any, schema_editor: Any) -> None:
    Victim = apps.get_model("people", "Victim")
    SealedLocation = apps.get_model("people", "SealedLocation")
    for victim in Victim.objects.exclude(address="").iterator():
        SealedLocation.objects.create(
            victim=victim, kind="home", address=victim.address, source="migration"
        )


def unseal_addresses(apps: Any, schema_editor: Any) -> None:
    Victim = apps.get_model("people", "Victim")
    SealedLocation = apps.get_model("people", "SealedLocation")
    for place in SealedLocation.objects.filter(source="migration").iterator():
        Victim.objects.filter(pk=place.victim_id).update(address=place.address)
        place.delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0002_sealed_locations")]

    operations = [migrations.RunPython(seal_addresses, unseal_addresses)]

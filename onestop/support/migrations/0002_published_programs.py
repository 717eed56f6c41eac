from typing import Any

from django.db import migrations

from onestop.support.published import load_published_programs


def load(apps: Any, schema_editor: Any) -> None:
    load_published_programs(apps.get_model("support", "Program"), apps.get_model("support", "ServicePolicy"))


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

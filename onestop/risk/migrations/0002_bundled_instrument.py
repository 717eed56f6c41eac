"""Load OneStop's own instrument, "스토킹 위험 선별 도구 (OneStop) v1", so every installation
has it. Idempotent: an installation that already holds this version (imported by hand, or by an
earlier run) is left as it is. The file is read by name: a later version of the instrument is a
later migration, never a change to this one."""

import hashlib
import json
import uuid
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "instruments" / "onestop-stalking-screen-v1.json"
CODE, VERSION = "onestop-stalking-screen", "1"


def digest(definition):
    # the same canonical form as risk.packs.pack_digest (a test holds them equal)
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load(apps, schema_editor):
    Instrument = apps.get_model("risk", "Instrument")
    definition = json.loads(FILE.read_text("utf-8"))
    assert (definition["code"], definition["version"]) == (CODE, VERSION)
    if Instrument.objects.filter(code=CODE, version=VERSION).exists():
        return
    Instrument.objects.create(
        id=uuid.uuid4(),
        code=CODE,
        version=VERSION,
        mode=definition["mode"],
        definition=definition,
        digest=digest(definition),
        origin="bundled",
    )


def unload(apps, schema_editor):
    Instrument = apps.get_model("risk", "Instrument")
    Assessment = apps.get_model("risk", "Assessment")
    bundled = Instrument.objects.filter(code=CODE, version=VERSION, origin="bundled")
    if not Assessment.objects.filter(instrument__in=bundled).exists():
        bundled.delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

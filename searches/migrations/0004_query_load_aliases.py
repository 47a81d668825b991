"""Load the shipped aliases (searches/data/aliases.json); staff edit them in the admin afterwards.

Rows that already exist (by term) are left as staff made them.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "aliases.json"


def load(apps, schema_editor):  # noqa: ANN001, ANN201
    Alias = apps.get_model("searches", "Alias")
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    existing = set(Alias.objects.values_list("term", flat=True))
    Alias.objects.bulk_create(
        [Alias(term=row["term"], synonyms=row["synonyms"], category=row.get("category", "")) for row in rows if row["term"] not in existing]
    )


def unload(apps, schema_editor):  # noqa: ANN001, ANN201
    Alias = apps.get_model("searches", "Alias")
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    Alias.objects.filter(term__in=[row["term"] for row in rows]).delete()


class Migration(migrations.Migration):
    dependencies = [("searches", "0003_query_alias_include_accessories")]
    operations = [migrations.RunPython(load, unload)]

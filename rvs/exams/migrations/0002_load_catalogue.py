from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from rvs.exams.catalogue import sync_catalogue

    sync_catalogue(apps.get_model("exams", "Exam"))


class Migration(migrations.Migration):
    dependencies = [("exams", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Write the name tokens again, now with the share's sort name (0005). SQL written out, as in 0004."""

from __future__ import annotations

from typing import Any

from django.db import migrations

REFILL = [
    "DELETE FROM sharing_sharenametoken",
    """INSERT INTO sharing_sharenametoken (organisation_id, token, sort_name, share_id)
       SELECT s.organisation_id, t.token, c.sort_name, s.id
       FROM sharing_share s JOIN results_result r ON r.id = s.result_id
       JOIN results_candidate c ON c.id = r.candidate_id
       JOIN results_candidatenametoken t ON t.candidate_id = r.candidate_id
       WHERE s.revoked_at IS NULL""",
]


def refill(apps: Any, schema_editor: Any) -> None:
    for statement in REFILL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0005_share_name_token_sort_name")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]

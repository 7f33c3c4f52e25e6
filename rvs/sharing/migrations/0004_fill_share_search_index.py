"""Fill the search index (0003) from the shares already there.

The SQL is written out here, not imported from ``rvs.sharing.search_index``: a migration must
keep doing what it did when the code it once called has moved on.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FILL = [
    """INSERT INTO sharing_sharesearch (share_id, organisation_id, result_id, candidate_id, exam_id,
           exam_position, exam_date, centre_id, sort_name, overall_score, shared_at)
       SELECT s.id, s.organisation_id, s.result_id, r.candidate_id, r.exam_id, e.position, r.exam_date,
           r.centre_id, c.sort_name, r.overall_score, s.shared_at
       FROM sharing_share s JOIN results_result r ON r.id = s.result_id
       JOIN results_candidate c ON c.id = r.candidate_id JOIN exams_exam e ON e.id = r.exam_id
       WHERE s.revoked_at IS NULL""",
    """INSERT INTO sharing_sharenametoken (organisation_id, token, share_id)
       SELECT s.organisation_id, t.token, s.id
       FROM sharing_share s JOIN results_result r ON r.id = s.result_id
       JOIN results_candidatenametoken t ON t.candidate_id = r.candidate_id
       WHERE s.revoked_at IS NULL""",
]
EMPTY = ["DELETE FROM sharing_sharenametoken", "DELETE FROM sharing_sharesearch"]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("sharing", "0003_share_search_index")]

    operations = [migrations.RunPython(_run(FILL), _run(EMPTY))]

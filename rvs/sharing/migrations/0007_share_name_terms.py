"""Name words become name terms (issue 8): words, adjacent words written together, variant keys.

The terms come from ``rvs.core.names.index_terms`` (pure functions); the tables are named here
rather than taken from today's models, as in 0004.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 5000


def refill(apps: Any, schema_editor: Any) -> None:
    from rvs.core.names import index_terms

    connection = schema_editor.connection
    terms: dict[tuple[str, str], set[str]] = {}
    with connection.cursor() as reader, connection.cursor() as writer:
        writer.execute("DELETE FROM sharing_sharenametoken")
        reader.execute(
            "SELECT s.organisation_id, s.id, c.first_name, c.last_name, c.sort_name "
            "FROM sharing_share s JOIN results_result r ON r.id = s.result_id "
            "JOIN results_candidate c ON c.id = r.candidate_id WHERE s.revoked_at IS NULL ORDER BY s.id"
        )
        while shares := reader.fetchmany(BATCH):
            rows = []
            for organisation_id, share_id, first_name, last_name, sort_name in shares:
                if (first_name, last_name) not in terms:
                    terms[(first_name, last_name)] = index_terms(f"{first_name} {last_name}")
                rows.extend((organisation_id, term, sort_name, share_id) for term in terms[(first_name, last_name)])
            writer.executemany(
                "INSERT INTO sharing_sharenametoken (organisation_id, token, sort_name, share_id) "
                "VALUES (%s, %s, %s, %s)",
                rows,
            )


class Migration(migrations.Migration):
    dependencies = [("sharing", "0006_fill_share_name_token_sort_name")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]

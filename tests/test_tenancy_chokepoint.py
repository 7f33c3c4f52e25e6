"""Issue 16, item 1: one tenancy chokepoint.

Which results an organisation may see (an active share, or a live ERN look-up grant) is decided
in ``rvs/sharing/access.py`` alone (decision 0022). This test reads the source of every module
under ``rvs/`` and fails when one outside the list below touches shared data by itself: a
manager of ``Share``, ``ShareSearch``, ``ShareNameToken`` or ``ErnGrant`` (``Share.objects``),
their tables (``Share._meta``, a table name in SQL), or the reverse relations that reach them
(``organisation.shares``, ``result.ern_grants``, a ``shares__`` lookup).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MODELS = {"Share", "ShareSearch", "ShareNameToken", "ErnGrant"}
REVERSE_RELATIONS = {"shares", "ern_grants"}
TABLES = ("sharing_share", "results_erngrant")

# Modules that may touch shared data themselves, and why. Anything else goes through the chokepoint.
ALLOWED = {
    "rvs/sharing/access.py": "the chokepoint: every read of shared data",
    "rvs/sharing/services.py": "writes: a candidate shares and revokes",
    "rvs/sharing/search_index.py": "writes: keeps the organisations' search index in step with their shares",
    "rvs/sharing/lookups.py": "writes: an ERN look-up's grant, the first view of a share",
    "rvs/demo/management/commands/seed_demo.py": "demo data: its report counts the shares it seeded",
    "rvs/api/result_rows.py": "a page's rows by the share ids a scoped search returned (decision 0007)",
    # The name search's own SQL over the index (decisions 0004 and 0006); its organisation comes from
    # the caller and ``tests/results/test_selectors.py`` holds it to it.
    "rvs/sharing/name_search.py": "the name search's SQL over the organisation's name terms and index rows",
}


def _modules() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "rvs").rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts and "demo" not in path.parts
    )


def touches(source: str) -> list[str]:
    """Where ``source`` reaches shared data by itself: ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            model = node.value.id if isinstance(node.value, ast.Name) else ""
            if model in SHARED_MODELS and node.attr in ("objects", "_meta"):
                found.append(f"{node.lineno}: {model}.{node.attr}")
            elif node.attr in REVERSE_RELATIONS:
                found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg and node.arg.split("__")[0] in REVERSE_RELATIONS:
            found.append(f"{node.lineno}: {node.arg}=")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if any(text.startswith(f"{name}__") or f"__{name}__" in text for name in REVERSE_RELATIONS):
                found.append(f"{node.lineno}: {text!r}")
            elif any(table in text for table in TABLES):
                found.append(f"{node.lineno}: SQL naming a shared table")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "Share.objects.filter(organisation=org)",
        "ErnGrant.objects.filter(result=r).exists()",
        "ShareSearch._meta.db_table",
        "organisation.shares.filter(revoked_at=None)",
        "Organisation.objects.filter(shares__result=r)",
        "Result.objects.exclude(**{'shares__organisation': org})",
        "cursor.execute('SELECT result_id FROM sharing_share WHERE organisation_id = %s', [1])",
    ],
)
def test_the_check_catches_each_way_round_the_chokepoint(source: str) -> None:
    assert touches(source), source


def test_the_check_leaves_other_queries_alone() -> None:
    assert not touches("Result.objects.filter(candidate=c)\naccess.active_shares(org).filter(result=r)")


def test_no_module_reads_shared_data_except_through_the_chokepoint() -> None:
    bypasses = {}
    for path in _modules():
        name = path.relative_to(ROOT).as_posix()
        found = touches(path.read_text())
        if found and name not in ALLOWED:
            bypasses[name] = found
    assert not bypasses, f"read shared data through rvs/sharing/access.py instead: {bypasses}"


def test_every_allowed_module_still_needs_its_place() -> None:
    stale = [name for name in ALLOWED if not touches((ROOT / name).read_text())]
    assert not stale, f"no longer touches shared data; take it off the list: {stale}"

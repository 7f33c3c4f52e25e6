"""Issue 16, item 4: no private Django API, or each remaining use listed with why (decision 0024).

A Django upgrade breaks code that reads or overrides Django's internals first: the queryset's
private methods and attributes (``_clone``, ``_fetch_all``, ``_result_cache``...), the SQL
``Query`` and its compiler (``queryset.query.set_limits``, ``get_compiler``), the lazy objects'
internals (``_wrapped``), and the modules that hold them (``django.db.models.sql``,
``django.db.models.query``). This test reads the source of every module under ``rvs/`` (AST) and
fails on a use that ``ALLOWED`` does not list, and on a listed use that is gone (the list cannot
rot). ``Model._meta``, ``Model._state`` and a manager's ``self._db`` are documented API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Private attributes of Django's querysets, managers, models' caches and lazy objects.
PRIVATE_ATTRIBUTES = frozenset(
    {
        "_add_hints", "_annotate", "_batched_insert", "_chain", "_clone", "_combinator_query",
        "_deferred_filter", "_earliest", "_fetch_all", "_fields", "_filter_or_exclude",
        "_filter_or_exclude_inplace", "_for_write", "_has_filters", "_hints", "_insert", "_iterable_class",
        "_iterator", "_known_related_objects", "_next_is_sticky", "_prefetch_done",
        "_prefetch_related_lookups", "_prefetched_objects_cache", "_query", "_raw_delete", "_result_cache",
        "_setup", "_sticky_filter", "_update", "_values", "_wrapped", "get_compiler", "get_converters",
    }
)  # fmt: skip
# Modules of Django's internals, and the few private names public modules export.
PRIVATE_MODULES = ("django.db.models.sql", "django.db.models.query", "django.db.models.query_utils")
PRIVATE_NAMES = {"django.utils.functional": {"empty"}}

# Each remaining use, by module and what it touches, with why it stays (decision 0024 gives the lines).
ALLOWED: dict[str, dict[str, str]] = {
    "rvs/sharing/name_search.py": {
        ".query.get_compiler": "the name search's hand-written SQL embeds the other fields' SQL as Django "
        "writes it for the engine, with its parameters (decision 0006)",
        ".get_compiler": "the same line",
    },
    "rvs/api/result_rows.py": {
        ".query.get_compiler": "the API page's SQL compiled once per process (decision 0020, row 3: 13-14 % "
        "of the request)",
        ".get_compiler": "the same line",
        ".get_converters": "Django's converters applied to the rows of the SQL compiled once",
        ".query.extra_select": "the column names of the SQL compiled once",
        ".query.values_select": "the column names of the SQL compiled once",
        ".query.annotation_select": "the column names of the SQL compiled once",
    },
    "rvs/downloads/selectors.py": {
        "._deferred_filter": "a result's components from the export's chunk query, seen by "
        "result.components.all() without a queryset clone per result (about 70 µs each)",
        "._result_cache": "the same",
        "._prefetch_done": "the same",
        "'_prefetched_objects_cache'": "the same",
    },
    "rvs/core/logs.py": {
        "._wrapped": "the request log names the user only when the view loaded it: no public API tells "
        "whether a lazy object was evaluated, and evaluating it costs a query on public pages",
        "import empty": "the same",
    },
}


def _modules() -> list[Path]:
    return sorted(path for path in (ROOT / "rvs").rglob("*.py") if "migrations" not in path.parts)


def private_uses(source: str) -> list[tuple[int, str]]:
    """Where ``source`` uses Django's private API: ``(line, what)``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "query":
                found.append((node.lineno, f".query.{node.attr}"))  # the SQL Query's internals
            if node.attr in PRIVATE_ATTRIBUTES:
                found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PRIVATE_ATTRIBUTES:
            found.append((node.lineno, repr(node.value)))  # getattr(queryset, "_fields"), a __dict__ key
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PRIVATE_MODULES):
                found.append((node.lineno, f"from {node.module}"))
            for alias in node.names:
                if alias.name in PRIVATE_NAMES.get(node.module, ()):
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.startswith(PRIVATE_MODULES)]
    return found


@pytest.mark.parametrize(
    "source",
    [
        "class R(QuerySet):\n    def _clone(self):\n        return super()._clone()",
        "rows = self._chain()",
        "if self._result_cache is None: self._fetch_all()",
        "flat = queryset._iterable_class is FlatValuesListIterable",
        "fields = getattr(queryset, '_fields', None)",
        "queryset.query.set_limits(0, 25)",
        "rows.query.select_related = related",
        "low = self.query.low_mark",
        "candidates.query.has_filters()",
        "sql, params = rows.query.get_compiler(using='default').as_sql()",
        "from django.db.models.query import ModelIterable",
        "from django.db.models.sql.query import Query",
        "from django.utils.functional import empty",
        "user = request.user._wrapped",
    ],
)
def test_the_check_catches_private_api(source: str) -> None:
    assert private_uses(source), source


def test_the_check_leaves_public_api_alone() -> None:
    source = (
        "from django.db.models import Q, QuerySet, prefetch_related_objects\n"
        "rows = Share.objects.filter(pk__in=ids).select_related('result').order_by('-id')[0:25]\n"
        "table = Share._meta.db_table\nresult._state.db\nuser.save(using=self._db)\n"
        "params = request.query_params\nlist(queryset.values_list('id', flat=True))\n"
    )
    assert not private_uses(source)


def test_no_module_uses_private_django_api_unless_listed() -> None:
    unlisted = {}
    for path in _modules():
        name = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED.get(name, {})
        found = [f"{line}: {what}" for line, what in private_uses(path.read_text()) if what not in allowed]
        if found:
            unlisted[name] = found
    assert not unlisted, f"private Django API: use the public API, or list it with why (decision 0024): {unlisted}"


def test_every_listed_use_is_still_there() -> None:
    stale = []
    for name, uses in ALLOWED.items():
        path = ROOT / name
        found = {what for _, what in private_uses(path.read_text())} if path.exists() else set()
        stale += [f"{name}: {what}" for what in uses if what not in found]
    assert not stale, f"no longer used; take it off the list (and decision 0024): {stale}"

"""Results import: validate a whole CSV file, then write it all or nothing.

Every problem is reported with its line, column and reason before anything is written. A
result is identified by candidate, exam and date of exam, so a file imported twice changes
nothing and gets no second Exam Reference Number.

Three steps, each usable alone:

* ``parse(data)`` checks the file by itself (format, every value, rows against each other);
* ``check(rows)`` compares it with what is on record (read only: known candidates and centres,
  results imported before, Exam Reference Numbers taken) and says what would be created;
* ``results_import(...)`` runs both and writes in one transaction.

A file of a million rows must import in about a minute, so the hot paths avoid per-row Python
objects and queries: values are checked with cached look-ups (dates, exams, scoring rules,
folded names and email domains repeat), a candidate described on several rows is kept once, and
large tables are written as plain tuples (``executemany`` on SQLite) or binary ``COPY`` data
(PostgreSQL) with primary keys reserved up front. The report's model instances are built only
when read. Decision 0009 says why it looks as it does; decision 0019 how it is divided.

One module per phase, in the order a row meets them:

* ``model``: the file's columns, the phases, ``RowError``/``ImportRejected``, the parsed row types;
* ``read``: the bytes as UTF-8 CSV, the header, the records a chunk at a time (``parse``);
* ``row``: one record's values checked by column group (``Parser``); ``scores`` its outcome under the
  exam's rules, ``photos`` its photo;
* ``checks``: the rows against each other (``AcrossRows``) and against the database (``check``);
* ``prepare``: ids, Exam Reference Numbers, public ids, photos saved, Secret Number hashes;
* ``write``: one checked chunk written (ORM, plain tuples, or COPY); ``copy``: the binary COPY data;
* ``run``: the whole import in one transaction (``results_import``, ``results_validate``).
"""

from rvs.results.importer.checks import check
from rvs.results.importer.model import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    PHASE_CHECK,
    PHASE_PARSE,
    PHASE_WRITE,
    SCORE_COLUMNS,
    STATUS_VALUES,
    CentreInfo,
    CreatedResults,
    ImportRejected,
    ImportReport,
    ParsedRow,
    Person,
    Plan,
    Progress,
    RowError,
)
from rvs.results.importer.read import decode, parse
from rvs.results.importer.row import email_is_valid
from rvs.results.importer.run import results_import, results_validate

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "PHASE_CHECK",
    "PHASE_PARSE",
    "PHASE_WRITE",
    "SCORE_COLUMNS",
    "STATUS_VALUES",
    "CentreInfo",
    "CreatedResults",
    "ImportRejected",
    "ImportReport",
    "ParsedRow",
    "Person",
    "Plan",
    "Progress",
    "RowError",
    "check",
    "decode",
    "email_is_valid",
    "parse",
    "results_import",
    "results_validate",
]

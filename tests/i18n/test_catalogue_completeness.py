"""Complete translations (issue 18): Spanish translates every msgid of its catalogue, none fuzzy;
Simplified Chinese and Arabic every msgid used by the Candidate Results Website, the public pages
and the emails to candidates and to registering organisations (``CANDIDATE_FACING``).
"""

from __future__ import annotations

from fnmatch import fnmatch

import polib
import pytest

from tests.i18n.test_catalogues import BASE, LOCALES, _committed, _key

# What Simplified Chinese and Arabic translate in full (issue 18): the Candidate Results Website, the
# public pages and the emails to candidates and to organisations registering; a msgid used by any of
# these files (its "#:" locations) must be translated. One list: change it here, the test follows.
CANDIDATE_FACING = (
    # the page frame, the home page, the shared partials, error and confirmation pages
    "rvs/templates/base.html", "rvs/templates/home.html", "rvs/templates/_*.html", "rvs/templates/403.html",
    "rvs/templates/404.html", "rvs/templates/429.html", "rvs/templates/500.html", "rvs/templates/503.html",
    "rvs/templates/confirm.html",
    # the Candidate Results Website and signing in
    "rvs/templates/candidates/*", "rvs/templates/accounts/*",
    # public pages: registering, the directory, the developer portal's front page, checking a statement
    "rvs/templates/organisations/register.html", "rvs/templates/organisations/register_done.html",
    "rvs/templates/organisations/directory.html",
    "rvs/templates/developers/index.html", "rvs/templates/developers/_layout.html",
    "rvs/templates/downloads/verify.html", "rvs/templates/downloads/verify_ern.html",
    # emails to candidates, to people resetting a password, and to organisations registering or invited
    "rvs/templates/emails/candidate_*", "rvs/templates/emails/password_reset_*",
    "rvs/templates/emails/primary_changed_*", "rvs/templates/emails/result_shared_*",
    "rvs/templates/emails/registration_*", "rvs/templates/emails/organisation_invite_*",
    # the Python behind them (forms, messages, validation errors)
    "rvs/candidates/*", "rvs/sharing/*", "rvs/accounts/*", "rvs/core/*",
)  # fmt: skip


def _candidate_facing(entry: polib.POEntry) -> bool:
    return any(fnmatch(where, pattern) for where, _ in entry.occurrences for pattern in CANDIDATE_FACING)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_is_complete(locale: str) -> None:
    """Spanish: everything; Chinese and Arabic: what candidates and registering organisations read."""
    entries = [entry for entry in _committed(locale) if not entry.obsolete and entry.msgid]
    if locale != "es":
        entries = [entry for entry in entries if _candidate_facing(entry)]
    fuzzy = [_key(entry) for entry in entries if entry.fuzzy]
    untranslated = [_key(entry) for entry in entries if not entry.fuzzy and not entry.translated()]
    incomplete = bool(fuzzy or untranslated)
    assert not incomplete, (
        f"rvs/locale/{locale}/LC_MESSAGES/django.po: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy\n"
        "Untranslated:\n  " + "\n  ".join(untranslated) + "\nFuzzy:\n  " + "\n  ".join(fuzzy)
    )


def test_the_candidate_facing_list_names_real_files() -> None:
    """Each entry of CANDIDATE_FACING matches a file of the tree (a renamed file would drop out unseen)."""
    files = [str(p.relative_to(BASE)) for p in (BASE / "rvs").rglob("*") if p.suffix in {".html", ".txt", ".py"}]
    stale = [pattern for pattern in CANDIDATE_FACING if not any(fnmatch(f, pattern) for f in files)]
    assert not stale, f"CANDIDATE_FACING names no file: {stale}"

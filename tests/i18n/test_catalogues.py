"""The committed catalogues (rvs/locale/<locale>/LC_MESSAGES/django.po): up to date, valid, complete.

(a) The msgids of the code today (``makemessages`` run in a copy of the tree, the flags of
``make messages``) are exactly those of each committed catalogue: a msgid missing or obsolete fails
and says to run ``make messages``. (b) ``msgfmt --check`` passes on every catalogue. (c), complete
translations, is tests/i18n/test_catalogue_completeness.py. Needs GNU gettext (xgettext, msgfmt),
as ``make messages`` does: without it these tests are skipped, except under CI=true where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
LOCALES = ("es", "zh_Hans", "ar")
LOCALE_DIR = BASE / "rvs" / "locale"
# The flags of `make messages` (Makefile): keep the two in step.
MAKEMESSAGES = [
    "makemessages", "-l", "es", "--keep-pot", "--add-location", "file", "--no-obsolete",
    "-i", ".venv/*", "-i", "data/*", "-i", "node_modules/*", "-i", "tests/*", "-i", "bench/*", "-i", "staticfiles/*",
]  # fmt: skip


def _gettext_or_skip() -> None:
    missing = [tool for tool in ("xgettext", "msgfmt", "msgmerge") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"GNU gettext is needed for the catalogue checks ({', '.join(missing)} missing)")
        pytest.skip(f"GNU gettext not installed ({', '.join(missing)}): the catalogue checks need it")


def _committed(locale: str) -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"{path.relative_to(BASE)} is missing: run make messages"
    return polib.pofile(str(path))


def _key(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    plural = f" / {entry.msgid_plural!r}" if entry.msgid_plural else ""
    return f"{context}{entry.msgid!r}{plural}"


def _msgids(catalogue: polib.POFile) -> set[str]:
    return {_key(entry) for entry in catalogue if not entry.obsolete and entry.msgid}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The msgids of the code as it is: makemessages in a copy of the tree (the real one stays as it is)."""
    _gettext_or_skip()
    copy = tmp_path_factory.mktemp("tree")
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "*.po", "*.pot", "*.ttc", "*.ttf", "*.png", "*.jpg", "*.pdf")
    for name in ("config", "rvs"):
        shutil.copytree(BASE / name, copy / name, ignore=skip)
    shutil.copy(BASE / "manage.py", copy / "manage.py")
    run = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES], cwd=copy, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, f"makemessages failed:\n{run.stderr}"
    return _msgids(polib.pofile(str(copy / "rvs" / "locale" / "django.pot")))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_is_up_to_date(locale: str, extracted: set[str]) -> None:
    committed = _msgids(_committed(locale))
    missing, obsolete = sorted(extracted - committed), sorted(committed - extracted)
    out_of_date = bool(missing or obsolete)
    assert not out_of_date, (
        f"rvs/locale/{locale}/LC_MESSAGES/django.po is out of date: run make messages (then translate).\n"
        f"Missing ({len(missing)}):\n  "
        + "\n  ".join(missing)
        + f"\nObsolete ({len(obsolete)}):\n  "
        + "\n  ".join(obsolete)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_accepts_the_catalogue(locale: str) -> None:
    _gettext_or_skip()
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    _committed(locale)
    run = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert run.returncode == 0, f"msgfmt --check {path.relative_to(BASE)}:\n{run.stderr}"

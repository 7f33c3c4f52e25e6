"""The languages of the service and how a person's choice is remembered (decision 0033).

Imported by ``config/settings.py``. Each language is named in itself, as the switcher shows it;
``rvs.core.i18n`` gives each its BCP 47 tag and direction for ``<html lang dir>``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "LANGUAGES",
    "LANGUAGE_CODE",
    "LANGUAGE_COOKIE_AGE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_NAME",
    "LANGUAGE_COOKIE_SAMESITE",
    "LOCALE_PATHS",
]

BASE_DIR = Path(__file__).resolve().parent.parent

LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("es", "Español"),
    ("zh-hans", "简体中文"),
    ("ar", "العربية"),
]
# The compiled catalogues (.mo) are build output: `make run` and `make test` compile them
# (scripts/compile_messages.py); `make messages` extracts the msgids into the .po files.
LOCALE_PATHS = [BASE_DIR / "rvs" / "locale"]

# A visitor's choice (the switcher) is kept a year in this cookie; a signed-in person's in their
# profile (User.language), which wins over the cookie. Secure follows the other cookies (settings).
LANGUAGE_COOKIE_NAME = "rvs_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

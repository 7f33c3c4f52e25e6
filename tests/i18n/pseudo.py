"""The pseudo-locale (decision 0034): every msgid "translated" to a marked, accented copy of itself.

``build(directory)`` writes a compiled catalogue for the language ``PSEUDO`` ("en-xa") holding every
msgid (plural and context too) of the committed Spanish catalogue and of Django's own English
catalogues (Django and every installed app that has one), each translated to ``pseudo(msgid)``:
"Search results" -> "⟦Šéàŕçĥ ŕéšúĺţš⟧". Placeholders (``%(name)s``, ``%s``, ``{name}``), HTML tags and
entities stay as they are. ``active(directory)`` adds the language to the settings for a while.

``untranslated(html, data)`` reads a page as people do (text outside script/style/pre/code, outside
parts written in another language or marked ``translate="no"``, and the attributes people read) and returns what is left
after taking away the marked text, the data, numbers and punctuation: text that did not go through
a translation. ``untranslated_text`` does the same for an email.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.test import override_settings
from django.utils.translation import to_locale

PSEUDO = "en-xa"
OPEN, CLOSE = "⟦", "⟧"
SPANISH = Path(settings.BASE_DIR) / "rvs" / "locale" / "es" / "LC_MESSAGES" / "django.po"
_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "àƀçđéƒĝĥíĵķĺɱñőþǫŕšţúṽŵẋýžÀƁÇĐÉƑĜĤÍĴĶĹṀÑŐÞǪŔŠŢÚṼŴẊÝŽ"
_ACCENTS = str.maketrans(_PLAIN, _ACCENTED)
# What a translation keeps as it is: placeholders, str.format fields, HTML tags and entities.
_KEEP = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{\w*\}|<[^<>]*>|&#?\w+;")


def pseudo(text: str) -> str:
    """``text`` accented inside the markers, its placeholders, tags and entities untouched."""
    if text == "yes,no,maybe":  # Django's yesno filter splits its translation at the commas
        return ",".join(pseudo(word) for word in text.split(","))
    out, end = [], 0
    for keep in _KEEP.finditer(text):
        out += [text[end : keep.start()].translate(_ACCENTS), keep.group()]
        end = keep.end()
    out.append(text[end:].translate(_ACCENTS))
    return OPEN + "".join(out) + CLOSE


def django_catalogues() -> list[Path]:
    """Django's English catalogues: Django's own and those of the installed apps that have one."""
    import django

    found = [Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    for app in apps.get_app_configs():
        path = Path(app.path) / "locale" / "en" / "LC_MESSAGES" / "django.po"
        if path.is_file():
            found.append(path)
    return found


def build(directory: Path, sources: Iterable[Path] = ()) -> Path:
    """Write and compile the pseudo catalogue under ``directory`` (a LOCALE_PATHS entry); return it."""
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": to_locale(PSEUDO),
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    seen: set[tuple[str | None, str]] = set()
    for source in [*(sources or [SPANISH]), *django_catalogues()]:
        for entry in polib.pofile(str(source)):
            key = (entry.msgctxt, entry.msgid)
            if entry.obsolete or not entry.msgid or key in seen:
                continue
            seen.add(key)
            made = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgid_plural=entry.msgid_plural)
            if entry.msgid_plural:
                made.msgstr_plural = {0: pseudo(entry.msgid), 1: pseudo(entry.msgid_plural)}
            else:
                made.msgstr = pseudo(entry.msgid)
            catalogue.append(made)
    target = directory / to_locale(PSEUDO) / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(target / "django.po"))
    catalogue.save_as_mofile(str(target / "django.mo"))
    return directory


@contextmanager
def active(directory: Path) -> Iterator[None]:
    """The pseudo language is one of the service's languages (its catalogue first in LOCALE_PATHS)."""
    LANG_INFO[PSEUDO] = {"bidi": False, "code": PSEUDO, "name": "Pseudo", "name_local": "Pseudo"}
    try:
        with override_settings(
            LANGUAGES=[*settings.LANGUAGES, (PSEUDO, pseudo("Pseudo"))],
            LOCALE_PATHS=[directory, *settings.LOCALE_PATHS],
        ):
            yield
    finally:
        del LANG_INFO[PSEUDO]


# --- reading a page --------------------------------------------------------------------------------

EXEMPT = {"script", "style", "pre", "code", "template"}  # code samples and what is not shown as text
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("title", "aria-label", "aria-description", "aria-roledescription", "alt", "placeholder")
SUBMIT_TYPES = {"submit", "button", "reset"}


class _Reader(HTMLParser):
    """Collects the text people read; each text node ends with a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.skip: list[list[object]] = []  # [tag, depth] of the exempt element we are in
        self.text: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_lang = values.get("lang", "").lower()
        if self.skip:
            if tag == self.skip[-1][0] and tag not in VOID:
                self.skip[-1][1] += 1  # type: ignore[operator]
            return
        # written in another language (the switcher's names) or not to be translated (HTML's translate="no")
        other_language = ("lang" in values and values["lang"].lower() != self.page_lang) or values.get(
            "translate"
        ) == "no"
        if tag in EXEMPT or (other_language and tag not in VOID):
            self.skip.append([tag, 1])
            return
        if other_language:
            return
        said = [values[name] for name in READ_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type", "").lower() in SUBMIT_TYPES and values.get("value"):
            said.append(values["value"])
        said += [value for name, value in values.items() if name.startswith("data-") and _is_text_name(name)]
        self.attributes += [f"{value} [{tag} attribute]" for value in said if value]

    def handle_endtag(self, tag: str) -> None:
        if self.skip and tag == self.skip[-1][0]:
            self.skip[-1][1] -= 1  # type: ignore[operator]
            if self.skip[-1][1] == 0:
                self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data + "\n")


def _is_text_name(name: str) -> bool:
    """data-* attributes that carry words for people (a script shows them): *-label, *-text, *-message."""
    return any(word in name for word in ("label", "text", "message", "title"))


def unmarked(text: str) -> str:
    """``text`` without the pseudo-marked segments (nested ones too)."""
    out, depth = [], 0
    for char in text:
        if char == OPEN:
            depth += 1
        elif char == CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(char)
    return "".join(out)


_URL_OR_EMAIL = re.compile(r"\b(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)/[\w/.?=&%-]*")
_CODE = re.compile(r"\S*[\d_]\S*")  # numbers, dates' digits, codes (ERNs, "B2", key prefixes rvs_…)
# Words that are neither text nor data of a row: the time zone dates name (rvs.core.dates.zone_name).
NOT_TEXT = {"UTC"}


def data_pattern(values: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``values`` as whole words, longest first."""
    words = sorted({v.strip() for v in values if v and v.strip() and re.search(r"[^\W\d_]", v)}, key=len, reverse=True)
    if not words:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))


def leftovers(text: str, data: re.Pattern[str]) -> list[str]:
    """The lines of ``text`` (already unmarked) that still hold a word once data and codes are gone."""
    found = []
    for line in text.split("\n"):
        rest = _CODE.sub(" ", _URL_OR_EMAIL.sub(" ", data.sub(" ", line)))
        words = [w for w in re.findall(r"[^\W\d_]+", rest) if w not in NOT_TEXT]
        if words:
            line, rest = " ".join(line.split()), " ".join(rest.split())
            found.append(rest if rest == line else f"{rest} (in: {line})")
    return found


def untranslated(html: str, data: re.Pattern[str]) -> list[str]:
    """Text and read attributes of a page that did not go through a translation."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    found = leftovers(unmarked("".join(reader.text)), data)
    for attribute in reader.attributes:
        value, _, where = attribute.rpartition(" [")
        found += [f"{line} [{where}" for line in leftovers(unmarked(value), data)]
    return found


def untranslated_text(text: str, data: re.Pattern[str]) -> list[str]:
    """Lines of a plain-text email that did not go through a translation."""
    return leftovers(unmarked(text), data)

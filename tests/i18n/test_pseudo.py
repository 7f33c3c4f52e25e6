"""The pseudo-locale's own rules (tests/i18n/pseudo.py): what it keeps, what counts as untranslated."""

from __future__ import annotations

from pathlib import Path

import polib

from tests.i18n import pseudo


def test_the_pseudo_language_keeps_placeholders_tags_and_entities() -> None:
    assert pseudo.pseudo("Search results") == "⟦Šéàŕçĥ ŕéšúĺţš⟧"
    assert pseudo.pseudo('Results for %(name)s, <a href="%(url)s">see {n}</a> &amp; %s') == (
        '⟦Ŕéšúĺţš ƒőŕ %(name)s, <a href="%(url)s">šéé {n}</a> &amp; %s⟧'
    )
    data = pseudo.data_pattern(["Ana López"])
    html = '<html lang="en-xa"><title>⟦Ĥ⟧</title><p>⟦Ŕéàđ <a>ţĥé</a>⟧ Ana López 12 May <code>curl</code></p>'
    assert pseudo.untranslated(html, data) == ["May (in: Ana López 12 May)"]
    html = '<html lang="en-xa"><span lang="es">Español</span><span translate="no">curl</span><img alt="Logo">'
    assert pseudo.untranslated(html, data) == ["Logo [img attribute]"]


def test_the_catalogue_translates_every_msgid_plural_and_context(tmp_path: Path) -> None:
    source = tmp_path / "es.po"
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid="Open", msgctxt="verb, a button", msgstr="Abrir"))
    catalogue.append(polib.POEntry(msgid="%(counter)s result", msgid_plural="%(counter)s results", msgstr_plural={}))
    catalogue.save(str(source))
    built = polib.pofile(str(pseudo.build(tmp_path / "locale", [source]) / "en_XA" / "LC_MESSAGES" / "django.po"))
    assert built.find("Open", msgctxt="verb, a button").msgstr == "⟦Őþéñ⟧"
    plural = built.find("%(counter)s result")
    assert plural.msgstr_plural == {0: "⟦%(counter)s ŕéšúĺţ⟧", 1: "⟦%(counter)s ŕéšúĺţš⟧"}
    assert built.find("January").msgstr == "⟦Ĵàñúàŕý⟧"  # Django's own messages count as translated
    assert built.find("yes,no,maybe").msgstr == "⟦ýéš⟧,⟦ñő⟧,⟦ɱàýƀé⟧"

"""Compile the translation catalogues (.po) into the .mo files Django reads, in pure Python.

    python scripts/compile_messages.py                 # every rvs/locale/*/LC_MESSAGES/*.po
    python scripts/compile_messages.py FILE.po [...]   # these, each to FILE.mo beside it

The .mo files are build output (not in git): `make run` and `make test` run this, so a fresh
clone serves every language without GNU gettext (msgfmt) installed (decision 0033). Like msgfmt,
it leaves out fuzzy and untranslated entries (those show in English) and keeps the header, whose
Plural-Forms Python's gettext reads. Contexts (msgctxt) and plural forms are kept.
"""

from __future__ import annotations

import ast
import os
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "rvs" / "locale"


@dataclass
class Entry:
    context: str | None = None
    msgid: str | None = None
    plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


class PoError(ValueError):
    pass


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise PoError(f"{where}: expected a quoted string, got {text!r}")
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError) as exc:
        raise PoError(f"{where}: {exc}") from None
    if not isinstance(value, str):
        raise PoError(f"{where}: not a string")
    return value


def parse(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` entries left out).

    An entry ends where the next one's comments, ``msgctxt`` or ``msgid`` begin.
    """
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # which field a continuation line adds to

    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line or line.startswith("#~"):
            continue
        keyword, _, rest = line.partition(" ")
        if (line.startswith("#") or keyword in ("msgctxt", "msgid")) and entry.msgid is not None:
            entries.append(entry)  # the previous entry is complete
            entry, target = Entry(), None
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in (flag.strip() for flag in line[2:].split(",")):
                entry.fuzzy = True
        elif line.startswith('"'):
            if target is None:
                raise PoError(f"{where}: a string with no keyword before it")
            _append(entry, target, _unquote(line, where))
        elif keyword == "msgctxt":
            entry.context, target = _unquote(rest, where), ("msgctxt", 0)
        elif keyword == "msgid":
            entry.msgid, target = _unquote(rest, where), ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.plural, target = _unquote(rest, where), ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0], target = _unquote(rest, where), ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]") and keyword[7:-1].isdigit():
            index = int(keyword[7:-1])
            entry.msgstr[index], target = _unquote(rest, where), ("msgstr", index)
        else:
            raise PoError(f"{where}: unknown keyword {keyword!r}")
    if entry.msgid is not None:
        entries.append(entry)
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgctxt":
        entry.context = (entry.context or "") + text
    elif name == "msgid":
        entry.msgid = (entry.msgid or "") + text
    elif name == "msgid_plural":
        entry.plural = (entry.plural or "") + text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


def messages(entries: list[Entry]) -> dict[bytes, bytes]:
    """Key and value of each entry that goes into the .mo (the header always; no fuzzy, no empty)."""
    found: dict[bytes, bytes] = {}
    for entry in entries:
        assert entry.msgid is not None
        header = entry.msgid == "" and entry.context is None
        strings = [entry.msgstr.get(i, "") for i in range(max(entry.msgstr, default=0) + 1)]
        if not header and (entry.fuzzy or not strings or any(not s for s in strings)):
            continue
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\0{entry.plural}"
        if entry.context is not None:
            key = f"{entry.context}\x04{key}"
        found[key.encode()] = "\0".join(strings).encode()
    return found


def mo_bytes(found: dict[bytes, bytes]) -> bytes:
    """The GNU .mo format: magic, counts, two tables of (length, offset), then the strings."""
    keys = sorted(found)
    header_size = 7 * 4
    originals_at = header_size
    translations_at = originals_at + 8 * len(keys)
    strings_at = translations_at + 8 * len(keys)
    originals, translations, data = [], [], b""
    for key in keys:
        originals.append((len(key), strings_at + len(data)))
        data += key + b"\0"
    for key in keys:
        value = found[key]
        translations.append((len(value), strings_at + len(data)))
        data += value + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), originals_at, translations_at, 0, strings_at)
    for length, offset in originals + translations:
        out += struct.pack("<2I", length, offset)
    return out + data


def compile_po(po: Path) -> Path:
    mo = po.with_suffix(".mo")
    content = mo_bytes(messages(parse(po)))
    handle, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".django-", suffix=".mo")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, mo)
    return mo


def main(argv: list[str]) -> int:
    files = [Path(arg) for arg in argv] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    try:
        for po in files:
            compile_po(po)
    except (OSError, PoError) as exc:
        print(f"compile_messages: {exc}", file=sys.stderr)
        return 1
    print(f"compile_messages: {len(files)} catalogue(s) compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every kind of audit entry written anywhere in ``rvs/`` reads as a sentence (issue 17, item 7).

The kinds are found in the source, not listed here: every call of ``log_action`` (or of a function
that passes its first argument on to it, such as the admin's ``_audit``) is read with ``ast``. A
literal first argument is a kind; a variable is resolved from the string literals and
``Event.Kind`` members of the function that calls. A call whose kinds cannot be found fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rvs.core.models import Event
from rvs.organisations.activity_sentences import KINDS, UNKNOWN, Who, describe, kind_of

RVS = Path(__file__).resolve().parent.parent.parent / "rvs"
KIND = re.compile(r"[a-z_]+\.[a-z_]+\Z")
AMELIE = Who("Amélie Rousseau", "Amélie Rousseau")


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _kinds_in(node: ast.AST) -> set[str]:
    """String literals that look like kinds, and ``Event.Kind.X`` members, anywhere under ``node``."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and KIND.match(sub.value):
            found.add(sub.value)
        elif isinstance(sub, ast.Attribute) and _name(sub.value) == "Kind" and sub.attr.isupper():
            found.add(str(Event.Kind[sub.attr].value))
    return found


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def emitted_kinds() -> tuple[dict[str, str], list[str]]:
    """kind -> where it is written; and the calls whose kinds could not be found."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in RVS.rglob("*.py")}
    emitters = {"log_action"}
    while True:  # a function handing its first parameter to an emitter is an emitter too
        more = set(emitters)
        for tree in trees.values():
            for func in _functions(tree):
                params = [a.arg for a in func.args.args]
                for call in ast.walk(func):
                    if isinstance(call, ast.Call) and _name(call.func) in emitters and call.args:
                        first = call.args[0]
                        if isinstance(first, ast.Name) and params[:1] == [first.id] and func.name != "log_action":
                            more.add(func.name)
        if more == emitters:
            break
        emitters = more
    kinds: dict[str, str] = {}
    unresolved = []
    for path, tree in trees.items():
        for func in _functions(tree):
            if func.name in emitters:
                continue  # its callers name the kinds
            for call in ast.walk(func):
                if not (isinstance(call, ast.Call) and _name(call.func) in emitters and call.args):
                    continue
                found = _kinds_in(call.args[0]) or _kinds_in(func)
                where = f"{path.relative_to(RVS.parent)}:{call.lineno}"
                if not found:
                    unresolved.append(where)
                kinds.update(dict.fromkeys(found, where))
    return kinds, unresolved


def test_it_finds_the_kinds_written_in_the_source() -> None:
    kinds, unresolved = emitted_kinds()
    assert not unresolved, f"cannot tell which kinds these calls write: {unresolved}"
    # A check of the check: literal, conditional, variable, Event.Kind and the admin's helper.
    assert {
        "download.created", "organisation.two_factor_required", "template.updated", "result.withdrawn",
        "organisation.suspended", "admin.deleted", "bulk.verified",
    } <= kinds.keys()  # fmt: skip


def test_every_kind_written_anywhere_has_a_sentence() -> None:
    kinds, _ = emitted_kinds()
    missing = {kind: where for kind, where in kinds.items() if kind not in KINDS}
    assert not missing, f"add these to rvs.organisations.activity_sentences.KINDS: {missing}"


@pytest.mark.parametrize("action", sorted(KINDS))
def test_each_sentence_reads_as_words_without_raw_data(action: str) -> None:
    odd = {"name": ["not", "text"], "results": "3", "counts": None, "events": {"a": 1}, "fields": "x"}
    for data in ({}, odd):
        sentence = describe(action, AMELIE, data)
        assert sentence.endswith("."), sentence
        assert sentence[0].isupper(), sentence
        assert action not in sentence
        assert not re.search(r"[{}\[\]]|None|'\w", sentence), sentence
        assert "_" not in sentence, sentence
    assert kind_of(action).name
    assert "." not in kind_of(action).name


def test_an_unknown_kind_gets_a_generic_sentence_and_name() -> None:
    sentence = describe("teleport.performed", AMELIE, {"secret": "x", "n": 3})
    assert sentence == "Amélie Rousseau did something this log cannot describe in words yet."
    assert kind_of("teleport.performed") is UNKNOWN
    assert UNKNOWN.name == "Other activity"


@pytest.mark.parametrize(
    ("action", "who", "data", "sentence"),
    [
        ("download.created", AMELIE, {"format": "pdf", "results": 3},
         "Amélie Rousseau downloaded 3 Statements of Results."),
        ("download.created", AMELIE, {"format": "pdf", "results": 1},
         "Amélie Rousseau downloaded 1 Statement of Results."),
        ("download.created", AMELIE, {"format": "xlsx", "results": 1200, "template": "Admissions", "omitted": 2},
         "Amélie Rousseau downloaded 1,200 results as XLSX with the template ‘Admissions’ "
         "(2 results left out: no longer shared)."),
        ("user.added", AMELIE, {"email": "jo@x.example", "name": "Jo Bloggs", "role": "Additional user"},
         "Amélie Rousseau added the user Jo Bloggs (Additional user)."),
        ("user.added", AMELIE, {"email": "jo@x.example"}, "Amélie Rousseau added the user jo@x.example."),
        ("share.created", Who("A candidate", "a candidate"), {"include_photo": False},
         "A candidate shared a result with your organisation."),
        ("api_key.revoked", AMELIE, {"name": "Admissions CRM"},
         "The API key ‘Admissions CRM’ was revoked by Amélie Rousseau."),
        ("bulk.verified", AMELIE, {"rows": 20, "counts": {"verified": 12, "mismatch": 8}, "file": "intake.csv"},
         "Amélie Rousseau checked 20 applicants by bulk verification (file ‘intake.csv’): 12 verified, 8 not."),
        ("ern.lookup_missed", AMELIE, {"ern_end": "X7Q2"},
         "Amélie Rousseau looked up the Exam Reference Number ending X7Q2: no result matched."),
        ("organisation.suspended", Who("The exam board", "the exam board"), {},
         "The exam board suspended your organisation’s access."),
    ],
)  # fmt: skip
def test_it_writes_what_a_person_did(action: str, who: Who, data: dict[str, object], sentence: str) -> None:
    assert describe(action, who, data) == sentence

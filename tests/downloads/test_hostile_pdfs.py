"""The public verify page never fails: hostile PDFs get a "not a readable PDF" verdict, never a 5xx."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvs.downloads import verify
from rvs.downloads.pdf import render_signed_statements
from rvs.downloads.pdf_guard import MAX_DEPTH, Deadline, ParseTimeout, TooComplex, TooDeep, scan
from rvs.downloads.selectors import results_in_order
from rvs.downloads.verify import verify_statement_pdf
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db
NOT_READABLE = "This file is not a readable PDF."
FUZZ = settings(
    max_examples=40,
    deadline=None,  # a busy machine must not fail the test: the bound under test is the parser's
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


@pytest.fixture
def statement() -> bytes:
    """A real signed Statement of Results, for mutations of it."""
    out = io.BytesIO()
    render_signed_statements(results_in_order([ResultFactory().pk]), out)
    return out.getvalue()


def pdf_with(body: bytes, *, size: bytes = b"3", startxref: bytes | None = None) -> bytes:
    """A small, well-formed PDF whose catalogue holds ``body`` under /X."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /X " + body + b" >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, content))
    xref = out.tell()
    out.write(b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %s /Root 1 0 R >>\nstartxref\n%s\n%%%%EOF\n" % (size, startxref or b"%d" % xref))
    return out.getvalue()


def post(client: Client, data: bytes) -> Any:
    cache.clear()  # the verify page's rate limit counts per address; every example is a new visitor
    upload = io.BytesIO(data)
    upload.name = "statement.pdf"
    return client.post(reverse("verify_statement"), {"statement": upload})


def assert_answered(response: Any) -> str:
    assert response.status_code < 500
    page: str = response.content.decode()
    if response.status_code == 200:
        assert "Not authentic" in page or "Authentic" in page
    return page


class TestNesting:
    def test_it_answers_a_small_pdf_nested_500_deep_as_not_readable(self, client: Client) -> None:
        data = pdf_with(b"[" * 500 + b"]" * 500)
        assert len(data) < 1400  # the 1.3 kB file
        response = post(client, data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Not authentic" in page
        assert NOT_READABLE in page

    def test_it_answers_nested_dictionaries_as_not_readable(self, client: Client) -> None:
        response = post(client, pdf_with(b"<< /A " * 1000 + b">> " * 1000))
        assert response.status_code == 200
        assert f"{NOT_READABLE} Its structure is nested deeper than any PDF we issue." in response.content.decode()

    def test_it_scans_depth_outside_strings_comments_and_streams_only(self) -> None:
        deadline = Deadline(60)
        hidden = b"(" + b"[" * 200 + b") % " + b"<<" * 200 + b"\nstream\n" + b"[" * 200 + b"\nendstream"
        assert scan(b"<< /A [1 [2] (a\\)[) ] >>" + hidden, deadline) == 3
        with pytest.raises(TooDeep):
            scan(b"[" * (MAX_DEPTH + 1), deadline)

    def test_it_reads_a_real_statement_within_the_depth_bound(self, statement: bytes) -> None:
        assert scan(statement, Deadline(60)) < MAX_DEPTH
        assert verify_statement_pdf(statement).all_valid

    def test_it_leaves_statements_up_to_the_upload_cap_inside_every_bound(
        self, statement: bytes, settings: Any
    ) -> None:
        """As many statements' bytes as the upload cap takes: as many strings and streams as a real one holds."""
        assert scan(statement * (settings.VERIFY_MAX_BYTES // len(statement)), Deadline(600)) < MAX_DEPTH

    def test_it_refuses_strings_nested_deeper_than_the_bound(self) -> None:
        with pytest.raises(TooDeep):
            scan(b"(" * (MAX_DEPTH + 1), Deadline(60))

    def test_it_refuses_more_strings_comments_and_streams_than_a_statement_holds(self, client: Client) -> None:
        with pytest.raises(TooComplex):
            scan(b"()" * 200_000, Deadline(60))
        page = post(client, pdf_with(b"[" + b"(a)" * 200_000 + b"]")).content.decode()
        assert f"{NOT_READABLE} It holds more separate parts than any PDF we issue." in page


class TestFailuresOfAnyKind:
    @pytest.mark.parametrize("error", [RecursionError, MemoryError, RuntimeError, AssertionError])
    def test_it_turns_any_parser_failure_into_not_readable(self, monkeypatch: Any, error: type, client: Client) -> None:
        def fail(*args: Any, **kwargs: Any) -> None:
            raise error("from the parser")

        monkeypatch.setattr(verify, "PdfFileReader", fail)
        page = assert_answered(post(client, pdf_with(b"1")))
        assert NOT_READABLE in page


class TestDeadline:
    def test_it_stops_reading_at_the_deadline(self, statement: bytes, settings: Any) -> None:
        settings.RVS_VERIFY_PARSE_SECONDS = 10
        ticks = itertools.count(step=1.0)  # every look at the clock is a second later
        verdict = verify_statement_pdf(statement, clock=lambda: next(ticks))
        assert not verdict.authentic
        assert verdict.reason.startswith(NOT_READABLE)
        assert "took too long" in verdict.reason

    def test_it_bounds_the_scan_of_a_file_of_many_strings(self) -> None:
        ticks = itertools.count(step=1.0)
        with pytest.raises(ParseTimeout):
            scan(b"%PDF-1.7\n" + b"()" * 100_000, Deadline(5, clock=lambda: next(ticks)))

    def test_it_measures_brackets_a_level_at_a_time_not_a_bracket_at_a_time(self) -> None:
        ticks = itertools.count(step=1.0)  # one look at the clock per level: 2 levels, well within 5
        assert scan(b"[[]]" * 1_000_000, Deadline(5, clock=lambda: next(ticks))) == 2


def _nested(kinds: list[str], filler: bytes) -> bytes:
    opening = {"a": b"[", "d": b"<< /K "}
    closing = {"a": b"]", "d": b" >>"}
    return b"".join(opening[k] for k in kinds) + filler + b"".join(closing[k] for k in reversed(kinds))


HUGE = st.sampled_from([b"9" * 400, b"-" + b"9" * 40, b"18446744073709551616", b"1e308", b"0.0000000001" * 30])


class TestFuzz:
    """Generated hostile PDFs through the real view: every answer is a verdict or a 400, never a 5xx."""

    @FUZZ
    @given(
        depth=st.integers(min_value=MAX_DEPTH - 4, max_value=2000),
        pattern=st.lists(st.sampled_from("ad"), min_size=1, max_size=8),
        filler=st.binary(max_size=20),
    )
    def test_deep_nesting(self, client: Client, depth: int, pattern: list[str], filler: bytes) -> None:
        kinds = list(itertools.islice(itertools.cycle(pattern), depth))
        assert_answered(post(client, pdf_with(_nested(kinds, filler.replace(b"]", b"").replace(b">", b"")))))

    @FUZZ
    @given(cut=st.floats(min_value=0.0, max_value=1.0))
    def test_truncated_statements(self, client: Client, statement: bytes, cut: float) -> None:
        assert_answered(post(client, statement[: max(5, int(len(statement) * cut))]))

    @FUZZ
    @given(where=st.sampled_from(["size", "startxref", "body", "object"]), number=HUGE)
    def test_huge_numbers(self, client: Client, where: str, number: bytes) -> None:
        if where == "size":
            data = pdf_with(b"1", size=number)
        elif where == "startxref":
            data = pdf_with(b"1", startxref=number)
        elif where == "body":
            data = pdf_with(b"[" + number + b" 0 R " + number + b"]")
        else:
            data = (
                pdf_with(b"1")
                .replace(b"1 0 obj", number + b" 0 obj")
                .replace(b"Root 1 0 R", b"Root " + number + b" 0 R")
            )
        assert_answered(post(client, data))

    @FUZZ
    @given(garbage=st.binary(max_size=2000))
    def test_garbage(self, client: Client, garbage: bytes) -> None:
        assert_answered(post(client, b"%PDF-1.7\n" + garbage))

    @FUZZ
    @given(
        changes=st.lists(
            st.tuples(st.floats(min_value=0.0, max_value=0.999), st.binary(min_size=1, max_size=8)), max_size=6
        )
    )
    def test_mutated_statements(self, client: Client, statement: bytes, changes: list[tuple[float, bytes]]) -> None:
        data = bytearray(statement)
        for where, replacement in changes:
            position = max(5, int(len(data) * where))
            data[position : position + len(replacement)] = replacement
        assert_answered(post(client, bytes(data)))

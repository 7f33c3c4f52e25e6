"""The API Developer Portal: public pages whose every example is true of the API.

The code blocks are taken from the rendered pages, as a developer would copy them, and run:
curl commands are parsed and replayed, Python examples are executed with httpx against the WSGI
application, sample responses are compared with real ones, and the webhook verification snippet
is checked against ``rvs.api.webhooks.signature``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import io
import json
import re
import shlex
import time
import types
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from rvs.api import webhooks
from rvs.core.events import record_event
from rvs.core.models import Event
from rvs.developers import examples
from rvs.developers import operations as portal_operations
from rvs.downloads import services as download_services
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.exams.models import Exam
from rvs.requirements.models import EntryRequirement
from rvs.sharing.services import share_create
from tests.api.conftest import api_client
from tests.api.wsgi_app import test_application
from tests.factories import ResultFactory, ShareFactory

SITE = "http://localhost"
PAGES = [
    "developers:index",
    "developers:authentication",
    "developers:endpoints",
    "developers:errors",
    "developers:rate_limits",
    "developers:webhooks",
    "developers:changelog",
]
CODE_BLOCK = re.compile(
    r'<figure class="code"(?: id="(?P<id>[^"]+)")?>\s*<figcaption(?: translate="no")?>(?P<caption>.*?)</figcaption>\s*'
    r'<pre tabindex="0"><code class="language-(?P<language>[\w-]+)">(?P<code>.*?)</code></pre>',
    re.S,
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.RVS_SITE_URL = SITE  # so the examples on the pages can be run as they are shown


def _page(client: Client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    return response.content.decode()


def _blocks(page: str) -> dict[str, tuple[str, str]]:
    """The page's code blocks by id: (language, code as the reader sees it)."""
    return {
        m["id"]: (m["language"], html.unescape(m["code"])) for m in CODE_BLOCK.finditer(page) if m["id"] is not None
    }


def _schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPages:
    @pytest.mark.parametrize("name", PAGES)
    def test_it_shows_every_page_to_signed_out_visitors(self, client: Client, name: str) -> None:
        page = _page(client, name)
        assert page.count("<h1>") == 1
        assert '<a class="skip-link" href="#main">' in page
        assert f'<a href="{reverse(name)}" aria-current="page">' in page
        assert 'href="/api/v1/schema/"' in page
        assert 'href="/api/v1/schema/?format=json"' in page
        assert 'href="/api/v1/docs/"' in page
        assert 'href="/api/v1/redoc/"' in page

    def test_it_links_to_a_schema_and_docs_that_exist(self, client: Client) -> None:
        for url in ["/api/v1/schema/", "/api/v1/schema/?format=json", "/api/v1/docs/", "/api/v1/redoc/"]:
            assert client.get(url).status_code == 200, url

    def test_it_puts_every_code_example_in_pre_and_code(self, client: Client) -> None:
        for name in PAGES:
            page = _page(client, name)
            assert page.count("<pre") == len(CODE_BLOCK.findall(page)), name
            assert "<pre>" not in page

    def test_it_quotes_the_limits_in_force(self, client: Client, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_key": "42/60", "ern_lookup_org": "7/3600"}
        settings.API_KEY_ROTATION_OVERLAP_HOURS = 48
        page = _page(client, "developers:rate_limits")
        assert "42 a minute" in page
        assert "7 an hour" in page
        assert "2 days" in _page(client, "developers:authentication")

    def test_it_gives_the_changelog_of_v1(self, client: Client) -> None:
        page = _page(client, "developers:changelog")
        assert "1.0.0" in page
        assert '<time datetime="2026-11-29">' in page


# --- Paths ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_documented_endpoint_exists_in_the_schema_and_every_operation_is_documented(client: Client) -> None:
    operations = _schema_operations()
    documented = {(e.method, e.path) for e in portal_operations.ENDPOINTS}
    assert documented <= operations
    assert operations <= documented, f"operations missing from the portal: {operations - documented}"
    endpoints_page = html.unescape(_page(client, "developers:endpoints"))
    for _, path in documented:
        assert path in endpoints_page
    # Every /api/v1/ path written anywhere on the portal is one of the schema's (ids made templates again).
    templates = {path for _, path in operations} | {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"}
    for name in PAGES:
        page = html.unescape(_page(client, name))
        for found in re.findall(r"/api/v1/[A-Za-z0-9_{}/.-]*", page):
            path = found.split("?")[0].rstrip(".,")
            path = re.sub(r"/results/[^/]+/", "/results/{result_id}/", path)
            path = re.sub(r"/downloads/(?!\{)[^/]+/", "/downloads/{job_id}/", path)
            assert path in templates or path == "/api/v1/", (name, found)


# --- Running the examples --------------------------------------------------------------------------


@dataclass
class Real:
    key: str
    result_id: str
    ern: str
    job_id: str

    def substitute(self, text: str) -> str:
        return (
            text.replace(examples.EXAMPLE_RESULT_ID, self.result_id)
            .replace(examples.EXAMPLE_JOB_ID, self.job_id)
            .replace(examples.EXAMPLE_ERN, self.ern)
        )


@pytest.fixture
def real(db: None, org_a: Any, key_a: tuple[Any, str], tmp_path: Path, monkeypatch: Any) -> Real:
    """Organisation A's data for the examples; the examples run in a scratch directory."""
    result = ResultFactory(candidate__last_name="Müller")
    result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0" + b"\0" * 32 + b"\xff\xd9"), save=True)
    # Shared the way a candidate shares, so the changes feed holds the real result.shared event.
    (share,) = share_create(
        actor=None, candidate=result.candidate, organisation=org_a, results=[result], include_photo=True
    )
    DownloadTemplate.objects.create(organisation=org_a, name="Names", fields=["last_name", "ern"])
    msc = EntryRequirement.objects.create(organisation=org_a, name="MSc entry", min_overall=176)
    msc.exams.set(Exam.objects.filter(code__in=["b2-first", "c1-advanced", "c2-proficiency"]))
    job = download_services.download_create(
        actor=key_a[0], organisation=org_a, exporter="csv", result_ids=[share.result.pk]
    )
    download_services.download_run(job.pk)
    Event.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))  # past the settling time
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RVS_API_KEY", key_a[1])
    return Real(
        key=key_a[1], result_id=str(share.result.public_id), ern=share.result.ern_display, job_id=str(job.public_id)
    )


HTTPX_CLIENT = httpx.Client


def _wsgi_client(**kwargs: Any) -> httpx.Client:
    """An httpx client whose requests go to the Django application in-process."""
    return HTTPX_CLIENT(transport=httpx.WSGITransport(app=test_application), **kwargs)


def _run_curl(command: str, key: str) -> httpx.Response:
    """Replay a curl command of the portal (the options it uses, and no others) against the application."""
    args = shlex.split(command.replace("\\\n", " ").replace("$RVS_API_KEY", key))
    assert args[0] == "curl"
    method, url, body, output, get = "", "", None, "", False
    headers: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg in ("-s", "-S", "-sS"):
            continue
        if arg == "-G":
            get = True
        elif arg == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = next(rest)
        elif arg == "--data-urlencode":
            name, _, value = next(rest).partition("=")
            query.append((name, value))
        elif arg == "-o":
            output = next(rest)
        elif arg == "-X":
            method = next(rest)
        else:
            assert not arg.startswith("-"), f"curl option {arg} is not replayed by this test"
            url = arg
    assert not query or get, "--data-urlencode without -G would send a form"
    method = method or ("POST" if body is not None and not get else "GET")
    with _wsgi_client() as http:
        response = http.request(method, url, params=query or None, headers=headers, content=body)
    if output:
        Path(output).write_bytes(response.content)
    return response


def _example_blocks(client: Client, real: Real) -> dict[str, tuple[str, str]]:
    blocks = {**_blocks(_page(client, "developers:index")), **_blocks(_page(client, "developers:endpoints"))}
    return {block_id: (language, real.substitute(code)) for block_id, (language, code) in blocks.items()}


@pytest.mark.django_db
def test_every_curl_example_works_as_shown(client: Client, real: Real) -> None:
    blocks = _example_blocks(client, real)
    curls = {block_id: code for block_id, (_, code) in blocks.items() if block_id.endswith("-curl")}
    assert len(curls) == len(portal_operations.ENDPOINTS)
    for block_id, command in {**curls, "first-call": blocks["first-call"][1]}.items():
        assert command.startswith("curl "), block_id
        assert f"{SITE}/api/v1/" in command, block_id
        response = _run_curl(command, real.key)
        assert response.status_code in (200, 202), (block_id, response.status_code, response.text[:300])
    assert Path("photo.jpg").read_bytes().startswith(b"\xff\xd8")
    assert "Müller" in Path("results.csv").read_text(encoding="utf-8-sig")


@pytest.mark.django_db
def test_every_python_example_runs_as_shown(client: Client, real: Real, monkeypatch: Any) -> None:
    blocks = _example_blocks(client, real)
    monkeypatch.setattr(httpx, "Client", _wsgi_client)  # the examples' own `import httpx` gets this
    setup: dict[str, Any] = {}
    exec(blocks["python-setup"][1], setup)
    assert str(setup["client"].base_url) == f"{SITE}/api/v1/"
    pythons = {block_id: code for block_id, (_, code) in blocks.items() if block_id.endswith("-python")}
    assert len(pythons) == len(portal_operations.ENDPOINTS)
    for block_id, source in pythons.items():
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(source, {"client": setup["client"]})
        printed = output.getvalue()
        # The examples print what a developer would see; none may have taken its failure branch.
        for failure in ("Not verified", "No photo shared", "Not ready yet"):
            assert failure not in printed, (block_id, printed)
        assert printed or block_id in ("photo-python", "download-file-python"), block_id
        if block_id == "verify-python":
            assert printed.startswith("Verified: B2 First 178 B2"), printed
        if block_id == "requirements-python":
            assert printed == f"{real.ern} Müller True\n", printed
        if block_id == "bulk-verify-python":
            assert f"1 {real.ern} verified" in printed, printed


# --- Sample responses and problems ------------------------------------------------------------------


def _shape(value: Any) -> Any:
    """The keys of a JSON value, recursively; "..." in a sample stands for "and the rest"."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items() if key != "..."}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def _same_shape(sample: Any, actual: Any, where: str) -> None:
    if isinstance(sample, dict):
        assert isinstance(actual, dict), where
        if "..." in sample:
            assert set(sample) - {"..."} <= set(actual), where
        else:
            assert set(sample) == set(actual), (where, set(sample) ^ set(actual))
        for key in set(sample) - {"..."}:
            _same_shape(sample[key], actual[key], f"{where}.{key}")
    elif isinstance(sample, list) and sample and actual:
        _same_shape(sample[0], actual[0], f"{where}[0]")


@pytest.mark.django_db
def test_every_sample_response_has_the_fields_the_api_sends(client: Client, real: Real) -> None:
    blocks = _example_blocks(client, real)
    api = api_client(real.key)
    actual = {
        "list-results-response": api.get(reverse("api:results"), {"name": "müller", "page_size": 1}).json(),
        "one-result-response": api.get(reverse("api:result", args=[real.result_id]), {"include": "photo"}).json(),
        "changes-response": api.get(reverse("api:changes")).json(),
        "downloads-response": api.get(reverse("api:download", args=[real.job_id])).json(),
        "download-poll-response": api.get(reverse("api:download", args=[real.job_id])).json(),
        "templates-response": api.get(reverse("api:templates")).json(),
        "exams-response": api.get(reverse("api:exams")).json(),
        "requirements-response": api.get(reverse("api:requirements")).json(),
        "organisation-response": api.get(reverse("api:organisation")).json(),
        "bulk-verify-response": api.post(
            reverse("api:bulk_verify"),
            {"rows": [{"ern": real.ern, "name": "Łukasz Müller"}, {"ern": "0" * 19}]},
            format="json",
        ).json(),
    }
    samples = {block_id: code for block_id, (language, code) in blocks.items() if block_id.endswith("-response")}
    assert set(samples) == set(actual)
    for block_id, sample in samples.items():
        _same_shape(json.loads(sample), actual[block_id], block_id)
    exams = {exam["code"]: exam for exam in actual["exams-response"]}
    for exam in json.loads(samples["exams-response"]):
        assert exams[exam["code"]] == exam


@pytest.mark.django_db
def test_every_problem_example_is_what_the_api_sends(
    client: Client, real: Real, read_key_a: tuple[Any, str], org_a: Any, settings: Any
) -> None:
    blocks = _blocks(_page(client, "developers:errors"))
    api = api_client(real.key)
    pending = DownloadJob.objects.create(organisation=org_a, exporter="xlsx", result_ids=[], background=True)
    sent = {
        400: api.get(reverse("api:results"), {"date_of_birth": "17/05/2000"}),
        401: api_client("rvs_nosuchkey_" + "x" * 43).get(reverse("api:organisation")),
        403: api_client(read_key_a[1]).post(
            reverse("api:downloads"), {"format": "csv", "results": [real.result_id]}, format="json"
        ),
        404: api.get(reverse("api:result", args=[uuid.uuid4()])),
        409: api.get(reverse("api:download_file", args=[pending.public_id])),
    }
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_key": "1/60"}
    api.get(reverse("api:exams"))
    sent[429] = api.get(reverse("api:exams"))
    for status, response in sent.items():
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        shown = json.loads(blocks[f"problem-{status}"][1])
        body = response.json()
        if status == 429:
            # "1 second" or "N seconds" (a plural form, issue 18): the window may have a second left.
            assert re.fullmatch(r"Too many requests; try again in (1 second|(?!1 )\d+ seconds)\.", body.pop("detail"))
            shown.pop("detail")
        assert body == shown, status


# --- Webhooks ------------------------------------------------------------------------------------


def _verifier(client: Client, clock: float | None = None) -> dict[str, Any]:
    """The verification snippet exactly as the webhooks page shows it, executed; optionally at a fixed time."""
    language, source = _blocks(_page(client, "developers:webhooks"))["verify-webhook"]
    assert language == "python"
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    if clock is not None:
        namespace["time"] = types.SimpleNamespace(time=lambda: clock)
    return namespace


def _signed(secret: str, body: bytes, timestamp: int, message_id: str = "msg_1") -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhooks.signature(secret, message_id, timestamp, body),
    }


@pytest.mark.django_db
class TestWebhookSnippet:
    SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()

    def test_the_snippet_on_the_page_accepts_what_we_sign(self, client: Client, org_a: Any) -> None:
        snippet = _verifier(client)
        event = record_event(Event.Kind.RESULT_SHARED, organisation=org_a, data={"share": "s"})
        body = webhooks.payload(event)
        now = int(time.time())
        snippet["verify_webhook"](self.SECRET, _signed(self.SECRET, body, now, str(event.public_id)), body)

    def test_the_snippet_rejects_a_changed_body_a_wrong_secret_an_old_or_future_time(self, client: Client) -> None:
        snippet = _verifier(client)
        verify, invalid = snippet["verify_webhook"], snippet["InvalidWebhook"]
        body, now = b'{"type":"result.shared"}', int(time.time())
        other = "whsec_" + base64.b64encode(b"o" * 32).decode()
        cases = [
            (self.SECRET, _signed(self.SECRET, body, now), body + b" "),
            (other, _signed(self.SECRET, body, now), body),
            (self.SECRET, _signed(self.SECRET, body, now - 301), body),
            (self.SECRET, _signed(self.SECRET, body, now + 301), body),
            (self.SECRET, {}, body),
            (self.SECRET, {**_signed(self.SECRET, body, now), "webhook-signature": "v2,abc"}, body),
        ]
        for secret, headers, sent in cases:
            with pytest.raises(invalid):
                verify(secret, headers, sent)
        verify(self.SECRET, _signed(self.SECRET, body, now - 299), body)  # within 5 minutes
        several = _signed(self.SECRET, body, now)
        several["webhook-signature"] = "v1,bm90IHRoaXMgb25l " + several["webhook-signature"]
        verify(self.SECRET, several, body)

    def test_the_example_delivery_is_signed_as_we_sign(self, client: Client) -> None:
        assert (
            webhooks.signature(
                examples.WEBHOOK_EXAMPLE_SECRET,
                examples.WEBHOOK_EXAMPLE_ID,
                examples.WEBHOOK_EXAMPLE_TIMESTAMP,
                examples.WEBHOOK_EXAMPLE_BODY.encode(),
            )
            == examples.WEBHOOK_EXAMPLE_SIGNATURE
        )
        page = _blocks(_page(client, "developers:webhooks"))
        head, _, body = page["webhook-delivery"][1].partition("\n\n")
        headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
        assert int(headers["content-length"]) == len(body.encode())
        snippet = _verifier(client, clock=examples.WEBHOOK_EXAMPLE_TIMESTAMP)
        snippet["verify_webhook"](examples.WEBHOOK_EXAMPLE_SECRET, headers, body.encode())
        with pytest.raises(snippet["InvalidWebhook"]):
            snippet["verify_webhook"](
                examples.WEBHOOK_EXAMPLE_SECRET, headers, body.replace("shared", "sharee").encode()
            )

    def test_the_example_payload_has_the_fields_we_send(self, client: Client, org_a: Any) -> None:
        result = ShareFactory(organisation=org_a).result
        event = record_event(Event.Kind.RESULT_SHARED, organisation=org_a, result=result, data={"share": "s"})
        event.data["include_photo"] = False
        sent = json.loads(webhooks.payload(event))
        shown = json.loads(_blocks(_page(client, "developers:webhooks"))["webhook-payload"][1])
        _same_shape(shown, sent, "payload")
        assert json.loads(examples.WEBHOOK_EXAMPLE_BODY) == shown

    def test_the_receiving_view_on_the_page_verifies_first(self, monkeypatch: Any) -> None:
        from rvs.developers.snippets import receive_webhook

        monkeypatch.setenv("RVS_WEBHOOK_SECRET", self.SECRET)
        body = json.dumps({"id": "e1", "type": "test", "data": {"result_id": None}}).encode()
        factory = RequestFactory()
        signed = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in _signed(self.SECRET, body, int(time.time()), "e1").items()
        }
        ok = receive_webhook.rvs_webhook(factory.post("/hook", body, content_type="application/json", **signed))
        assert ok.status_code == 204
        forged = receive_webhook.rvs_webhook(
            factory.post("/hook", body + b" ", content_type="application/json", **signed)
        )
        assert forged.status_code == 400


def test_the_portals_numbers_use_the_page_languages_separators(client: Client) -> None:
    """Issue 18 item 5: "600 a minute" and the bulk limit's "10,000" are written the Spanish way in Spanish."""
    from rvs.developers.views import BULK_MAX_ROWS

    english = f"{BULK_MAX_ROWS:,}"
    spanish = english.replace(",", "\xa0")
    assert english != spanish, "the limit has thousands"
    page = client.get(reverse("developers:endpoints"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert spanish in page
    assert english not in page
    assert english in client.get(reverse("developers:endpoints")).content.decode()

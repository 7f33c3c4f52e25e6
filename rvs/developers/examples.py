"""The code examples of the API Developer Portal, as data.

Summaries and notes may name settings as ``{grant_days}``, ``{stream_limit}`` and
``{max_results}``; the view fills them in from the settings in force.

Every example here is executed by ``tests/api/test_developer_portal.py`` against the real API
(curl commands are parsed and replayed, Python examples run with httpx on the WSGI application),
with the example identifiers below swapped for real ones, so the portal cannot drift from the
implementation. ``BASE_URL`` is replaced with the site's own address (``RVS_SITE_URL``) when a
page is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

BASE_URL = "https://rvs.example.org"
EXAMPLE_RESULT_ID = "5f0c9b8e-2d4a-4e57-9c1b-8a3f6d2e7b10"
EXAMPLE_JOB_ID = "b7a1e3c2-9d84-4f6a-a2c5-1e0f3d9b6c47"
EXAMPLE_ERN = "7KQ2M9-XH4TB8-RZ3CVX"  # well-formed (its check character matches), issued to nobody
EXAMPLE_KEY = "rvs_k3m9p2x7qa_Zq0x…"  # shape only: the real secret part is 43 characters

SNIPPETS = Path(__file__).resolve().parent / "snippets"


def snippet(name: str) -> str:
    """A snippet kept as a real, linted and type-checked Python file (``snippets/<name>.py``)."""
    return (SNIPPETS / f"{name}.py").read_text(encoding="utf-8").strip()


PYTHON_SETUP = f"""\
import os

import httpx

client = httpx.Client(
    base_url="{BASE_URL}/api/v1",
    headers={{"Authorization": f"Bearer {{os.environ['RVS_API_KEY']}}"}},
    timeout=30,
)"""

FIRST_CALL = f'curl -sS -H "Authorization: Bearer $RVS_API_KEY" {BASE_URL}/api/v1/organisation/'

FIRST_CALL_RESPONSE = """\
{
  "id": "c0846528-9aed-4d0e-9288-e8c8eda6ee1a",
  "name": "University of Aberdeen",
  "type": "university",
  "country": "United Kingdom",
  "city": "Aberdeen",
  "website": "https://www.abdn.ac.uk",
  "recognised_exams": ["b2-first", "c1-advanced", "c2-proficiency"]
}"""

RESULT_RESPONSE = f"""\
{{
  "id": "{EXAMPLE_RESULT_ID}",
  "ern": "{EXAMPLE_ERN}",
  "candidate": {{
    "first_name": "Łukasz",
    "last_name": "Müller",
    "date_of_birth": "2000-05-17",
    "candidate_number": "PL0042137",
    "email": "lukasz.muller@mail.example"
  }},
  "exam": {{"code": "b2-first", "name": "B2 First"}},
  "exam_date": "2025-06-14",
  "centre": {{
    "number": "PL012",
    "name": "Kraków Language Centre",
    "place_of_entry": "Kraków",
    "country": "Poland"
  }},
  "status": "result",
  "overall_score": 178,
  "cefr": "B2",
  "grade": "B",
  "result_label": "Grade B",
  "components": [
    {{"code": "reading", "label": "Reading", "score": 176}},
    {{"code": "use_of_english", "label": "Use of English", "score": 180}},
    {{"code": "writing", "label": "Writing", "score": 169}},
    {{"code": "listening", "label": "Listening", "score": 185}},
    {{"code": "speaking", "label": "Speaking", "score": 178}}
  ],
  "share": {{
    "shared_at": "2026-11-20T09:14:03.120000Z",
    "first_viewed_at": null,
    "include_photo": true
  }},
  "photo_url": "{BASE_URL}/api/v1/results/{EXAMPLE_RESULT_ID}/photo/",
  "verdict": null,
  "name_match": null
}}"""

PAGE_RESPONSE = f"""\
{{
  "next": "{BASE_URL}/api/v1/results/?cursor=cD0xNzQ0&exam=b2-first&name=m%C3%BCller&page_size=100",
  "previous": null,
  "results": [
    {{
      "id": "{EXAMPLE_RESULT_ID}",
      "ern": "{EXAMPLE_ERN}",
      "candidate": {{"last_name": "Müller", "...": "..."}},
      "name_match": {{"tier": "exact", "reasons": ["exact name"]}},
      "...": "the other fields of a result, as below"
    }}
  ]
}}"""

CHANGES_RESPONSE = f"""\
{{
  "events": [
    {{
      "id": "5a7a5f52-956f-4cb1-a87b-a09982ccdcd0",
      "type": "result.shared",
      "created_at": "2026-11-29T16:04:08.738583Z",
      "result_id": "{EXAMPLE_RESULT_ID}",
      "data": {{"share": "e3eac15a-e406-4800-a4da-6943b6c2b307", "include_photo": true}}
    }}
  ],
  "next_cursor": "ZTE"
}}"""

DOWNLOAD_RESPONSE = f"""\
{{
  "id": "{EXAMPLE_JOB_ID}",
  "format": "csv",
  "template": "Default template (all fields)",
  "status": "done",
  "progress": 100,
  "requested": 1,
  "included": 1,
  "omitted": 0,
  "created_at": "2026-11-29T16:05:08.766188Z",
  "finished_at": "2026-11-29T16:05:08.802018Z",
  "error": "",
  "file_url": "{BASE_URL}/api/v1/downloads/{EXAMPLE_JOB_ID}/file/"
}}"""

TEMPLATES_RESPONSE = """\
[
  {
    "id": null,
    "name": "Default template (all fields)",
    "fields": ["last_name", "first_name", "date_of_birth", "candidate_number", "email", "exam", "exam_date",
               "centre_name", "centre_number", "place_of_entry", "country", "status", "overall_score", "cefr",
               "grade", "reading", "reading_and_writing", "use_of_english", "writing", "listening", "speaking",
               "ern", "requirement:0d6c2f7e-58a1-4b3c-9f0e-7a2d4c1b8e65"],
    "columns": [{"key": "last_name", "label": "Surname"}, {"key": "first_name", "label": "First name"},
                {"...": "one per field, in order"},
                {"key": "requirement:0d6c2f7e-58a1-4b3c-9f0e-7a2d4c1b8e65", "label": "Meets: MSc entry"}]
  }
]"""

REQUIREMENTS_RESPONSE = """\
[
  {
    "id": "0d6c2f7e-58a1-4b3c-9f0e-7a2d4c1b8e65",
    "name": "MSc entry",
    "min_overall": 176,
    "min_component": 169,
    "exams": ["b2-first", "c1-advanced", "c2-proficiency"],
    "within_years": 2
  }
]"""

EXAMS_RESPONSE = """\
[
  {"code": "a2-key", "name": "A2 Key", "family": "Cambridge English Qualifications", "verifiable": true},
  {"code": "b2-first", "name": "B2 First", "family": "Cambridge English Qualifications", "verifiable": true},
  {"code": "celta", "name": "CELTA", "family": "Teaching qualifications", "verifiable": false}
]"""


BULK_RESPONSE = f"""\
{{
  "results": [
    {{
      "row": 1,
      "ern": "{EXAMPLE_ERN}",
      "verdict": "verified",
      "details": "Exam Reference Number, name and date of birth match",
      "result_id": "{EXAMPLE_RESULT_ID}"
    }},
    {{
      "row": 2,
      "ern": "0000000000000000000",
      "verdict": "not found",
      "details": "An Exam Reference Number has 18 characters; this one has 19.",
      "result_id": null
    }}
  ],
  "counts": {{"verified": 1, "not found": 1}}
}}"""


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API as the portal documents it."""

    slug: str
    title: StrOrPromise
    method: str
    path: str  # as in the OpenAPI schema, e.g. /api/v1/results/{result_id}/
    summary: StrOrPromise
    curl: str
    python: str
    response: StrOrPromise = ""  # a JSON sample (str), or a sentence for people (translated)
    notes: tuple[StrOrPromise, ...] = field(default_factory=tuple)
    scope: str = "read"  # the key scope it needs: "read" (either key) or "write"


# One delivery, exactly as sent: a test vector for your verification code (switch the 5-minute check
# off to try it, as the timestamp is in the past). The tests check it against rvs.api.webhooks.
WEBHOOK_EXAMPLE_SECRET = "whsec_KXZA5lKdHssT5zcUuYuiGaoZeYnO1zlzo2zG7ZLLINA="
WEBHOOK_EXAMPLE_ID = "5a7a5f52-956f-4cb1-a87b-a09982ccdcd0"
WEBHOOK_EXAMPLE_TIMESTAMP = 1795968249
WEBHOOK_EXAMPLE_BODY = (
    '{"created_at":"2026-11-29T16:04:08.738583+00:00","data":{"include_photo":true,'
    f'"result_id":"{EXAMPLE_RESULT_ID}","share":"e3eac15a-e406-4800-a4da-6943b6c2b307"}},'
    f'"id":"{WEBHOOK_EXAMPLE_ID}","type":"result.shared"}}'
)
WEBHOOK_EXAMPLE_SIGNATURE = "v1,+KrbwGE+dEKl6lWI/rd7G7o468VFDa5yNoYZDyyW/q4="

WEBHOOK_DELIVERY = f"""\
POST /rvs-webhook HTTP/1.1
content-type: application/json
user-agent: rvs-webhooks/1
webhook-id: {WEBHOOK_EXAMPLE_ID}
webhook-timestamp: {WEBHOOK_EXAMPLE_TIMESTAMP}
webhook-signature: {WEBHOOK_EXAMPLE_SIGNATURE}
content-length: {len(WEBHOOK_EXAMPLE_BODY.encode())}

{WEBHOOK_EXAMPLE_BODY}"""

WEBHOOK_PAYLOAD = f"""\
{{
  "created_at": "2026-11-29T16:04:08.738583+00:00",
  "data": {{
    "include_photo": true,
    "result_id": "{EXAMPLE_RESULT_ID}",
    "share": "e3eac15a-e406-4800-a4da-6943b6c2b307"
  }},
  "id": "{WEBHOOK_EXAMPLE_ID}",
  "type": "result.shared"
}}"""

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
    title: str
    method: str
    path: str  # as in the OpenAPI schema, e.g. /api/v1/results/{result_id}/
    summary: str
    curl: str
    python: str
    response: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    scope: str = "read"  # the key scope it needs: "read" (either key) or "write"


AUTH = '-H "Authorization: Bearer $RVS_API_KEY"'

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        slug="list-results",
        title="List results shared with you",
        method="GET",
        path="/api/v1/results/",
        summary=(
            "Results candidates have shared with your organisation, newest share first. The filters are the nine "
            "search fields of the website (the Exam Reference Number is POST /verify/); give any of them, they "
            "combine with AND. Pages are cursor-based: follow next until it is null."
        ),
        notes=(
            "name: first name, surname or both; each word matches the start of a word of the name, accents and "
            "capitals ignored (muller finds Müller).",
            "date_of_birth and exam_date: YYYY-MM-DD. candidate_number: letters and digits. exam: an exam code "
            "from GET /exams/. email: the exact address. place_of_entry and centre_name: part of the name.",
            "include=photo adds photo_url to results whose candidate shared the photo with you.",
            "page_size: 1 to 100 (default 50). The next and previous links keep your filters.",
            "requirement: the id of one of your entry requirements (GET /requirements/): only the results that "
            "meet it. check: the same id, but every result is kept. Either way each result carries verdict: "
            'met, and when not met the reasons ("Writing 160 is below 169"). Without them verdict is null.',
        ),
        curl=(
            f"curl -sS -G {AUTH} \\\n"
            '  --data-urlencode "name=müller" \\\n'
            '  --data-urlencode "exam=b2-first" \\\n'
            '  --data-urlencode "page_size=100" \\\n'
            f"  {BASE_URL}/api/v1/results/"
        ),
        python="""\
params = {"name": "müller", "exam": "b2-first", "page_size": 100}
url = "/results/"
while url:
    page = client.get(url, params=params).raise_for_status().json()
    for result in page["results"]:
        print(result["ern"], result["candidate"]["last_name"], result["overall_score"], result["cefr"])
    url, params = page["next"], None  # next is a full URL that keeps the filters""",
        response=PAGE_RESPONSE,
    ),
    Endpoint(
        slug="one-result",
        title="One result",
        method="GET",
        path="/api/v1/results/{result_id}/",
        summary=(
            "A result shared with you, or one you looked up by its Exam Reference Number in the last {grant_days} "
            "days. "
            "Reading it marks a new share as read for everyone at your organisation. A result that is not "
            "shared with you gives the same 404 as one that does not exist."
        ),
        notes=(
            "share is null when you found the result by its ERN only.",
            "overall_score, cefr, grade and components are empty while a result is pending or withheld; status "
            "says why.",
            "check=<requirement id> adds verdict: whether the result meets that entry requirement of yours, and "
            "why not.",
        ),
        curl=f'curl -sS {AUTH} \\\n  "{BASE_URL}/api/v1/results/{EXAMPLE_RESULT_ID}/?include=photo"',
        python=f"""\
result_id = "{EXAMPLE_RESULT_ID}"
result = client.get(f"/results/{{result_id}}/", params={{"include": "photo"}}).raise_for_status().json()
print(result["candidate"]["first_name"], result["candidate"]["last_name"], result["exam"]["name"])
for component in result["components"]:
    print(f"  {{component['label']}}: {{component['score']}}")""",
        response=RESULT_RESPONSE,
    ),
    Endpoint(
        slug="photo",
        title="Test day photo",
        method="GET",
        path="/api/v1/results/{result_id}/photo/",
        summary=(
            "The candidate's test day photo (JPEG), only when the candidate included it in their share with you; "
            "otherwise 404. Do not keep it longer than you need it."
        ),
        curl=f"curl -sS {AUTH} -o photo.jpg \\\n  {BASE_URL}/api/v1/results/{EXAMPLE_RESULT_ID}/photo/",
        python=f"""\
from pathlib import Path

result_id = "{EXAMPLE_RESULT_ID}"
response = client.get(f"/results/{{result_id}}/photo/")
if response.status_code == 200:
    Path("photo.jpg").write_bytes(response.content)
else:
    print("No photo shared:", response.json()["detail"])""",
    ),
    Endpoint(
        slug="verify",
        title="Verify a result by its Exam Reference Number",
        method="POST",
        path="/api/v1/verify/",
        summary=(
            "Finds any result, shared with you or not, by the Exam Reference Number printed on the Statement of "
            "Results. Give the date of birth and surname as well to check the result belongs to the person in "
            "front of you. Each look-up is audited, and it lets your organisation open the result for {grant_days} "
            "days."
        ),
        notes=(
            "ern: with or without hyphens or spaces, any capitals.",
            "400: the number has a typing error (its check character does not match): check it with the candidate.",
            "404: no result has that number, or the date of birth or surname do not match: the two are not told apart.",
            "Look-ups have their own limits: see Rate limits.",
        ),
        curl=(
            f'curl -sS {AUTH} -H "Content-Type: application/json" \\\n'
            f'  -d \'{{"ern": "{EXAMPLE_ERN}", "date_of_birth": "2000-05-17", "last_name": "Müller"}}\' \\\n'
            f"  {BASE_URL}/api/v1/verify/"
        ),
        python=f"""\
body = {{"ern": "{EXAMPLE_ERN}", "date_of_birth": "2000-05-17", "last_name": "Müller"}}
response = client.post("/verify/", json=body)
if response.status_code == 200:
    result = response.json()
    print("Verified:", result["exam"]["name"], result["overall_score"], result["cefr"])
elif response.status_code in (400, 404):
    print("Not verified:", response.json()["detail"])
else:
    response.raise_for_status()""",
        response="The result, as for GET /api/v1/results/{result_id}/.",
    ),
    Endpoint(
        slug="bulk-verify",
        title="Verify many applicants at once",
        method="POST",
        path="/api/v1/bulk-verifications/",
        summary=(
            "Up to {bulk_rows:,} applicants in one call, each with an Exam Reference Number and, if you have them, "
            "name and date of birth. Each row gets a verdict: verified, mismatch (details name what differs), "
            "not found, invalid, or the result's status when it is pending, withheld or withdrawn. Audited, and "
            "limited per organisation ({bulk_rate})."
        ),
        notes=(
            "rows: a list of objects with ern, and optional name (full name) and date_of_birth (YYYY-MM-DD).",
            "counts: how many rows got each verdict.",
            "result_id opens the result with GET /results/{{result_id}}/ only if it is shared with you.",
        ),
        curl=(
            f'curl -sS {AUTH} -H "Content-Type: application/json" \\\n'
            '  -d \'{"rows": [\n'
            f'        {{"ern": "{EXAMPLE_ERN}", "name": "Łukasz Müller", "date_of_birth": "2000-05-17"}}\n'
            "      ]}' \\\n"
            f"  {BASE_URL}/api/v1/bulk-verifications/"
        ),
        python=f"""\
rows = [
    {{"ern": "{EXAMPLE_ERN}", "name": "Łukasz Müller", "date_of_birth": "2000-05-17"}},
    {{"ern": "0000000000000000000", "name": "Ada Lovelace"}},
]
answer = client.post("/bulk-verifications/", json={{"rows": rows}}).raise_for_status().json()
for row in answer["results"]:
    print(row["row"], row["ern"], row["verdict"], row["details"])
print(answer["counts"])""",
        response=BULK_RESPONSE,
    ),
    Endpoint(
        slug="changes",
        title="Changes feed",
        method="GET",
        path="/api/v1/changes/",
        summary=(
            "What happened to results shared with you, oldest first: result.shared, share.revoked, "
            "result.corrected and result.withdrawn. Store next_cursor and send it next time: you never miss an "
            "event and never see one twice. Poll it (every minute is plenty) or receive webhooks, or both."
        ),
        notes=(
            "limit: 1 to 500 events per call (default 100).",
            "next_cursor is unchanged when nothing new has happened.",
            "Events appear two seconds after they happen, so one written by a slow transaction is never skipped.",
        ),
        curl=f'curl -sS {AUTH} \\\n  "{BASE_URL}/api/v1/changes/?cursor=ZTE&limit=500"',
        python="""\
from pathlib import Path

cursor_file = Path("rvs-changes-cursor.txt")
cursor = cursor_file.read_text() if cursor_file.exists() else ""
while True:
    page = client.get("/changes/", params={"cursor": cursor, "limit": 500}).raise_for_status().json()
    for event in page["events"]:
        print(event["created_at"], event["type"], event["result_id"])
    cursor = page["next_cursor"]
    cursor_file.write_text(cursor)  # after handling the page: a crash reads it again, never skips it
    if len(page["events"]) < 500:
        break""",
        response=CHANGES_RESPONSE,
    ),
    Endpoint(
        slug="downloads",
        title="Create a download",
        method="POST",
        path="/api/v1/downloads/",
        summary=(
            "Statements of Results as one signed PDF, or a data file (XLSX or CSV) with a template's columns, for "
            "up to {max_results:,} results shared with you. Up to {stream_limit} results the file is made at once "
            "(status done); "
            "larger downloads are made in the background: poll them. Results not (or no longer) shared with you "
            "are left out and counted in omitted."
        ),
        notes=(
            "format: pdf, xlsx or csv. template: a template id from GET /templates/, or leave it out for every "
            "field. results: result ids.",
            "Needs a read-and-write key.",
        ),
        scope="write",
        curl=(
            f'curl -sS {AUTH} -H "Content-Type: application/json" \\\n'
            f'  -d \'{{"format": "csv", "results": ["{EXAMPLE_RESULT_ID}"]}}\' \\\n'
            f"  {BASE_URL}/api/v1/downloads/"
        ),
        python=f"""\
import time
from pathlib import Path

result_ids = ["{EXAMPLE_RESULT_ID}"]
job = client.post("/downloads/", json={{"format": "csv", "results": result_ids}}).raise_for_status().json()
while job["status"] in ("pending", "running"):
    time.sleep(2)
    job = client.get(f"/downloads/{{job['id']}}/").raise_for_status().json()
if job["status"] == "failed":
    raise RuntimeError(job["error"])
Path("results.csv").write_bytes(client.get(job["file_url"]).raise_for_status().content)
print(job["included"], "results,", job["omitted"], "left out")""",
        response=DOWNLOAD_RESPONSE,
    ),
    Endpoint(
        slug="download-poll",
        title="Poll a download",
        method="GET",
        path="/api/v1/downloads/{job_id}/",
        summary="A download's status (pending, running, done or failed), progress in percent, and file_url once done.",
        scope="write",
        curl=f"curl -sS {AUTH} \\\n  {BASE_URL}/api/v1/downloads/{EXAMPLE_JOB_ID}/",
        python=f"""\
job = client.get("/downloads/{EXAMPLE_JOB_ID}/").raise_for_status().json()
print(job["status"], job["progress"], job["file_url"])""",
        response=DOWNLOAD_RESPONSE,
    ),
    Endpoint(
        slug="download-file",
        title="Fetch a download's file",
        method="GET",
        path="/api/v1/downloads/{job_id}/file/",
        summary=(
            "The file, as an attachment (application/pdf, text/csv or the XLSX type). 409 until the download is "
            "done. Fetched again later, it leaves out results whose share has been revoked since."
        ),
        scope="write",
        curl=f"curl -sS {AUTH} -o results.csv \\\n  {BASE_URL}/api/v1/downloads/{EXAMPLE_JOB_ID}/file/",
        python=f"""\
from pathlib import Path

response = client.get("/downloads/{EXAMPLE_JOB_ID}/file/")
if response.status_code == 409:
    print("Not ready yet:", response.json()["detail"])
else:
    Path("results.csv").write_bytes(response.raise_for_status().content)""",
    ),
    Endpoint(
        slug="templates",
        title="Data file templates",
        method="GET",
        path="/api/v1/templates/",
        summary=(
            "The templates you can give when creating an XLSX or CSV download: the default one (id null, every "
            "field) and those your organisation made on the website (Downloads → Data file templates). Each entry "
            'requirement of yours can be a column ("Meets: MSc entry": met, or not met and why); columns gives '
            "every template's headings in order."
        ),
        curl=f"curl -sS {AUTH} {BASE_URL}/api/v1/templates/",
        python="""\
for template in client.get("/templates/").raise_for_status().json():
    print(template["id"], template["name"], ", ".join(column["label"] for column in template["columns"]))""",
        response=TEMPLATES_RESPONSE,
    ),
    Endpoint(
        slug="requirements",
        title="Your entry requirements",
        method="GET",
        path="/api/v1/requirements/",
        summary=(
            "The entry requirements your organisation defined on the website (Your Organisation → Entry "
            "requirements), e.g. MSc entry: overall at least 176, no skill below 169, B2 First, C1 Advanced or C2 "
            "Proficiency, taken in the last 2 years. Every part is optional; a result meets the requirement when "
            "every part given holds."
        ),
        notes=(
            "Give an id as requirement= to GET /results/ for only the results that meet it, or as check= to keep "
            "every result; each then carries its verdict with the reasons when not met.",
            "An id that is not one of your organisation's requirements gives 404.",
        ),
        curl=f"curl -sS {AUTH} {BASE_URL}/api/v1/requirements/",
        python="""\
requirements = client.get("/requirements/").raise_for_status().json()
msc = next(requirement for requirement in requirements if requirement["name"] == "MSc entry")
page = client.get("/results/", params={"requirement": msc["id"]}).raise_for_status().json()
for result in page["results"]:  # only those that meet it; follow page["next"] for more
    print(result["ern"], result["candidate"]["last_name"], result["verdict"]["met"])""",
        response=REQUIREMENTS_RESPONSE,
    ),
    Endpoint(
        slug="exams",
        title="The exam catalogue",
        method="GET",
        path="/api/v1/exams/",
        summary=(
            "Every exam with its code (for the exam filter) and whether results of it can be verified with this "
            "service."
        ),
        curl=f"curl -sS {AUTH} {BASE_URL}/api/v1/exams/",
        python="""\
codes = [exam["code"] for exam in client.get("/exams/").raise_for_status().json() if exam["verifiable"]]
print(codes)""",
        response=EXAMS_RESPONSE,
    ),
    Endpoint(
        slug="organisation",
        title="Your organisation",
        method="GET",
        path="/api/v1/organisation/",
        summary="The organisation the key belongs to, with the exam codes it recognises. A good first call.",
        curl=FIRST_CALL,
        python="""\
organisation = client.get("/organisation/").raise_for_status().json()
print(organisation["name"], organisation["recognised_exams"])""",
        response=FIRST_CALL_RESPONSE,
    ),
]

PROBLEM_EXAMPLES: list[tuple[int, str, str]] = [
    (
        400,
        "A filter or field that is not valid; errors lists each one.",
        """\
{
  "type": "https://rvs.invalid/problems/invalid-request",
  "title": "Invalid request",
  "status": 400,
  "detail": "date_of_birth: Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
  "errors": [
    {"field": "date_of_birth", "message": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."}
  ]
}""",
    ),
    (
        401,
        "No key, or a key that is not valid, has expired or has been revoked (WWW-Authenticate: Bearer).",
        """\
{
  "type": "https://rvs.invalid/problems/authentication-required",
  "title": "Authentication required",
  "status": 401,
  "detail": "This API key is not valid, has expired or has been revoked."
}""",
    ),
    (
        403,
        "The key may not do this: a read-only key creating or fetching downloads.",
        """\
{
  "type": "https://rvs.invalid/problems/not-allowed",
  "title": "Not allowed",
  "status": 403,
  "detail": "This API key may not do this. Read-only keys cannot create downloads."
}""",
    ),
    (
        404,
        "No such result, download or template, or one your organisation may not see: the same answer for both.",
        """\
{
  "type": "https://rvs.invalid/problems/not-found",
  "title": "Not found",
  "status": 404,
  "detail": "No such resource, or not one your organisation can see."
}""",
    ),
    (
        409,
        "The download's file is not ready yet: poll the download until its status is done.",
        """\
{
  "type": "https://rvs.invalid/problems/not-ready",
  "title": "Not ready",
  "status": 409,
  "detail": "This download is waiting; poll it until it is ready."
}""",
    ),
    (
        415,
        "The request body is not JSON: send it with Content-Type: application/json.",
        """\
{
  "type": "https://rvs.invalid/problems/unsupported-media-type",
  "title": "Unsupported media type",
  "status": 415,
  "detail": "Unsupported media type \\"application/x-www-form-urlencoded\\" in request."
}""",
    ),
    (
        429,
        "Too many requests: wait the number of seconds in the Retry-After header, then try again.",
        """\
{
  "type": "https://rvs.invalid/problems/too-many-requests",
  "title": "Too many requests",
  "status": 429,
  "detail": "Too many requests; try again in 23 seconds."
}""",
    ),
]

CHANGELOG: list[tuple[str, str, list[str]]] = [
    (
        "1.3.0",
        "2026-12-07",
        [
            "GET /results/ lists the newest share first by shared_at (it followed the order shares were stored in, "
            "which an import or a re-share can change).",
            "page_size outside 1-100 (GET /results/) and limit outside 1-500 (GET /changes/) are refused with 400 "
            "instead of being quietly clamped; both bounds are in the schema.",
            "Each operation in the OpenAPI schema lists the statuses it can send (415 for a body that is not JSON, "
            "503 while requests cannot be counted); 409 only where a file may not be ready. Nullable objects are "
            "described so that strict OpenAPI 3.0 validators accept null.",
        ],
    ),
    (
        "1.2.0",
        "2026-11-29",
        [
            "GET /results/?name= forgives how a name is written (Mueller finds Müller, Alexander finds "
            "Александр, O Brien finds O'Brien, names in either order, middle names left out), and each result "
            "carries name_match: its tier (exact, prefix, variant) and the reasons. Results have a new field, "
            "name_match, null unless you search by name.",
        ],
    ),
    (
        "1.1.0",
        "2026-11-29",
        [
            "GET /requirements/: your organisation's entry requirements.",
            "GET /results/ takes requirement=<id> (only the results that meet it) or check=<id> (every result), and "
            "GET /results/{result_id}/ takes check=<id>; each result then carries verdict (met, and why not). "
            "Results have a new field, verdict, null unless you ask.",
        ],
    ),
    (
        "1.0.0",
        "2026-11-29",
        [
            "First release of the REST API at /api/v1/: shared results with the nine search filters and cursor "
            "pages, one result, test day photo, verify by Exam Reference Number, changes feed, downloads (PDF, "
            "XLSX, CSV) with templates, the exam catalogue and your organisation.",
            "API keys with read or read-and-write access, rotation with an overlap, revocation.",
            "Errors as RFC 9457 problem details; rate limits with X-RateLimit-* headers.",
            "Webhooks signed the Standard Webhooks way for result.shared, share.revoked, result.corrected and "
            "result.withdrawn.",
            "OpenAPI 3 schema, Swagger UI and ReDoc.",
        ],
    ),
]

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

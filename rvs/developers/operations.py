"""The API's operations as the Developer Portal documents them: summary, notes, curl and Python.

Every example is executed by ``tests/api/test_developer_portal.py`` against the real API, so the
portal cannot drift from the implementation (see ``examples``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rvs.developers.examples import (
    BASE_URL,
    BULK_RESPONSE,
    CHANGES_RESPONSE,
    DOWNLOAD_RESPONSE,
    EXAMPLE_ERN,
    EXAMPLE_JOB_ID,
    EXAMPLE_RESULT_ID,
    EXAMS_RESPONSE,
    FIRST_CALL,
    FIRST_CALL_RESPONSE,
    PAGE_RESPONSE,
    REQUIREMENTS_RESPONSE,
    RESULT_RESPONSE,
    TEMPLATES_RESPONSE,
    Endpoint,
)

AUTH = '-H "Authorization: Bearer $RVS_API_KEY"'

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        slug="list-results",
        title=_("List results shared with you"),
        method="GET",
        path="/api/v1/results/",
        summary=(
            _(
                "Results candidates have shared with your organisation, newest share first. The filters are the nine "
                "search fields of the website (the Exam Reference Number is POST /verify/); give any of them, they "
                "combine with AND. Pages are cursor-based: follow next until it is null."
            )
        ),
        notes=(
            _(
                "name: first name, surname or both; each word matches the start of a word of the name, accents and "
                "capitals ignored (muller finds Müller)."
            ),
            _(
                "date_of_birth and exam_date: YYYY-MM-DD. candidate_number: letters and digits. exam: an exam code "
                "from GET /exams/. email: the exact address. place_of_entry and centre_name: part of the name."
            ),
            _("include=photo adds photo_url to results whose candidate shared the photo with you."),
            _("page_size: 1 to 100 (default 50). The next and previous links keep your filters."),
            _(
                "requirement: the id of one of your entry requirements (GET /requirements/): only the results that "
                "meet it. check: the same id, but every result is kept. Either way each result carries verdict: "
                'met, and when not met the reasons ("Writing 160 is below 169"). Without them verdict is null.'
            ),
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
        title=_("One result"),
        method="GET",
        path="/api/v1/results/{result_id}/",
        summary=(
            _(
                "A result shared with you, or one you looked up by its Exam Reference Number in the last {grant_days} "
                "days. "
                "Reading it marks a new share as read for everyone at your organisation. A result that is not "
                "shared with you gives the same 404 as one that does not exist."
            )
        ),
        notes=(
            _("share is null when you found the result by its ERN only."),
            _(
                "overall_score, cefr, grade and components are empty while a result is pending or withheld; status "
                "says why."
            ),
            _(
                "check=<requirement id> adds verdict: whether the result meets that entry requirement of yours, and "
                "why not."
            ),
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
        title=_("Test day photo"),
        method="GET",
        path="/api/v1/results/{result_id}/photo/",
        summary=(
            _(
                "The candidate's test day photo (JPEG), only when the candidate included it in their share with you; "
                "otherwise 404. Do not keep it longer than you need it."
            )
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
        title=_("Verify a result by its Exam Reference Number"),
        method="POST",
        path="/api/v1/verify/",
        summary=(
            _(
                "Finds any result, shared with you or not, by the Exam Reference Number printed on the Statement of "
                "Results. Give the date of birth and surname as well to check the result belongs to the person in "
                "front of you. Each look-up is audited, and it lets your organisation open the result for {grant_days} "
                "days."
            )
        ),
        notes=(
            _("ern: with or without hyphens or spaces, any capitals."),
            _("400: the number has a typing error (its check character does not match): check it with the candidate."),
            _(
                "404: no result has that number, or the date of birth or surname do not match: the two are not told "
                "apart."
            ),
            _("Look-ups have their own limits: see Rate limits."),
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
        # Translators: keep "GET /api/v1/results/{result_id}/" as it is (an HTTP request)
        response=_("The result, as for GET /api/v1/results/{result_id}/."),
    ),
    Endpoint(
        slug="bulk-verify",
        title=_("Verify many applicants at once"),
        method="POST",
        path="/api/v1/bulk-verifications/",
        summary=(
            _(
                "Up to {bulk_rows} applicants in one call, each with an Exam Reference Number and, if you have them, "
                "name and date of birth. Each row gets a verdict: verified, mismatch (details name what differs), "
                "not found, invalid, or the result's status when it is pending, withheld or withdrawn. Audited, and "
                "limited per organisation ({bulk_rate})."
            )
        ),
        notes=(
            _("rows: a list of objects with ern, and optional name (full name) and date_of_birth (YYYY-MM-DD)."),
            _("counts: how many rows got each verdict."),
            _("result_id opens the result with GET /results/{{result_id}}/ only if it is shared with you."),
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
        title=_("Changes feed"),
        method="GET",
        path="/api/v1/changes/",
        summary=(
            _(
                "What happened to results shared with you, oldest first: result.shared, share.revoked, "
                "result.corrected and result.withdrawn. Store next_cursor and send it next time: you never miss an "
                "event and never see one twice. Poll it (every minute is plenty) or receive webhooks, or both."
            )
        ),
        notes=(
            _("limit: 1 to 500 events per call (default 100)."),
            _("next_cursor is unchanged when nothing new has happened."),
            _("Events appear two seconds after they happen, so one written by a slow transaction is never skipped."),
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
        title=_("Create a download"),
        method="POST",
        path="/api/v1/downloads/",
        summary=(
            _(
                "Statements of Results as one signed PDF, or a data file (XLSX or CSV) with a template's columns, for "
                "up to {max_results} results shared with you. Up to {stream_limit} results the file is made at once "
                "(status done); "
                "larger downloads are made in the background: poll them. Results not (or no longer) shared with you "
                "are left out and counted in omitted."
            )
        ),
        notes=(
            _(
                "format: pdf, xlsx or csv. template: a template id from GET /templates/, or leave it out for every "
                "field. results: result ids."
            ),
            _("Needs a read-and-write key."),
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
        title=_("Poll a download"),
        method="GET",
        path="/api/v1/downloads/{job_id}/",
        summary=_(
            "A download's status (pending, running, done or failed), progress in percent, and file_url once done."
        ),
        scope="write",
        curl=f"curl -sS {AUTH} \\\n  {BASE_URL}/api/v1/downloads/{EXAMPLE_JOB_ID}/",
        python=f"""\
job = client.get("/downloads/{EXAMPLE_JOB_ID}/").raise_for_status().json()
print(job["status"], job["progress"], job["file_url"])""",
        response=DOWNLOAD_RESPONSE,
    ),
    Endpoint(
        slug="download-file",
        title=_("Fetch a download's file"),
        method="GET",
        path="/api/v1/downloads/{job_id}/file/",
        summary=(
            _(
                "The file, as an attachment (application/pdf, text/csv or the XLSX type). 409 until the download is "
                "done. Fetched again later, it leaves out results whose share has been revoked since."
            )
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
        title=_("Data file templates"),
        method="GET",
        path="/api/v1/templates/",
        summary=(
            _(
                "The templates you can give when creating an XLSX or CSV download: the default one (id null, every "
                "field) and those your organisation made on the website (Downloads → Data file templates). Each entry "
                'requirement of yours can be a column ("Meets: MSc entry": met, or not met and why); columns gives '
                "every template's headings in order."
            )
        ),
        curl=f"curl -sS {AUTH} {BASE_URL}/api/v1/templates/",
        python="""\
for template in client.get("/templates/").raise_for_status().json():
    print(template["id"], template["name"], ", ".join(column["label"] for column in template["columns"]))""",
        response=TEMPLATES_RESPONSE,
    ),
    Endpoint(
        slug="requirements",
        title=_("Your entry requirements"),
        method="GET",
        path="/api/v1/requirements/",
        summary=(
            _(
                "The entry requirements your organisation defined on the website (Your Organisation → Entry "
                "requirements), e.g. MSc entry: overall at least 176, no skill below 169, B2 First, C1 Advanced or C2 "
                "Proficiency, taken in the last 2 years. Every part is optional; a result meets the requirement when "
                "every part given holds."
            )
        ),
        notes=(
            _(
                "Give an id as requirement= to GET /results/ for only the results that meet it, or as check= to keep "
                "every result; each then carries its verdict with the reasons when not met."
            ),
            _("An id that is not one of your organisation's requirements gives 404."),
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
        title=_("The exam catalogue"),
        method="GET",
        path="/api/v1/exams/",
        summary=(
            _(
                "Every exam with its code (for the exam filter) and whether results of it can be verified with this "
                "service."
            )
        ),
        curl=f"curl -sS {AUTH} {BASE_URL}/api/v1/exams/",
        python="""\
codes = [exam["code"] for exam in client.get("/exams/").raise_for_status().json() if exam["verifiable"]]
print(codes)""",
        response=EXAMS_RESPONSE,
    ),
    Endpoint(
        slug="organisation",
        title=_("Your organisation"),
        method="GET",
        path="/api/v1/organisation/",
        summary=_("The organisation the key belongs to, with the exam codes it recognises. A good first call."),
        curl=FIRST_CALL,
        python="""\
organisation = client.get("/organisation/").raise_for_status().json()
print(organisation["name"], organisation["recognised_exams"])""",
        response=FIRST_CALL_RESPONSE,
    ),
]

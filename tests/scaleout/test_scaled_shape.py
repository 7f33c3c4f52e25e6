"""The scale-out shape, exercised: PostgreSQL, Redis, 2 gunicorn workers and an RQ worker.

An import, a share (its email sent by the RQ worker), a background export and a rate limit
shared by both web workers through Redis, all through ``scripts/run_scaled.py``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "scaled shape passphrase"
pytestmark = pytest.mark.scaleout


def _services_up() -> str | None:
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=3):
            pass
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=3).ping()
    except Exception as exc:
        return str(exc)
    return None


def _manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    problem = _services_up()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL and Redis must run in CI: {problem}")
        pytest.skip(f"needs PostgreSQL and Redis: {problem}")
    name = f"rvs_scaled_{uuid.uuid4().hex[:8]}"
    redis.Redis.from_url("redis://127.0.0.1:6379/3").flushdb()
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    data = tmp_path_factory.mktemp("scaled")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)},
        "DATABASE_URL": f"{PG}/{name}",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "RVS_TASK_BACKEND": "rq",
        "RVS_DATA_DIR": str(data),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "RVS_SITE_URL": f"http://127.0.0.1:{port}",
        "RVS_DOWNLOAD_STREAM_LIMIT": "1",
        "RVS_RATE_ERN_LOOKUP_USER": "3/60",
        "RVS_MANIFEST_STATIC": "false",
    }
    command = [sys.executable, "scripts/run_scaled.py", "--port", str(port), "--web-workers", "2", "--rq-workers", "1"]
    process = subprocess.Popen([*command, "--no-seed"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "the scaled shape stopped while starting"
        time.sleep(0.5)
    else:
        process.terminate()
        pytest.fail("the scaled shape did not answer within 2 minutes")
    try:
        yield {"base": base, "env": env, "smtp": smtp, "data": data}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        smtp.stop()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SETUP = """
from rvs.accounts.models import User
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Result
from rvs.sharing.services import share_create
org = Organisation.objects.create(name="Scaled University", country="United Kingdom", city="Leeds")
user = User.objects.create_user("primary@scaled.example", "PASSWORD", full_name="Pat Primary")
Membership.objects.create(user=user, organisation=org, role="primary", notify_on_share=True)
for result in Result.objects.select_related("candidate"):
    share_create(actor=None, candidate=result.candidate, organisation=org, results=[result], include_photo=False)
print("ERNS", " ".join(Result.objects.values_list("ern", flat=True)))
""".replace("PASSWORD", PASSWORD)


def _sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    page = client.get("/accounts/sign-in/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/accounts/sign-in/",
        data={"username": "primary@scaled.example", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/sign-in/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


def _csrf(client: httpx.Client, path: str) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path).text)
    assert token
    return token.group(1)


def test_it_imports_shares_exports_and_limits_through_the_scaled_shape(stack: dict[str, Any]) -> None:
    env, base, smtp = stack["env"], stack["base"], stack["smtp"]
    csv_path = stack["data"] / "results.csv"
    header = ("candidate_id,secret_number,first_name,last_name,date_of_birth,email,exam,exam_date,centre_number,"
              "centre_name,place_of_entry,country,reading,writing,listening,speaking,use_of_english,reading_and_writing,"
              "reference_number,photo")  # fmt: skip
    rows = [
        f"SCA00000{i},1234,Ola{i},Nordmann,2001-02-0{i},ola{i}@example.no,B2 First,2025-06-14,NO001,"
        "Oslo Language Centre,Oslo,Norway,176,169,185,178,180,,,"
        for i in range(1, 4)
    ]
    csv_path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert "Imported 3 result(s)" in _manage(env, "import_results", str(csv_path))

    output = _manage(env, "shell", stdin=SETUP)
    erns = output.split("ERNS", 1)[1].split()
    assert len(erns) == 3
    # Share notifications are sent by the RQ worker, not the web process.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(smtp.to("primary@scaled.example")) < 3:
        time.sleep(0.5)
    assert len(smtp.to("primary@scaled.example")) == 3

    client = _sign_in(base)
    assert "Nordmann" in client.get("/dashboard/").text
    response = client.post(
        "/downloads/new/",
        data={
            "format": "csv",
            "scope": "dashboard",
            "csrfmiddlewaretoken": _csrf(client, "/dashboard/"),
            "back": "/dashboard/",
        },
        headers={"Referer": f"{base}/dashboard/"},
    )
    assert response.status_code == 302, response.text[:300]
    job_path = response.headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Your download is ready" not in client.get(job_path).text:
        time.sleep(0.5)
    file_response = client.get(job_path + "file/")
    assert file_response.status_code == 200
    assert file_response.text.count("Nordmann") == 3

    # Two web workers share one rate limit in Redis: the 4th look-up is refused, whichever answers.
    statuses = []
    for _ in range(4):
        statuses.append(
            client.post(
                "/search/",
                data={"ern": erns[0], "csrfmiddlewaretoken": _csrf(client, "/search/")},
                headers={"Referer": f"{base}/search/"},
            ).status_code
        )
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3] == 429


def test_free_port_is_free() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))

"""Rate limits on sign-in, ERN look-up, search, bulk verification and the API.

Each limit is tried the same way: set it to 2 in ``settings.RATE_LIMITS``, use it up, see the
third request refused with 429, ``Retry-After`` and a clear page (or a problem+json for the
API), then check that someone who differs only in what the limit counts (another user of the
same organisation, another organisation at the same address, another address) is unaffected.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rvs.api import keys
from rvs.core import ern as ern_codec
from tests.conftest import client_for
from tests.factories import PASSWORD, ResultFactory

pytestmark = pytest.mark.django_db

HOME, OFFICE, ELSEWHERE = "198.51.100.10", "198.51.100.20", "203.0.113.30"


@dataclass
class Actors:
    """u1 and u2 work for organisation A, u3 for organisation B."""

    clients: dict[str, Client]
    emails: dict[str, str]
    api: dict[str, Client]
    search_urls: dict[str, str]


@pytest.fixture
def actors(org_a: Any, org_b: Any, primary: Any, member: Any, outsider: Any) -> Actors:
    users = {"u1": member, "u2": primary, "u3": outsider}
    clients = {who: client_for(user) for who, user in users.items()}
    api = {}
    for who, (owner, organisation) in {"u1": (primary, org_a), "u2": (primary, org_a), "u3": (outsider, org_b)}.items():
        _, text = keys.key_create(actor=owner, organisation=organisation, name=f"key {who}", scope="read")
        api[who] = Client(HTTP_AUTHORIZATION=f"Bearer {text}")
    search_urls = {}
    for who, client in clients.items():  # saving a search is free; each page of results counts
        response = client.post(reverse("results:search"), {"name": "Wójcik"}, REMOTE_ADDR=HOME)
        assert response.status_code == 302, response.content
        search_urls[who] = response["Location"]
    return Actors(clients, {who: user.email for who, user in users.items()}, api, search_urls)


def _intake() -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([["Exam Reference Number", "Name"], [ResultFactory().ern, "Someone"]])
    return text.getvalue().encode()


Act = Callable[[Actors, str, str], Any]


def _sign_in(actors: Actors, who: str, address: str) -> Any:
    return Client().post(
        reverse("accounts:login"), {"username": actors.emails[who], "password": "not the password"}, REMOTE_ADDR=address
    )


def _ern(actors: Actors, who: str, address: str) -> Any:
    return actors.clients[who].post(reverse("results:search"), {"ern": ern_codec.generate()}, REMOTE_ADDR=address)


def _search(actors: Actors, who: str, address: str) -> Any:
    return actors.clients[who].get(actors.search_urls[who], REMOTE_ADDR=address)


def _bulk(actors: Actors, who: str, address: str) -> Any:
    data = {"applicants": SimpleUploadedFile("intake.csv", _intake()), "format": "csv"}
    return actors.clients[who].post(reverse("bulk:upload"), data, REMOTE_ADDR=address)


def _bulk_api(actors: Actors, who: str, address: str) -> Any:
    body = json.dumps({"rows": [{"ern": ResultFactory().ern}]})
    return actors.api[who].post(reverse("api:bulk_verify"), body, content_type="application/json", REMOTE_ADDR=address)


def _api(actors: Actors, who: str, address: str) -> Any:
    return actors.api[who].get(reverse("api:exams"), REMOTE_ADDR=address)


OK = {_sign_in: 200, _ern: 404, _search: 200, _bulk: 200, _bulk_api: 200, _api: 200}
# scope -> (what it limits, how to make one request). "user" scopes count one user or API key,
# "org" scopes everyone in an organisation, "ip" scopes one client address.
LIMITS: dict[str, tuple[str, Act]] = {
    "signin_user": ("user", _sign_in),
    "signin_ip": ("ip", _sign_in),
    "ern_lookup_user": ("user", _ern),
    "ern_lookup_org": ("org", _ern),
    "ern_lookup_ip": ("ip", _ern),
    "search_user": ("user", _search),
    "search_org": ("org", _search),
    "search_ip": ("ip", _search),
    "bulk_user": ("user", _bulk),
    "bulk_org": ("org", _bulk),
    "bulk_ip": ("ip", _bulk),
    "api_key": ("user", _api),
    "api_org": ("org", _api),
    "api_ip": ("ip", _api),
}
# The same service behind the API's bulk verification: its limits hold there too.
API_BULK = {"bulk_user": "user", "bulk_org": "org", "bulk_ip": "ip"}

# (who, address) for the two requests that fill the window, the refused one, and the one unaffected.
PLANS = {
    "user": ([("u1", HOME), ("u1", OFFICE)], ("u1", ELSEWHERE), ("u2", HOME)),
    "org": ([("u1", HOME), ("u2", OFFICE)], ("u1", ELSEWHERE), ("u3", HOME)),
    "ip": ([("u1", HOME), ("u3", HOME)], ("u2", HOME), ("u1", OFFICE)),
}


def _assert_refused(response: Any, api: bool) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    if api:
        assert response["Content-Type"] == "application/problem+json"
    else:
        body = response.content.decode()
        assert "Too many requests" in body
        assert "Traceback" not in body


def _exercise(settings: Any, actors: Actors, scope: str, kind: str, act: Act, api: bool) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: "2/600"}
    fill, refused, unaffected = PLANS[kind]
    for who, address in fill:
        response = act(actors, who, address)
        assert response.status_code == OK[act], (scope, who, address, response.status_code)
    _assert_refused(act(actors, *refused), api)
    response = act(actors, *unaffected)
    assert response.status_code == OK[act], f"{scope}: {unaffected} should not be limited"


@pytest.mark.parametrize("scope", sorted(LIMITS))
def test_it_limits(scope: str, settings: Any, actors: Actors) -> None:
    kind, act = LIMITS[scope]
    _exercise(settings, actors, scope, kind, act, api=act is _api)


@pytest.mark.parametrize("scope", sorted(API_BULK))
def test_it_limits_bulk_verification_through_the_api(scope: str, settings: Any, actors: Actors) -> None:
    _exercise(settings, actors, scope, API_BULK[scope], _bulk_api, api=True)


def test_it_does_not_charge_a_refused_request_to_the_other_limits(settings: Any, actors: Actors) -> None:
    """Requests refused at a busy address do not use up the user's own budget elsewhere."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_user": "2/600", "ern_lookup_ip": "1/600"}
    assert _ern(actors, "u1", HOME).status_code == 404
    for _ in range(3):
        assert _ern(actors, "u1", HOME).status_code == 429
    assert _ern(actors, "u1", OFFICE).status_code == 404
    assert _ern(actors, "u1", ELSEWHERE).status_code == 429  # now the user's own limit


def test_it_lets_the_right_password_in_below_the_account_limit(settings: Any, actors: Actors) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin_user": "3/600"}
    for address in (HOME, OFFICE):
        assert _sign_in(actors, "u1", address).status_code == 200
    good = Client().post(reverse("accounts:login"), {"username": actors.emails["u1"], "password": PASSWORD})
    assert good.status_code == 302


def test_it_counts_an_unknown_account_like_a_known_one(settings: Any, actors: Actors) -> None:
    """The per-account limit must not reveal which addresses have accounts."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin_user": "2/600"}
    answers = {}
    for email in (actors.emails["u1"], "nobody.here@example.org"):
        statuses = [
            Client().post(reverse("accounts:login"), {"username": email, "password": "wrong"}, REMOTE_ADDR=address)
            for address in (HOME, OFFICE, ELSEWHERE)
        ]
        answers[email] = [response.status_code for response in statuses]
    assert answers[actors.emails["u1"]] == answers["nobody.here@example.org"] == [200, 200, 429]


def test_it_refuses_bad_limits_with_the_rule_named(settings: Any, actors: Actors) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search_org": "lots"}
    with pytest.raises(ImproperlyConfigured, match="'lots' must look like"):
        _search(actors, "u1", HOME)


def test_it_tells_a_locked_out_address_when_to_retry(settings: Any, actors: Actors) -> None:
    """django-axes' lockout (10 failures per account and address) answers like our limits."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(actors, "u1", HOME)
    locked = Client().post(
        reverse("accounts:login"), {"username": actors.emails["u1"], "password": PASSWORD}, REMOTE_ADDR=HOME
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Traceback" not in locked.content.decode()


def test_it_publishes_the_api_limits_in_the_developer_portal(settings: Any, client: Client) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_org": "777/60", "api_ip": "555/3600", "bulk_ip": "33/3600"}
    page = client.get(reverse("developers:rate_limits")).content.decode()
    assert "777 a minute" in page
    assert "555 an hour" in page
    assert "33 an hour" in page


def test_it_counts_clients_behind_a_proxy_by_their_own_address(settings: Any, actors: Actors) -> None:
    """Behind one trusted proxy, the address it appends counts; what a client puts before it does not."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_ip": "2/600"}
    proxy = "10.0.0.2"

    def look_up(who: str, forwarded_for: str) -> Any:
        return actors.clients[who].post(
            reverse("results:search"), {"ern": ern_codec.generate()}, REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )  # fmt: skip

    assert look_up("u1", HOME).status_code == 404
    assert look_up("u3", f"1.2.3.4, {HOME}").status_code == 404
    assert look_up("u2", f"5.6.7.8, {HOME}").status_code == 429  # a made-up first entry changes nothing
    assert look_up("u2", OFFICE).status_code == 404  # another client through the same proxy


def test_it_ignores_forwarded_for_without_a_trusted_proxy(settings: Any, actors: Actors) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_ip": "1/600"}
    first = actors.clients["u1"].post(reverse("results:search"), {"ern": ern_codec.generate()}, REMOTE_ADDR=HOME)
    assert first.status_code == 404
    spoofed = actors.clients["u2"].post(
        reverse("results:search"), {"ern": ern_codec.generate()}, REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR=OFFICE
    )
    assert spoofed.status_code == 429

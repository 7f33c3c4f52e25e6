"""Chromium: the search form is sent by htmx, so a search is one request (decision 0007).

The address still becomes /search/?q=<key> (no names or dates in it), reload and Back still show
the results, htmx keeps no copy of the pages in the browser's storage, and refused searches show
their messages as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Page, Request, expect

from rvs.core import ern as ern_codec
from rvs.organisations.models import Organisation
from rvs.sharing.models import Share
from tests.e2e.conftest import SignIn
from tests.e2e.dates import expect_date, fill_date
from tests.e2e.test_ro_search import Url, muller  # noqa: F401 - the fixture, shared
from tests.factories import ShareFactory


def _requests_to_search(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request) if "/search/" in request.url else None)
    return seen


def test_a_search_is_one_request_and_its_address_works_like_the_redirect_did(
    page: Page,
    url: Url,
    sign_in: SignIn,
    ro_user: Any,
    muller: Share,  # noqa: F811
) -> None:
    sign_in(ro_user)
    page.goto(url("results:search"))
    seen = _requests_to_search(page)
    page.get_by_label("Candidate Name").fill("muller")
    fill_date(page, "Candidate Date of Birth", "2000-05-17")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="1 result")).to_be_visible()
    assert answer.value.status == 200  # the results themselves, not a redirect
    assert answer.value.request.headers.get("hx-request") == "true"
    assert [(request.method, request.url.split("?")[0]) for request in seen] == [("POST", url("results:search"))]

    expect(page).to_have_url(f"{url('results:search')}?q={answer.value.headers['hx-push-url'].split('q=')[1]}")
    results_url = page.url
    assert "muller" not in results_url
    assert "2000" not in results_url
    assert "Müller" not in page.evaluate("JSON.stringify(window.localStorage)")  # no htmx history copy

    page.reload()
    expect(page.get_by_role("link", name="Müller, Anna", exact=True)).to_be_visible()
    expect(page.get_by_label("Candidate Name")).to_have_value("muller")
    expect_date(page, "Candidate Date of Birth", "2000-05-17")

    page.get_by_role("link", name="Müller, Anna", exact=True).click()
    expect(page.get_by_role("heading", name="Anna Müller", level=1)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(results_url)
    expect(page.get_by_role("link", name="Müller, Anna", exact=True)).to_be_visible()

    # A second search from the results page: again one request, the new address.
    page.get_by_label("Candidate Name").fill("wojcik")
    fill_date(page, "Candidate Date of Birth", "")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Wójcik, Łukasz", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Müller, Anna", exact=True)).to_have_count(0)
    assert page.url != results_url


def test_refused_searches_and_the_ern_look_up_still_show_their_answers(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation
) -> None:
    share = ShareFactory(organisation=organisation, result__candidate__date_of_birth=dt.date(1999, 1, 2))
    sign_in(ro_user)
    page.goto(url("results:search"))

    page.get_by_role("button", name="Search").click()  # nothing filled in: 400
    expect(page.get_by_role("alert")).to_contain_text("Fill in at least one field to search.")

    page.get_by_label("Exam Reference Number").fill(ern_codec.display(ern_codec.generate()))
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Search").click()  # a well-formed ERN nobody has: 404, shown
    expect(page.get_by_role("alert")).to_contain_text("No result matches this Exam Reference Number.")
    assert answer.value.status == 404

    page.get_by_label("Exam Reference Number").fill(share.result.ern_display)
    page.get_by_role("button", name="Search").click()  # found: the browser goes to the result
    expect(page).to_have_url(url("results:detail", share.result.public_id) + "?back=%2Fsearch%2F")
    expect(page.get_by_role("heading", name=share.result.candidate.full_name, level=1)).to_be_visible()

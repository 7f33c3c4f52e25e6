"""The result page is the verdict (issue 17 item 2), in Chromium: the panel, its actions (the
Statement of Results, Print, Download), "Back to search results" to the same search, and what a
printer gets (the verdict and scores, no header, navigation, footer or buttons)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Page, expect

from rvs.organisations.models import Organisation
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.e2e.conftest import SignIn
from tests.e2e.test_ro_search import MULLER_SCORES, muller  # noqa: F401 - the fixture, shared
from tests.factories import ShareFactory

Url = Callable[..., str]
Screenshot = Callable[[str], None]


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def _open_from_a_search(page: Page, url: Url, name: str, link: str) -> str:
    """Search by ``name``, sort by name descending, open ``link``: the search's address."""
    page.goto(url("results:search"))
    page.get_by_label("Candidate Name").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("columnheader", name="Candidate name").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Candidate name")).to_have_attribute("aria-sort", "descending")
    address = page.url
    page.get_by_role("link", name=link, exact=True).click()
    return address


def test_the_verdict_leads_and_back_returns_to_the_same_search(
    page: Page,
    url: Url,
    sign_in: SignIn,
    ro_user: Any,
    muller: Share,  # noqa: F811
    screenshot: Screenshot,
) -> None:
    sign_in(ro_user)
    address = _open_from_a_search(page, url, "anna", "Müller, Anna")
    verdict = page.get_by_role("region", name="Verified: a genuine result")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text("not withdrawn")
    expect(verdict).to_contain_text(re.compile(r"Shared with you on \d{1,2} \w+ \d{4}"))
    expect(verdict).to_contain_text(re.compile(r"Checked on \d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC"))
    # The verdict comes first: above the scores and the details.
    top = verdict.bounding_box()
    scores = page.get_by_role("table", name="Individual scores").bounding_box()
    assert top is not None
    assert scores is not None
    assert top["y"] < scores["y"]
    for action in ("Statement of Results (PDF)", "Print"):
        expect(page.get_by_role("button", name=action)).to_be_visible()
    expect(page.get_by_text("Download", exact=True)).to_be_visible()
    screenshot("result-verdict")

    page.get_by_role("link", name="Back to search results").click()
    expect(page).to_have_url(address)
    expect(page.get_by_role("columnheader", name="Candidate name")).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_label("Candidate Name")).to_have_value("anna")
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name="Müller, Anna"))).not_to_contain_class(
        "new"
    )


def test_print_is_a_button_that_prints_the_verdict_and_scores_only(
    page: Page,
    url: Url,
    sign_in: SignIn,
    ro_user: Any,
    muller: Share,  # noqa: F811
) -> None:
    sign_in(ro_user)
    page.goto(url("results:detail", muller.result.public_id))
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") == 1

    page.emulate_media(media="print")
    for chrome in (page.get_by_role("banner"), page.get_by_role("contentinfo"), page.get_by_role("navigation")):
        expect(chrome).to_have_count(0)  # not rendered: out of the accessibility tree too
    for hidden in ("header.site-header", "footer.site-footer", "main button", "a.back", ".skip-link"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.get_by_role("region", name="Verified: a genuine result")).to_be_visible()
    expect(page.get_by_role("heading", name="Anna Müller", level=1)).to_be_visible()
    scores = page.get_by_role("table", name="Individual scores")
    expect(scores).to_be_visible()
    expect(scores.get_by_role("row", name="Listening")).to_contain_text(str(MULLER_SCORES["listening"]))
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    expect(page.get_by_role("banner")).to_be_visible()


def test_the_statement_of_results_downloads_this_one_result(
    page: Page,
    url: Url,
    sign_in: SignIn,
    ro_user: Any,
    muller: Share,  # noqa: F811
) -> None:
    sign_in(ro_user)
    page.goto(url("results:detail", muller.result.public_id))
    with page.expect_download() as info:
        page.get_by_role("button", name="Statement of Results (PDF)").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf")
    path = download.path()
    assert path.read_bytes().startswith(b"%PDF")
    expect(page).to_have_url(url("results:detail", muller.result.public_id))  # the page stays

    # "Download" opens the organisation's options; a data file of this one result.
    page.get_by_text("Download", exact=True).click()
    page.get_by_label("Download Options").select_option("csv")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download this result").click()
    data = info.value.path().read_text(encoding="utf-8-sig")
    assert data.count("\n") == 2, data  # the header and one row
    assert "Müller" in data


def test_a_withdrawn_result_says_so_in_an_error_style(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation
) -> None:
    share = cast(Share, ShareFactory(organisation=organisation, result__status=Result.Status.WITHDRAWN))
    sign_in(ro_user)
    page.goto(url("results:detail", share.result.public_id))
    verdict = page.get_by_role("region", name="Withdrawn: do not rely on this result")
    expect(verdict).to_be_visible()
    expect(verdict).to_have_css("border-top-color", "rgb(176, 0, 32)")  # --error
    expect(verdict.get_by_role("alert")).to_contain_text("withdrawn by the exam board")
    expect(page.get_by_role("region", name=re.compile("^Verified"))).to_have_count(0)

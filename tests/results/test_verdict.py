"""The result page is the verdict (issue 17 item 2): the panel at the top, its actions (Statement
of Results, Print, Download), "Back to search results" kept through a local ``back`` path only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.results.models import Result
from rvs.results.views import local_path
from rvs.sharing.models import Share
from tests.factories import ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Any) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def _panel(page: str) -> str:
    found = re.search(
        r'<section aria-labelledby="verdict-heading" class="verdict result-verdict[^"]*">.*?</section>', page, re.S
    )
    assert found, "no verdict panel"
    return found.group(0)


def _detail(client: Client, result: Any, **params: str) -> str:
    response = client.get(reverse("results:detail", args=[result.public_id]), params)
    assert response.status_code == 200
    return response.content.decode()


class TestThePanel:
    def test_a_shared_result_is_verified_and_says_how_and_when(self, member_client: Client, share_a: Share) -> None:
        page = _detail(member_client, share_a.result)
        panel = _panel(page)
        assert page.index(panel) < page.index("Individual scores")  # at the top, before the scores
        assert "verdict-ok" in panel
        assert '<h2 id="verdict-heading">Verified: a genuine result</h2>' in panel
        assert "not withdrawn" in panel
        assert f"Shared with you on {share_a.shared_at.day} " in panel
        checked = re.search(r'Checked on <time datetime="([^"]+)">([^<]+)</time>', panel)
        assert checked, panel
        assert re.search(r"\d{2}:\d{2} [A-Z]{2,5}$", checked.group(2)), checked.group(2)  # a time with its zone

    def test_a_result_looked_up_by_ern_says_so(self, member_client: Client) -> None:
        result = ResultFactory()
        member_client.post(reverse("results:search"), {"ern": result.ern})
        panel = _panel(_detail(member_client, result))
        assert "Looked up by Exam Reference Number" in panel
        assert "Shared with you" not in panel

    def test_a_withdrawn_result_is_an_error(self, member_client: Client, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a, result__status=Result.Status.WITHDRAWN)
        panel = _panel(_detail(member_client, share.result))
        assert "verdict-bad" in panel
        assert "Withdrawn: do not rely on this result" in panel
        assert "Verified" not in panel

    def test_a_pending_result_is_a_genuine_record_without_scores(self, member_client: Client, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a, result__forced_status="pending")
        panel = _panel(_detail(member_client, share.result))
        assert "verdict-neutral" in panel
        assert "Genuine record: Pending" in panel


class TestTheActions:
    def test_the_statement_and_download_post_this_result_to_the_downloads(
        self, member_client: Client, share_a: Share
    ) -> None:
        page = _detail(member_client, share_a.result, back="/search/?q=abc")
        forms = re.findall(r'<form method="post" action="/downloads/new/".*?</form>', page, re.S)
        assert len(forms) == 2
        statement, download = forms
        public_id = str(share_a.result.public_id)
        for form in forms:
            assert f'<input type="hidden" name="results" value="{public_id}">' in form
            assert '<input type="hidden" name="back" value="/results/' in form
        assert '<input type="hidden" name="format" value="pdf">' in statement
        assert ">Statement of Results (PDF)</button>" in statement
        assert '<select name="format" id="download-format">' in download
        assert 'name="template"' in download

    def test_the_statement_button_downloads_the_signed_pdf_of_this_result(
        self, member_client: Client, share_a: Share
    ) -> None:
        data = {"results": str(share_a.result.public_id), "format": "pdf", "back": "/results/x/"}
        response = member_client.post(reverse("downloads:create"), data)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    def test_a_result_looked_up_by_ern_downloads_too(self, member_client: Client) -> None:
        result = ResultFactory()
        member_client.post(reverse("results:search"), {"ern": result.ern})
        response = member_client.post(reverse("downloads:create"), {"results": str(result.public_id), "format": "pdf"})
        assert response["Content-Type"] == "application/pdf"

    def test_print_is_a_real_button_shown_by_a_static_script(self, member_client: Client, share_a: Share) -> None:
        page = _detail(member_client, share_a.result)
        assert '<button type="button" class="secondary" data-print hidden>Print</button>' in page
        assert re.search(r'<script src="/static/rvs/print(\.[0-9a-f]+)?\.js" defer', page)


class TestBack:
    def test_it_returns_to_the_same_search(self, member_client: Client, share_a: Share) -> None:
        page = _detail(member_client, share_a.result, back="/search/?q=Abc_123&sort=-name&page=2")
        assert '<a href="/search/?q=Abc_123&amp;sort=-name&amp;page=2" class="back">Back to search results</a>' in page

    def test_the_search_results_link_each_row_with_their_address(self, member_client: Client, share_a: Share) -> None:
        posted = member_client.post(reverse("results:search"), {"name": share_a.result.candidate.last_name})
        key = posted["Location"].split("q=")[1]
        page = member_client.get(f"{posted['Location']}&sort=-name").content.decode()
        assert f"/results/{share_a.result.public_id}/?back=%2Fsearch%2F%3Fq%3D{key}%26sort%3D-name" in page

    @pytest.mark.parametrize(
        "back", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "search/"]
    )
    def test_it_never_leaves_the_site(self, member_client: Client, share_a: Share, back: str) -> None:
        page = _detail(member_client, share_a.result, back=back)
        assert "evil" not in page.split('class="back"')[0].rsplit("<a", 1)[1]
        assert '<a href="/dashboard/" class="back">Back to Shared with you</a>' in page

    def test_local_path(self) -> None:
        assert local_path("/search/?q=x") == "/search/?q=x"
        for value in ("", "search/", "//x.example", "/\\x.example", "https://x.example/", "/a\nb", "/a\rb"):
            assert local_path(value) is None, value

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.sharing.models import Share
from tests.conftest import client_for
from tests.factories import CandidateFactory, ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db


def _search(client: Client, **fields: Any) -> Any:
    data = {
        "name": "",
        "date_of_birth": "",
        "candidate_number": "",
        "exam": "",
        "place_of_entry": "",
        "centre_name": "",
        "email": "",
        "exam_date": "",
        "ern": "",
    }
    data.update(fields)
    response = client.post(reverse("results:search"), data)
    if response.status_code == 302:
        return client.get(response["Location"])
    return response


class TestSignedOut:
    @pytest.mark.parametrize("name", ["results:dashboard", "results:search"])
    def test_it_sends_signed_out_visitors_to_sign_in(self, client: Client, name: str) -> None:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_it_refuses_result_details_and_photo_to_signed_out_visitors(self, client: Client, share_a: Share) -> None:
        for name in ("results:detail", "results:photo"):
            response = client.get(reverse(name, args=[share_a.result.public_id]))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))

    def test_it_refuses_a_signed_out_search_post(self, client: Client) -> None:
        response = client.post(reverse("results:search"), {"name": "smith"})
        assert response.status_code == 302


class TestOtherOrganisation:
    def test_it_hides_another_organisations_share_from_details(self, outsider_client: Client, share_a: Share) -> None:
        response = outsider_client.get(reverse("results:detail", args=[share_a.result.public_id]))
        assert response.status_code == 404

    def test_it_answers_not_yours_like_does_not_exist(self, outsider_client: Client, share_a: Share) -> None:
        mine = outsider_client.get(reverse("results:detail", args=[share_a.result.public_id]))
        unknown = outsider_client.get(reverse("results:detail", args=["00000000-0000-0000-0000-000000000000"]))
        assert mine.status_code == unknown.status_code == 404
        strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
        assert strip.sub(b"", mine.content) == strip.sub(b"", unknown.content)

    def test_it_hides_another_organisations_photo(self, outsider_client: Client, share_a: Share) -> None:
        response = outsider_client.get(reverse("results:photo", args=[share_a.result.public_id]))
        assert response.status_code == 404

    def test_it_leaves_another_organisations_shares_off_the_dashboard_and_search(
        self, outsider_client: Client, share_a: Share
    ) -> None:
        assert share_a.result.ern_display not in outsider_client.get(reverse("results:dashboard")).content.decode()
        response = _search(outsider_client, name="wojcik")
        assert "No shared result matches" in response.content.decode()

    def test_it_refuses_users_without_an_organisation(self, db: None) -> None:
        from tests.factories import UserFactory

        client = client_for(UserFactory())
        assert client.get(reverse("results:dashboard")).status_code == 403
        assert client.get(reverse("results:search")).status_code == 403


class TestDashboard:
    def test_it_lists_new_shares_in_bold_until_opened(self, member_client: Client, share_a: Share) -> None:
        page = member_client.get(reverse("results:dashboard")).content.decode()
        assert re.search(r'<tr class="new">\s*<td><input[^>]+>.*?</td>\s*<td><a href="[^"]+">Wójcik, Łukasz</a>', page)
        member_client.get(reverse("results:detail", args=[share_a.result.public_id]))
        page = member_client.get(reverse("results:dashboard")).content.decode()
        assert '<tr class="new">' not in page
        assert "Wójcik, Łukasz" in page

    def test_it_stays_unread_when_another_organisation_tries_to_open_it(
        self, member_client: Client, outsider_client: Client, share_a: Share
    ) -> None:
        outsider_client.get(reverse("results:detail", args=[share_a.result.public_id]))
        share_a.refresh_from_db()
        assert share_a.first_viewed_at is None

    def test_it_marks_new_for_everyone_at_the_organisation(self, primary: Any, member: Any, share_a: Share) -> None:
        client_for(primary).get(reverse("results:detail", args=[share_a.result.public_id]))
        page = client_for(member).get(reverse("results:dashboard")).content.decode()
        assert '<tr class="new">' not in page


class TestSearch:
    def test_it_labels_all_nine_fields_as_the_article_does(self, member_client: Client) -> None:
        page = member_client.get(reverse("results:search")).content.decode()
        for label in [
            "Candidate Name",
            "Candidate Date of Birth",
            "Candidate ID Number",
            "Exam Name",
            "Exam Place of Entry",
            "Exam Centre Name",
            "Candidate Email Address",
            "Date of Exam",
            "Exam Reference Number",
        ]:
            if "Date" in label:  # three boxes, Day, Month and Year, grouped under the label (decision 0031)
                assert re.search(rf"<fieldset class=\"date-parts\"[^>]*>\s*<legend>{label}</legend>", page), label
            else:
                assert re.search(rf"<label for=\"id_\w+\">{label}</label>", page), label

    @pytest.mark.parametrize("query", ["muller", "MÜLLER", "Mueller Anna", "anna", "ann mul"])
    def test_it_finds_names_ignoring_case_and_accents(self, member_client: Client, org_a: Any, query: str) -> None:
        ShareFactory(organisation=org_a, result__candidate__first_name="Anna", result__candidate__last_name="Müller")
        if query == "Mueller Anna":
            query = "Müller Anna"
        page = _search(member_client, name=query).content.decode()
        assert "Müller, Anna" in page

    def test_it_finds_soren_for_soren_with_a_stroke(self, member_client: Client, org_a: Any) -> None:
        ShareFactory(organisation=org_a, result__candidate__first_name="Søren", result__candidate__last_name="Ørsted")
        assert "Ørsted, Søren" in _search(member_client, name="Soren Orsted").content.decode()

    def test_it_searches_each_field(self, member_client: Client, org_a: Any) -> None:
        candidate = CandidateFactory(
            first_name="Nguyễn", last_name="Văn An", email="an@example.vn", date_of_birth=dt.date(1999, 1, 2)
        )
        share = ShareFactory(organisation=org_a, result__candidate=candidate, result__exam_date=dt.date(2024, 3, 9))
        ShareFactory(organisation=org_a)  # a non-matching neighbour
        result = share.result
        for fields in [
            {"date_of_birth": "1999-01-02"},
            {"date_of_birth_day": "2", "date_of_birth_month": "1", "date_of_birth_year": "1999"},
            {"exam_date_day": "09", "exam_date_month": "Mar", "exam_date_year": "2024"},
            {"candidate_number": candidate.candidate_number.lower()},
            {"exam": str(result.exam_id), "name": "an"},
            {"place_of_entry": "krakow", "name": "van"},
            {"centre_name": "language centre", "email": "AN@example.vn"},
            {"email": "an@example.vn"},
            {"exam_date": "2024-03-09"},
        ]:
            page = _search(member_client, **fields).content.decode()
            assert "Văn An, Nguyễn" in page, fields
            assert page.count('href="/results/') == 1, fields

    def test_it_paginates_and_sorts(self, member_client: Client, org_a: Any, settings: Any) -> None:
        settings.SEARCH_PAGE_SIZE = 5
        for index in range(7):
            ShareFactory(
                organisation=org_a,
                result__candidate__last_name=f"Zed{chr(97 + index)}",
                result__candidate__first_name="Ann",
            )
        first = _search(member_client, name="ann")
        page = first.content.decode()
        assert "7 results, page 1 of 2" in page
        assert page.index("Zeda, Ann") < page.index("Zedb, Ann")
        key = first.wsgi_request.GET["q"]
        descending = member_client.get(reverse("results:search"), {"q": key, "sort": "-name"}).content.decode()
        assert "Zedg, Ann" in descending
        assert "Zeda, Ann" not in descending
        second = member_client.get(reverse("results:search"), {"q": key, "sort": "name", "page": 2}).content.decode()
        assert "Zedf, Ann" in second
        assert "Zeda, Ann" not in second

    def test_it_keeps_personal_details_out_of_the_url(self, member_client: Client) -> None:
        response = member_client.post(reverse("results:search"), {"name": "muller", "date_of_birth": "2000-05-17"})
        assert response.status_code == 302
        assert "muller" not in response["Location"]
        assert "2000" not in response["Location"]

    def test_it_explains_an_empty_search(self, member_client: Client) -> None:
        response = _search(member_client)
        assert response.status_code == 400
        assert "Fill in at least one field" in response.content.decode()

    def test_it_explains_a_bad_date(self, member_client: Client) -> None:
        response = _search(member_client, date_of_birth="17/05/2000")
        assert response.status_code == 400
        assert "Date of birth must be a real date" in response.content.decode()

    def test_it_does_not_search_unshared_or_revoked_results(self, member_client: Client, org_a: Any) -> None:
        from django.utils import timezone

        ResultFactory(candidate__last_name="Hidden")
        ShareFactory(organisation=org_a, result__candidate__last_name="Revoked", revoked_at=timezone.now())
        assert "No shared result matches" in _search(member_client, name="hidden").content.decode()
        assert "No shared result matches" in _search(member_client, name="revoked").content.decode()


class TestErnLookup:
    def test_it_finds_any_result_by_its_ern(self, member_client: Client, member: Any) -> None:
        result = ResultFactory()
        response = member_client.post(reverse("results:search"), {"ern": result.ern_display.lower()})
        assert response.status_code == 302
        # The result, whose "Back" returns to the search the look-up was made on.
        assert response["Location"] == reverse("results:detail", args=[result.public_id]) + "?back=%2Fsearch%2F"
        page = member_client.get(response["Location"]).content.decode()
        assert result.ern_display in page
        assert '<a href="/search/" class="back">Back to search</a>' in page
        assert AuditEntry.objects.filter(action="ern.looked_up", actor=member).count() == 1

    def test_it_tells_a_typo_from_an_unknown_number(self, member_client: Client) -> None:
        unknown = ern_codec.generate()
        typo = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
        typo_page = member_client.post(reverse("results:search"), {"ern": typo}).content.decode()
        assert "typing error" in typo_page
        unknown_page = member_client.post(reverse("results:search"), {"ern": unknown})
        assert unknown_page.status_code == 404
        assert "No result matches this Exam Reference Number" in unknown_page.content.decode()

    def test_it_checks_the_date_of_birth_given_with_the_ern(self, member_client: Client) -> None:
        result = ResultFactory()
        wrong = member_client.post(reverse("results:search"), {"ern": result.ern, "date_of_birth": "1990-01-01"})
        unknown = member_client.post(
            reverse("results:search"), {"ern": ern_codec.generate(), "date_of_birth": "1990-01-01"}
        )
        assert wrong.status_code == unknown.status_code == 404
        right = member_client.post(
            reverse("results:search"), {"ern": result.ern, "date_of_birth": result.candidate.date_of_birth.isoformat()}
        )
        assert right.status_code == 302

    def test_it_rate_limits_lookups_with_retry_after(self, member_client: Client, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_user": "3/60"}
        for _ in range(3):
            member_client.post(reverse("results:search"), {"ern": ern_codec.generate()})
        response = member_client.post(reverse("results:search"), {"ern": ern_codec.generate()})
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        assert "Too many requests" in response.content.decode()

    def test_it_stops_a_user_after_too_many_misses(self, member_client: Client, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_miss_user": "2/3600"}
        for _ in range(2):
            assert member_client.post(reverse("results:search"), {"ern": ern_codec.generate()}).status_code == 404
        found = ResultFactory()
        assert member_client.post(reverse("results:search"), {"ern": found.ern}).status_code == 429

    def test_it_lets_only_the_looking_up_organisation_open_the_result(
        self, member_client: Client, outsider_client: Client
    ) -> None:
        result = ResultFactory()
        member_client.post(reverse("results:search"), {"ern": result.ern})
        assert member_client.get(reverse("results:detail", args=[result.public_id])).status_code == 200
        assert outsider_client.get(reverse("results:detail", args=[result.public_id])).status_code == 404

    def test_it_audits_misses_without_the_full_number(self, member_client: Client, member: Any) -> None:
        unknown = ern_codec.generate()
        member_client.post(reverse("results:search"), {"ern": unknown})
        entry = AuditEntry.objects.get(action="ern.lookup_missed")
        assert entry.actor == member
        assert unknown not in str(entry.data)


class TestDetails:
    def test_it_shows_everything_the_article_lists(self, member_client: Client, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a)
        page = member_client.get(reverse("results:detail", args=[share.result.public_id])).content.decode()
        result = share.result
        for text in [
            str(result.overall_score),
            result.cefr,
            f"Grade {result.grade}" if False else result.grade,
            "Reading",
            "Use of English",
            "Writing",
            "Listening",
            "Speaking",
            result.ern_display,
            result.centre.name,
            result.centre.city,
            "2025-06-14",
            result.exam.name,
        ]:
            assert text in page, text
        assert "no-store" in member_client.get(reverse("results:detail", args=[result.public_id]))["Cache-Control"]

    def test_it_shows_no_scores_for_pending_results(self, member_client: Client, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a, result__forced_status="pending")
        page = member_client.get(reverse("results:detail", args=[share.result.public_id])).content.decode()
        assert "Pending" in page
        assert "Individual scores" not in page

    def test_it_audits_each_view(self, member_client: Client, member: Any, share_a: Share) -> None:
        member_client.get(reverse("results:detail", args=[share_a.result.public_id]))
        assert AuditEntry.objects.filter(action="result.viewed", actor=member).count() == 1


class TestSearchSentByHtmx:
    """With JavaScript the form is sent by htmx: the results in that one request (decision 0007)."""

    def test_it_answers_the_post_with_the_results_and_the_address_of_the_saved_search(
        self, member_client: Client, org_a: Any
    ) -> None:
        ShareFactory(organisation=org_a, result__candidate__last_name="Wójcik", result__candidate__first_name="Ewa")
        response = member_client.post(
            reverse("results:search"), {"name": "wojcik", "date_of_birth": ""}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Wójcik, Ewa" in page
        address = response["HX-Push-Url"]
        key = re.fullmatch(r"/search/\?q=([\w-]+)", address).group(1)  # type: ignore[union-attr]
        assert "wojcik" not in address
        assert f'<input type="hidden" name="q" value="{key}">' in page
        assert f'<input type="hidden" name="back" value="{address}">' in page  # a download comes back here
        # The pushed address is the saved search: reloading it (or coming back to it) shows the same page.
        again = member_client.get(address)
        assert again.status_code == 200
        assert "Wójcik, Ewa" in again.content.decode()

    def test_a_search_sent_by_htmx_counts_against_the_search_limits_once(
        self, member_client: Client, org_a: Any, settings: Any
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search_user": "2/60"}

        def search() -> int:
            return member_client.post(reverse("results:search"), {"name": "ann"}, HTTP_HX_REQUEST="true").status_code

        assert [search(), search(), search()] == [200, 200, 429]

    def test_an_ern_found_sends_the_browser_to_the_result(self, member_client: Client, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a)
        response = member_client.post(reverse("results:search"), {"ern": share.result.ern}, HTTP_HX_REQUEST="true")
        assert (
            response["HX-Redirect"] == reverse("results:detail", args=[share.result.public_id]) + "?back=%2Fsearch%2F"
        )

    def test_errors_come_back_as_before(self, member_client: Client) -> None:
        response = member_client.post(reverse("results:search"), {"name": ""}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert "Fill in at least one field" in response.content.decode()
        assert "HX-Push-Url" not in response

    def test_without_javascript_it_still_redirects(self, member_client: Client) -> None:
        response = member_client.post(reverse("results:search"), {"name": "ann"})
        assert response.status_code == 302
        assert response["Location"].startswith("/search/?q=")

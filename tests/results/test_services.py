"""Result services: look-up by Exam Reference Number, the Secret Number hash, opening a result."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.core.ratelimit import RateLimited
from rvs.organisations.models import Organisation
from rvs.results.models import ErnGrant, Result
from rvs.results.services import secret_number_hash, secret_number_matches
from rvs.sharing.lookups import ErnNotFound, result_lookup_by_ern, result_open
from tests.factories import CandidateFactory, MembershipFactory, ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db

# Windows of ~11 days: a limit window cannot roll over in the middle of a test.
LONG = 1_000_000


@pytest.fixture
def result() -> Result:
    candidate = CandidateFactory(first_name="Zoë", last_name="Nguyễn Van", date_of_birth=dt.date(2004, 3, 9))
    return ResultFactory(candidate=candidate)


def lookup(actor: Any, organisation: Organisation, ern: str, **kwargs: Any) -> Result:
    return result_lookup_by_ern(actor=actor, organisation=organisation, ern=ern, **kwargs)


def audit_text() -> str:
    return json.dumps([model_to_dict(entry) for entry in AuditEntry.objects.all()], default=str)


class TestResultLookupByErn:
    def test_it_finds_a_result_and_grants_the_organisation(self, member: Any, org_a: Organisation, result: Result):
        before = timezone.now()
        found = lookup(member, org_a, result.ern)
        assert found == result
        grant = ErnGrant.objects.get()
        assert (grant.result, grant.organisation, grant.granted_by) == (result, org_a, member)
        assert before <= grant.granted_at <= timezone.now()
        assert grant.expires_at == grant.granted_at + dt.timedelta(hours=24 * 30)

    def test_it_grants_for_as_long_as_configured(self, member: Any, org_a: Organisation, result: Result, settings):
        settings.ERN_GRANT_HOURS = 2
        lookup(member, org_a, result.ern)
        grant = ErnGrant.objects.get()
        assert grant.expires_at - grant.granted_at == dt.timedelta(hours=2)

    def test_it_accepts_the_ern_as_people_type_it(self, member: Any, org_a: Organisation, result: Result) -> None:
        assert lookup(member, org_a, f" {ern_codec.display(result.ern).lower()} ") == result

    def test_it_audits_a_look_up_with_the_last_four_characters_only(
        self, member: Any, org_a: Organisation, result: Result
    ) -> None:
        lookup(member, org_a, result.ern)
        entry = AuditEntry.objects.get(action="ern.looked_up")
        assert (entry.actor, entry.organisation, entry.object_id) == (member, org_a, str(result.public_id))
        assert entry.data == {"ern_end": result.ern[-4:]}

    def test_it_says_not_found_for_an_unknown_ern_and_grants_nothing(
        self, member: Any, org_a: Organisation, result: Result
    ) -> None:
        unknown = ern_codec.generate()
        with pytest.raises(ErnNotFound):
            lookup(member, org_a, unknown)
        assert not ErnGrant.objects.exists()
        entry = AuditEntry.objects.get(action="ern.lookup_missed")
        assert (entry.actor, entry.organisation, entry.data) == (member, org_a, {"ern_end": unknown[-4:]})

    def test_it_never_writes_a_whole_ern_to_the_audit_log(
        self, member: Any, org_a: Organisation, result: Result
    ) -> None:
        unknown = ern_codec.generate()
        lookup(member, org_a, result.ern)
        with pytest.raises(ErnNotFound):
            lookup(member, org_a, unknown)
        with pytest.raises(ErnNotFound):
            lookup(member, org_a, result.ern, date_of_birth=dt.date(1999, 1, 1))
        logged = audit_text()
        assert AuditEntry.objects.count() == 3
        for value in (result.ern, unknown):
            assert value not in logged
            assert ern_codec.display(value) not in logged
            assert value[:8] not in logged
        assert "1999" not in logged, "no date of birth in the log either"

    def test_it_refuses_a_typo_before_counting_anything(self, member: Any, org_a: Organisation, result: Result):
        typo = result.ern[:-1] + next(ch for ch in "01" if ch != result.ern[-1])
        with pytest.raises(ern_codec.ErnFormatError):
            lookup(member, org_a, typo)
        assert not AuditEntry.objects.exists()
        assert not ErnGrant.objects.exists()

    def test_it_needs_the_right_date_of_birth_when_given(
        self, member: Any, org_a: Organisation, result: Result
    ) -> None:
        with pytest.raises(ErnNotFound):
            lookup(member, org_a, result.ern, date_of_birth=dt.date(2004, 3, 10))
        assert not ErnGrant.objects.exists()
        assert lookup(member, org_a, result.ern, date_of_birth=dt.date(2004, 3, 9)) == result

    @pytest.mark.parametrize("surname", ["Nguyen", "NGUYỄN", "nguyen van", "Van", "van-nguyen"])
    def test_it_accepts_the_surname_however_written(
        self, member: Any, org_a: Organisation, result: Result, surname: str
    ) -> None:
        assert lookup(member, org_a, result.ern, last_name=surname) == result

    @pytest.mark.parametrize("surname", ["Smith", "Nguyen Smith", "Nguy", "-", "’"])
    def test_it_refuses_another_surname(self, member: Any, org_a: Organisation, result: Result, surname: str) -> None:
        with pytest.raises(ErnNotFound):
            lookup(member, org_a, result.ern, last_name=surname)
        assert not ErnGrant.objects.exists()
        assert AuditEntry.objects.filter(action="ern.lookup_missed").count() == 1

    def test_it_answers_a_wrong_detail_like_an_unknown_ern(
        self, member: Any, org_a: Organisation, result: Result
    ) -> None:
        with pytest.raises(ErnNotFound) as wrong_surname:
            lookup(member, org_a, result.ern, last_name="Smith")
        with pytest.raises(ErnNotFound) as unknown:
            lookup(member, org_a, ern_codec.generate())
        assert type(wrong_surname.value) is type(unknown.value)
        assert str(wrong_surname.value) == str(unknown.value)

    def test_it_limits_look_ups_per_user(self, member: Any, org_a: Organisation, result: Result, settings) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_user": f"3/{LONG}"}
        for _ in range(3):
            lookup(member, org_a, result.ern)
        with pytest.raises(RateLimited) as info:
            lookup(member, org_a, result.ern)
        assert info.value.scope == "ern_lookup_user"
        assert info.value.retry_after > 0
        assert ErnGrant.objects.count() == 3
        other = MembershipFactory(organisation=org_a).user
        assert lookup(other, org_a, result.ern) == result, "another user has their own limit"

    def test_it_limits_look_ups_per_organisation(
        self, member: Any, org_a: Organisation, result: Result, settings
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_org": f"2/{LONG}"}
        colleague = MembershipFactory(organisation=org_a).user
        lookup(member, org_a, result.ern)
        lookup(colleague, org_a, result.ern)
        with pytest.raises(RateLimited) as info:
            lookup(colleague, org_a, result.ern)
        assert info.value.scope == "ern_lookup_org"

    def test_it_stops_a_user_who_keeps_missing_even_with_a_right_ern(
        self, member: Any, org_a: Organisation, result: Result, settings
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_miss_user": f"2/{LONG}"}
        for _ in range(2):
            with pytest.raises(ErnNotFound):
                lookup(member, org_a, ern_codec.generate())
        with pytest.raises(RateLimited) as info:
            lookup(member, org_a, result.ern)
        assert info.value.scope == "ern_miss_user"
        assert not ErnGrant.objects.exists()

    def test_it_does_not_count_typos_as_misses(self, member: Any, org_a: Organisation, result: Result, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_miss_user": f"1/{LONG}"}
        for _ in range(5):
            with pytest.raises(ern_codec.ErnFormatError):
                lookup(member, org_a, "not an ern")
        assert lookup(member, org_a, result.ern) == result


class TestSecretNumberHash:
    def test_it_never_stores_the_plain_digits(self) -> None:
        digest = secret_number_hash("ABC123456", "0421")
        assert "0421" not in digest
        assert len(digest) == 64
        int(digest, 16)

    def test_it_is_keyed(self, settings: Any) -> None:
        settings.SECRET_NUMBER_KEY = "first key"
        first = secret_number_hash("ABC123456", "0421")
        settings.SECRET_NUMBER_KEY = "second key"
        assert secret_number_hash("ABC123456", "0421") != first
        settings.SECRET_NUMBER_KEY = "first key"
        assert secret_number_hash("ABC123456", "0421") == first

    def test_it_is_not_a_plain_hash_of_the_digits(self) -> None:
        digest = secret_number_hash("ABC123456", "0421")
        for message in ("0421", "ABC123456:0421", "ABC1234560421"):
            assert digest != hashlib.sha256(message.encode()).hexdigest()

    def test_it_is_salted_with_the_candidate_number_whatever_its_case(self) -> None:
        assert secret_number_hash("ABC123456", "0421") != secret_number_hash("ABC123457", "0421")
        assert secret_number_hash("abc123456", "0421") == secret_number_hash("ABC123456", "0421")

    def test_it_tells_the_right_secret_number(self) -> None:
        candidate = CandidateFactory(secret_number="0421")
        assert secret_number_matches(candidate, "0421")
        assert not secret_number_matches(candidate, "0422")
        assert not secret_number_matches(candidate, "421")


class TestResultOpen:
    def test_it_marks_a_share_viewed_the_first_time_only(self, member: Any, org_a: Organisation) -> None:
        share = ShareFactory(organisation=org_a)
        assert share.is_new
        result_open(actor=member, organisation=org_a, result=share.result, share=share)
        share.refresh_from_db()
        first_viewed = share.first_viewed_at
        assert first_viewed is not None
        assert share.first_viewed_by == member
        assert not share.is_new

        colleague = MembershipFactory(organisation=org_a).user
        result_open(actor=colleague, organisation=org_a, result=share.result, share=share)
        share.refresh_from_db()
        assert (share.first_viewed_at, share.first_viewed_by) == (first_viewed, member)

    def test_it_keeps_the_first_view_even_with_a_stale_share(self, member: Any, org_a: Organisation) -> None:
        share = ShareFactory(organisation=org_a)
        stale = type(share).objects.get(pk=share.pk)
        result_open(actor=member, organisation=org_a, result=share.result, share=share)
        first_viewed = type(share).objects.get(pk=share.pk).first_viewed_at
        colleague = MembershipFactory(organisation=org_a).user
        result_open(actor=colleague, organisation=org_a, result=share.result, share=stale)
        share.refresh_from_db()
        assert (share.first_viewed_at, share.first_viewed_by) == (first_viewed, member)

    def test_it_audits_every_opening(self, member: Any, org_a: Organisation) -> None:
        share = ShareFactory(organisation=org_a)
        for _ in range(2):
            result_open(actor=member, organisation=org_a, result=share.result, share=share)
        entries = AuditEntry.objects.filter(action="result.viewed")
        assert entries.count() == 2
        assert {(e.actor, e.organisation, e.object_id) for e in entries} == {
            (member, org_a, str(share.result.public_id))
        }

    def test_it_opens_a_result_found_by_ern_without_a_share(self, member: Any, org_a: Organisation) -> None:
        result = ResultFactory()
        result_open(actor=member, organisation=org_a, result=result, share=None)
        assert AuditEntry.objects.filter(action="result.viewed", object_id=str(result.public_id)).count() == 1

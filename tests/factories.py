"""factory_boy factories: realistic rows built the way the services build them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from rvs.accounts.models import User
from rvs.core import ern as ern_codec
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import compute, scheme_for
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.services import candidate_sort_name, name_tokens_for, secret_number_hash
from rvs.sharing import search_index
from rvs.sharing.models import Share

PASSWORD = "a long enough passphrase for tests"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"University of Testing {n}")
    kind = Organisation.Kind.UNIVERSITY
    country = "United Kingdom"
    city = "Cambridge"
    website = "https://example.org"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.ADDITIONAL


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"GB{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.city} Language Centre")
    name_folded = factory.LazyAttribute(lambda o: fold(o.name))
    city = "Kraków"
    city_folded = factory.LazyAttribute(lambda o: fold(o.city))
    country = "Poland"


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate
        skip_postgeneration_save = True

    class Params:
        secret_number = "1234"

    candidate_number = factory.Sequence(lambda n: f"ABC{n:06d}")
    secret_hash = factory.LazyAttribute(lambda o: secret_number_hash(o.candidate_number, o.secret_number))
    first_name = "Łukasz"
    last_name = "Wójcik"
    sort_name = factory.LazyAttribute(lambda o: candidate_sort_name(o.first_name, o.last_name))
    date_of_birth = dt.date(2000, 5, 17)
    email = factory.LazyAttribute(lambda o: f"{o.candidate_number.lower()}@mail.example")

    @factory.post_generation
    def tokens(obj: Candidate, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            CandidateNameToken.objects.bulk_create(name_tokens_for([obj]))


DEFAULT_SCORES = {
    "reading": 176,
    "use_of_english": 180,
    "writing": 169,
    "listening": 185,
    "speaking": 178,
    "reading_and_writing": 176,
}


class ResultFactory(factory.django.DjangoModelFactory):
    """A result scored by the real rules; pass ``scores`` (component -> value) to choose them."""

    class Meta:
        model = Result
        skip_postgeneration_save = True

    class Params:
        scores: dict[str, int | str] = DEFAULT_SCORES
        forced_status = ""

    candidate = factory.SubFactory(CandidateFactory)
    exam = factory.LazyFunction(lambda: Exam.objects.get(code="b2-first"))
    centre = factory.SubFactory(CentreFactory)
    exam_date = dt.date(2025, 6, 14)
    ern = factory.LazyFunction(ern_codec.generate)

    @factory.lazy_attribute
    def _outcome(self) -> Any:
        scheme = scheme_for(self.exam.scoring, self.exam_date)
        assert scheme is not None
        used = {c.code: self.scores.get(c.code, 170) for c in scheme.components}
        return compute(scheme, used, status=self.forced_status)

    status = factory.LazyAttribute(lambda o: o._outcome.status)
    overall_score = factory.LazyAttribute(lambda o: o._outcome.overall)
    grade = factory.LazyAttribute(lambda o: o._outcome.grade or "")
    cefr = factory.LazyAttribute(lambda o: o._outcome.cefr or "")
    result_label = factory.LazyAttribute(lambda o: o._outcome.label)

    @classmethod
    def _create(cls, model_class: type[Result], *args: Any, **kwargs: Any) -> Result:
        outcome = kwargs.pop("_outcome")
        result = super()._create(model_class, *args, **kwargs)
        scheme = scheme_for(result.exam.scoring, result.exam_date)
        assert scheme is not None
        ComponentScore.objects.bulk_create(
            ComponentScore(result=result, position=i, code=c.code, label=c.label, score=outcome.components.get(c.code))
            for i, c in enumerate(scheme.components)
            if outcome.components
        )
        return result

    @classmethod
    def _build(cls, model_class: type[Result], *args: Any, **kwargs: Any) -> Result:
        kwargs.pop("_outcome")
        return super()._build(model_class, *args, **kwargs)


class ShareFactory(factory.django.DjangoModelFactory):
    """A share, indexed for the organisation's search as ``share_create`` would index it."""

    class Meta:
        model = Share
        skip_postgeneration_save = True

    result = factory.SubFactory(ResultFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    shared_at = factory.LazyFunction(timezone.now)
    include_photo = False

    @factory.post_generation
    def indexed(obj: Share, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            search_index.refresh_shares([obj.pk])

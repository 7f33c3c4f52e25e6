"""The sample applicant file of bulk verification (``bulk:sample``, issue 17, item 8).

A CSV with exactly the columns the upload reads (``rvs.bulk.verification``) and two example rows:
well-formed Exam Reference Numbers that belong to nobody, so the sample uploaded as it is
answers "not found" for both rather than a format error.
"""

from __future__ import annotations

import csv
import io
import random

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from rvs.core import ern as ern_codec
from rvs.core.permissions import Perm, org_permission_required
from rvs.organisations.http import OrganisationRequest

SAMPLE_HEADER = ["Exam Reference Number", "Name", "Date of birth"]
SAMPLE_FILENAME = "bulk-verification-sample.csv"


def sample_rows() -> list[list[str]]:
    rng = random.Random("bulk-verification-sample")  # the same two numbers every time
    return [
        [ern_codec.display(ern_codec.from_random(rng)), "Jo Bloggs", "2001-04-23"],
        [ern_codec.display(ern_codec.from_random(rng)), "Lan Nguyễn", "1999-11-02"],
    ]


@require_GET
@org_permission_required(Perm.ERN_LOOKUP)
def sample(request: OrganisationRequest) -> HttpResponse:
    text = io.StringIO()
    csv.writer(text).writerows([SAMPLE_HEADER, *sample_rows()])
    # UTF-8 with a byte order mark: spreadsheet programs then read the accents right.
    response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{SAMPLE_FILENAME}"'
    return response

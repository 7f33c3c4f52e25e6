"""The back office's dates typed as three boxes (decision 0031): a correction's date of birth and
the audit log's From and To."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.backoffice.test_backoffice import CORRECTION
from tests.conftest import client_for, staff_client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db


def _boxes(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def test_a_correction_shows_the_date_of_birth_in_three_boxes_and_takes_them(staff: Any) -> None:
    share = ShareFactory(result__candidate__date_of_birth=dt.date(2001, 3, 27))
    result = share.result
    url = reverse("backoffice:result", args=[result.public_id])
    client = staff_client_for(staff)
    page = client.get(url).content.decode()
    assert re.search(r'<fieldset class="date-parts" role="group"[^>]*>\s*<legend>Date of birth</legend>', page)
    for part, value in (("day", "27"), ("month", "3"), ("year", "2001")):
        box = re.search(rf'<input[^>]*name="date_of_birth_{part}"[^>]*>', page)
        assert box, part
        assert f'value="{value}"' in box.group(0)
    assert 'type="date"' not in page

    data = {key: value for key, value in CORRECTION.items() if key != "date_of_birth"}
    wrong = client.post(url, {**data, **_boxes("date_of_birth", "31", "2", "2001")})
    assert wrong.status_code == 400
    assert "Date of birth must be a real date" in wrong.content.decode()
    missing = client.post(url, {**data, **_boxes("date_of_birth", "", "", "")})
    assert "Enter the candidate&#x27;s date of birth" in missing.content.decode()

    assert client.post(url, {**data, **_boxes("date_of_birth", "5", "Nov", "2001")}).status_code == 302
    result.candidate.refresh_from_db()
    assert result.candidate.date_of_birth == dt.date(2001, 11, 5)


def test_the_audit_log_filters_by_dates_typed_in_boxes(staff: Any, member: Any, share_a: Any) -> None:
    client_for(member).get(reverse("results:detail", args=[share_a.result.public_id]))
    client = staff_client_for(staff)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    until_yesterday = _boxes("date_to", str(yesterday.day), str(yesterday.month), str(yesterday.year))
    until_today = _boxes("date_to", str(today.day), str(today.month), str(today.year))
    assert "result.viewed" not in client.get(reverse("backoffice:audit"), until_yesterday).content.decode()
    assert "result.viewed" in client.get(reverse("backoffice:audit"), until_today).content.decode()
    page = client.get(reverse("backoffice:audit"), _boxes("date_from", "1", "13", "2026")).content.decode()
    assert "The ‘From’ date must be a real date" in page

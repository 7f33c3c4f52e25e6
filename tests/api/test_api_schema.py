"""The API does what its schema says (issue 15 §12): statuses per operation, strict 3.0 nulls, bounds, order."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openapi_schema_validator import OAS30StrictValidator
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

from rvs.core.permissions import API_KEY_PERMISSIONS
from tests.api.conftest import api_client
from tests.factories import ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def _view_of(path: str) -> Any:
    from django.urls import resolve

    concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
    return resolve(concrete).func.view_class  # type: ignore[attr-defined]


class TestStatusesPerOperation:
    def test_it_lists_only_the_statuses_each_operation_can_send(self, spec: dict[str, Any]) -> None:
        read_only = API_KEY_PERMISSIONS["read"]
        for operation_id, (path, _method, operation) in _operations(spec).items():
            codes = {int(code) for code in operation["responses"] if int(code) >= 400}
            view = _view_of(path)
            takes_body = "requestBody" in operation
            takes_params = any(p["in"] == "query" for p in operation.get("parameters", []))
            assert (415 in codes) == takes_body, operation_id
            assert (400 in codes) == (takes_body or takes_params), operation_id
            assert (403 in codes) == (view.required_permission not in read_only), operation_id
            assert (409 in codes) == (operation_id == "downloads_file"), operation_id
            if "{" in path:
                assert 404 in codes, operation_id
            assert {401, 429, 503} <= codes, operation_id

    def test_it_sends_415_for_a_body_that_is_not_json(self, api_a: APIClient, spec: dict[str, Any]) -> None:
        for operation_id, (path, method, operation) in _operations(spec).items():
            if "requestBody" not in operation:
                continue
            response = getattr(api_a, method)(path, "ern=X", content_type="application/x-www-form-urlencoded")
            assert response.status_code == 415, operation_id
            assert response["Content-Type"] == "application/problem+json"

    def test_it_answers_a_method_a_path_does_not_have_with_a_405_problem(self, api_a: APIClient) -> None:
        response = api_a.delete(reverse("api:exams"))
        assert response.status_code == 405
        assert response["Content-Type"] == "application/problem+json"
        assert response["Allow"]
        assert "405" in spec_description()

    def test_it_documents_the_web_servers_414(self) -> None:
        api_doc = (ROOT / "docs" / "api.md").read_text()
        assert "414" in api_doc
        assert "4,094" in api_doc
        assert "414" in spec_description()


def spec_description() -> str:
    return str(settings.SPECTACULAR_SETTINGS["DESCRIPTION"])


class TestStrictNulls:
    def test_it_is_a_valid_openapi_3_0_document(self, spec: dict[str, Any]) -> None:
        assert spec["openapi"].startswith("3.0")
        validate_spec(spec)

    def test_it_lets_null_through_every_nullable_property_for_a_strict_validator(self, spec: dict[str, Any]) -> None:
        checked = 0
        for name, component in spec["components"]["schemas"].items():
            for prop, schema in component.get("properties", {}).items():
                text = str(schema)
                if "nullable" not in text:
                    continue
                validator = OAS30StrictValidator({**schema, "components": spec["components"]})
                assert not list(validator.iter_errors(None)), f"{name}.{prop}"
                checked += 1
        assert checked >= 10

    def test_it_sends_nulls_a_strict_validator_accepts(self, api_a: APIClient, spec: dict[str, Any]) -> None:
        unshared = ResultFactory()
        body = api_a.post(reverse("api:verify"), {"ern": unshared.ern}, format="json").json()
        assert (body["share"], body["verdict"], body["name_match"]) == (None, None, None)
        ref = {"$ref": "#/components/schemas/Result", "components": spec["components"]}
        assert not [e.message for e in OAS30StrictValidator(ref).iter_errors(body)]


class TestBounds:
    @pytest.mark.parametrize("size", ["0", "101", "-1", "many"])
    def test_it_refuses_a_page_size_outside_1_to_100(self, api_a: APIClient, size: str) -> None:
        response = api_a.get(reverse("api:results"), {"page_size": size})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "page_size"

    @pytest.mark.parametrize("limit", ["0", "501", "x"])
    def test_it_refuses_a_changes_limit_outside_1_to_500(self, api_a: APIClient, limit: str) -> None:
        response = api_a.get(reverse("api:changes"), {"limit": limit})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "limit"

    def test_it_accepts_the_bounds_themselves(self, api_a: APIClient) -> None:
        assert api_a.get(reverse("api:results"), {"page_size": "100"}).status_code == 200
        assert api_a.get(reverse("api:results"), {"page_size": "1"}).status_code == 200
        assert api_a.get(reverse("api:changes"), {"limit": "500"}).status_code == 200

    def test_it_puts_the_bounds_in_the_schema(self, spec: dict[str, Any]) -> None:
        operations = _operations(spec)

        def param(operation_id: str, name: str) -> dict[str, Any]:
            params = operations[operation_id][2]["parameters"]
            return next(p["schema"] for p in params if p["name"] == name)  # type: ignore[no-any-return]

        page_size, limit = param("results_list", "page_size"), param("changes", "limit")
        assert (page_size["minimum"], page_size["maximum"]) == (1, 100)
        assert (limit["minimum"], limit["maximum"]) == (1, 500)


class TestNewestShareFirst:
    def test_it_orders_by_when_the_result_was_shared_not_by_row(self, api_a: APIClient, org_a: Any) -> None:
        now = timezone.now()
        # Rows made in another order than their shares (an import, a seeded database): ids say nothing.
        middle = ShareFactory(organisation=org_a, shared_at=now - dt.timedelta(days=2))
        newest = ShareFactory(organisation=org_a, shared_at=now - dt.timedelta(hours=1))
        oldest = ShareFactory(organisation=org_a, shared_at=now - dt.timedelta(days=30))
        same_moment = ShareFactory(organisation=org_a, shared_at=middle.shared_at)
        expected = [newest, same_moment, middle, oldest]
        body = api_a.get(reverse("api:results")).json()
        assert [r["id"] for r in body["results"]] == [str(s.result.public_id) for s in expected]
        # One at a time through the cursor: the same order, nothing twice, nothing missed.
        seen, url = [], reverse("api:results") + "?page_size=1"
        while url:
            page = api_a.get(url).json()
            seen += [r["id"] for r in page["results"]]
            url = page["next"]
        assert seen == [str(s.result.public_id) for s in expected]

    def test_it_refuses_a_cursor_whose_position_is_not_a_time(self, api_a: APIClient) -> None:
        import base64

        forged = base64.b64encode(b"o=0&r=0&p=12345").decode()
        response = api_a.get(reverse("api:results"), {"cursor": forged})
        assert response.status_code == 400


def test_it_lists_every_rvs_setting_in_the_operations_guide() -> None:
    read = set(re.findall(r"\"(RVS_[A-Z0-9_]+)\"", (ROOT / "config" / "settings.py").read_text()))
    guide = (ROOT / "docs" / "operations.md").read_text()
    missing = sorted(name for name in read if name not in guide)
    assert len(read) > 40
    assert not missing, missing


def test_it_refuses_clients_without_a_key_on_every_operation(spec: dict[str, Any]) -> None:
    for operation_id, (path, method, _operation) in _operations(spec).items():
        concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
        response = getattr(api_client(), method)(concrete, {}, format="json")
        assert response.status_code == 401, operation_id

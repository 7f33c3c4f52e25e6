"""What the OpenAPI schema says about every operation: its error statuses, rate headers, null values.

Each operation lists the problem statuses it can actually send (``problem_responses``), built from
the facts of its view (``statuses``): a request body can be refused as 415, only a path id, an ERN
or a template can be not found, only the download operations refuse a read-only key, only a file can
be not ready yet. ``tests/api/test_api_schema.py`` holds the schema to those facts.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from rvs.api import serializers as s

PROBLEM_DESCRIPTIONS = {
    400: "The request is invalid: each problem is listed in errors (field and message).",
    401: "No API key, or one that is not valid, has expired or has been revoked.",
    403: "The key may not do this (a read-only key making or fetching downloads).",
    404: "No such resource, or not one your organisation can see (the same answer for both).",
    409: "Not ready yet (a download still being made).",
    415: "The body is not JSON: send it with Content-Type: application/json.",
    429: "Too many requests (this key, your organisation, your address, or ERN look-ups); wait Retry-After seconds.",
    503: "The service cannot count requests at the moment (its cache is down); wait Retry-After seconds.",
}
# Every operation: a key is needed, requests are counted, and counting can be unavailable.
ALWAYS = (401, 429, 503)


def statuses(
    *, params: bool = False, body: bool = False, lookup: bool = False, downloads: bool = False, file: bool = False
) -> tuple[int, ...]:
    """The problem statuses an operation can send, from what it takes and does.

    ``params``/``body``: it validates query parameters / a JSON body (400; a body also 415).
    ``lookup``: it finds something by an id or ERN the client gives (404). ``downloads``: it needs a
    read-and-write key (403). ``file``: it serves a file that may not be ready (409).
    """
    codes = set(ALWAYS)
    if params or body:
        codes.add(400)
    if body:
        codes.add(415)
    if lookup:
        codes.add(404)
    if downloads:
        codes.add(403)
    if file:
        codes.add(409)
    return tuple(sorted(codes))


def problem_responses(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    """Error responses as RFC 9457 problem details, under the media type they are sent with."""
    return {
        (code, "application/problem+json"): OpenApiResponse(s.ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code])
        for code in codes
    }


RATE_HEADERS = [
    OpenApiParameter(
        "X-RateLimit-Limit", int, OpenApiParameter.HEADER, response=True,
        description="Requests this key may make in the current window.",
    ),
    OpenApiParameter(
        "X-RateLimit-Remaining", int, OpenApiParameter.HEADER, response=True,
        description="Requests left in the current window.",
    ),
    OpenApiParameter(
        "X-RateLimit-Reset", int, OpenApiParameter.HEADER, response=True,
        description="Seconds until the window starts again.",
    ),
    OpenApiParameter(
        "Retry-After", int, OpenApiParameter.HEADER, response=[429, 503],
        description="Seconds to wait before retrying.",
    ),
]  # fmt: skip

# OpenAPI 3.0's way to allow null where a schema has no ``type`` of its own (a reference): ``nullable``
# only takes effect next to ``type`` (3.0.3, "nullable"), so ``allOf: [$ref], nullable: true`` lets no
# null through a strict validator. A branch that is only null does.
NULL_BRANCH: dict[str, Any] = {"type": "object", "nullable": True, "enum": [None]}


def _strict_nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _strict_nullable(value) for key, value in node.items()}
    if node.get("nullable") is True and "type" not in node:
        node.pop("nullable")
        if len(node.get("allOf", ())) == 1:
            node["oneOf"] = [node.pop("allOf")[0], NULL_BRANCH]
        elif "oneOf" in node or "anyOf" in node:
            branches = "oneOf" if "oneOf" in node else "anyOf"
            node[branches] = [*node[branches], NULL_BRANCH]
        elif "$ref" in node:
            node = {"oneOf": [{"$ref": node.pop("$ref")}, NULL_BRANCH], **node}
    return node


def strict_nullable_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every nullable schema lets null through strict 3.0 validators."""
    return _strict_nullable(result)

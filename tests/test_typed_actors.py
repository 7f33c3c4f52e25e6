"""Issue 16, item 6: typed actors (decision 0026).

"80 % of organisation / actor / user / candidate parameters are typed ``Any``, with 61
``type: ignore[attr-defined]``." These tests read the source under ``rvs/`` (AST and lines) and fail
when such a parameter is typed ``Any`` again, when a view reads ``request.organisation`` (or the
candidate's ``request.candidate``) through a ``type: ignore`` instead of the typed request, or when
the strict mypy settings on ``rvs/core`` and the services are dropped.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse

from rvs.api.actors import Actor
from rvs.core import actors
from rvs.core.permissions import Perm, org_permission_required

ROOT = Path(__file__).resolve().parent.parent
# Who acts and for whom: these parameters name a user, an API key, an organisation, a membership or a candidate.
ACTOR_NAMES = {"actor", "user", "organisation", "membership", "candidate", "account"}
STRICT_FLAGS = (
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
)
STRICT_MODULES = ("rvs.core.*", "rvs.*.services", "rvs.*.services.*", "rvs.sharing.lookups")
# Attributes the permission decorators set on the request: read through the typed requests.
REQUEST_ATTRIBUTES = re.compile(r"request\.(organisation|membership|candidate_account|candidate|htmx)\b")


def _modules() -> list[Path]:
    return sorted(path for path in (ROOT / "rvs").rglob("*.py") if "migrations" not in path.parts)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_actor_or_organisation_parameter_is_typed_any() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            for argument in arguments:
                annotation = ast.unparse(argument.annotation) if argument.annotation is not None else ""
                if argument.arg in ACTOR_NAMES and re.search(r"\bAny\b", annotation):
                    found.append(f"{_relative(path)}:{node.lineno} {node.name}({argument.arg}: {annotation})")
    assert not found, "Type these with the models, or ActorLike / OrganisationLike in core:\n" + "\n".join(found)


def test_views_read_the_request_attributes_through_a_typed_request() -> None:
    found = [
        f"{_relative(path)}:{number}: {line.strip()}"
        for path in _modules()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if REQUEST_ATTRIBUTES.search(line) and "type: ignore" in line
    ]
    assert not found, "Annotate the view's request (OrganisationRequest, CandidateRequest):\n" + "\n".join(found)


def test_mypy_is_strict_on_core_and_the_services() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    strict = [
        override
        for override in config.get("overrides", [])
        if set(STRICT_MODULES)
        <= set(override["module"] if isinstance(override["module"], list) else [override["module"]])
    ]
    assert strict, f"no [[tool.mypy.overrides]] for {STRICT_MODULES}"
    assert all(strict[0].get(flag) is True for flag in STRICT_FLAGS), strict[0]
    assert config.get("warn_unused_ignores") is True
    # ``strict = true`` in an override turns the flags on for every module (mypy reads it as global).
    assert "strict" not in strict[0]


def test_the_core_protocols_read_users_keys_and_anonymous_users_alike(primary, org_a) -> None:
    from rvs.api import keys

    key, _ = keys.key_create(actor=primary, organisation=org_a, name="Typed", scope="read")
    assert (actors.user_of(primary), actors.user_of(key), actors.user_of(AnonymousUser())) == (primary, None, None)
    assert actors.user_of("system") is None
    assert (actors.is_api_key(key), actors.is_api_key(primary)) == (True, False)
    assert actors.actor_key(primary) == f"user:{primary.pk}"
    assert actors.actor_key(key) == f"key:{key.pk}"
    assert actors.actor_label(key) == f"API key “Typed” (rvs_{key.prefix})"
    assert actors.actor_label(primary) == primary.email
    assert actors.actor_label(AnonymousUser()) == ""
    assert Actor.__args__ == (type(primary), type(key))


def test_org_permission_required_sets_the_typed_request(rf, primary, org_a) -> None:
    seen = {}

    @org_permission_required(Perm.RESULTS_VIEW)
    def view(request, value):
        seen.update(organisation=request.organisation, membership=request.membership, value=value)
        return HttpResponse("ok")

    request = rf.get("/")
    request.user = primary
    request.session = {}
    assert view(request, value=3).status_code == 200
    assert seen == {"organisation": org_a, "membership": primary.membership, "value": 3}
    assert view.required_permission == Perm.RESULTS_VIEW

"""Issue 16, item 2: the apps are layered, and an arrow only points down (decision 0023).

This test reads every module under ``rvs/`` (its ``import`` statements, also those inside
functions, and the models it names by string in a relation) and fails on an import that points
up or sideways. The rules, written down in ``docs/architecture.md`` (Layers):

1. A module may import its own app and the apps of lower layers, never an app of its own layer
   or a higher one.
2. An interface module (``views``, ``urls``, ``forms``, ``admin``, ``*_views``, ``*_urls``,
   template tags, management commands) may also import the *domain* modules (anything that is
   not an interface module) of any app: the pages sit on top of every domain. It may not import
   a higher app's interface modules.
3. ``core`` imports no feature app, not even from its interface modules; nothing imports ``demo``.
4. Imports under ``if TYPE_CHECKING:`` are exempt: they are types, not a dependency at run time.
5. A relation to a model named by string (``ForeignKey("results.Result")``) follows rule 1.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first; apps on one line are one layer and may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("accounts",),
    ("exams",),
    ("organisations",),
    ("results",),
    ("sharing",),
    ("requirements",),
    ("downloads",),
    ("candidates", "bulk"),
    ("api", "backoffice"),
    ("developers",),
    ("demo",),
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
INTERFACE_NAMES = {"views", "urls", "forms", "admin"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}

# (module, what it imports or names) -> why it may. Each is in decision 0023.
EXCEPTIONS = {
    ("rvs/core/models.py", "organisations.Organisation"): (
        "AuditEntry.organisation and Event.organisation: the audit log and the events feed are kept per "
        "organisation; core stores the reference and never reads the organisation's fields"
    ),
    ("rvs/core/models.py", "results.Result"): "Event.result: the result an event is about, stored, not read",
}


@dataclass(frozen=True)
class Module:
    name: str  # rvs.results.views
    path: str  # rvs/results/views.py

    @property
    def app(self) -> str:
        return self.name.split(".")[1]

    @property
    def is_interface(self) -> bool:
        return is_interface(self.name)


def is_interface(name: str) -> bool:
    parts = name.split(".")
    last = parts[-1]
    return (
        last in INTERFACE_NAMES
        or last.endswith(("_views", "_urls"))
        or "templatetags" in parts
        or ("management" in parts and "commands" in parts)
    )


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def _imported(module: Module, node: ast.AST) -> list[str]:
    """The ``rvs`` modules an import statement reaches (``from rvs.x import y``: ``rvs.x.y`` if a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's package, up ``level - 1`` more
        package = module.name.split(".")
        if not module.path.endswith("__init__.py"):
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, *([base] if base else [])])
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name if _is_module(name) else base for name in names]


def _named_models(node: ast.AST) -> list[str]:
    """``"app.Model"`` named by a relation field: ``ForeignKey("results.Result", ...)`` or ``to="..."``."""
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    field = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if field not in RELATION_FIELDS:
        return []
    targets = [*node.args[:1], *(keyword.value for keyword in node.keywords if keyword.arg == "to")]
    return [
        target.value
        for target in targets
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and target.value.count(".") == 1
    ]


def may_import(module: Module, target: str) -> bool:
    """Whether ``module`` may import ``target`` (a module name, ``rvs.x.y``)."""
    parts = target.split(".")
    if parts[0] != "rvs" or len(parts) < 2 or parts[1] not in RANK or parts[1] == module.app:
        return True
    app = parts[1]
    if module.app == "core" or app == "demo":
        return False
    if RANK[app] < RANK[module.app]:
        return True
    return module.is_interface and len(parts) > 2 and not is_interface(target)


def may_name(module: Module, model: str) -> bool:
    """Whether ``module`` may name ``model`` (``"app_label.Model"``) in a relation."""
    app = model.split(".")[0]
    return app not in RANK or app == module.app or RANK[app] < RANK[module.app]


def violations(module: Module, source: str) -> list[str]:
    """Each upward or sideways import of ``module`` (``line: target``)."""
    tree = ast.parse(source)
    exempt = _type_checking_nodes(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        line = getattr(node, "lineno", 0)
        found += [f"{line}: {target}" for target in _imported(module, node) if not may_import(module, target)]
        found += [f"{line}: {model}" for model in _named_models(node) if not may_name(module, model)]
    return found


def _modules() -> list[Module]:
    modules = []
    for path in sorted((ROOT / "rvs").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if len(relative.parts) < 3 or "migrations" in relative.parts:
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        modules.append(Module(name=name, path=relative.as_posix()))
    return modules


def _target(finding: str) -> str:
    return finding.split(": ", 1)[1]


# --- the check catches what it must, and lets through what the rules allow --------------------------


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("rvs/core/events.py", "from rvs.api.webhooks import dispatch_event"),
        ("rvs/core/events.py", "def dispatch(pk):\n    from rvs.api import webhooks\n    webhooks.dispatch_event(pk)"),
        ("rvs/core/views.py", "from rvs.candidates.permissions import candidate_account_of"),
        ("rvs/results/services.py", "from rvs.sharing import access"),
        ("rvs/results/services.py", "import rvs.downloads.exporters"),
        ("rvs/organisations/services.py", "from rvs.backoffice.permissions import staff_can"),
        ("rvs/organisations/urls.py", "from rvs.backoffice import audit_views"),
        ("rvs/candidates/services.py", "from rvs.bulk import verification"),
        ("rvs/api/views.py", "from rvs.demo import seed"),
        ("rvs/accounts/urls.py", "from rvs.organisations import views"),
        ("rvs/results/models.py", 'share = models.ForeignKey("sharing.Share", on_delete=models.CASCADE)'),
        ("rvs/exams/models.py", 'results = models.ManyToManyField(to="results.Result")'),
    ],
)
def test_the_check_catches_an_import_that_points_up(path: str, source: str) -> None:
    module = Module(name=path.removesuffix(".py").replace("/", "."), path=path)
    assert violations(module, source), source


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("rvs/results/services.py", "from rvs.exams.scoring import compute\nfrom rvs.core import ern"),
        ("rvs/results/views.py", "from rvs.sharing import access\nfrom rvs.downloads import selectors"),
        ("rvs/exams/management/commands/load_catalogue.py", "from rvs.sharing import search_index"),
        ("rvs/backoffice/urls.py", "from rvs.accounts import two_factor_views"),
        (
            "rvs/results/services.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rvs.sharing import access",
        ),
        ("rvs/results/services.py", "from . import models\nfrom .models import Result"),
        ("rvs/sharing/models.py", 'result = models.ForeignKey("results.Result", on_delete=models.CASCADE)'),
    ],
)
def test_the_check_allows_what_the_rules_allow(path: str, source: str) -> None:
    module = Module(name=path.removesuffix(".py").replace("/", "."), path=path)
    assert not violations(module, source), source


# --- the code base ----------------------------------------------------------------------------------


def test_every_app_has_a_layer() -> None:
    apps = {path.parent.name for path in (ROOT / "rvs").glob("*/__init__.py")}
    assert apps == set(RANK), f"place each app in LAYERS: {sorted(apps ^ set(RANK))}"


def test_every_import_points_down() -> None:
    found = {}
    for module in _modules():
        upward = [
            finding
            for finding in violations(module, (ROOT / module.path).read_text())
            if (module.path, _target(finding)) not in EXCEPTIONS
        ]
        if upward:
            found[module.path] = upward
    assert not found, f"imports that point up or sideways (docs/architecture.md, Layers): {found}"


def renders_pages(source: str) -> bool:
    """Whether a module renders pages (``django.shortcuts.render``) or routes them (``urlpatterns``)."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "django.shortcuts"
            and any(alias.name == "render" for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "urlpatterns" for t in node.targets):
            return True
    return False


def test_pages_are_served_from_interface_modules() -> None:
    """Rule 2 goes by a module's name; a module of views named otherwise would escape it."""
    misnamed = [
        module.path
        for module in _modules()
        if not module.is_interface and renders_pages((ROOT / module.path).read_text())
    ]
    assert not misnamed, f"name them views.py, urls.py or *_views.py: {misnamed}"


def test_every_exception_is_still_needed() -> None:
    stale = [
        key
        for key in EXCEPTIONS
        if key[1]
        not in {
            _target(f) for f in violations(Module(key[0][:-3].replace("/", "."), key[0]), (ROOT / key[0]).read_text())
        }
    ]
    assert not stale, f"no longer needed; take it off EXCEPTIONS and decision 0023: {stale}"

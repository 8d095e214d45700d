"""The packages of `pipelines` form layers, and a module imports only from its own layer or
the ones below it, so there are no import cycles between packages:

- core: configuration (Settings), the warehouse resource, the lock, progress, errors; the
  code tables
- contracts: the input contract the ingestion enforces and the generator follows
- ingestion and the demo generator
- the warehouse build (dbt) and its checks (Great Expectations)
- consumers of the marts: forecasts, the serving copy, reports, the dashboard
- orchestration: jobs, schedules, sensors, the run driver, back-up, the UI, the Definitions
  and the command line

Imports inside functions count too: a lazy import is still a dependency. Nothing in
`pipelines` writes the process environment: settings travel as `Settings` or the
`warehouse` resource.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipelines"

LAYERS = [
    ("core", ("pipelines", "pipelines.core", "pipelines.codes")),
    ("contracts", ("pipelines.contracts",)),
    ("ingestion and generator", ("pipelines.ingest", "pipelines.synth", "pipelines.customers")),
    ("warehouse build and checks", ("pipelines.dbt", "pipelines.quality")),
    ("consumers", ("pipelines.forecast", "pipelines.serving", "pipelines.reports",
                   "pipelines.dashboard", "pipelines.reminders")),
    ("orchestration", ("pipelines.orchestration", "pipelines.definitions", "pipelines.cli")),
]

def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that names `module` or a package above it."""
    best, found = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    if found is None:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {__file__}")
    return found


def imported_modules(path: Path) -> set[str]:
    """Every `pipelines` module that `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pipelines"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipelines":
            found.add(node.module)
            # `from pipelines.ingest import raw_layer` imports the module raw_layer
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES}
    return found


def test_every_module_imports():
    for name in MODULES:
        importlib.import_module(name)


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for name, path in MODULES.items():
        own = layer_of(name)
        for imported in imported_modules(path):
            if layer_of(imported) > own:
                upward.append(f"{name} ({LAYERS[own][0]}) imports {imported} ({LAYERS[layer_of(imported)][0]})")
    assert upward == []


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_import_cycles_between_packages():
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph.setdefault(_package(name), set()).update(
            _package(m) for m in imported_modules(path) if _package(m) != _package(name))
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in graph.get(node, ()):
            if nxt in trail:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif len(trail) < len(graph):
                visit(nxt, trail + [nxt])

    for start in graph:
        visit(start, [start])
    assert cycles == []


def _writes_environment(tree: ast.AST) -> bool:
    def is_environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        if any(isinstance(t, ast.Subscript) and is_environ(t.value) for t in targets):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func
            if is_environ(method.value) and method.attr in ("update", "setdefault", "pop", "popitem", "clear", "__setitem__"):
                return True
            if method.attr in ("putenv", "unsetenv"):
                return True
    return False


@pytest.mark.parametrize("source", [
    "import os\nos.environ['DCW_AS_OF'] = '2025-01-01'\n",
    "import os\nos.environ.update(DCW_WAREHOUSE='x')\n",
    "import os\nos.environ.setdefault('GX_ANALYTICS_ENABLED', 'False')\n",
    "import os\ndel os.environ['DCW_RAW']\n",
])
def test_the_environment_check_sees_a_write(source):
    assert _writes_environment(ast.parse(source))


# The one exception: a process of its own taking on its caller's environment, as a process the
# caller started would have it. The warm dbt server's forked child becomes dbt's process for
# one caller (pipelines/dbt_server.py); the server and every dcw process keep theirs.
CALLER_ENVIRONMENT_TAKEN = ["pipelines/dbt_server.py"]


def test_nothing_in_pipelines_writes_the_environment():
    writers = [str(p.relative_to(PACKAGE.parent)) for p in MODULES.values()
               if _writes_environment(ast.parse(p.read_text(encoding="utf-8")))]
    assert writers == CALLER_ENVIRONMENT_TAKEN

"""The dbt warehouse (dbt_project/) as Dagster assets, and `build_warehouse` for the CLI.

The dbt models read the raw layer that the ingestion writes (`raw.<table>`, asset keys
`raw/<table>`) and build the staging, intermediate and marts schemas. The warehouse path
reaches dbt through `DCW_WAREHOUSE` (read by `dbt_project/profiles.yml`), the same
variable every other part of dcw reads.
"""

import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from itertools import takewhile
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.config import PROJECT_ROOT, UserError, settings
from pipelines.ops.lock import warehouse_lock

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# Layers of the project: the folder under models/ is both the schema and the Dagster group.
LAYERS = ("staging", "intermediate", "marts")


class WarehouseBuildError(UserError):
    """dbt could not build the warehouse: a model failed or a data test found bad rows."""


def _project_sources() -> Iterator[Path]:
    for sub in ("models", "macros", "tests"):
        yield from (p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file())
    yield DBT_PROJECT_DIR / "dbt_project.yml"
    yield DBT_PROJECT_DIR / "profiles.yml"


def manifest_is_stale() -> bool:
    """True when target/manifest.json is missing or older than any file of the project."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _project_sources())


def ensure_manifest(force: bool = False) -> Path:
    """Make sure dbt_project/target/manifest.json exists and matches the project files,
    running `dbt parse` when it does not (or when `force`). Returns the manifest path.

    `@dbt_assets` reads the manifest when this module is imported, so the import calls this;
    a fresh checkout (CI, a new machine) has no target/ folder until then. dbt parses into a
    private folder and the manifest is moved into place in one step, so parallel callers
    (pytest-xdist workers, the CLI beside `dagster dev`) never read a half-written file.
    """
    if not (force or manifest_is_stale()):
        return dbt_project.manifest_path
    target = DBT_PROJECT_DIR / dbt_project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="parse-", dir=target) as scratch:
        _invoke_dbt(["parse"], Path(scratch), warehouse=None)
        os.replace(Path(scratch) / "manifest.json", dbt_project.manifest_path)
    return dbt_project.manifest_path


class DcwDbtTranslator(DagsterDbtTranslator):
    """Models are keyed `<layer>/<model>` (e.g. `marts/fct_price_deviation`) and grouped by
    their folder (staging, intermediate, marts); sources keep the `raw/<table>` keys that their
    `meta.dagster.asset_key` names, so they join the ingestion's assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            return AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return _layer(dbt_resource_props)
        return super().get_group_name(dbt_resource_props)


def _layer(props: Mapping[str, Any]) -> str:
    return props["fqn"][1]  # fqn is [project, folder under models/, model]


translator = DcwDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_resource() -> DbtCliResource:
    """The `dbt` resource that `dbt_warehouse_assets` needs."""
    # the venv's dbt, which is not on PATH when python is run as .venv/bin/python
    beside_python = Path(sys.executable).with_name("dbt")
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=os.fspath(DBT_PROJECT_DIR),
        dbt_executable=os.fspath(beside_python) if beside_python.exists() else "dbt",
    )


@contextmanager
def _warehouse_env(warehouse: Path | None) -> Iterator[None]:
    """DCW_WAREHOUSE set to the absolute warehouse path while dbt runs (profiles.yml reads
    it; a relative path would resolve against dbt's working directory)."""
    if warehouse is None:
        yield
        return
    previous = os.environ.get("DCW_WAREHOUSE")
    os.environ["DCW_WAREHOUSE"] = os.fspath(Path(warehouse).resolve())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DCW_WAREHOUSE", None)
        else:
            os.environ["DCW_WAREHOUSE"] = previous


def build_args(as_of: date | None) -> list[str]:
    """`dbt build` with the business date as dbt var `as_of` (the marts judge due dates
    against it; without it dbt uses the day of the build)."""
    if as_of is None:
        return ["build"]
    return ["build", "--vars", json.dumps({"as_of": as_of.isoformat()})]


def build_warehouse(warehouse: Path, as_of: date | None = None) -> None:
    """Run `dbt build` (every model and data test) against the DuckDB file `warehouse`, as
    of the business date `as_of` (default: today).

    Raises WarehouseBuildError naming each model or test that failed (and why) in one line.
    """
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dcw-dbt-") as target:
        _invoke_dbt(build_args(as_of), Path(target), warehouse=warehouse)


def generate_docs(warehouse: Path, out: Path) -> Path:
    """`dbt docs generate` against `warehouse` (built): writes index.html, manifest.json and
    catalog.json (the columns as built, with their descriptions) into `out`; returns
    out/index.html."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _invoke_dbt(["docs", "generate"], out, warehouse=Path(warehouse))
    return out / "index.html"


def _invoke_dbt(args: list[str], target: Path, warehouse: Path | None) -> None:
    """dbt in this process (no `dbt` executable on PATH needed), artifacts and logs in
    `target`; raises WarehouseBuildError naming what failed."""
    from dbt.cli.main import dbtRunner

    with _warehouse_env(warehouse):
        try:
            result = dbtRunner().invoke([
                *args,
                "--project-dir", os.fspath(DBT_PROJECT_DIR),
                "--profiles-dir", os.fspath(DBT_PROJECT_DIR),
                "--target-path", os.fspath(target),
                "--log-path", os.fspath(target),
                "--quiet",
            ])
        finally:
            _release_duckdb()
    what = "dbt " + " ".join(takewhile(lambda a: not a.startswith("-"), args))  # no option values
    if result.exception is not None:
        raise WarehouseBuildError(f"{what} could not run: {_one_line(result.exception)}") from None
    failures = _failures(result.result)
    if failures or not result.success:
        shown = "; ".join(failures[:MAX_FAILURES_SHOWN]) or f"see the dbt log in {target}"
        more = len(failures) - MAX_FAILURES_SHOWN
        raise WarehouseBuildError(f"{what} failed: {shown}" + (f" (and {more} more)" if more > 0 else ""))


def _release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open for the life of the process: the caller
    (tests, the CLI's next steps, Great Expectations) opens the same file next."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter (Spark) holds no file open
        return
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


MAX_FAILURES_SHOWN = 5


def _one_line(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failures(run_result: Any) -> list[str]:
    """'<kind> <name>: <message>' for each node that errored or failed."""
    out = []
    for r in getattr(run_result, "results", None) or []:
        status = str(r.status).lower()
        if status in ("error", "fail", "runtime error"):
            node = r.node
            out.append(f"{node.resource_type} {node.name}: {_one_line(r.message or status)}")
    return out


ensure_manifest()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
)
def dbt_warehouse_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    """Every dbt model of the warehouse, as of DCW_AS_OF; dbt's data tests run as asset
    checks."""
    cfg = settings()
    warehouse = Path(cfg.warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(warehouse, log=context.log.info), _warehouse_env(warehouse):
        yield from dbt.cli(build_args(cfg.as_of), context=context).stream()

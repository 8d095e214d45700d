"""The dbt warehouse (dbt_project/) as Dagster assets, and `build_warehouse` for the CLI.

The dbt models read the raw layer that the ingestion writes (Parquet under `DCW_RAW`, asset
keys `raw/<table>`) and build the staging, intermediate and marts schemas. The paths reach
dbt through environment variables that `dbt_project/profiles.yml` and the sources read:
`DCW_WAREHOUSE` and `DCW_RAW`, the same variables every other part of dcw reads, and
`DCW_SPARK_DIR` for the spark target.

The same models build on two dbt targets (`DCW_DBT_TARGET`): `duckdb`, the embedded default,
and `spark` (dbt-spark in this process on a local pyspark; `pip install -e .[spark]`, Java
17+), whose tables and catalog live beside the warehouse file (`spark_dir`).
"""

import os
import secrets
import shutil
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

from pipelines.config import PROJECT_ROOT, UserError, raw_dir, settings
from pipelines.ops.lock import warehouse_lock

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# Layers of the project: the folder under models/ is both the schema and the Dagster group.
LAYERS = ("staging", "intermediate", "marts")

# The dbt targets of profiles.yml.
TARGETS = ("duckdb", "spark")


class WarehouseBuildError(UserError):
    """dbt could not build the warehouse: a model failed or a data test found bad rows."""


def _project_sources() -> Iterator[Path]:
    for sub in ("models", "macros", "tests", "seeds"):
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
    """Models are keyed `<layer>/<model>` (e.g. `marts/fct_price_deviation`): the layer is the
    folder under models/ and the schema. A mart is grouped by its domain folder
    (models/marts/<domain>/, dbt_project/README.md), a staging or intermediate model by its
    layer. Sources keep the `raw/<table>` keys that their `meta.dagster.asset_key` names, so
    they join the ingestion's assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            return AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return model_group(dbt_resource_props["fqn"])
        return super().get_group_name(dbt_resource_props)


def _layer(props: Mapping[str, Any]) -> str:
    return props["fqn"][1]  # fqn is [project, folder under models/, ..., model]


def model_group(fqn: list[str]) -> str:
    """The Dagster group of the model with dbt fqn `fqn`: the domain folder of a mart
    (['dcw', 'marts', 'finance', 'fct_expense_writeoff'] -> finance), else its layer."""
    layer = fqn[1]
    return fqn[2] if layer == "marts" and len(fqn) > 3 else layer


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


def spark_dir(warehouse: Path) -> Path:
    """Where the spark target keeps its tables (`warehouse/<schema>.db/<table>`, Parquet) and
    their catalog (a Derby metastore): beside the warehouse file and named after it
    (data/warehouse.duckdb -> data/warehouse_spark), as the raw layer is."""
    return warehouse.with_name(warehouse.stem + "_spark")


@contextmanager
def _dbt_env(warehouse: Path | None, target: str = "duckdb", as_of: date | None = None) -> Iterator[None]:
    """While dbt runs: DCW_WAREHOUSE, DCW_RAW and DCW_SPARK_DIR set to absolute paths for
    `warehouse` (profiles.yml and the sources read them; a relative path would resolve
    against dbt's working directory), DCW_DBT_TARGET to `target` and, when given, DCW_AS_OF
    to the business date `as_of` (the as_of_date macro reads it)."""
    if warehouse is None:
        yield
        return
    warehouse = Path(warehouse).resolve()
    values = {
        "DCW_WAREHOUSE": warehouse,
        "DCW_RAW": raw_dir(warehouse).resolve(),
        "DCW_SPARK_DIR": spark_dir(warehouse),
        "DCW_DBT_TARGET": target,
    }
    if as_of is not None:
        values["DCW_AS_OF"] = as_of.isoformat()
    previous = {var: os.environ.get(var) for var in values}
    os.environ.update({var: os.fspath(value) for var, value in values.items()})
    try:
        yield
    finally:
        for var, value in previous.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def build_args(data_tests: bool = True) -> list[str]:
    """`dbt build`, or `dbt run` (the models without their data tests)."""
    return ["build" if data_tests else "run"]


def build_warehouse(
    warehouse: Path, as_of: date | None = None, target: str = "duckdb", data_tests: bool = True
) -> None:
    """Run `dbt build` (every model and data test; only the models when not `data_tests`)
    on dbt target `target` for the warehouse file `warehouse`, as of the business date
    `as_of` (default: today). Both targets read the raw layer of `warehouse`; `duckdb`
    builds into the file, `spark` into spark_dir(warehouse) through a Spark session that
    stays in this process (its JVM fixes the folder: one spark warehouse per process).

    Raises WarehouseBuildError naming each model or test that failed (and why) in one line.
    """
    if target not in TARGETS:
        raise UserError(f"unknown dbt target {target!r}: expected one of {', '.join(TARGETS)}")
    if target == "spark":
        _require_spark()
    warehouse = Path(warehouse)
    raw = raw_dir(warehouse)
    if not (raw / "submissions").is_dir():
        raise UserError(f"no raw layer at {raw} for the warehouse {warehouse}: ingest a landing folder first (dcw run / dcw build), or set DCW_RAW")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dcw-dbt-") as artifacts:
        _invoke_dbt(build_args(data_tests), Path(artifacts), warehouse=warehouse, target=target, as_of=as_of)


def _require_spark() -> None:
    """The spark target's prerequisites; each missing one is a one-line error."""
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise UserError("the spark target needs dbt-spark and pyspark: pip install -e '.[spark]'") from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise UserError("the spark target needs Java 17 or newer (java on PATH, or JAVA_HOME)")


def generate_docs(warehouse: Path, out: Path) -> Path:
    """`dbt docs generate` against `warehouse` (built): writes index.html, manifest.json and
    catalog.json (the columns as built, with their descriptions) into `out`; returns
    out/index.html."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _invoke_dbt(["docs", "generate"], out, warehouse=Path(warehouse))
    return out / "index.html"


def _invoke_dbt(args: list[str], artifacts: Path, warehouse: Path | None, target: str = "duckdb",
                as_of: date | None = None) -> None:
    """dbt in this process (no `dbt` executable on PATH needed) on dbt target `target` as of
    `as_of`, artifacts and logs in `artifacts`; raises WarehouseBuildError naming what failed.

    Each call has its own artifacts folder (callers run in parallel: tests, the CLI beside
    Dagster) but starts from the project's last parse state, target/partial_parse.msgpack,
    and leaves its own there: dbt then re-parses only what changed (at M the parse was ~2 s
    of each build), as dagster-dbt does for the Dagster runs."""
    from dbt.cli.main import dbtRunner

    cache = DBT_PROJECT_DIR / dbt_project.target_path / PARTIAL_PARSE
    if cache.exists():
        shutil.copyfile(cache, artifacts / PARTIAL_PARSE)
    with _dbt_env(warehouse, target, as_of):
        try:
            result = dbtRunner().invoke([
                *args,
                "--project-dir", os.fspath(DBT_PROJECT_DIR),
                "--profiles-dir", os.fspath(DBT_PROJECT_DIR),
                "--target-path", os.fspath(artifacts),
                "--log-path", os.fspath(artifacts),
                "--quiet",
            ])
        finally:
            _release_duckdb()
    _keep_parse_state(artifacts, cache)
    what = "dbt " + " ".join(takewhile(lambda a: not a.startswith("-"), args))  # no option values
    if result.exception is not None:
        raise WarehouseBuildError(f"{what} could not run: {_one_line(result.exception)}") from None
    failures = _failures(result.result)
    if failures or not result.success:
        shown = "; ".join(failures[:MAX_FAILURES_SHOWN]) or f"see the dbt log in {artifacts}"
        more = len(failures) - MAX_FAILURES_SHOWN
        raise WarehouseBuildError(f"{what} failed: {shown}" + (f" (and {more} more)" if more > 0 else ""))


PARTIAL_PARSE = "partial_parse.msgpack"


def _keep_parse_state(artifacts: Path, cache: Path) -> None:
    """Make `artifacts`' parse state the project's (atomically: parallel callers read it)."""
    state = artifacts / PARTIAL_PARSE
    if state.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        scratch = cache.with_name(f".{PARTIAL_PARSE}.{os.getpid()}.{secrets.token_hex(4)}")
        shutil.copyfile(state, scratch)
        os.replace(scratch, cache)


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
    with warehouse_lock(warehouse, log=context.log.info), _dbt_env(warehouse, as_of=cfg.as_of):
        yield from dbt.cli(build_args(), context=context).stream()

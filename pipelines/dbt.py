"""The dbt warehouse (dbt_project/) as Dagster assets, and `build_warehouse` for callers
outside Dagster (the CLI's `dcw build`, tests, the benchmark).

dbt runs one way: as a subprocess of dagster-dbt's `DbtCliResource` (`DbtCli` below adds the
variables of one invocation). The models read the raw layer that the ingestion writes (Parquet
under the raw folder, asset keys `raw/<table>`) and build the staging, intermediate and marts
schemas. Paths and the business date reach dbt as the environment of its process alone
(`dbt_env`): `DCW_WAREHOUSE`, `DCW_RAW`, `DCW_SPARK_DIR`, `DCW_DBT_TARGET`, `DCW_AS_OF` and
`DCW_DUCKDB_MEMORY`, which `dbt_project/profiles.yml`, the sources and the `as_of_date` macro
read. Environment variables, not `--vars`: changed `--vars` re-parse the whole project, a
changed variable only the files whose parse read it, and the business date is read only when
a model runs, so a night re-parses nothing (dbt_project/README.md, "What a night builds").

The same models build on two dbt targets (`DCW_DBT_TARGET`): `duckdb`, the embedded default,
and `spark` (dbt-spark on a local pyspark session inside the dbt process; `pip install -e
.[spark]`, Java 17+), whose tables and catalog live beside the warehouse file (`spark_dir`).
"""

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from itertools import takewhile
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MonthlyPartitionsDefinition
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from pipelines.core.errors import UserError
from pipelines.core.progress import Progress
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import PROJECT_ROOT, Settings
from pipelines.core.text import one_line
from pipelines.dbt_process import SERVER_VARIABLE
from pipelines.customers.resolve import TABLE as CUSTOMER_RECORDS, resolve as resolve_customers

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# Layers of the project: the folder under models/ is both the schema and the Dagster group.
LAYERS = ("staging", "intermediate", "marts")

# The dbt targets of profiles.yml.
TARGETS = ("duckdb", "spark")

PARTIAL_PARSE = "partial_parse.msgpack"
MAX_FAILURES_SHOWN = 5


class WarehouseBuildError(UserError):
    """dbt could not build the warehouse: a model failed or a data test found bad rows."""


# A Dagster asset's invocation: dagster-dbt reads the events from stdout (JSON lines); the log
# file beside the run's artifacts is for people, in dbt's text lines.
LOG_FOR_PEOPLE = ("--log-format-file", "text")


class DbtCli(DbtCliResource):
    """dagster-dbt's `DbtCliResource` whose `cli` also takes `env`: variables for the dbt
    process alone, on top of this process's environment, which is left as it is.

    dagster-dbt starts dbt with a copy of `os.environ` and has no parameter for more; the
    variables are given to the POSIX `env` program, which sets them and starts dbt in its
    place (the same process: an interrupt still reaches dbt). dbt's log file is in text
    (LOG_FOR_PEOPLE) unless `args` choose its format (run_dbt's LOG_FILE_ONLY)."""

    def cli(self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs) -> DbtCliInvocation:
        if "--log-format-file" not in args:
            args = [*args, *LOG_FOR_PEOPLE]
        if not env:
            return super().cli(args, **kwargs)
        launcher = DbtCli(
            project_dir=self.project_dir, profiles_dir=self.profiles_dir, profile=self.profile,
            target=self.target, state_path=self.state_path, dbt_executable=ENV_PROGRAM,
            global_config_flags=[*(f"{k}={v}" for k, v in env.items()), self.dbt_executable,
                                 *self.global_config_flags],
        )
        return DbtCliResource.cli(launcher, args, **kwargs)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """No dbt adapter in this process. dagster-dbt opens one before each invocation, only
        for its optional row counts and column metadata, which dcw never asks for; opening it
        loads the project and its partial parse state and parses every macro, in this process,
        before dbt's own process starts (bench/README.md, "Where dbt's time goes at S")."""
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        # the dbt of this venv (dbt-core), whatever the executable is: `env` has no dbt version
        from dbt.version import __version__

        return version.parse(__version__)


ENV_PROGRAM = shutil.which("env") or "/usr/bin/env"
DBT_PROCESS = "pipelines.dbt_process"  # the module dbt runs as (python -m)


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
        run_dbt(["parse"], None, artifacts=Path(scratch))
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


def dbt_resource() -> DbtCli:
    """The `dbt` resource that `dbt_warehouse_assets` needs, and that `run_dbt` uses."""
    return DbtCli(
        project_dir=dbt_project,
        profiles_dir=os.fspath(DBT_PROJECT_DIR),
        # dbt's command line in this interpreter (the venv's, whatever is on PATH), leaving
        # without the interpreter's teardown (pipelines/dbt_process.py)
        dbt_executable=sys.executable,
        global_config_flags=["-m", DBT_PROCESS],
    )


def spark_dir(warehouse: Path) -> Path:
    """Where the spark target keeps its tables (`warehouse/<schema>.db/<table>`, Parquet) and
    their catalog (a Derby metastore): beside the warehouse file and named after it
    (data/warehouse.duckdb -> data/warehouse_spark), as the raw layer is."""
    return warehouse.with_name(warehouse.stem + "_spark")


def dbt_env(cfg: Settings, target: str = "duckdb") -> dict[str, str]:
    """The variables dbt reads (profiles.yml, the sources, the as_of_date macro) for the
    warehouse of `cfg` on dbt target `target`: absolute paths, since dbt resolves a relative
    one against its own working directory. With a warm dbt server (cfg.dbt_server), also
    its socket, which dbt's process hands its command to (pipelines/dbt_server.py)."""
    warehouse = cfg.warehouse.resolve()
    server = {SERVER_VARIABLE: os.fspath(cfg.dbt_server)} if cfg.dbt_server else {}
    return {
        "DCW_WAREHOUSE": os.fspath(warehouse),
        "DCW_RAW": os.fspath(cfg.raw.resolve()),
        "DCW_SPARK_DIR": os.fspath(spark_dir(warehouse)),
        "DCW_DBT_TARGET": target,
        "DCW_AS_OF": cfg.as_of.isoformat(),
        "DCW_DUCKDB_MEMORY": dbt_duckdb_memory(cfg.duckdb_memory),
        **server,
    }


# dbt's process holds more than DuckDB's buffer pool: dbt itself with the parsed project, the
# forecast's Python models (statsforecast, numba and their frames of sku x region series) and
# DuckDB's allocations outside the pool. Measured on a 400-dealer world (dbt_project/README.md,
# "Memory"): about 0.7 GB besides DuckDB, and not growing with the history. DuckDB in dbt's
# process gets the run's bound (DCW_DUCKDB_MEMORY) less this, so the process stays near the
# bound whatever the history; the floor keeps DuckDB from starving on a small bound.
DBT_PROCESS_RESERVE = 750_000_000
DBT_DUCKDB_FLOOR = 1_000_000_000
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(text: str) -> int:
    """DuckDB's memory size `text` ('3GB', '2.5 GiB', '800MB') in bytes (GB = 10^9, GiB = 2^30)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = m and _UNITS.get(m.group(2).lower())
    if unit is None:
        raise UserError(f"DCW_DUCKDB_MEMORY must be a size such as 3GB or 2.5GiB, got {text!r}")
    return int(float(m.group(1)) * unit)


def dbt_duckdb_memory(bound: str) -> str:
    """DuckDB's memory_limit inside dbt's process for the run's bound `bound`: the bound less
    what dbt and its Python models hold besides (DBT_PROCESS_RESERVE), at least
    DBT_DUCKDB_FLOOR, in MB."""
    limit = max(memory_bytes(bound) - DBT_PROCESS_RESERVE, DBT_DUCKDB_FLOOR)
    return f"{limit // 10**6}MB"


# dbt's threads are cursors of the one DuckDB database dbt-duckdb opens, so they share its memory
# bound: at scale L two line-level models at once exhausted it (bench/README.md, "Memory at L"),
# and profiles.yml keeps one thread. On a warehouse whose whole file is a small part of dbt's
# bound, two nodes at once cannot exhaust it, and the second thread overlaps one node's SQL
# with another's Jinja (dbt_project/README.md, "What a night builds"). A build of a selection
# (a night's changes, an intraday run) rebuilds the incremental models by the keys it touched,
# so it gets two threads while the warehouse is at most the bound itself (M, not L).
# DCW_DBT_THREADS decides.
SMALL_WAREHOUSE_SHARE = 8  # two threads while the warehouse is at most 1/8 of dbt's bound
SELECTION_SHARE = 1  # ... or, building a selection, at most the bound
SMALL_WAREHOUSE_THREADS = 2
# Before the first build the warehouse file holds little but the submission log: the raw
# layer's Parquet, which the line models read, stands in for what they will write (the demo's
# 2.7 MB of Parquet became a 74 MB warehouse).
RAW_EXPANSION = 10
RUN_COMMANDS = ("build", "run", "test", "seed")  # the commands that execute nodes (--threads)
NO_JSON = "--no-write-json"
DBT_LOG = "dbt.log"  # dbt's structured log file, beside an invocation's artifacts
# run_dbt's invocations log to that file only (JSON lines at info level, which it reads), not
# also to stdout: dbt renders every event, debug ones too, as a JSON line for each logger
# before the logger's level drops it (bench/README.md, "Where dbt's time goes at S").
LOG_FILE_ONLY = ("--log-level", "none", "--log-level-file", "info", "--log-format-file", "json")
# What logged_events looks for in a line before parsing it: dbt 1.11 writes each event with
# json.dumps(sort_keys=True) and its default separators, so a key and its value read as below.
ERROR_MARK = '"level": "error"'
NODE_MARK = '"node_info"'


def dbt_threads(cfg: Settings, selection: bool = False) -> int:
    """The dbt threads for the warehouse of `cfg`: DCW_DBT_THREADS when set, else two while the
    warehouse (its file, and RAW_EXPANSION times its raw Parquet) is at most an eighth of dbt's
    DuckDB bound (dbt_duckdb_memory), or, for a `selection` (a build of selected nodes that
    is not a full refresh), at most the bound; else one."""
    if cfg.dbt_threads is not None:
        return cfg.dbt_threads
    share = SELECTION_SHARE if selection else SMALL_WAREHOUSE_SHARE
    limit = memory_bytes(dbt_duckdb_memory(cfg.duckdb_memory)) // share
    size = cfg.warehouse.stat().st_size if cfg.warehouse.exists() else 0
    if size <= limit and cfg.raw.is_dir():  # walked only when the file alone is small
        size = max(size, RAW_EXPANSION * sum(f.stat().st_size for f in cfg.raw.rglob("*.parquet")))
    return SMALL_WAREHOUSE_THREADS if size <= limit else 1


def node_args(args: Sequence[str], cfg: Settings | None, target: str = "duckdb") -> list[str]:
    """`args` of a command that executes nodes, for the warehouse of `cfg`, with
    `--no-write-json` (it writes neither manifest.json, twice, nor run_results.json; its node
    results are dbt's events: dagster-dbt streams them, run_dbt reads them from dbt's log,
    node_results) and on DuckDB `--threads` (dbt_threads; a selection when `args` select and
    do not refresh fully; Spark keeps its profile's). Other commands' args as they are."""
    if cfg is None or not args or args[0] not in RUN_COMMANDS:
        return list(args)
    selection = "--select" in args and "--full-refresh" not in args
    return [*args, *(["--threads", str(dbt_threads(cfg, selection))] if target == "duckdb" else []), NO_JSON]



# An intraday build (docs/ingestion.md, "Intraday runs") runs the models without their data
# tests, and the incremental models' post-hook records no batch as seen (macros/incremental.sql):
# the next night rebuilds those keys, with the checks of the rows it wrote.
INTRADAY_ENV = {"DCW_INTRADAY": "1"}

# The forecast marts (dbt Python models) and what is built on them: the nightly build's, never
# an intraday one's (docs/ingestion.md, "Intraday runs").
FORECAST_SELECTOR = "path:models/marts/forecast+"


def build_args(data_tests: bool = True, select: Sequence[str] = (), exclude: Sequence[str] = (),
               full_refresh: bool = False) -> list[str]:
    """`dbt build`, or `dbt run` (the models without their data tests), of the nodes `select`
    (dbt selectors, their union; default: all) less `exclude`; `full_refresh` builds the
    incremental models whole, as tables (dbt_project/README.md, Incremental models)."""
    args = ["build" if data_tests else "run", *(["--full-refresh"] if full_refresh else [])]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    return args


LOG = "submissions"


def downstream_of(tables: Sequence[str], manifest: Mapping[str, Any] | None = None) -> list[str]:
    """The dbt selection of everything built on what the raw tables `tables` received (e.g.
    ['sales'] -> ['source:raw.sales+']). Every staging model reads the submission log, but
    only its own kind's files in it (macros/current_files.sql), so a kind's files select
    through `source:raw.<kind>+` (the caller names the kind whenever a file of it was
    accepted), and the log alone selects the models that read no other raw table
    (`stg_submissions+`, ...), from the manifest (default: the project's)."""
    out = {f"source:raw.{t}+" for t in tables if t != LOG}
    if LOG in tables:
        if manifest is None:
            manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
        log = f"source.dcw.raw.{LOG}"
        for node in manifest["nodes"].values():
            sources = [d for d in node.get("depends_on", {}).get("nodes", []) if d.startswith("source.dcw.raw.")]
            if node["resource_type"] == "model" and sources == [log]:
                out.add(f"{node['name']}+")
                out.update(f"{m}+" for m in _incremental_ancestors(node, manifest["nodes"]))
    return sorted(out)


def _incremental_ancestors(node: Mapping[str, Any], nodes: Mapping[str, Any]) -> set[str]:
    """The incremental models that the incremental model `node` is built on. A night's data
    tests of such a pair compare the rows each side's last build wrote (`night_rows`,
    dbt_project/README.md, Incremental models), so both sides are built together."""
    if node.get("config", {}).get("materialized") != "incremental":
        return set()
    out: set[str] = set()
    todo = list(node["depends_on"]["nodes"])
    while todo:
        parent = nodes.get(todo.pop())
        if parent is not None and parent["resource_type"] == "model" and parent["name"] not in out:
            if parent["config"].get("materialized") == "incremental":
                out.add(parent["name"])
            todo.extend(parent["depends_on"]["nodes"])
    return out


CURRENT = ("accepted", "partially_accepted")  # the statuses whose files are read (macros/current_files.sql)


def tables_of(logged: list[tuple[str | None, str, int]]) -> list[str]:
    """The raw tables written by submissions logged as (kind, status, rows quarantined): the
    submission log whenever a file was logged; a kind when one of its files was accepted
    (even without rows: it supersedes the previous version); the quarantine when rows failed;
    the customer records when sales came in (the resolution reads them)."""
    tables = {LOG} if logged else set()
    for kind, status, quarantined in logged:
        if kind and status in CURRENT:
            tables.add(kind)
        if quarantined:
            tables.add("quarantine")
    if "sales" in tables:
        tables.add(CUSTOMER_RECORDS)
    return sorted(tables)


# What the last whole build read (dbt_project/README.md, "What a night builds"), kept in the
# warehouse it describes, so a copy of the warehouse carries it.
LAST_BUILD = "meta.dcw_last_build"
BUILT_BATCHES = "meta.dcw_built_batches"
# The code dbt's Python models import: a change to it changes their output as a model's SQL does.
PYTHON_MODEL_CODE = (PROJECT_ROOT / "pipelines" / "forecast.py",)


def project_fingerprint() -> str:
    """A hash of every file of the dbt project (models, macros, tests, seeds, its YAML) and of
    the Python its Python models import."""
    h = hashlib.sha256()
    for path in sorted({*_project_sources(), *PYTHON_MODEL_CODE}):
        h.update(os.fspath(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def raw_fingerprints(raw: Path) -> dict[str, str]:
    """Per folder of the raw layer (a dbt source `raw.<folder>`), a hash of its files' names,
    sizes and modification times: a folder whose files were written, replaced or removed
    hashes differently."""
    out = {}
    for folder in sorted(p for p in Path(raw).iterdir() if p.is_dir()):
        h = hashlib.sha256()
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            st = f.stat()
            h.update(f"{f.relative_to(folder)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        out[folder.name] = h.hexdigest()
    return out


def build_state(cfg: Settings) -> dict[str, Any] | None:
    """What a build of the warehouse of `cfg` reads: the project, the business date, the raw
    folders and the batches of the submission log (None before the first ingestion)."""
    if not cfg.warehouse.exists():
        return None
    with cfg.connect(read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'raw' "
                           "and table_name = 'submissions'").fetchone()[0]:
            return None  # no ingestion yet: nothing to compare a next build with
        batches = [b for (b,) in con.execute("select distinct batch_id from raw.submissions").fetchall()]
    return {"project": project_fingerprint(), "as_of": cfg.as_of.isoformat(),
            "raw": raw_fingerprints(cfg.raw), "batches": batches}


def record_build(cfg: Settings, state: Mapping[str, Any]) -> None:
    """Keep `state` (build_state, taken before the build) as what the warehouse's models were
    last built from, after a build that left every model current."""
    with cfg.connect() as con:
        con.execute("begin")
        con.execute("create schema if not exists meta")
        con.execute(f"create or replace table {LAST_BUILD} as select ?::varchar as project, "
                    "?::varchar as as_of, ?::json as raw, now() as built_at",
                    [state["project"], state["as_of"], json.dumps(state["raw"])])
        con.execute(f"create or replace table {BUILT_BATCHES} as "
                    "select unnest(?::varchar[]) as batch_id", [list(state["batches"])])
        con.execute("commit")


def as_of_readers(manifest: Mapping[str, Any]) -> list[str]:
    """The models whose output depends on the business date, as `<model>+`: those calling the
    macro as_of_date (directly or through another macro of the project), and the Python
    models (they read it from their config)."""
    macros = manifest["macros"]

    def calls_as_of(names: Sequence[str], seen: set[str]) -> bool:
        for name in names:
            if name == "macro.dcw.as_of_date":
                return True
            if name.startswith("macro.dcw.") and name not in seen:
                seen.add(name)
                if calls_as_of(macros.get(name, {}).get("depends_on", {}).get("macros", []), seen):
                    return True
        return False

    return sorted(f"{n['name']}+" for n in manifest["nodes"].values() if n["resource_type"] == "model"
                  and (n.get("language") == "python" or calls_as_of(n["depends_on"].get("macros", []), set())))


def full_checks() -> bool:
    """DCW_FULL_CHECKS=1 (dbt_project/README.md, Incremental models): every check on every row."""
    return os.environ.get("DCW_FULL_CHECKS", "") not in ("", "0")


def night_selection(cfg: Settings, state: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> list[str] | None:
    """The dbt selection of what changed since the last whole build of the warehouse of `cfg`,
    whose state is now `state` (build_state): everything built on the raw tables that new
    batches or changed raw folders fed (downstream_of), and on the business date when it
    moved; [] when nothing changed. None (build everything) without a record of the last
    build, after a change to the project, or with DCW_FULL_CHECKS set."""
    if full_checks():
        return None
    with cfg.connect(read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'meta' "
                           "and table_name in ('dcw_last_build', 'dcw_built_batches')").fetchone()[0] == 2:
            return None
        last = con.execute(f"select project, as_of, raw::varchar from {LAST_BUILD}").fetchone()
        logged = con.execute(f"select kind, status, coalesce(sum(rows_quarantined), 0) from raw.submissions "
                             f"where batch_id not in (select batch_id from {BUILT_BATCHES}) group by all").fetchall()
    if last is None or last[0] != state["project"]:
        return None
    was = json.loads(last[2])
    tables = set(tables_of([tuple(row) for row in logged]))
    tables |= {t for t in {*was, *state["raw"]} if was.get(t) != state["raw"].get(t)}
    if manifest is None:
        manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    tables = {t for t in tables if f"source.dcw.raw.{t}" in manifest["sources"]}  # not a folder of its own
    select = set(downstream_of(sorted(tables), manifest))
    if last[1] != state["as_of"]:
        select |= set(as_of_readers(manifest))
    return sorted(select)


def redated_only_tests(select: Sequence[str], manifest: Mapping[str, Any] | None = None) -> list[str]:
    """The data tests a night's selection `select` (night_selection) leaves to the full check
    (dbt_project/README.md, "What a night builds"): those reading a model that only the moved
    business date selects (as_of_readers and what is built on them, none of it built on what
    new data fed) and no model that new data fed. Such a model is rebuilt whole from inputs
    its tests already passed on; its contract holds its keys and required columns as it is
    written."""
    if manifest is None:
        manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    dated = set(as_of_readers(manifest)) & set(select)
    fed = _selected([s for s in select if s not in dated], nodes)
    only = _selected(sorted(dated), nodes) - fed
    out = []
    for node in nodes.values():
        if node["resource_type"] == "test":
            parents = {p for p in node["depends_on"]["nodes"] if nodes.get(p, {}).get("resource_type") == "model"}
            if parents & only and not parents & fed:
                out.append(node["name"])
    return sorted(out)


def build_warehouse(
    warehouse: Path | Settings, as_of: date | None = None, target: str = "duckdb", data_tests: bool = True,
    select: Sequence[str] = (), exclude: Sequence[str] = (),
    full_refresh: bool = False, changed_only: bool = False, intraday: bool = False,
) -> list[dict]:
    """Run `dbt build` (every model and data test; only the models when not `data_tests`)
    on dbt target `target` for the warehouse `warehouse` (a file, its raw layer beside it; or
    the `Settings` of a run), as of the business date `as_of` (default: the settings' date,
    else today). Both targets read the raw layer; `duckdb` builds into the warehouse file,
    `spark` into spark_dir(warehouse). `select` / `exclude` (dbt selectors) narrow the build,
    e.g. to `downstream_of(tables)` without `FORECAST_SELECTOR`.

    `full_refresh` rebuilds the incremental models whole (dbt's --full-refresh). `intraday`
    (the intraday job's build) leaves the incremental models' bookkeeping as it was, so the
    night selects and checks again the keys it wrote (INTRADAY_ENV).
    `changed_only` (the nightly build) builds only what changed since the last whole build
    (night_selection), with the data tests of what it builds less redated_only_tests; a whole build (no `select`, no
    `exclude`) on DuckDB keeps what it read as the next one's reference (record_build).
    Returns the nodes dbt ran (run_results.json's results). Raises WarehouseBuildError naming
    each model or test that failed (and why) in one line.
    """
    if target not in TARGETS:
        raise UserError(f"unknown dbt target {target!r}: expected one of {', '.join(TARGETS)}")
    if target == "spark":
        _require_spark()
    cfg = warehouse if isinstance(warehouse, Settings) else Settings.for_warehouse(Path(warehouse))
    cfg = cfg.with_overrides(as_of=as_of)
    if not (cfg.raw / "submissions").is_dir():
        raise UserError(f"no raw layer at {cfg.raw} for the warehouse {cfg.warehouse}: ingest a landing folder first (dcw run / dcw build), or set DCW_RAW")
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # the customer keys dbt's staging joins to the lines (a no-op when nothing new landed);
    # the nightly job runs this as its own asset (pipelines/customers/assets.py)
    resolve_customers(cfg.raw)
    whole = target == "duckdb" and not (select or exclude)
    state = build_state(cfg) if whole else None
    if state is not None and changed_only and not full_refresh:
        night = night_selection(cfg, state)
        if night == []:  # nothing it reads changed: the models are current
            record_build(cfg, state)
            return []
        select = night or ()
        exclude = [*exclude, *redated_only_tests(select)] if night else exclude
    results = run_dbt(build_args(data_tests, select, exclude, full_refresh), cfg, target=target,
                      more_env=INTRADAY_ENV if intraday else None)
    if state is not None:
        record_build(cfg, state)
    return results


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
    run_dbt(["docs", "generate"], Settings.for_warehouse(Path(warehouse)), artifacts=out)
    return out / "index.html"


SELECTION_FLAGS = ("--select", "-s", "--exclude", "--models", "-m")


def joined_selection(args: list[str]) -> list[str]:
    """`args` with the several values of each selection flag joined into one (`--select a b`
    -> `--select "a b"`, the same union for dbt): dagster-dbt lifts `--select`/`--exclude`
    out of the arguments with a single value, which would leave the others behind as stray
    positional arguments."""
    out: list[str] = []
    values: list[str] | None = None
    for arg in args:
        if values is not None and not arg.startswith("-"):
            values.append(arg)
            continue
        if values:
            out.append(" ".join(values))
        values = [] if arg in SELECTION_FLAGS else None
        out.append(arg)
    if values:
        out.append(" ".join(values))
    return out


def run_dbt(args: list[str], cfg: Settings | None, target: str = "duckdb",
            artifacts: Path | None = None, more_env: Mapping[str, str] | None = None) -> list[dict]:
    """dbt `args` through the `dbt` resource for the warehouse of `cfg` (None: only the
    project, as `dbt parse` needs) on dbt target `target`; artifacts and logs in `artifacts`
    (default: a temporary folder, kept only when dbt fails). Raises WarehouseBuildError
    naming what failed, in one line.

    Each call has its own artifacts folder (callers run in parallel: tests, the CLI beside
    Dagster) but starts from the project's last parse state, target/partial_parse.msgpack
    (dagster-dbt copies it in), and leaves its own there: dbt then re-parses only what
    changed. Returns the results of run_results.json (the nodes dbt ran)."""
    folder = Path(artifacts) if artifacts is not None else Path(tempfile.mkdtemp(prefix="dcw-dbt-"))
    env = {**dbt_env(cfg, target), **(more_env or {})} if cfg is not None else None
    reuse_parse_state(folder, env)
    args = joined_selection(node_args(args, cfg, target))
    log = folder / DBT_LOG
    start = log.stat().st_size if log.exists() else 0  # dbt appends: this invocation's events follow
    invocation = dbt_resource().cli([*args, *LOG_FILE_ONLY], raise_on_error=False, target_path=folder, env=env)
    # dagster-dbt echoes what else dbt's process prints to stdout: into the artifacts folder
    with open(folder / "dbt_stdout.log", "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        invocation.wait()
    keep_parse_state(folder, env=env or {})
    what = "dbt " + " ".join(takewhile(lambda a: not a.startswith("-"), args))  # no option values
    results = node_results(log, start) if NO_JSON in args else _results(folder / "run_results.json")
    failures = _failures(results)
    if failures or invocation.process.returncode != 0:
        if not failures:
            errors = logged_errors(log, start)
            reason = one_line(errors[0]) if errors else f"see the dbt log in {folder}"
            raise WarehouseBuildError(f"{what} could not run: {reason}")
        shown = "; ".join(failures[:MAX_FAILURES_SHOWN])
        more = len(failures) - MAX_FAILURES_SHOWN
        raise WarehouseBuildError(f"{what} failed: {shown}" + (f" (and {more} more)" if more > 0 else ""))
    if artifacts is None:
        shutil.rmtree(folder, ignore_errors=True)
    return results


# dbt re-parses the whole project when its profile's connection (the warehouse path, the
# memory bound, ...) differs from the one its saved parse state was made with. One shared state
# flips with every other warehouse that runs dbt (tests, the benchmark's copies, `dbt parse`),
# so a state is also kept per profile: a warehouse's next build starts from its own.
PROFILE_VARIABLES = ("DCW_DBT_TARGET", "DCW_WAREHOUSE", "DCW_DUCKDB_MEMORY", "DCW_SPARK_DIR")  # profiles.yml's
PARSE_STATES = "parse_states"
PARSE_STATES_KEPT = 8  # the most recently used profiles' states (each is a few MB)


def parse_state_cache(env: Mapping[str, str] | None) -> Path:
    """Where the parse state of the profile that `env` (the variables of a dbt process, over
    this process's environment) gives dbt is kept."""
    values = {**os.environ, **(env or {})}
    key = hashlib.sha256(json.dumps([values.get(k) for k in PROFILE_VARIABLES]).encode()).hexdigest()[:16]
    return DBT_PROJECT_DIR / dbt_project.target_path / PARSE_STATES / f"{key}.msgpack"


def reuse_parse_state(artifacts: Path, env: Mapping[str, str] | None) -> None:
    """Start an invocation in `artifacts` from its profile's parse state, when one is kept
    (else dagster-dbt copies in the project's last one)."""
    own, target = parse_state_cache(env), artifacts / PARTIAL_PARSE
    if own.exists() and not target.exists():
        artifacts.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # pruned meanwhile by a parallel caller: parse as before
            shutil.copyfile(own, target)


def keep_parse_state(artifacts: Path, cache: Path | None = None, env: Mapping[str, str] | None = None) -> None:
    """Make `artifacts`' parse state the project's (atomically: parallel callers read it),
    and, given the invocation's `env`, its profile's (the least recently used are pruned)."""
    cache = cache or DBT_PROJECT_DIR / dbt_project.target_path / PARTIAL_PARSE
    state = artifacts / PARTIAL_PARSE
    if not state.exists():
        return
    for path in (cache, *([parse_state_cache(env)] if env is not None else [])):
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f".{PARTIAL_PARSE}.{os.getpid()}.{secrets.token_hex(4)}")
        shutil.copyfile(state, scratch)
        os.replace(scratch, path)
    if env is not None:
        kept = sorted(parse_state_cache(env).parent.glob("*.msgpack"), key=_mtime, reverse=True)
        for old in kept[PARSE_STATES_KEPT:]:
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _results(run_results: Path) -> list[dict]:
    if not run_results.exists():
        return []
    return json.loads(run_results.read_text(encoding="utf-8")).get("results", [])


# dbt's states of a node that is done (run_results.json's statuses)
DONE = ("success", "error", "skipped", "pass", "fail", "warn", "runtime error", "no-op", "partial success")


def logged_events(log: Path, start: int, mark: str) -> Iterator[dict]:
    """The events of dbt's structured log file `log` (JSON lines) written from byte `start` on
    (the file's size before the invocation; from its beginning if it is smaller now, rotated
    by dbt at 10 MB), those whose line holds `mark`."""
    if not log.exists():
        return
    with open(log, "rb") as lines:
        lines.seek(start if lines.seek(0, os.SEEK_END) >= start else 0)
        for line in lines:
            if mark.encode() in line:
                yield json.loads(line)


def logged_errors(log: Path, start: int = 0) -> list[str]:
    """The messages of the errors dbt logged in `log` from byte `start` on (logged_events)."""
    return [e["info"]["msg"] for e in logged_events(log, start, ERROR_MARK) if e["info"].get("level") == "error"]


def node_results(log: Path, start: int = 0) -> list[dict]:
    """The results of the nodes a dbt invocation ran, as run_results.json has them (unique_id,
    status, message, execution_time), read from its structured log file (dbt.log beside its
    artifacts; JSON lines at info level), from byte `start` on (logged_events): each node's
    last event that carries it as done, its message from the error or warning dbt logs for it."""
    out: dict[str, dict] = {}
    messages: dict[str, str] = {}
    for event in logged_events(log, start, NODE_MARK):
        data = event.get("data", {})
        node = data.get("node_info") or {}
        uid, status = node.get("unique_id"), str(node.get("node_status", "")).lower()
        if uid and event["info"]["name"] in ("RunResultError", "RunResultWarningMessage") and data.get("msg"):
            messages[uid] = data["msg"]
        if not uid or status not in DONE:
            continue
        result = out.setdefault(uid, {"unique_id": uid})
        result["status"] = status
        if "execution_time" in data:
            result["execution_time"] = data["execution_time"]
        if "num_failures" in data:
            result["failures"] = data["num_failures"]
    for uid, result in out.items():
        result["message"] = messages.get(uid)
    return list(out.values())


def _failures(results: list[dict]) -> list[str]:
    """'<kind> <name>: <message>' for each node of run_results.json that errored or failed."""
    out = []
    for r in results:
        status = str(r.get("status")).lower()
        if status in ("error", "fail", "runtime error"):
            kind, _package, name = r["unique_id"].split(".")[:3]
            out.append(f"{kind} {name}: {one_line(r.get('message') or status)}")
    return out


def built_models(results: list[dict]) -> list[str]:
    """The unique ids of the models a dbt invocation built (its results of status success)."""
    return [r["unique_id"] for r in results
            if r["unique_id"].startswith("model.") and str(r.get("status")).lower() == "success"]


ensure_manifest()

# The incremental line-level models keyed by dealer x month (tag `monthly`; dbt_project/README.md,
# "Incremental models"; not the models keyed by dealer or customer, nor those rebuilt when
# their inputs move) are one asset definition of their own, partitioned by month, so that an operator can backfill a
# month range from the UI (one run for the range); every other model is `dbt_warehouse_assets`.
# The nightly build is still one dbt invocation of both (dbt_warehouse_assets reports the
# monthly models' materializations and checks as its own run's events).
MONTHLY_SELECTOR = "tag:monthly"


def models_but_monthly(manifest_path: Path) -> str:
    """The dbt selection of every model and seed but the monthly ones, by name. Not `fqn:*`
    less MONTHLY_SELECTOR: dbt's exclusion also drops every data test that reads a monthly
    model, and a test of another model that reads one too (a relationship to
    fct_price_deviation) would be an asset check of neither definition."""
    nodes = json.loads(Path(manifest_path).read_text(encoding="utf-8"))["nodes"].values()
    return " ".join(sorted(n["name"] for n in nodes if n["resource_type"] in ("model", "seed", "snapshot")
                           and "monthly" not in n["config"].get("tags", [])))


# The first month: the reports' first month too (pipelines/reports/assets.py), before any data
# dcw has seen; a file of an earlier period is rebuilt only by a whole build. The month under
# way is a partition already (end_offset=1): its files land every day.
MONTHS_START = "2024-01-01"
monthly_partitions = MonthlyPartitionsDefinition(start_date=MONTHS_START, end_offset=1)
# What the line models are keyed on: the months of these files are the partitions a build rebuilt.
MONTHLY_KINDS = ("sales", "inventory")


def months_env(first: date, end: date) -> dict[str, str]:
    """The variable that makes a dbt build of the monthly models a backfill of the months from
    `first` to before `end` (macros/incremental.sql, backfill_months). An environment variable,
    as the others (module docstring): a changed `--vars` would re-parse the whole project."""
    return {"DCW_MONTHS": f"{first.isoformat()}/{end.isoformat()}"}


@contextlib.contextmanager
def _dbt_run(context: AssetExecutionContext, cfg: Settings) -> Iterator[tuple[Path, dict[str, str]]]:
    """The warehouse's lock for a dbt asset's run, its artifacts folder and dbt's variables."""
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with cfg.lock(log=context.log.info):
        # Under the data folder, one run's worth (runs take the lock one at a time): dbt's
        # default, a new folder under dbt_project/target/ per run, grew the checkout every night.
        artifacts = cfg.warehouse.parent / "dbt_target" / "last_run"
        shutil.rmtree(artifacts, ignore_errors=True)
        artifacts.mkdir(parents=True)
        env = dbt_env(cfg)
        reuse_parse_state(artifacts, env)
        yield artifacts, env


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    select=models_but_monthly(dbt_project.manifest_path),
)
def dbt_warehouse_assets(context: AssetExecutionContext, dbt: DbtCli, warehouse: WarehouseResource):
    """Every dbt model of the warehouse but the monthly ones (dbt_monthly_assets), as of the
    warehouse resource's business date; dbt's data tests run as asset checks. A run of all of
    them (the nightly job) builds the monthly models too."""
    cfg = warehouse.settings
    Progress("dbt", "nodes").start("building the models, the forecasts and their tests")
    with _dbt_run(context, cfg) as (artifacts, env):
        # a run of every dbt asset (the nightly job) builds what changed since the last one
        whole = set(context.selected_asset_keys) == set(context.assets_def.keys)
        state = build_state(cfg) if whole else None
        night = night_selection(cfg, state) if state is not None else None
        if not whole:
            invocation = dbt.cli(node_args(build_args(), cfg), context=context, env=env, target_path=artifacts)
            events = invocation.stream()
        else:
            # dagster-dbt selects a run of every asset with its own `--select` (every model but
            # the monthly ones), and would unite it with a night's: the invocation is given no
            # context, and its events are turned into this asset's outputs and check results
            # (the monthly models' into events of their own) here
            invocation = dbt.cli(joined_selection(node_args(build_args(select=night or (), exclude=redated_only_tests(night) if night else ()), cfg)), env=env, target_path=artifacts,
                                 manifest=dbt_project.manifest_path, dagster_dbt_translator=translator) \
                if night != [] else None
            events = as_asset_events(context, night, invocation.stream() if invocation else (), cfg)
        try:
            yield from events
        finally:
            if invocation is not None:
                keep_parse_state(invocation.target_path, env=env)
        if state is not None:
            record_build(cfg, state)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    select=MONTHLY_SELECTOR,
    name="dbt_monthly_assets",
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_monthly_assets(context: AssetExecutionContext, dbt: DbtCli, warehouse: WarehouseResource):
    """The incremental line-level models by month (dbt_project/README.md, "Incremental
    models"). A run of a partition range (a backfill: one run for the whole range) rebuilds
    exactly the rows of those months, every dealer's, from the raw layer as it is, with their
    data tests on those rows; the nightly bookkeeping is left as it was, so the next night
    selects what it would have selected."""
    cfg = warehouse.settings
    window = context.partition_time_window
    with _dbt_run(context, cfg) as (artifacts, env):
        env = {**env, **months_env(window.start.date(), window.end.date())}
        context.log.info(f"rebuilding the months from {window.start:%Y-%m} to before {window.end:%Y-%m}")
        # the data tests of what it builds alone: a test that also reads a model built on
        # them (not rebuilt until the next night or a run of it) is the night's
        invocation = dbt.cli(node_args([*build_args(), "--indirect-selection", "cautious"], cfg), context=context, env=env,
                             target_path=artifacts)
        try:
            yield from invocation.stream()
        finally:
            keep_parse_state(invocation.target_path, env=env)


# The dbt models as assets, every one in exactly one of them.
DBT_ASSETS = (dbt_warehouse_assets, dbt_monthly_assets)


def rebuilt_months(cfg: Settings, models: Sequence[str]) -> dict[str, list[str]]:
    """Per incremental model of `models`, the month partitions (first days) of the sales and
    stock files its last build selected (meta.dbt_scope; every file after a whole build)."""
    if not models:
        return {}
    with cfg.connect(read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'meta' "
                           "and table_name = 'dbt_scope'").fetchone()[0]:
            return {}
        rows = con.execute(
            "select distinct d.model, strftime(date_trunc('month', s.period_start), '%Y-%m-%d') "
            "from meta.dbt_scope as d inner join raw.submissions as s "
            "on d.whole or s.source_file = d.source_file "
            "where d.model in (select unnest(?::varchar[])) and s.kind in (select unnest(?::varchar[])) "
            "and s.period_start is not null", [list(models), list(MONTHLY_KINDS)]).fetchall()
    keys = set(monthly_partitions.get_partition_keys())
    out: dict[str, list[str]] = {}
    for model, month in sorted(rows):
        if month in keys:
            out.setdefault(model, []).append(month)
    return out


def as_asset_events(context: AssetExecutionContext, select: Sequence[str] | None, events,
                    cfg: Settings | None = None) -> Iterator[Any]:
    """dagster-dbt's events of an invocation without context (materializations, check
    evaluations) that builds the selection `select` (`<model>+`, `source:raw.<table>+`; None:
    every model), as the outputs and check results of the asset `context` runs. Every model the selection
    leaves out is an output too, marked unchanged (nothing it reads changed since it was last
    built), so what depends on it in the job runs; they come first, in dependency order, as
    Dagster wants a multi-asset's outputs: what a selection leaves out reads nothing it builds.
    A model or check of another asset definition (the monthly models) is reported as an
    event of this run: a model's materialization once per month partition its build
    selected (rebuilt_months, read in the warehouse of `cfg` once dbt is done)."""
    from dagster import AssetCheckEvaluation, AssetCheckResult, AssetMaterialization, Output

    nodes = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))["nodes"]
    keys = {translator.get_asset_key(n): uid for uid, n in nodes.items() if n["resource_type"] in ("model", "seed")}
    depth = _depths(nodes)
    chosen = _selected(select, nodes) if select is not None else set(nodes)
    left = [k for k in context.selected_asset_keys if k in keys and keys[k] not in chosen]
    for key in sorted(left, key=lambda k: (depth[keys[k]], k.to_user_string())):
        yield Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                     metadata={"dcw/unchanged": "nothing it reads changed since its last build"})
    own, checks, others = set(context.assets_def.keys), set(context.assets_def.check_keys), []
    for event in events:
        if isinstance(event, AssetMaterialization) and event.asset_key not in own:
            others.append(event)
        elif isinstance(event, AssetMaterialization):
            yield Output(None, output_name=context.assets_def.get_output_name_for_asset_key(event.asset_key),
                         metadata=event.metadata)
        elif isinstance(event, AssetCheckEvaluation) and event.asset_check_key in checks:
            yield AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                                   severity=event.severity, metadata=event.metadata, description=event.description)
        else:
            yield event
    months = rebuilt_months(cfg, [e.asset_key.path[-1] for e in others]) if cfg is not None else {}
    for event in others:
        for month in months.get(event.asset_key.path[-1]) or [None]:
            yield AssetMaterialization(asset_key=event.asset_key, partition=month, metadata=event.metadata)


def _selected(select: Sequence[str], nodes: Mapping[str, Any]) -> set[str]:
    """The unique ids of the nodes that the selectors `select` (`<model>+`, `source:raw.<t>+`)
    choose: each named node and everything built on it."""
    children: dict[str, set[str]] = {}
    for uid, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            children.setdefault(parent, set()).add(uid)
    todo = [f"source.dcw.{s[len('source:'):-1]}" if s.startswith("source:") else f"model.dcw.{s.rstrip('+')}"
            for s in select]
    out: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid not in out:
            out.add(uid)
            todo.extend(children.get(uid, ()))
    return out


def _depths(nodes: Mapping[str, Any]) -> dict[str, int]:
    """Each node's longest chain of nodes below it: an order in which every node follows what it reads."""
    depth: dict[str, int] = {}

    def of(uid: str) -> int:
        if uid not in depth:
            depth[uid] = 0  # a cycle cannot occur in dbt's graph; this only ends the recursion
            depth[uid] = 1 + max((of(p) for p in nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])
                                  if p in nodes), default=-1)
        return depth[uid]

    for uid in nodes:
        of(uid)
    return depth

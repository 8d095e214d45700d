"""Where dcw reads and writes, and as of which business date: `Settings`, built once.

A run's configuration is built once, at its entry point, and passed down: the command line
builds it from its options over the environment (`Settings.from_env(**options)`), the Dagster
code location from the environment alone, tests from their temporary paths (`Settings(...)` or
`Settings.for_warehouse(path)`). `from_env` is the one place that reads the documented DCW_*
variables (`dcw --help`, README.md); nothing in dcw writes them.

`Settings` holds plain paths and has no Dagster in it, so the command line stays quick to
start; the Dagster assets get the same values through `pipelines.core.resource`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb

from pipelines.core.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

# The documented environment variables, each the default of one setting.
ENV_VARS = {
    "landing": "DCW_LANDING",
    "warehouse": "DCW_WAREHOUSE",
    "raw": "DCW_RAW",
    "feedback": "DCW_FEEDBACK",
    "serving": "DCW_SERVING",
    "reports": "DCW_REPORTS",
    "as_of": "DCW_AS_OF",
    "duckdb_memory": "DCW_DUCKDB_MEMORY",
    "reminders": "DCW_REMINDERS",
    "feedback_receipts": "DCW_FEEDBACK_RECEIPTS",
    "feedback_replenishment": "DCW_FEEDBACK_REPLENISHMENT",
    "dbt_threads": "DCW_DBT_THREADS",
    "dbt_server": "DCW_DBT_SERVER",
}
# The settings that are paths (the rest: the business date and the memory bound).
PATH_SETTINGS = ("landing", "warehouse", "raw", "feedback", "serving", "reports")
DEFAULT_PATHS = {
    "landing": "data/landing",
    "warehouse": "data/warehouse.duckdb",
}
# What a run writes defaults beside the warehouse it belongs to (data/feedback for
# data/warehouse.duckdb), so pointing DCW_WAREHOUSE elsewhere never overwrites another
# warehouse's serving file, feedback or reports.
BESIDE_WAREHOUSE = {
    "feedback": "feedback",
    # not marts.duckdb: DuckDB names the catalog after the file, and a catalog called
    # `marts` would make analysts' `marts.<table>` ambiguous
    "serving": "serving/dcw.duckdb",
    "reports": "reports",
}
# Marks an output folder (or, beside a serving file, that file) with the warehouse it
# belongs to: see Settings.claim_outputs.
OWNER_MARKER = ".dcw-warehouse"
_FALSE = {"0", "false", "no", "off"}
# Memory does not grow with history: beyond this bound DuckDB spills to disk (dbt's profile
# reads the same value).
DEFAULT_DUCKDB_MEMORY = "3GB"


def parse_date(text: str, what: str = "date") -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise UserError(f"{what} must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} is not a real date: {text!r}") from None


def parse_threads(value: int | str) -> int:
    """DCW_DBT_THREADS: a whole number of dbt threads, at least 1."""
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise UserError(f"DCW_DBT_THREADS must be a whole number of threads, 1 or more, got {value!r}")
    return int(text)


def parse_month(text: str, what: str = "month") -> date:
    """'YYYY-MM' -> the month's first day (months are represented by their first day)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UserError(f"{what} must be YYYY-MM, got {text!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def venv_program(name: str) -> str:
    """The venv's copy of a program (dbt, dagster): .venv/bin is not on PATH when python is
    run directly."""
    import sys

    beside_python = Path(sys.executable).with_name(name)
    return os.fspath(beside_python) if beside_python.exists() else name


def raw_dir(warehouse: Path) -> Path:
    """The raw layer's Parquet folder by default: beside the warehouse file and named after
    it (data/warehouse.duckdb -> data/warehouse_raw), so two warehouses in one folder never
    share a raw layer."""
    return warehouse.with_name(warehouse.stem + "_raw")


def _absolute(path: Path | str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path.cwd() / p


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    feedback: Path
    serving: Path
    reports: Path
    raw: Path
    # The business date; None means today, read when the run reads it (a code server that
    # runs for weeks must not keep the day it started).
    pinned_as_of: date | None = None
    duckdb_memory: str = DEFAULT_DUCKDB_MEMORY
    # The reminders' delivery configuration (docs/reminders.md); None: reminders.toml beside
    # the warehouse file.
    reminders: Path | None = None

    @property
    def reminders_config(self) -> Path:
        return self.reminders or self.warehouse.with_name("reminders.toml")
    # A receipt for every fully accepted dealer file (docs/feedback.md); DCW_FEEDBACK_RECEIPTS=0 turns it off.
    feedback_receipts: bool = True
    # Each dealer's replenishment suggestions beside its feedback, after the build
    # (docs/feedback.md); off unless DCW_FEEDBACK_REPLENISHMENT=1.
    feedback_replenishment: bool = False
    # How many nodes dbt runs at once; None: chosen by the warehouse's size (pipelines.dbt.dbt_threads).
    dbt_threads: int | None = None
    # The socket of a warm dbt server (`dcw dbt-server`, pipelines/dbt_server.py) that dbt's
    # invocations are handed to; None: each invocation starts dbt afresh.
    dbt_server: Path | None = None
    # The outputs that took their default place beside the warehouse (claim_outputs checks them).
    defaulted: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def logs(self) -> Path:
        """Where a run's logs go: logs/ beside the warehouse."""
        return self.warehouse.parent / "logs"

    @property
    def as_of(self) -> date:
        return self.pinned_as_of or date.today()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """The documented DCW_* variables of `environ` (default: this process's environment)
        with their defaults, under `overrides` (a command's options; None = not given).
        Relative paths are taken from the working directory."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(ENV_VARS) - {"pinned_as_of"}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict = {}
        for name, default in DEFAULT_PATHS.items():
            values[name] = _absolute(given.get(name) or env.get(ENV_VARS[name]) or default)
        defaulted = set()
        for name, beside in BESIDE_WAREHOUSE.items():
            chosen = given.get(name) or env.get(ENV_VARS[name])
            values[name] = _absolute(chosen) if chosen else values["warehouse"].parent / beside
            if not chosen:
                defaulted.add(name)
        values["defaulted"] = frozenset(defaulted)
        raw = given.get("raw") or env.get("DCW_RAW")
        values["raw"] = _absolute(raw) if raw else raw_dir(values["warehouse"])
        as_of = given.get("as_of", given.get("pinned_as_of"))
        if as_of is None and env.get("DCW_AS_OF"):
            as_of = parse_date(env["DCW_AS_OF"], "DCW_AS_OF")
        values["pinned_as_of"] = as_of
        values["duckdb_memory"] = given.get("duckdb_memory") or env.get("DCW_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY
        reminders = given.get("reminders") or env.get("DCW_REMINDERS")
        values["reminders"] = _absolute(reminders) if reminders else None
        receipts = given.get("feedback_receipts", env.get("DCW_FEEDBACK_RECEIPTS", "1"))
        values["feedback_receipts"] = receipts if isinstance(receipts, bool) else str(receipts).strip().lower() not in _FALSE
        suggestions = given.get("feedback_replenishment", env.get("DCW_FEEDBACK_REPLENISHMENT", "0"))
        values["feedback_replenishment"] = suggestions if isinstance(suggestions, bool) else \
            str(suggestions).strip().lower() not in _FALSE | {""}
        threads = given.get("dbt_threads", env.get("DCW_DBT_THREADS", ""))
        values["dbt_threads"] = parse_threads(threads) if threads not in (None, "") else None
        server = given.get("dbt_server") or env.get("DCW_DBT_SERVER")
        values["dbt_server"] = _absolute(server) if server else None
        return cls(**values)

    @classmethod
    def for_warehouse(cls, warehouse: Path, as_of: date | None = None, **paths) -> "Settings":
        """Settings for the warehouse file `warehouse` alone, without reading the
        environment: its raw layer beside it, the other folders beside it too (tests, the
        benchmark and other callers that only name a warehouse)."""
        warehouse = _absolute(warehouse)
        folder = warehouse.parent
        values = {"landing": folder / "landing", "feedback": folder / "feedback",
                  "serving": folder / "serving" / "dcw.duckdb", "reports": folder / "reports",
                  "raw": raw_dir(warehouse)}
        given = {k: _absolute(v) for k, v in paths.items() if v is not None}
        values.update(given)
        return cls(warehouse=warehouse, pinned_as_of=as_of, defaulted=frozenset(BESIDE_WAREHOUSE) - set(given), **values)

    def with_overrides(self, **kwargs) -> "Settings":
        """These settings with some values replaced (None = keep); a new warehouse brings its
        own raw layer unless `raw` is given too."""
        clean = {k: v for k, v in kwargs.items() if v is not None}
        if "as_of" in clean:
            clean["pinned_as_of"] = clean.pop("as_of")
        for name in (*PATH_SETTINGS, "reminders", "dbt_server"):
            if name in clean:
                clean[name] = _absolute(clean[name])
        if "warehouse" in clean and "raw" not in clean:
            clean["raw"] = raw_dir(clean["warehouse"])
        defaulted = self.defaulted - set(clean)
        if "warehouse" in clean:  # outputs that were beside the old warehouse follow it
            for name in defaulted:
                clean[name] = clean["warehouse"].parent / BESIDE_WAREHOUSE[name]
        clean["defaulted"] = defaulted
        return replace(self, **clean)

    def claim_outputs(self) -> None:
        """Mark the outputs that defaulted beside the warehouse as this warehouse's; raise
        UserError (one line) when one already belongs to another warehouse that still exists:
        two warehouses in one folder would otherwise mix their feedback, reports or serving
        file. Outputs set explicitly (DCW_FEEDBACK, DCW_SERVING, DCW_REPORTS or an option)
        are the user's choice and are not checked."""
        mine = str(self.warehouse)
        for name in sorted(self.defaulted):
            path: Path = getattr(self, name)
            marker = (path.with_name(f".{path.name}{OWNER_MARKER}") if name == "serving"
                      else path / OWNER_MARKER)
            try:
                owner = marker.read_text(encoding="utf-8").strip()
            except OSError:
                owner = ""
            if owner and owner != mine and Path(owner).exists():
                raise UserError(f"{path} holds the {name} of the warehouse {owner}, not of {mine}; "
                                f"give this warehouse a folder of its own or set {ENV_VARS[name]}")
            if owner != mine:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(mine + "\n", encoding="utf-8")

    @contextmanager
    def lock(self, log: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the warehouse lock (pipelines/core/lock.py) while the block runs."""
        from pipelines.core.lock import warehouse_lock

        with warehouse_lock(self.warehouse, log=log):
            yield

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return connect_warehouse(self.warehouse, read_only=read_only, memory_limit=self.duckdb_memory)


def connect_warehouse(path: Path, read_only: bool = False,
                      memory_limit: str = DEFAULT_DUCKDB_MEMORY) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse file `path` under the memory bound (the same bound
    as dbt's profile: memory must not grow with history); for writing (the default, creating
    the file's folder) or for reading."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit})
    except duckdb.Error as e:
        raise UserError(warehouse_problem(path, e)) from None


def warehouse_problem(path: Path, error: Exception) -> str:
    """One line for an operator: which file, what is wrong with it, what to do."""
    from pipelines.core.text import one_line

    text = str(error)
    if "Could not set lock" in text:
        holder = re.search(r"\(PID (\d+)\)", text)
        who = f" (process {holder.group(1)})" if holder else ""
        return (f"the warehouse {path} is held open by another process{who}: close that connection and run "
                f"again; analysts read the serving file, which no run locks")
    return (f"the warehouse {path} cannot be opened ({one_line(text, 160)}): restore it with "
            f"'dcw restore <backup folder>', or move it and its raw folder away to rebuild from the landing folder")

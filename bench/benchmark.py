"""The benchmark: `make bench` or `python -m bench.benchmark --scales S,M`.

For each scale: generate its data with the project's generator into bench/data/<scale>/
(re-used while the generator parameters match the stamp), hold back the files submitted on
the last day, then, on those same files:

1. bare parse: every file the ingestion parses, read by polars alone (the ingestion's floor);
2. full build: the nightly chain (ingest, customer resolution, dbt build, forecast if
   written outside dbt, publish) on the history;
3. `dbt run` and the floor (bench/floor.py: dbt's compiled models run as one DuckDB script),
   each on a copy of the built warehouse (dbt without its data tests, and the
   transformation's floor);
4. incremental night: the held-back day's files put back, the nightly chain again.

Each step runs in its own process (bench/phase.py) and is charged its own peak memory. The
results go to bench/results/<timestamp>.json and .md, and the table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import psutil

from pipelines.core.errors import UserError
from pipelines.core.settings import PROJECT_ROOT
from bench.measure import SERVER_PID
from pipelines.dbt_process import SERVER_VARIABLE
from pipelines.dbt_server import running_server

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"

GIB = 1 << 30
MIB = 1 << 20

# Generator parameters per scale (omitted ones: `dcw generate`'s defaults). L is M's dealers
# with four times the history, ending in the same month: memory must not grow with history.
SCALES: dict[str, dict] = {
    "tiny": {"dealers": 3, "skus": 4, "months": 4},
    "S": {},
    "M": {"dealers": 2000, "months": 24},
    "L": {"dealers": 2000, "months": 96, "start": date(2018, 10, 1)},
}

BUDGETS = {"ingest": 2.0, "transform": 1.5, "incremental": 0.05}
# the customer resolution's own budgets, in seconds (docs/customers.md): a full resolution of
# every spelling, and a night's new ones linked to the customers already known
CUSTOMER_BUDGETS = {"customers_full": 120.0, "customers_night": 10.0}
MEMORY_BUDGET_M = 4 * GIB
MEMORY_GROWTH_L = 1.5

# The ingestion's own split of its stage (shown when it reports it; not added to a night).
INGEST_SPLIT = ("discover", "parse_validate", "load")
FLOOR_STAGES = ("floor_sql", "floor_python")  # the floor phase's stages, when they ran


@dataclass(frozen=True)
class ScaleData:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def held(self) -> Path:
        return self.root / "held"

    @property
    def work(self) -> Path:
        return self.root / "run"

    @property
    def stamp(self) -> Path:
        return self.root / "stamp.json"


def generator_params(scale: str) -> dict:
    from pipelines.synth.params import GeneratorParams

    defaults = GeneratorParams(out=Path("."))
    chosen = SCALES[scale]
    return {name: str(chosen.get(name, getattr(defaults, name)))
            for name in ("seed", "dealers", "skus", "months", "start", "injection_scale")}


def ensure_data(scale: str, data_root: Path) -> ScaleData:
    """The scale's landing folder, generated unless the stamp says it is already there with
    the same generator parameters. Files held back by an interrupted run are put back."""
    from pipelines.synth import GeneratorParams, generate
    from pipelines.core.progress import Progress

    data = ScaleData(data_root / scale)
    params = generator_params(scale)
    restore_held(data)
    if data.stamp.exists() and json.loads(data.stamp.read_text()) == params and data.landing.is_dir():
        return data
    shutil.rmtree(data.root, ignore_errors=True)
    data.root.mkdir(parents=True)
    progress = Progress(f"generate {scale}", "months")
    summary = generate(GeneratorParams(out=data.landing, **SCALES[scale]), progress=progress)
    progress.done(f"{summary['files']:,} files, {summary['sales_lines']:,} sales lines")
    data.stamp.write_text(json.dumps(params, indent=2))
    return data


def restore_held(data: ScaleData) -> int:
    """Move every held-back file back to its place in the landing folder."""
    if not data.held.is_dir():
        return 0
    moved = 0
    for path in sorted(p for p in data.held.rglob("*") if p.is_file()):
        target = data.landing / path.relative_to(data.held)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved += 1
    shutil.rmtree(data.held)
    return moved


def hold_back_last_day(data: ScaleData) -> tuple[date, list[str]]:
    """Move aside the files submitted on the last submission day (dealer files: the stamp in
    the name; ERP files: the date in the name); returns that day and the files."""
    from pipelines.ingest.discover import discover

    files = [f for f in discover(data.landing) if f.submitted_at is not None]
    if not files:
        raise UserError(f"{data.landing} holds no file with a submission date to hold back")
    last = max(f.submitted_at.date() for f in files)
    held = sorted(f.source_file for f in files if f.submitted_at.date() == last)
    for name in held:
        target = data.held / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(data.landing / name, target)
    return last, held


# The warm dbt server of the run (dbt_server), for every phase's dbt: its socket and process.
SERVER_ENV: dict[str, str] = {}


@contextmanager
def dbt_server(log: Path, enabled: bool = True) -> Iterator[None]:
    """The run's phases hand dbt to a warm dbt server (pipelines/dbt_server.py), as a
    deployment running `dcw dbt-server` beside Dagster's daemon does: started before the first
    phase (its imports are not a night's), its CPU and memory charged to each phase that uses
    it (bench/phase.py); what it says (a line per dbt invocation) goes to `log`. Not `enabled`:
    each dbt invocation starts afresh."""
    if not enabled:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="dcw-bench-"))  # a short path: a socket's is at most 107 bytes
    try:
        with running_server(folder / "dbt.sock", log) as proc:
            SERVER_ENV.update({SERVER_VARIABLE: str(folder / "dbt.sock"), SERVER_PID: str(proc.pid)})
            try:
                yield
            finally:
                SERVER_ENV.clear()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def phase_env(data: ScaleData, warehouse: Path, as_of: date) -> dict[str, str]:
    env = {**os.environ, **SERVER_ENV}
    work = data.work
    env.update({
        "DCW_LANDING": str(data.landing),
        "DCW_WAREHOUSE": str(warehouse),
        "DCW_RAW": str(work / "raw"),
        "DCW_FEEDBACK": str(work / "feedback"),
        "DCW_SERVING": str(work / "serving" / "dcw.duckdb"),
        "DCW_REPORTS": str(work / "reports"),
        "DCW_AS_OF": as_of.isoformat(),
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p),
    })
    return env


def run_phase(phase: str, env: dict[str, str], work: Path, what: str) -> dict:
    print(f"[bench] {what}", file=sys.stderr, flush=True)
    out = work / f"{phase}-{datetime.now():%H%M%S%f}.json"
    proc = subprocess.run([sys.executable, "-m", "bench.phase", phase, str(out)], env=env, cwd=PROJECT_ROOT)
    if proc.returncode != 0 or not out.exists():
        raise UserError(f"benchmark phase {phase} failed (exit code {proc.returncode}); its output is above")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return result


def copy_warehouse(warehouse: Path, name: str) -> Path:
    """A copy beside the original, so that whatever the warehouse refers to relative to its
    folder (the Parquet raw layer) resolves the same. DuckDB names the catalog after the
    file: `name` must not be a schema's name (marts, floor_marts...), or references are
    ambiguous."""
    copy = warehouse.with_name(name)
    copy.unlink(missing_ok=True)
    shutil.copyfile(warehouse, copy)
    return copy


def land_one_file(data: ScaleData, warehouse: Path, day: date) -> Path:
    """A dealer's resubmission landing during `day`: the newest accepted CSV sales file of
    the built warehouse again, submitted at noon of `day`, without its last line (other
    bytes: not a duplicate). Returns its path in the landing folder."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [(name,)] = con.execute(
            "select source_file from raw.submissions where kind = 'sales' and status = 'accepted' "
            "and rows_accepted > 1 and lower(source_file) like '%.csv' order by submitted_at desc, source_file limit 1"
        ).fetchall()
    finally:
        con.close()
    source = data.landing / name
    stem = source.stem.rsplit("_", 1)[0]  # sales_<dealer>_<month>_<submitted>
    target = source.with_name(f"{stem}_{day:%Y%m%d}T120000{source.suffix}")
    body = source.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n"
    target.write_bytes(body)
    return target


def intraday_rows(landed: Path) -> int:
    """Data rows of the landed file (its lines less the header)."""
    return max(landed.read_bytes().count(b"\n") - 1, 0)


def _stages(phase: dict, rows: dict) -> dict:
    out = {}
    for name, s in phase["stages"].items():
        n = rows.get(name)
        out[name] = {"seconds": s["seconds"], "cpu_seconds": s["cpu_seconds"], "peak_rss": s["peak_rss"], "rows": n,
                     "rows_per_s": n / s["seconds"] if n is not None and s["seconds"] > 0 else None}
    return out


def _ratio(numerator: float, denominator: float, budget: float, what: str, cpu: tuple[float, float] | None = None) -> dict:
    """A budgeted ratio of wall times; `cpu`: the same ratio of CPU seconds, for information
    (it moves less with other work on the machine)."""
    value = numerator / denominator if denominator > 0 else float("inf")
    out = {"value": value, "budget": budget, "pass": value <= budget, "numerator": numerator,
           "denominator": denominator, "what": what}
    if cpu is not None:
        out["cpu_value"] = cpu[0] / cpu[1] if cpu[1] > 0 else None
    return out


def _cpu(stages: dict, names) -> float:
    return sum(stages[n]["cpu_seconds"] for n in names)


def warm_file_cache(folder: Path) -> int:
    """Read every file under `folder` once; the bytes read. A run's phases then all read the
    landing from the page cache: otherwise the first phase that reads it (the bare parse) alone
    pays the disk, and the ingestion after it looks cheaper against it than it is."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
    return total


def fresh_run(scale: str, data_root: Path) -> tuple[ScaleData, tuple, date, list[str], Path]:
    """The scale's data with its last day held back and an empty work folder, the landing read
    once (warm_file_cache): the data, the load average before, the day held back, its files
    and the warehouse to build."""
    data = ensure_data(scale, data_root)
    shutil.rmtree(data.work, ignore_errors=True)
    data.work.mkdir(parents=True)
    warm_file_cache(data.landing)
    load_before = os.getloadavg()
    last_day, held = hold_back_last_day(data)
    return data, load_before, last_day, held, data.work / "warehouse.duckdb"


def customer_checks(stages: dict, incremental: dict) -> dict:
    """The customer resolution's seconds against its budgets: the full build's (every spelling)
    and the night's (its new spellings)."""
    return {name: _ratio(s["customers"]["seconds"], 1.0, CUSTOMER_BUDGETS[name], f"customer resolution, {what}, seconds")
            for name, s, what in (("customers_full", stages, "full build"), ("customers_night", incremental, "night +1 day"))
            if "customers" in s}


def bench_customers(scale: str, data_root: Path = DATA) -> dict:
    """`--stages customers`: only the ingestion and the customer resolution, on the same files
    as the whole benchmark (the history, then the held-back day), with the same figures."""
    run = history_then_day(scale, data_root, "customers", "ingest and resolve the customers", "ingest and resolve the customers of")
    return {**run.common, "stage_set": "customers", "baselines": {},
            "ratios": customer_checks(run.stages, run.incremental)}


def bench_build(scale: str, data_root: Path = DATA) -> dict:
    """`--stages build`: the full build and the night only, without the baselines (the bare
    parse, `dbt run` and the floor each cost about as much again), for a scale too large to
    run whole in a working session: L's full build, its memory and where its time goes."""
    run = history_then_day(scale, data_root, "night", "full build", "night adding")
    return {**run.common, "stage_set": "build", "baselines": {},
            "ratios": {"incremental": incremental_ratio(run.full, run.night, run.stages, run.incremental),
                       **customer_checks(run.stages, run.incremental)}}


@dataclass(frozen=True)
class TwoNights:
    full: dict
    night: dict
    stages: dict
    incremental: dict
    common: dict


def history_then_day(scale: str, data_root: Path, phase: str, full_what: str, night_what: str) -> TwoNights:
    """`phase` on the history up to the held-back day, then again with that day's files put back."""
    data, load_before, last_day, held, warehouse = fresh_run(scale, data_root)
    try:
        full = run_phase(phase, phase_env(data, warehouse, last_day), data.work,
                         f"{scale}: {full_what} up to {last_day - timedelta(days=1)}")
    finally:
        restore_held(data)
    night = run_phase(phase, phase_env(data, warehouse, last_day + timedelta(days=1)), data.work,
                      f"{scale}: {night_what} {len(held)} file(s) of {last_day}")
    stages = _stages(full, full["info"]["rows"])
    incremental = _stages(night, night["info"]["rows"])
    return TwoNights(full, night, stages, incremental,
                     _common(scale, full, night, last_day, held, stages, incremental, load_before))


def incremental_ratio(full: dict, night: dict, stages: dict, incremental: dict) -> dict:
    """The night adding the last day against the full build, each the sum of its chain."""
    chain, chain_next = full["info"]["chain"], night["info"]["chain"]
    return _ratio(sum(incremental[s]["seconds"] for s in chain_next), sum(stages[s]["seconds"] for s in chain),
                  BUDGETS["incremental"], f"night adding the last day / full build ({'+'.join(chain)})",
                  (_cpu(incremental, chain_next), _cpu(stages, chain)))


def _common(scale: str, full: dict, night: dict, last_day: date, held: list[str], stages: dict,
            incremental: dict, load_before: tuple) -> dict:
    """What every kind of run records of a scale: the data, the two nights, memory and load."""
    return {
        "params": generator_params(scale),
        "files": full["info"]["files_seen"],
        "rows_read": full["info"]["rows_read"],
        "customers": full["info"].get("customers"),
        "customers_night": night["info"].get("customers"),
        "held_back": {"day": last_day.isoformat(), "files": len(held),
                      "rows_read": night["info"]["rows_read"]},
        "night_chain": full["info"]["chain"],
        "stages": stages,
        "incremental": incremental,
        "peak_rss": max(s["peak_rss"] for s in (*stages.values(), *incremental.values())),
        # other work on the machine slows every figure; the 1-minute load average says how much
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0]},
    }


def bench_scale(scale: str, data_root: Path = DATA) -> dict:
    data, load_before, last_day, held, warehouse = fresh_run(scale, data_root)
    try:
        env = phase_env(data, warehouse, last_day)

        bare = run_phase("bare_parse", env, data.work, f"{scale}: bare polars parse")
        full = run_phase("night", env, data.work, f"{scale}: full build up to {last_day - timedelta(days=1)}")
        dbt_run = run_phase("dbt_run", phase_env(data, copy_warehouse(warehouse, "dbt_run.duckdb"), last_day),
                            data.work, f"{scale}: dbt run")
        floor = run_phase("floor", phase_env(data, copy_warehouse(warehouse, "floor.duckdb"), last_day),
                          data.work, f"{scale}: the floor (dbt's compiled models as one DuckDB script)")
        warehouse.with_name("dbt_run.duckdb").unlink()
    finally:
        restore_held(data)
    night = run_phase("night", phase_env(data, warehouse, last_day + timedelta(days=1)), data.work,
                      f"{scale}: night adding {len(held)} file(s) of {last_day}")
    # the landing sensor's tick before the file lands: the intraday phase ticks again after it
    day_env = phase_env(data, warehouse, last_day + timedelta(days=1))
    tick = run_phase("sensor_tick", day_env, data.work, f"{scale}: the landing sensor's tick")
    landed = land_one_file(data, warehouse, last_day + timedelta(days=1))
    landed_rows = intraday_rows(landed)
    try:
        intraday = run_phase("intraday", {**day_env, "BENCH_SENSOR_CURSOR": tick["info"]["cursor"]}, data.work,
                             f"{scale}: intraday job for {landed.name}")
    finally:
        landed.unlink(missing_ok=True)  # the landing folder is the next run's history

    stages = _stages(full, full["info"]["rows"])
    incremental = _stages(night, night["info"]["rows"])
    committed = stages["dbt"]["rows"]
    baselines = {**_stages(bare, {"bare_parse": bare["info"]["rows"]}),
                 **_stages(dbt_run, {"dbt_run": committed}),
                 **_stages(floor, {name: committed for name in FLOOR_STAGES})}
    floor_stages = [s for s in FLOOR_STAGES if s in baselines]
    floor_s = sum(baselines[s]["seconds"] for s in floor_stages)
    floor_what = " + ".join(floor_stages)
    return {
        **_common(scale, full, night, last_day, held, stages, incremental, load_before),
        "intraday": {**_stages(intraday, {"intraday": landed_rows}),
                     "file": landed.name, **intraday["info"]},
        "baselines": baselines,
        "bare_parse": bare["info"],
        "floor": {**floor["info"], "warehouse": str(warehouse.with_name("floor.duckdb"))},
        "ratios": {
            "ingest": _ratio(stages["ingest"]["seconds"], baselines["bare_parse"]["seconds"], BUDGETS["ingest"],
                             "ingestion / bare polars parse of the same files",
                             (_cpu(stages, ["ingest"]), _cpu(baselines, ["bare_parse"]))),
            "transform": _ratio(stages["dbt"]["seconds"], floor_s, BUDGETS["transform"],
                                f"dbt build (models + data tests) / the floor ({floor_what})",
                                (_cpu(stages, ["dbt"]), _cpu(baselines, floor_stages))),
            "transform_run": _ratio(baselines["dbt_run"]["seconds"], floor_s, BUDGETS["transform"],
                                    f"dbt run (models only; for information) / the floor ({floor_what})",
                                    (_cpu(baselines, ["dbt_run"]), _cpu(baselines, floor_stages))),
            "incremental": incremental_ratio(full, night, stages, incremental),
            **customer_checks(stages, incremental),
        },
    }


def memory_check(scale: str, peak: int, m_peak: int | None) -> dict | None:
    """Peak RSS at M ≤ 4 GiB; at L ≤ 1.5 × M's peak (from this run, else the newest result
    with an M figure). Other scales are held to M's absolute budget."""
    if scale == "L":
        if m_peak is None:
            return None
        return _ratio(peak, m_peak, MEMORY_GROWTH_L, "peak RSS at L / peak RSS at M")
    return {"value": peak / GIB, "budget": MEMORY_BUDGET_M / GIB, "pass": peak <= MEMORY_BUDGET_M,
            "numerator": peak, "denominator": GIB, "what": "peak RSS of the process tree, GiB (budget set for M)"}


def latest_m_peak(results: Path) -> int | None:
    for path in sorted(results.glob("*.json"), reverse=True):
        m = json.loads(path.read_text(encoding="utf-8")).get("scales", {}).get("M")
        # the customers' stages alone are not the nightly chain's peak (`--stages build` is)
        if m and m.get("stage_set") != "customers":
            return m["peak_rss"]
    return None


def machine() -> dict:
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import dbt.version
    import duckdb
    import polars
    return {"cores": os.cpu_count(), "memory_bytes": psutil.virtual_memory().total, "cpu": model,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "polars": polars.__version__,
            "dbt": str(dbt.version.installed), "platform": platform.platform()}


def _fmt(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"# dcw benchmark {result['timestamp']}", "",
             f"Run id {result.get('run_id', result['timestamp'])}, commit {result.get('commit') or 'unknown'}.", "",
             f"Machine: {m['cores']} cores, {m['memory_bytes'] / GIB:.0f} GiB, {m['cpu']}; "
             f"Python {m['python']}, DuckDB {m['duckdb']}, polars {m['polars']}, dbt {m['dbt']}.", ""]
    for scale, r in result["scales"].items():
        lines += [f"## Scale {scale}", "",
                  f"Generator: {', '.join(f'{k}={v}' for k, v in r['params'].items())}. "
                  f"Full build: {r['files']:,} files, {r['rows_read']:,} rows; incremental night: "
                  f"{r['held_back']['files']} files ({r['held_back']['rows_read']:,} rows) submitted on "
                  f"{r['held_back']['day']}. Load average (1 min) {r['load_average']['before']:.1f} before, "
                  f"{r['load_average']['after']:.1f} after.", "",
                  "| stage | seconds | CPU s | rows | rows/s | peak RSS (MiB) |", "|---|---:|---:|---:|---:|---:|"]
        shown = [*INGEST_SPLIT, *r["night_chain"]]
        rows = [(f"full: {name}", r["stages"][name]) for name in shown if name in r["stages"]]
        rows += [(f"night +1 day: {name}", r["incremental"][name]) for name in shown if name in r["incremental"]]
        rows += [(f"intraday, 1 file: {name}", s) for name, s in r.get("intraday", {}).items()
                 if isinstance(s, dict) and "seconds" in s]
        rows += [(f"baseline: {name}", s) for name, s in r["baselines"].items()]
        for label, s in rows:
            lines.append(f"| {label} | {_fmt(s['seconds'], 2)} | {_fmt(s.get('cpu_seconds'), 2)} | {_fmt(s['rows'], 0)} | "
                         f"{_fmt(s['rows_per_s'], 0)} | {_fmt(s['peak_rss'] / MIB, 0)} |")
        for key, what in (("customers", "the full build"), ("customers_night", "the night +1 day")):
            got = r.get(key) or {}
            scores = got.get("scores")
            if scores:
                lines += ["", f"Customer resolution of {what} against the generator's identity truth: "
                              f"pairwise precision {scores['precision']:.4f}, recall {scores['recall']:.4f} "
                              f"({scores['lines']:,} lines, {scores['unresolved']:,} without a key; "
                              f"{got['spellings']:,} spellings, {got['customers']:,} customers)."]
        lines += ["", "| ratio | value | budget | result | same ratio of CPU seconds | measured as |",
                  "|---|---:|---:|---|---:|---|"]
        for name, q in r["ratios"].items():
            verdict = "info" if name == "transform_run" else ("PASS" if q["pass"] else "FAIL")
            lines.append(f"| {name} | {q['value']:.3f} | ≤ {q['budget']:g} | {verdict} | "
                         f"{_fmt(q.get('cpu_value'), 3)} | {q['what']} |")
        lines.append("")
    return "\n".join(lines)


def code_version() -> str | None:
    """The commit measured (`+dirty` with uncommitted changes), so a quoted figure says what
    code it is of; None outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    try:
        commit = git("rev-parse", "HEAD").strip()
        return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no").strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return None


# what a run measures: the whole benchmark, the ingestion and customer resolution only, or the
# full build and the night without the baselines
STAGE_SETS = {"all": bench_scale, "customers": bench_customers, "build": bench_build}


def run(scales: list[str], data_root: Path = DATA, results: Path = RESULTS,
        stages: str = "all", warm_dbt: bool = True) -> tuple[Path, dict]:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    # the run id is the results' file name: what the README quotes beside a figure
    result = {"run_id": stamp, "timestamp": stamp, "commit": code_version(), "machine": machine(),
              "stages": stages, "dbt_server": warm_dbt, "scales": {}}
    with dbt_server(data_root / "dbt-server.log", warm_dbt):
        for scale in scales:
            result["scales"][scale] = STAGE_SETS[stages](scale, data_root)
    for scale in scales:
        r = result["scales"][scale]
        m_peak = result["scales"]["M"]["peak_rss"] if "M" in result["scales"] else latest_m_peak(results)
        memory = memory_check(scale, r["peak_rss"], m_peak)
        if memory is not None:
            r["ratios"]["memory"] = memory
        result["scales"][scale] = r
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"{stamp}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    return out, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="S,M", help=f"comma-separated, of {', '.join(SCALES)} (default S,M)")
    parser.add_argument("--stages", default="all", choices=sorted(STAGE_SETS),
                        help="all (default); customers: only the ingestion and the customer resolution; "
                             "build: the full build and the night, without the baselines")
    parser.add_argument("--no-dbt-server", dest="warm_dbt", action="store_false",
                        help="start dbt afresh for each invocation instead of through a warm dbt server")
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown or not scales:
        print(f"error: unknown scale(s) {', '.join(unknown) or '(none)'}; known: {', '.join(SCALES)}", file=sys.stderr)
        return 2
    try:
        out, result = run(scales, stages=args.stages, warm_dbt=args.warm_dbt)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(markdown(result))
    print(f"results: {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

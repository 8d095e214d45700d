"""`dcw`, the dealer channel warehouse on the command line.

Every error a user can cause (unknown option, bad value, missing folder) ends as one line on
stderr and exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.core.settings import Settings, parse_date, parse_month

EPILOG = """\
environment:
  DCW_LANDING    landing folder the dealers and the ERP drop files into (default data/landing)
  DCW_WAREHOUSE  the DuckDB warehouse file (default data/warehouse.duckdb)
  DCW_AS_OF      the business date of the run, YYYY-MM-DD (default today)
  DCW_FEEDBACK   where feedback files for dealers are written (default data/feedback)
  DCW_SERVING    the read-only copy of the marts analysts open (default data/serving/dcw.duckdb)
  DCW_REPORTS    where reports are written (default data/reports)
Each is overridden by the matching option of a command.

examples:
  dcw generate --out data/landing --dealers 40 --months 24
  dcw run
  dcw run --landing /srv/dcw/landing --warehouse /srv/dcw/warehouse.duckdb --as-of 2026-11-01
  dcw build --target spark --landing data/landing
  dcw report writeoff --month 2026-03 --dealer D0007 --format xlsx
  dcw close --month 2026-03
  dcw ui --port 3001
  dcw backup --to /srv/backups/dcw-2026-11-23
  dcw restore /srv/backups/dcw-2026-11-23 --to /srv/dcw-restored
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see '{self.prog} --help')")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number up to 65535, got {value}")
    return value


def _as_type(parse):
    """Turn a parse_* function raising UserError into an argparse type."""

    def convert(text: str):
        try:
            return parse(text)
        except UserError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def _warehouse_option(parser: argparse.ArgumentParser, what: str = "DuckDB warehouse file") -> None:
    parser.add_argument("--warehouse", type=Path, help=f"{what} (default: $DCW_WAREHOUSE)")


def _run_options(parser: argparse.ArgumentParser, warehouse: str) -> None:
    """The options of the commands that run the pipeline on a landing folder."""
    parser.add_argument("--landing", type=Path, help="landing folder (default: $DCW_LANDING)")
    _warehouse_option(parser, warehouse)
    parser.add_argument("--as-of", type=_as_type(parse_date), help="business date YYYY-MM-DD (default: $DCW_AS_OF or today)")
    parser.add_argument(
        "--move-inputs", action="store_true",
        help="the warehouse moves on purpose to this landing folder and raw folder (a warehouse "
             "records the ones it was built from and otherwise refuses others)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dcw",
        description=(
            "dcw, the dealer channel warehouse: turns dealers' sales reports (经销商销售报备), "
            "stock and expense claims plus the ERP's extracts into trusted marts for analysts, "
            "channel managers and finance."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)

    gen = commands.add_parser(
        "generate",
        help="write a realistic, deterministic demo landing folder (with its ground truth)",
        description=(
            "Write a whole landing folder per the input contract: ERP extracts and dealers' "
            "sales, stock and claims, with known injected errors and diversions. The ground "
            "truth of every injection goes to DIR/../truth/. Same seed, same bytes."
        ),
    )
    gen.add_argument("--out", type=Path, help="landing folder to write (default: $DCW_LANDING)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--dealers", type=_positive_int, default=40, help="number of dealers (default 40)")
    gen.add_argument("--skus", type=_positive_int, default=24, help="number of products (default 24)")
    gen.add_argument("--months", type=_positive_int, default=24, help="months of history (default 24)")
    gen.add_argument(
        "--start", type=_as_type(parse_month), default=parse_month("2024-10"),
        help="first month, YYYY-MM (default 2024-10)",
    )
    gen.add_argument(
        "--injection-scale", type=_non_negative_float, default=1.0,
        help="multiplies every error/diversion injection rate; 0 = clean data (default 1.0)",
    )

    run = commands.add_parser(
        "run",
        help="ingest the landing folder and build the warehouse (the nightly job)",
        description=(
            "Materialise everything for the landing folder: ingest new files (validate, "
            "quarantine, reject with reasons, write dealer feedback), then build the marts."
        ),
    )
    _run_options(run, warehouse="DuckDB warehouse file")

    build = commands.add_parser(
        "build",
        help="ingest the landing folder and build the marts with dbt on DuckDB or Spark",
        description=(
            "Ingest new files of the landing folder as 'dcw run' does, then build the dbt models "
            "and run their data tests on one engine: duckdb (into the warehouse file) or spark "
            "(dbt-spark on a local Spark session, pip install -e '.[spark]' and Java 17+; tables "
            "in <warehouse>_spark/ beside the warehouse file; docs/at_scale.md for a cluster). "
            "The forecast marts are built on duckdb only; checks and the serving copy are 'dcw run's."
        ),
    )
    build.add_argument(
        "--target", choices=("duckdb", "spark"), default="duckdb",
        help="the dbt target (dbt_project/profiles.yml) to build on (default duckdb)",
    )
    _run_options(build, warehouse="DuckDB warehouse file, holding the submission log")

    report = commands.add_parser(
        "report", help="write a report from the marts (finance's monthly write-off)",
        description="Write a report people open in a spreadsheet, from the marts.",
    )
    kinds = report.add_subparsers(dest="report", metavar="<report>", parser_class=_Parser, required=True)
    writeoff = kinds.add_parser(
        "writeoff",
        help="the expense write-off report (费用核销) of one month",
        description=(
            "The expense write-off report (费用核销) for one month: a summary by dealer, campaign "
            "and status, and a detail line per claim with its reasons in words. Totals reconcile "
            "with marts.fct_expense_writeoff to the cent."
        ),
    )
    writeoff.add_argument("--month", type=_as_type(parse_month), required=True, help="write-off month, YYYY-MM")
    writeoff.add_argument("--dealer", help="only this dealer (default: all)")
    writeoff.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="xlsx (default) or csv")
    writeoff.add_argument("--out", type=Path, help="folder to write to (default: $DCW_REPORTS/writeoff)")
    _warehouse_option(writeoff)

    close = commands.add_parser(
        "close", help="close a write-off month: its figures never change again",
        description=(
            "Freeze one write-off month of marts.fct_expense_writeoff (the monthly close does it "
            "on the 1st): its rows and report never change again, and a claim that arrives later "
            "for it is written off in the first open month (docs/marts.md). A month is closed once."
        ),
    )
    close.add_argument("--month", type=_as_type(parse_month), required=True, help="write-off month, YYYY-MM")
    close.add_argument("--as-of", type=_as_type(parse_date), help="business date YYYY-MM-DD (default: $DCW_AS_OF or today)")
    _warehouse_option(close)

    bak = commands.add_parser(
        "backup",
        help="snapshot the warehouse consistently, with a manifest of checksums",
        description=(
            "Copy the warehouse, under its lock (no run writes meanwhile), into a new folder "
            "with manifest.json listing every file's size and sha256."
        ),
    )
    bak.add_argument("--to", type=Path, help="backup folder to create (default: <warehouse folder>/backups/<time>)")
    _warehouse_option(bak)

    res = commands.add_parser(
        "restore",
        help="restore a backup after checking every file against its manifest",
        description=(
            "Check every file of the backup against its sha256 in manifest.json, then restore it "
            "as the warehouse (or into --to DIR). Never overwrites an existing warehouse."
        ),
    )
    res.add_argument("source", type=Path, metavar="FROM", help="backup folder written by 'dcw backup'")
    res.add_argument("--to", type=Path, help="folder to restore into (default: where $DCW_WAREHOUSE points)")
    _warehouse_option(res)

    ui = commands.add_parser(
        "ui",
        help="the Dagster UI: asset graph, checks, runs, schedules (until Ctrl+C)",
        description=(
            "Start the Dagster UI and daemon (`dagster dev`) on workspace.yaml, with the "
            "instance in .dagster_home/ of the repository, until Ctrl+C. The assets read the "
            "DCW_* settings of this environment."
        ),
    )
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--port", type=_port, default=3000, help="port to listen on (default 3000)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """The run's settings, built once: the command's options over the DCW_* environment."""
    return Settings.from_env(
        landing=getattr(args, "landing", None),
        warehouse=getattr(args, "warehouse", None),
        as_of=getattr(args, "as_of", None),
    )


def _cmd_generate(args: argparse.Namespace) -> None:
    from pipelines.core.progress import Progress
    from pipelines.synth import GeneratorParams, generate

    out = (args.out or _settings(args).landing).resolve()
    progress = Progress("generate", "months")
    summary = generate(
        GeneratorParams(
            out=out, seed=args.seed, dealers=args.dealers, skus=args.skus, months=args.months,
            start=args.start, injection_scale=args.injection_scale,
        ),
        progress=progress,
    )
    progress.done(f"{summary['files']:,} files, {summary['sales_lines']:,} sales lines in {out}; truth in {out.parent / 'truth'}")


def _landing_settings(args: argparse.Namespace) -> Settings:
    """Settings for a command that reads the landing folder, which must exist."""
    cfg = _settings(args)
    if not cfg.landing.is_dir():
        raise UserError(f"landing folder {cfg.landing} does not exist (run 'dcw generate' first, or set DCW_LANDING / --landing)")
    return cfg


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _move_inputs(cfg: Settings, args: argparse.Namespace) -> None:
    """`--move-inputs`: record this run's landing and raw folders as the warehouse's own."""
    if not getattr(args, "move_inputs", False) or not cfg.warehouse.exists():
        return
    from pipelines.ingest.raw_layer import move_inputs

    with cfg.lock(log=_stderr), cfg.connect() as con:
        move_inputs(con, cfg.landing, cfg.raw)


def _cmd_run(args: argparse.Namespace) -> None:
    cfg = _landing_settings(args)
    _move_inputs(cfg, args)
    from pipelines.orchestration.nightly import run_nightly  # Dagster is slow to import: only when needed

    run_nightly(cfg)


def _cmd_build(args: argparse.Namespace) -> None:
    cfg = _landing_settings(args)
    import time

    from pipelines.dbt import build_warehouse, spark_dir
    from pipelines.ingest import run_ingestion

    _move_inputs(cfg, args)
    with cfg.lock(log=_stderr):
        summary = run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback, raw=cfg.raw, duckdb_memory=cfg.duckdb_memory)
        started = time.monotonic()
        build_warehouse(cfg, target=args.target)
    where = spark_dir(cfg.warehouse) if args.target == "spark" else cfg.warehouse
    print(f"marts built on {args.target} in {time.monotonic() - started:.0f}s: {where}")
    if summary.feedback_pending:
        raise UserError(f"feedback for {len(summary.feedback_pending)} file(s) could not be written to {cfg.feedback}; "
                        "it is kept and written by the next run")


def _cmd_report(args: argparse.Namespace) -> None:
    from pipelines.reports.writeoff import write_writeoff_report

    cfg = _settings(args)
    if not cfg.warehouse.exists():
        raise UserError(f"no warehouse at {cfg.warehouse} (run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse)")
    with cfg.lock(log=_stderr):
        written = write_writeoff_report(
            cfg.warehouse, args.month, args.dealer, args.format, args.out or cfg.reports / "writeoff"
        )
    for path in written:
        print(path)


def _cmd_close(args: argparse.Namespace) -> None:
    from pipelines.reports.close import close_month

    cfg = _settings(args)
    with cfg.lock(log=_stderr):
        closed = close_month(cfg, args.month)
    print(f"write-off month {args.month:%Y-%m} " + ("closed" if closed else "was closed already; it stays as it was"))


def _cmd_backup(args: argparse.Namespace) -> None:
    from pipelines.orchestration.backup import backup

    print(backup(_settings(args), args.to))


def _cmd_restore(args: argparse.Namespace) -> None:
    from pipelines.orchestration.backup import restore

    print(restore(args.source, _settings(args), args.to))


def _cmd_ui(args: argparse.Namespace) -> None:
    from pipelines.orchestration.ui import run_ui

    status = run_ui(args.host, args.port)
    if status != 0:
        raise UserError(f"the Dagster UI stopped with status {status} (see its log above)")


COMMANDS = {"generate": _cmd_generate, "run": _cmd_run, "build": _cmd_build, "report": _cmd_report,
            "ui": _cmd_ui, "backup": _cmd_backup, "restore": _cmd_restore, "close": _cmd_close}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        COMMANDS[args.command](args)
    except UserError as exc:
        print(f"dcw: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dcw: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
  DCW_FEEDBACK   where feedback files for dealers are written (default feedback/ beside the warehouse)
  DCW_SERVING    the read-only copy of the marts analysts open (default serving/dcw.duckdb beside the warehouse)
  DCW_REPORTS    where reports and Data Docs are written (default reports/ beside the warehouse)
  DCW_FEEDBACK_RECEIPTS  0 = no receipt for a fully accepted dealer file (default 1)
  DCW_FEEDBACK_REPLENISHMENT  1 = each dealer's replenishment suggestions in its feedback folder after the build (default 0)
  DCW_REMINDERS  the reminders' delivery configuration, TOML (default reminders.toml beside the warehouse)
  DCW_DBT_SERVER  the socket of a warm dbt server (dcw dbt-server) for dbt's invocations (default none)
Each is overridden by the matching option of a command. Logs, backups and alerts go beside
the warehouse too.

examples:
  dcw generate --out data/landing --dealers 40 --months 24
  dcw run
  dcw run --landing /srv/dcw/landing --warehouse /srv/dcw/warehouse.duckdb --as-of 2026-11-01
  dcw build --target spark --landing data/landing
  dcw report writeoff --month 2026-03 --dealer D0007 --format xlsx
  dcw remind --dry-run
  dcw report rebate --quarter 2026-Q3 --format csv
  dcw close --month 2026-03
  dcw ui --port 3001
  dcw dashboard --port 8501
  dcw dbt-server --socket /run/dcw/dbt.sock
  dcw backup --to /srv/backups/dcw-2026-11-23
  dcw restore /srv/backups/dcw-2026-11-23 --to /srv/dcw-restored
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not a usage block, and a long option is
    never guessed from a prefix (--ware is an error, not --warehouse)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

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
    gen.add_argument(
        "--workers", type=_positive_int, default=None,
        help="processes to use, this one included (default: every core); the output is the same",
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

    cust = commands.add_parser(
        "customers", help="customer resolution (客户识别): resolve, retrain the model, its chart",
        description="Link the sales lines' customer names into customers (docs/customers.md).",
    )
    cust_cmds = cust.add_subparsers(dest="customers", metavar="<action>", parser_class=_Parser, required=True)
    resolve = cust_cmds.add_parser(
        "resolve", help="link new customer spellings to customers (--full: resolve every spelling again)",
        description=("Link the customer spellings of the raw layer's sales lines into customers. "
                     "By default only spellings not seen before (what the nightly run does); with "
                     "--full every spelling is scored again, keeping each customer's key where "
                     "most of its spellings had it. Run 'dcw run' (or 'dcw build') after it to "
                     "rebuild the marts."),
    )
    resolve.add_argument("--full", action="store_true", help="re-resolve every spelling, not only new ones")
    resolve.add_argument("--warehouse", type=Path, help="DuckDB warehouse file (default: $DCW_WAREHOUSE)")
    train = cust_cmds.add_parser(
        "train", help="retrain the Splink model on the raw layer's spellings (no labels) and write it",
        description="Estimate the model's parameters without labels (u by random sampling, m by EM) "
                    "from the raw layer's customer spellings and write pipelines/customers/model.json "
                    "(or --out).",
    )
    train.add_argument("--warehouse", type=Path, help="DuckDB warehouse file (default: $DCW_WAREHOUSE)")
    train.add_argument("--out", type=Path, help="model file to write (default: pipelines/customers/model.json)")
    chart = cust_cmds.add_parser("chart", help="write the model's match weights chart (HTML)")
    chart.add_argument("--out", type=Path, default=Path("match_weights.html"), help="HTML file (default match_weights.html)")

    report = commands.add_parser(
        "report", help="write a report from the marts (finance's monthly write-off, quarterly rebates)",
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
    rebate = kinds.add_parser(
        "rebate",
        help="the rebate accrual report (返利计提) of one quarter",
        description=(
            "The rebate accrual report (返利计提) for one quarter: a summary by dealer and rebate "
            "programme, and a detail sheet per dealer with its verified value, what diversion flags "
            "excluded (by rule), attainment, tier and amount. Totals reconcile with "
            "marts.fct_rebate_accrual to the cent."
        ),
    )
    rebate.add_argument("--quarter", type=_as_type(_parse_quarter), required=True, help="quarter, YYYY-Qn")
    rebate.add_argument("--dealer", help="only this dealer (default: all)")
    rebate.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="xlsx (default) or csv")
    rebate.add_argument("--out", type=Path, help="folder to write to (default: $DCW_REPORTS/rebate)")
    _warehouse_option(rebate)

    rem = commands.add_parser(
        "remind",
        help="send the reminders: late and missing reports, contract renewals, new stock alerts",
        description=(
            "Turn the reminders' marts (rpt_reporting_status, rpt_contract_renewals, "
            "rpt_inventory_alerts) into messages, Chinese first with English beside: to each "
            "dealer's contact its own missing reports, to each channel manager a digest, to the "
            "group robot a digest of all; by e-mail (SMTP) and webhook as configured "
            "(docs/reminders.md). Each event goes out once per channel and recipient; a failed "
            "delivery stays in the outbox (reminders.outbox) and is retried on a later run."
        ),
    )
    rem.add_argument("--dry-run", action="store_true",
                     help="write the messages to files under $DCW_REPORTS/reminders/ and send nothing")
    rem.add_argument("--config", type=Path,
                     help="the reminders' configuration file (default: $DCW_REMINDERS, else reminders.toml beside the warehouse)")
    rem.add_argument("--reports", type=Path, help="where --dry-run writes (default: $DCW_REPORTS)")
    _warehouse_option(rem)

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
    server = commands.add_parser(
        "dbt-server",
        help="the warm dbt server: dbt's invocations start already imported (until Ctrl+C)",
        description=(
            "Serve dbt's invocations from one process that has imported dbt and the forecast's "
            "libraries once (pipelines/dbt_server.py): each invocation is a fork of it, seconds "
            "sooner at its first node. Runs, like Dagster's daemon, until Ctrl+C; the runs use "
            "it when DCW_DBT_SERVER names its socket."
        ),
    )
    server.add_argument("--socket", type=Path, help="the socket to listen on (default: $DCW_DBT_SERVER)")
    docs = commands.add_parser("docs", help="generate documentation pages from the dbt project",
                               description="Generate documentation pages from the dbt project.")
    pages = docs.add_subparsers(dest="page", metavar="<page>", parser_class=_Parser, required=True)
    dictionary = pages.add_parser(
        "dictionary", help="docs/data_dictionary.md: every mart and column with its type and meaning",
        description="Write the data dictionary (every table of the serving file, each column's type and "
                    "description) from the dbt manifest to docs/data_dictionary.md or --out.")
    dictionary.add_argument("--out", type=Path, help="file to write (default: docs/data_dictionary.md)")

    sql = commands.add_parser(
        "sql", help="a read-only SQL shell on the serving file (or run one query with -c)",
        description="Open the analysts' serving file ($DCW_SERVING) read-only and run SQL: one "
                    "statement with -c, else an interactive shell (statements end with ';', "
                    ".tables lists the tables, .quit leaves). Never locks out the nightly run.")
    sql.add_argument("-c", "--command", dest="query", help="run this SQL and print the result")
    sql.add_argument("--serving", type=Path, help="the serving file (default: $DCW_SERVING)")
    sql.add_argument("--max-rows", type=_positive_int, default=40, help="rows shown per result (default 40)")

    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--port", type=_port, default=3000, help="port to listen on (default 3000)")

    dash = commands.add_parser(
        "dashboard",
        help="the channel dashboard (渠道看板) in the browser, on the serving file (until Ctrl+C)",
        description=(
            "Serve the channel managers' dashboard (Streamlit, docs/dashboard.md): overview, "
            "dealer, diversion, finance and data quality pages on the serving file, read-only; "
            "a newly published night shows on the next page load, without a restart."
        ),
    )
    dash.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    dash.add_argument("--port", type=_port, default=8501, help="port to listen on (default 8501)")
    dash.add_argument("--serving", type=Path, help="the serving file to read (default: $DCW_SERVING)")
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
        progress=progress, workers=args.workers,
    )
    progress.done(f"{summary['files']:,} files, {summary['sales_lines']:,} sales lines in {out}; truth in {out.parent / 'truth'}")


def _landing_settings(args: argparse.Namespace) -> Settings:
    """Settings for a command that reads the landing folder, which must exist, and writes
    outputs that must not be another warehouse's."""
    cfg = _settings(args)
    if cfg.landing.exists() and not cfg.landing.is_dir():
        raise UserError(f"the landing {cfg.landing} is a file, not a folder (give the folder the dealers' "
                        "and the ERP's files land in: --landing DIR or DCW_LANDING)")
    if not cfg.landing.is_dir():
        raise UserError(f"landing folder {cfg.landing} does not exist (run 'dcw generate' first, or set DCW_LANDING / --landing)")
    cfg.claim_outputs()
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
    from datetime import datetime

    cfg = _landing_settings(args)
    # at once: loading Dagster and the dbt project takes a while before the first stage reports
    _stderr(f"[dcw] nightly run started at {datetime.now():%Y-%m-%d %H:%M:%S} on {cfg.warehouse}: "
            "ingest, dbt (models, forecasts, tests), checks, publish; loading Dagster and the dbt project")
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
        summary = run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback, raw=cfg.raw,
                                duckdb_memory=cfg.duckdb_memory, receipts=cfg.feedback_receipts)
        started = time.monotonic()
        build_warehouse(cfg, target=args.target)
    where = spark_dir(cfg.warehouse) if args.target == "spark" else cfg.warehouse
    print(f"marts built on {args.target} in {time.monotonic() - started:.0f}s: {where}")
    if summary.feedback_pending:
        raise UserError(f"feedback for {len(summary.feedback_pending)} file(s) could not be written to {cfg.feedback}; "
                        "it is kept and written by the next run")


def _parse_quarter(text: str) -> str:
    from pipelines.reports.rebate import parse_quarter

    return parse_quarter(text)[0]
def _cmd_customers(args: argparse.Namespace) -> None:
    from pipelines.customers import resolve as res

    if args.customers == "chart":
        print(res.match_weights_chart(args.out))
        return
    cfg = _settings(args)
    if not (cfg.raw / "submissions").is_dir():
        raise UserError(f"no raw layer at {cfg.raw}: run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse")
    with cfg.lock(log=_stderr):
        if args.customers == "train":
            out = args.out or res.MODEL_PATH
            res.train(res.read_records(cfg.raw), out)
            print(f"model written to {out}; 'dcw customers resolve --full' applies it to every spelling")
        else:
            print(res.resolve(cfg.raw, full=args.full).line())


def _cmd_report(args: argparse.Namespace) -> None:
    from pipelines.reports.rebate import write_rebate_report
    from pipelines.reports.writeoff import write_writeoff_report

    cfg = _settings(args)
    if not cfg.warehouse.exists():
        raise UserError(f"no warehouse at {cfg.warehouse} (run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse)")
    if args.out is None:
        cfg.claim_outputs()
    with cfg.lock(log=_stderr):
        if args.report == "rebate":
            written = write_rebate_report(
                cfg.warehouse, args.quarter, args.dealer, args.format, args.out or cfg.reports / "rebate"
            )
        else:
            written = write_writeoff_report(
                cfg.warehouse, args.month, args.dealer, args.format, args.out or cfg.reports / "writeoff"
            )
    for path in written:
        print(path)


def _cmd_remind(args: argparse.Namespace) -> None:
    from pipelines.reminders import run_reminders

    cfg = _settings(args).with_overrides(reminders=args.config, reports=args.reports)
    if not cfg.warehouse.exists():
        raise UserError(f"no warehouse at {cfg.warehouse} (run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse)")
    if args.config is not None and not args.config.is_file():
        raise UserError(f"reminders configuration {args.config} does not exist (docs/reminders.md)")
    summary = run_reminders(cfg, dry_run=args.dry_run, log=_stderr)
    for path in summary.files:
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

    status = run_ui(args.host, args.port, landing=_settings(args).landing)
    if status != 0:
        raise UserError(f"the Dagster UI stopped with status {status} (see its log above)")


def _cmd_dashboard(args: argparse.Namespace) -> None:
    from pipelines.dashboard.server import run_dashboard
    from pipelines.orchestration.ui import ensure_port_free

    serving = Settings.from_env(serving=args.serving).serving
    ensure_port_free(args.host, args.port)
    if not serving.exists():
        _stderr(f"dcw: no serving file at {serving} yet: the dashboard shows its pages once 'dcw run' publishes one")
    status = run_dashboard(serving, args.host, args.port)
    if status != 0:
        raise UserError(f"the dashboard stopped with status {status} (see its log above)")


def _cmd_dbt_server(args: argparse.Namespace) -> None:
    from pipelines.dbt_server import serve, usable_socket

    path = args.socket or Settings.from_env().dbt_server
    if path is None:
        raise UserError("name the server's socket: --socket PATH, or DCW_DBT_SERVER")
    try:
        path = usable_socket(path.absolute())
    except ValueError as e:
        raise UserError(str(e)) from None
    serve(path)


def _cmd_docs(args: argparse.Namespace) -> None:
    from pipelines.serving import DICTIONARY, write_data_dictionary

    print(write_data_dictionary(args.out or DICTIONARY))


def _cmd_sql(args: argparse.Namespace) -> None:
    from pipelines.serving import sql_shell

    cfg = Settings.from_env(serving=args.serving)
    sql_shell(cfg.serving, args.query, max_rows=args.max_rows)


COMMANDS = {"generate": _cmd_generate, "run": _cmd_run, "build": _cmd_build, "report": _cmd_report,
            "remind": _cmd_remind, "customers": _cmd_customers, "ui": _cmd_ui, "dashboard": _cmd_dashboard,
            "sql": _cmd_sql, "docs": _cmd_docs, "dbt-server": _cmd_dbt_server, "close": _cmd_close, "backup": _cmd_backup, "restore": _cmd_restore}


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

"""Dagster definitions for the ingestion: one step (`ingest`) that materialises every raw table
and the dealer feedback files, and the blocking `conservation` check on the warehouse.

Both are thin: the work is in `run_ingestion` and `raw_layer.conservation_violations`; where
they read and write comes from the `warehouse` resource (pipelines/core/resource.py).
"""


import sys

import dagster as dg

from pipelines.core.errors import UserError
from pipelines.core.text import escape_controls

from pipelines.core.progress import Progress
from pipelines.core.resource import WarehouseResource
from pipelines.ingest import raw_layer as wh
from pipelines.ingest.load import run_ingestion

RAW_KEYS = {t: dg.AssetKey(["raw", t]) for t in wh.RAW_TABLES}
FEEDBACK_KEY = dg.AssetKey("feedback_files")
GROUP = "ingestion"
_DESCRIPTIONS = {
    "submissions": "Submission log: one row per landed file, with hash, status and reason.",
    "quarantine": "Rows that failed validation, with every reason code and the values as sent.",
}


@dg.multi_asset(
    name="ingest",
    specs=[
        *[dg.AssetSpec(key, group_name=GROUP, kinds={"duckdb"},
                       description=_DESCRIPTIONS.get(t, f"Accepted rows of every {t} file, with lineage."))
          for t, key in RAW_KEYS.items()],
        dg.AssetSpec(FEEDBACK_KEY, group_name=GROUP,
                     description="审核反馈: XLSX and CSV per rejected or partially accepted dealer file."),
    ],
    can_subset=False,
)
def ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    for key, meta in ingest_landing(warehouse.settings, context.log):
        yield dg.MaterializeResult(asset_key=key, metadata=meta)


def ingest_landing(s, log, only: list[str] | None = None) -> list[tuple[dg.AssetKey, dict]]:
    """The ingestion of the landing folder of settings `s` (under the warehouse lock), its
    warnings logged to `log`; returns each ingestion asset's key with its metadata (the
    `ingest` asset's, and the intraday job's materializations: pipelines/orchestration/intraday.py).
    `only`: the landing-relative paths to look at (run_ingestion's), else the whole folder."""
    progress = Progress("ingest", "files")
    progress.start(f"looking for new files in {s.landing}" if only is None else
                   f"looking at {len(only)} path(s) the landing sensor saw change in {s.landing}")
    try:
        with s.lock(log=log.info):
            summary = run_ingestion(s.landing, s.warehouse, s.feedback, progress=progress, raw=s.raw,
                                    duckdb_memory=s.duckdb_memory, receipts=s.feedback_receipts, only=only)
            with s.connect(read_only=True) as con:
                counts = wh.table_counts(con)
    except UserError as e:
        # The operator's one line, as it is; retrying cannot fix what a person has to.
        raise dg.Failure(description=str(e), metadata={"user_error": True}, allow_retries=False) from None
    d = summary.as_dict()
    progress.done(f"{d['files_new']:,} new files, {d['rows_accepted']:,} rows accepted, {d['rows_quarantined']:,} quarantined")
    for what, files in (("bytes changed since it was read, read again as its next version", summary.files_changed),
                        ("changed while being read, left for the next run", summary.files_in_motion),
                        ("could not be opened, retried by the next run", summary.files_unopenable),
                        ("feedback could not be written, kept for the next run", summary.feedback_pending)):
        for f in files:
            log.warning(f"{escape_controls(f)}: {what}")
            print(f"[ingest] {escape_controls(f)}: {what}", file=sys.stderr, flush=True)
    log.info(f"ingest: {d}")
    out = []
    for t, key in RAW_KEYS.items():
        meta = {"row_count": dg.MetadataValue.int(counts[t])}
        if t == "submissions":
            meta |= {"files_new": summary.files_new, "by_status": dg.MetadataValue.json(summary.by_status),
                     "files_changed": dg.MetadataValue.json(summary.files_changed)}
        out.append((key, meta))
    out.append((FEEDBACK_KEY, {
        "files_written": len(summary.feedback_files), "folder": str(s.feedback),
        "feedback_pending": dg.MetadataValue.json(summary.feedback_pending)}))
    return out


@dg.asset_check(
    asset=RAW_KEYS["submissions"],
    name="conservation",
    blocking=True,
    additional_deps=[k for t, k in RAW_KEYS.items() if t != "submissions"],
    description="For every file: rows read = its rows in the raw Parquet files of its kind + its quarantined rows.",
)
def conservation(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    s = warehouse.settings
    if not s.warehouse.exists():
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                   description=f"no warehouse at {s.warehouse}")
    with s.lock(), s.connect(read_only=True) as con:
        bad = wh.conservation_violations(con, s.raw)
    files = bad.get_column("source_file").to_list()
    return dg.AssetCheckResult(
        passed=not files,
        severity=dg.AssetCheckSeverity.ERROR,
        description=("every file's rows are conserved" if not files else
                     f"{len(files)} file(s) lost or gained rows: " + ", ".join(files[:20])),
        metadata={"offending_files": dg.MetadataValue.json(bad.head(200).to_dicts()),
                  "offending_count": len(files)},
    )


ingest_assets = [ingest]
ingest_checks = [conservation]

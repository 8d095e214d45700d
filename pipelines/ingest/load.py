"""One ingestion run: discover, skip what is known, then load new files batch by batch.

A batch is read and parsed first (no warehouse access), then loaded in stages: reference
snapshots (regions, dealers, products), other snapshots, then ERP deltas and dealer files, so
UNKNOWN_* codes are judged against the newest master data. Each stage writes its rows as
Parquet files and its files' entries in the submission log; the batch's log entries commit in
one DuckDB transaction, and rows count only once their file's entry has committed
(raw_layer.py). The log's Parquet mirror is written once, when the run ends. A crash inside a
batch leaves nothing visible; the next run finds its files still new. Feedback files are written only after the batch committed.

Files in motion (docs/input_contract.md): a file whose size or modification time changed between
discovery and its batch's load is left for the next run, and one that cannot be opened is not
rejected but retried by the next run; both are named in the summary. A stamp from the future is
BAD_SUBMISSION_TIME, judged against when a run first saw the file (recorded beside it).
Feedback is part of the batch: its lines commit with the batch into an outbox
(`meta.feedback_outbox`) and leave it only once written, so a folder that cannot be written
delays the feedback, never loses it.

A file already in the log is taken as unchanged when its size and modification time are those
logged (as make and rsync do); otherwise it is hashed again: the same bytes (a touched or copied
file) change nothing but the logged time; other bytes are read again as a new version of the
file (`<path>@v<N>`), which supersedes the older one as a resubmission does. So a night reads
only what is new, not the whole history.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
import secrets
import stat
import time
from collections import defaultdict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Sequence

import polars as pl

from pipelines.core.errors import UserError
from pipelines.core.progress import ProgressFn
from pipelines.core.settings import DEFAULT_DUCKDB_MEMORY, connect_warehouse, raw_dir
from pipelines.contracts._base import PERIOD_END, PERIOD_START
from pipelines.contracts.spec import KINDS, REFERENCE_RULES, FileKind
from pipelines.ingest import raw_layer as wh
from pipelines.ingest.discover import LandedFile, Stage, as_version, discover, discover_paths, submission_time_problem
from pipelines.ingest.feedback import IDENTITY, IDENTITY_FIELDS, FileOutcome, problem_lines, row_lines, write_feedback
from pipelines.ingest.read import FID, MAX_FILE_BYTES, POS, ReadResult, read_file, stack
from pipelines.ingest.validate import IDX, References, check_rows, claim_ids_taken, quarantine_rows

MAX_BATCH_FILES = 2000
MAX_BATCH_BYTES = 96 << 20  # ~1M sales lines of CSV: bounds memory, not history
READ_THREADS = min(4, os.cpu_count() or 1)
READ_CHUNK = 16  # files per reader task (_read_all)
GC_FIRST_THRESHOLD = 10_000  # see _fewer_collections
# A run with more new files than this writes its feedback in a process of its own
# (docs/ingestion.md, "Performance"); a smaller one in a reader thread, as starting that
# process (importing this package) costs about a second of CPU.
FEEDBACK_PROCESS_FILES = MAX_BATCH_FILES


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_new: int = 0
    files_changed: list[str] = field(default_factory=list)  # known name, other bytes: read as a new version
    by_status: dict[str, int] = field(default_factory=dict)  # of the new files, after the run
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    batches: int = 0
    feedback_files: list[str] = field(default_factory=list)
    files_in_motion: list[str] = field(default_factory=list)  # changed while read: left for the next run
    files_unopenable: list[str] = field(default_factory=list)  # could not be opened: retried next run
    feedback_pending: list[str] = field(default_factory=list)  # feedback still in the outbox (not written)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage (see _Clock)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Item:
    """One new file on its way through a batch."""

    f: LandedFile
    content_hash: str | None = None
    size: int | None = None
    read: ReadResult | None = None
    status: str | None = None
    code: str | None = None
    detail: str | None = None
    duplicate_of: str | None = None
    rows_read: int = 0
    rows_quarantined: int = 0
    # For the feedback: every file-level problem found (the first is the logged reason), the
    # header's row number in the sheet, the headers as written, the missing columns.
    problems: list[tuple[str, str | None]] = field(default_factory=list)
    header_row: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    unopenable: str | None = None  # why the file could not be opened (it is retried next run)

    def reject(self, code: str, detail: str | None) -> None:
        self.status, self.code, self.detail, self.read = "rejected", code, detail, None
        self.problems.append((code, detail))

    def take_read(self, result: ReadResult) -> None:
        """Keep what the feedback needs of a parse (the frame goes once loaded)."""
        self.header_row, self.headers, self.missing = result.header_row, result.headers or {}, result.missing


class _Clock:
    """Wall seconds per stage; time spent in a nested stage counts for that stage only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._open: list[list] = []  # [stage, started, seconds spent in nested stages]

    def __enter__(self):
        return self

    def stage(self, name: str) -> "_Clock":
        self._open.append([name, time.perf_counter(), 0.0])
        return self

    def __exit__(self, *exc) -> None:
        name, started, nested = self._open.pop()
        spent = time.perf_counter() - started
        self.seconds[name] += spent - nested
        if self._open:
            self._open[-1][2] += spent


def _fewer_collections(run):
    """Run `run` with the cyclic garbage collector's first threshold raised (700 allocations
    -> GC_FIRST_THRESHOLD): a run allocates a few objects per file and row group, and a
    collection every 700 of them took about 4% of an ingestion (1.34 s of 36 s on 400 of M's
    dealers; 0.34 s with the higher threshold), under the interpreter lock the reader threads
    share. The old thresholds return after."""
    @functools.wraps(run)
    def with_fewer(*args, **kwargs):
        before = gc.get_threshold()
        gc.set_threshold(GC_FIRST_THRESHOLD, *before[1:])
        try:
            return run(*args, **kwargs)
        finally:
            gc.set_threshold(*before)
    return with_fewer


@_fewer_collections
def run_ingestion(landing: Path, warehouse: Path, feedback_dir: Path, progress: ProgressFn | None = None,
                  *, raw: Path | None = None, max_batch_files: int = MAX_BATCH_FILES,
                  max_batch_bytes: int = MAX_BATCH_BYTES,
                  duckdb_memory: str = DEFAULT_DUCKDB_MEMORY, receipts: bool = True,
                  now: datetime | None = None, only: Sequence[str] | None = None) -> IngestSummary:
    """Ingest every new file under `landing` into the raw layer of `warehouse` (its Parquet
    files under `raw`, by default beside the warehouse: settings.raw_dir). Dealers get
    feedback on rejected and partially accepted files, and a receipt for an accepted file
    when `receipts`. `now`: the clock new files are first seen by (default: the wall clock).
    `only`: the landing-relative paths to look at instead of walking the whole folder (the
    intraday run: what the landing sensor saw arrive or change; discover_paths); each is
    still judged against the submission log, so a known unchanged file is skipped as in a walk."""
    landing, feedback_dir, warehouse = Path(landing), Path(feedback_dir), Path(warehouse)
    raw = Path(raw) if raw is not None else raw_dir(warehouse)
    if not landing.is_dir():
        raise UserError(f"the landing folder {landing} does not exist (set DCW_LANDING)")
    if not warehouse.exists() and wh.has_rows(raw):
        # A lost warehouse must not start over on the old raw layer (its files would count for
        # nothing, or be taken for leftovers).
        raise UserError(f"no warehouse at {warehouse}, but its raw folder {raw} holds data: restore both with "
                        f"'dcw restore <backup folder>', or move {raw} away to rebuild from the landing folder")
    clock = _Clock()
    with clock.stage("discover"):
        files = discover(landing) if only is None else discover_paths(landing, only)
    summary = IngestSummary(files_seen=len(files))
    con = connect_warehouse(Path(warehouse), memory_limit=duckdb_memory)
    pool = None
    ready = False  # the warehouse's tables are there (the outbox among them)
    writer: _FeedbackWriter | None = None
    try:
        with clock.stage("discover"):
            wh.check_inputs(con, landing, raw, (lambda: {f.source_file for f in files}) if only is None
                            else (lambda: {f.source_file for f in discover(landing)}))
            wh.ensure_schema(con, raw)
            ready = True
            missing = wh.missing_raw_files(con, raw)
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise UserError(f"the raw file {missing[0]} is missing{more}: restore the warehouse and its raw "
                                f"folder with 'dcw restore <backup folder>'")
            new, touched = _new_files(files, wh.known_files(con), wh.logged_names(con), summary)
            if touched:
                wh.note_unchanged(con, touched)
                wh.write_mirror(con, raw)
            seen = wh.record_first_seen(con, [f.source_file for f in new], now or datetime.now())
            for f in new:
                f.first_seen = seen[f.source_file]
        summary.files_new = len(new)
        with clock.stage("feedback"):  # what earlier runs could not write, first
            summary.feedback_files += _deliver(con, _outbox(con), feedback_dir)
        originals = wh.originals(con)
        run_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        done = 0
        pool = ThreadPoolExecutor(max_workers=READ_THREADS)
        writer = _FeedbackWriter(pool, feedback_dir, in_process=len(new) > FEEDBACK_PROCESS_FILES)
        batches = list(_batches(new, max_batch_files, max_batch_bytes))
        # The next batch is read by the workers while the current one loads.
        pending = _read_all(pool, batches[0]) if batches else iter(())
        for number, batch in enumerate(batches, start=1):
            items = []
            with clock.stage("parse_validate"):  # waiting for the workers' reads
                for it in pending:
                    done += 1
                    if progress:
                        progress(done, len(new), it.f.source_file)
                    if _left_for_next_run(it, summary):
                        continue
                    _resolve_duplicate(it, originals)
                    items.append(it)
            pending = _read_all(pool, batches[number]) if number < len(batches) else iter(())
            if not items:
                continue
            with clock.stage("load"):
                parts, sealed = _load_batch(con, raw, items, f"{run_id}-{number:04d}", clock, receipts)
            summary.batches += 1
            for it in items:
                summary.rows_read += it.rows_read
                summary.rows_quarantined += it.rows_quarantined
            # Written by a worker after the commit, while the next batch loads.
            writer.submit(parts, sealed)
        summary.rows_accepted = summary.rows_read - summary.rows_quarantined
        if new:
            rows = con.execute(
                "SELECT status, count(*) FROM raw.submissions WHERE batch_id LIKE ? GROUP BY status",
                [run_id + "-%"]).fetchall()
            summary.by_status = dict(sorted(rows))
    finally:
        with clock.stage("feedback"):
            try:
                # committed batches get their feedback even if a later one failed
                for result in (writer.results() if writer is not None else ()):
                    summary.feedback_files += _settle(con, *result)
                if ready:
                    summary.feedback_pending = [f for f, _ in pending_feedback(con)]
            finally:
                try:
                    if summary.batches:
                        # The log's Parquet mirror once a run, of every batch that committed (also
                        # when a later one failed): rewriting it after each batch grew with the log.
                        with clock.stage("load"):
                            wh.write_mirror(con, raw)
                finally:
                    if writer is not None:
                        writer.shutdown()
                    if pool is not None:
                        pool.shutdown(cancel_futures=True)
                    con.close()
    summary.seconds = {k: round(v, 3) for k, v in clock.seconds.items()}
    if progress:
        progress(done, len(new), "done")
    return summary


def _left_for_next_run(it: _Item, summary: IngestSummary) -> bool:
    """A file that could not be opened, or whose size or modification time changed since it was
    discovered (still being uploaded or rewritten), is not judged now: the next run reads it."""
    if it.unopenable:
        summary.files_unopenable.append(it.f.source_file)
        return True
    if not it.f.regular:
        return False
    try:
        st = os.stat(it.f.path, follow_symlinks=False)
        moved = (st.st_size, st.st_mtime_ns) != (it.f.size_bytes, it.f.modified_ns)
    except OSError:
        moved = True  # gone since discovery
    if moved:
        summary.files_in_motion.append(it.f.source_file)
    return moved


def _new_files(files: list[LandedFile], known: dict, taken: set[str],
               summary: IngestSummary) -> tuple[list[LandedFile], list[tuple[str, int]]]:
    """The files to read: those not in the log, and a new version of each known file whose
    bytes changed since its newest version was read (named in summary.files_changed). Also
    returns (path, modification time) of known files touched without a change of bytes."""
    new, touched = [], []
    taken = taken | {f.source_file for f in files}
    for f in files:
        if f.source_file not in known:
            new.append(f)
            continue
        logged_hash, logged_size, logged_mtime, version = known[f.source_file]
        if not f.regular or (f.size_bytes, f.modified_ns) == (logged_size, logged_mtime):
            continue
        if f.size_bytes == logged_size and _hash_file(f.path)[0] == logged_hash:
            touched.append((f.source_file, f.modified_ns))
            continue
        summary.files_changed.append(f.source_file)
        new.append(as_version(f, version + 1, taken))
    return new, touched


def _batches(files: list[LandedFile], max_files: int, max_bytes: int):
    batch, size = [], 0
    for f in files:
        batch.append(f)
        size += f.size_bytes or 0
        if len(batch) >= max_files or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _hash_file(path: str, keep: bool = False) -> tuple[str, bytes | None]:
    """sha256 of the file's bytes (and the bytes if asked); opened without following a link
    swapped in since discovery, and without blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError("not a regular file")
        if keep:
            data = fh.read()
            return hashlib.sha256(data).hexdigest(), data
        h = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
        return h.hexdigest(), None


def _read_all(pool: ThreadPoolExecutor, files: list[LandedFile]):
    """The files read by the pool's workers, in order, up to READ_CHUNK files to a task: a task
    per file cost more in the executor's locks and futures, under the interpreter lock the
    workers share, than the smallest files' parse. A small batch still gets a few tasks per
    worker, so that no worker is left with most of it."""
    size = max(1, min(READ_CHUNK, len(files) // (4 * READ_THREADS)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    return chain.from_iterable(pool.map(_read_chunk, chunks))


def _read_chunk(files: list[LandedFile]) -> list[_Item]:
    return [_read(f) for f in files]


def _read(f: LandedFile) -> _Item:
    """Everything that needs only the file itself: hash, name, parse. Runs in worker threads
    (hashing and polars' CSV reader release the GIL)."""
    it = _Item(f, size=f.size_bytes)
    if not f.regular:
        it.reject("BAD_FILE_NAME", f.reason_detail)
        return it
    small = (f.size_bytes or 0) <= MAX_FILE_BYTES
    guessed = _guessed_kind(f) if f.bad_name else None
    try:
        it.content_hash, data = _hash_file(f.path, keep=small and (not f.bad_name or guessed is not None))
    except OSError as e:
        if f.bad_name:
            it.reject("BAD_FILE_NAME", f.reason_detail)
        else:  # permissions, a lock, a file swapped for a link: not the dealer's content, try again
            it.unopenable = f"cannot be opened: {e.strerror or e}"
        return it
    problem = submission_time_problem(f, f.first_seen) if f.first_seen is not None else None
    if f.bad_name:
        it.reject("BAD_FILE_NAME", f.reason_detail)
        if guessed is not None and data is not None:
            # The dealer fixes the name and the content in one go: tell both at once.
            kind, ext = guessed
            content = read_file(data, ext, kind)
            it.take_read(content)
            if content.code:
                it.problems.append((content.code, content.detail))
    elif problem:
        it.reject("BAD_SUBMISSION_TIME", problem)
    elif data is None:
        it.reject("UNREADABLE", f"the file is larger than {MAX_FILE_BYTES >> 20} MiB")
    else:
        it.size = len(data)
        it.read = read_file(data, f.ext, f.kind)
        it.take_read(it.read)
        if it.read.code:
            it.reject(it.read.code, it.read.detail)
    return it


def _guessed_kind(f: LandedFile) -> tuple[FileKind, str] | None:
    """The dealer kind and format a badly named file in a dealer folder says it is (by the
    start and the end of its name), to check its content all the same; else None."""
    if f.dealer_id is None:
        return None
    name = f.source_file.rsplit("/", 1)[-1].lower()
    ext = name.rsplit(".", 1)[-1]
    kind = KINDS.get(name.split("_", 1)[0])
    if kind is None or kind.source != "dealer" or ext not in ("csv", "xlsx"):
        return None
    return kind, ext


def _resolve_duplicate(it: _Item, originals: dict[str, tuple[str, str]]) -> None:
    """In submission order: the first file with given bytes is the original; later ones are
    duplicates whatever their parse said. Files rejected for their name take no part. A new
    version with the bytes of an earlier version of the same path (changed, then changed
    back) is no duplicate: it is read, and replaces the version in between."""
    if it.content_hash is None or it.code in ("BAD_FILE_NAME", "BAD_SUBMISSION_TIME"):
        return
    original, path = originals.setdefault(it.content_hash, (it.f.source_file, it.f.landing_path))
    if original != it.f.source_file and path != it.f.landing_path:
        it.status, it.code, it.duplicate_of, it.read = "duplicate", "DUPLICATE_FILE", original, None
        it.detail = f"byte-identical to {original}"


def _references(con) -> References:
    wanted = {(k, c) for _, k, c in REFERENCE_RULES.values()} | {("dealers", "dealer_id")}
    return {(k, c): wh.reference_values(con, k, c) for k, c in wanted}


def _load_batch(con, raw: Path, items: list[_Item], batch_id: str, clock: _Clock,
                receipts: bool) -> tuple[list[tuple], list[tuple]]:
    """All of a batch or none of it: its log entries and its feedback (the outbox) commit in one
    transaction, and its Parquet files count only through them (and are removed here if the
    batch fails). Returns the batch's feedback (see _outbox), to be written, and the same as
    the outbox holds it (see _to_outbox)."""
    feedback: list[pl.DataFrame] = []
    written: list[Path] = []
    wh.start_batch(con, batch_id)
    con.execute("BEGIN TRANSACTION")
    try:
        refs = _references(con)
        ingested_at = datetime.now()
        for stage in sorted({it.f.stage for it in items}):
            staged = [it for it in items if it.f.stage == stage]
            if stage == Stage.DELTAS_AND_DEALER_FILES:
                known_dealers = set(refs[("dealers", "dealer_id")].to_list())
                for it in staged:
                    # Before any reading problem: the content of an unknown dealer's file is moot.
                    dealer_file = it.f.kind is not None and it.f.kind.source == "dealer"
                    if dealer_file and it.status != "duplicate" and it.f.dealer_id not in known_dealers:
                        earlier = it.problems
                        it.problems = []
                        it.reject("UNKNOWN_DEALER", f"dealer {it.f.dealer_id} is not in the newest dealers snapshot")
                        it.problems += earlier  # a reading problem is worth telling too
            by_kind: dict[str, list[_Item]] = {}
            for it in staged:
                if it.status is None:
                    by_kind.setdefault(it.f.kind.name, []).append(it)
            for group in by_kind.values():
                feedback.append(_load_kind(con, raw, group[0].f.kind, group, refs, batch_id, written, clock))
            wh.log_files(con, _submission_rows(staged, batch_id, ingested_at))
            wh.apply_superseding(con)
            if stage == Stage.REFERENCE_SNAPSHOTS and by_kind:
                refs = _references(con)
        failures = pl.concat(feedback) if feedback else pl.DataFrame(schema=_FEEDBACK_SCHEMA)
        parts = _feedback_parts(items, failures, receipts)
        sealed = _to_outbox(con, parts, batch_id)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        for path in filter(None, written):
            path.unlink(missing_ok=True)
        raise
    return parts, sealed


_FEEDBACK_SCHEMA = {"source_file": pl.String, "kind": pl.String, "source_row": pl.Int32,
                    "column": pl.String, "value": pl.String, "code": pl.String,
                    **{f: pl.String for f in IDENTITY_FIELDS}}


def _load_kind(con, raw_folder: Path, kind: FileKind, items: list[_Item], refs: References,
               batch_id: str, written: list[Path], clock: _Clock) -> pl.DataFrame:
    """Validate and load the files of one kind in one go (appending the Parquet files written
    to `written`); returns the failing values of dealer files (for feedback)."""
    with clock.stage("parse_validate"):
        raw, counts = stack([it.read.frame for it in items], kind)
        for it, n in zip(items, counts):
            it.read = None  # the batch's frames are no longer needed
            if n == 0:
                it.reject("EMPTY_FILE", "the file has a header but no data rows (only blank rows)")
        fid = raw.get_column(FID)

        def per_file(values: list, dtype) -> pl.Series:
            return pl.Series(values, dtype=dtype).gather(fid)

        raw = raw.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(IDX))
        if kind.mode == "month":
            starts = [it.f.period_start for it in items]
            ends = [(d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1) for d in starts]
            raw = raw.with_columns(per_file(starts, pl.Date).alias(PERIOD_START), per_file(ends, pl.Date).alias(PERIOD_END))
        typed, failures = check_rows(kind, raw, refs)
        if kind.name == "claims":
            dealers = pl.Series([it.f.dealer_id for it in items], dtype=pl.String).gather(fid)
            failures = pl.concat([failures, claim_ids_taken(typed, dealers, failures, wh.claim_owners(con))])
        quarantined, detailed = quarantine_rows(raw, failures, kind)

    source_file = per_file([it.f.source_file for it in items], pl.String).alias("source_file")
    submitted_at = per_file([it.f.submitted_at for it in items], pl.Datetime("us")).alias("submitted_at")
    source_row = raw.get_column(POS).alias("source_row")
    bad = quarantined.get_column(IDX)
    accepted = typed.select(*kind.column_names).with_columns(source_file, source_row, submitted_at)
    written.append(wh.write_rows(con, raw_folder, kind.name, accepted.filter(~typed.get_column(IDX).is_in(bad.implode())), batch_id))

    lineage = pl.DataFrame([source_file, source_row, submitted_at, raw.get_column(FID)]).with_row_index(IDX)
    dealer = [it.f.dealer_id for it in items]
    q = quarantined.join(lineage, on=IDX, how="left", maintain_order="left")
    q = q.with_columns(pl.lit(kind.name).alias("kind"),
                       pl.Series("dealer_id", dealer, dtype=pl.String).gather(q.get_column(FID)))
    written.append(wh.write_rows(con, raw_folder, "quarantine", q.select(*wh.QUARANTINE), batch_id, part=kind.name))

    quarantined_per_file = dict(q.group_by(FID).len().iter_rows())
    for i, it in enumerate(items):
        if it.status != "rejected":
            it.rows_read = int(counts[i])
            it.rows_quarantined = quarantined_per_file.get(i, 0)
            it.status = "partially_accepted" if it.rows_quarantined else "accepted"
    if kind.source != "dealer":
        return pl.DataFrame(schema=_FEEDBACK_SCHEMA)
    identity = raw.select(IDX, *[(pl.col(c) if c else pl.lit(None, dtype=pl.String)).alias(f)
                                 for f, c in zip(IDENTITY_FIELDS, IDENTITY[kind.name])])
    return (detailed.join(lineage.select(IDX, "source_file", "source_row"), on=IDX, how="left")
            .join(identity, on=IDX, how="left")
            .select("source_file", pl.lit(kind.name).alias("kind"), "source_row", "column", "value", "code",
                    *IDENTITY_FIELDS))


def _submission_rows(items: list[_Item], batch_id: str, ingested_at: datetime) -> pl.DataFrame:
    rows = [{
        "source_file": it.f.source_file,
        "kind": it.f.kind.name if it.f.kind else None,
        "source": it.f.kind.source if it.f.kind else None,
        "dealer_id": it.f.dealer_id,
        "period_start": it.f.period_start,
        "submitted_at": it.f.submitted_at,
        "content_hash": it.content_hash,
        "size_bytes": it.size,
        "status": it.status,
        "reason_code": it.code,
        "reason_detail": it.detail,
        "rows_read": it.rows_read,
        "rows_accepted": it.rows_read - it.rows_quarantined,
        "rows_quarantined": it.rows_quarantined,
        "superseded_by": None,
        "duplicate_of": it.duplicate_of,
        "ingested_at": ingested_at,
        "batch_id": batch_id,
        "modified_ns": it.f.modified_ns,
        "first_seen_at": it.f.first_seen,
        "landing_path": it.f.landing_path,
        "file_version": it.f.version,
    } for it in items]
    return pl.DataFrame(rows, schema=wh.SUBMISSIONS_POLARS)


def _feedback_parts(items: list[_Item], failures: pl.DataFrame, receipts: bool) -> list[tuple]:
    """审核反馈 for the batch's rejected and partially accepted dealer files, and a receipt for
    each accepted one when `receipts` (pipelines/ingest/feedback.py): one
    (source_file, dealer_id, outcome, lines) per file."""
    wanted = {"rejected", "partially_accepted"} | ({"accepted"} if receipts else set())
    outcomes = [_outcome(it) for it in items
                if it.status in wanted and it.f.dealer_id is not None
                and (it.f.kind is None or it.f.kind.source == "dealer")]
    if not outcomes:
        return []
    lines = row_lines(failures)
    by_file = {k: part.to_dicts() for (k,), part in
               lines.partition_by("source_file", as_dict=True, maintain_order=True).items()}
    return [(o.source_file, o.dealer_id, o, problem_lines(o, by_file.get(o.source_file, []))) for o in outcomes]


def _outcome(it: _Item) -> FileOutcome:
    f = it.f
    return FileOutcome(
        source_file=f.source_file, dealer_id=f.dealer_id, status=it.status,
        kind=f.kind.name if f.kind else None, ext=f.ext, rows_read=it.rows_read,
        rows_quarantined=it.rows_quarantined, submitted_at=f.submitted_at, period_start=f.period_start,
        problems=list(it.problems) if it.status == "rejected" else [], header_row=it.header_row,
        headers=it.headers, missing=it.missing, version=f.version,
    )


def _to_outbox(con, parts: list[tuple], batch_id: str) -> list[tuple[str, str, bytes]]:
    """The batch's feedback, inside its transaction: committed together or not at all. Kept as
    a pickle of (outcome, lines): written by this code and read back only by _outbox and
    _write_sealed. Returns (source_file, dealer_id, pickle) per file."""
    if not parts:
        return []
    sealed = [(source_file, dealer_id, pickle.dumps((outcome, lines))) for source_file, dealer_id, outcome, lines in parts]
    rows = pl.DataFrame(
        [(source_file, dealer_id, outcome.ext == "xlsx", blob, batch_id)
         for (source_file, dealer_id, outcome, _), (_, _, blob) in zip(parts, sealed)],
        schema={"source_file": pl.String, "dealer_id": pl.String, "xlsx": pl.Boolean, "lines": pl.Binary,
                "batch_id": pl.String}, orient="row")
    # One insert of the whole batch: a prepared statement per file costs more than its file.
    wh.insert_frame(con, f"{wh.META}.feedback_outbox", rows)
    return sealed


def _outbox(con) -> list[tuple]:
    """The feedback committed by earlier batches and not written yet."""
    rows = con.execute("SELECT source_file, dealer_id, lines FROM meta.feedback_outbox "
                       "ORDER BY batch_id, source_file").fetchall()
    return [(f, d, *pickle.loads(blob)) for f, d, blob in rows]


class _FeedbackWriter:
    """Writes the committed batches' feedback while the next batches load, in the order they
    committed. With `in_process`, in one worker process of its own (spawned, so it shares no
    lock or thread with this one): the files' Python work (summaries, CSV, workbooks) then
    runs on another core instead of holding this process's interpreter lock against the
    reads and the load. If that process cannot start or dies, the batches it did not finish
    are written here: the outbox keeps them either way until written."""

    def __init__(self, threads: ThreadPoolExecutor, feedback_dir: Path, in_process: bool) -> None:
        self.threads, self.feedback_dir = threads, feedback_dir
        self.process: ProcessPoolExecutor | None = None
        if in_process and not multiprocessing.current_process().daemon:  # a daemon may not have children
            try:
                self.process = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            except (OSError, ImportError):  # no semaphores here (a container without /dev/shm): threads
                self.process = None
        self.jobs: list[tuple[list[tuple], Future]] = []
        self.in_process_jobs = 0  # how many batches went to the process

    def submit(self, parts: list[tuple], sealed: list[tuple[str, str, bytes]]) -> None:
        """`parts` and the same as `sealed` (_to_outbox): the process gets the outbox's pickles,
        which cost nothing more to send, rather than the objects pickled once again."""
        if not parts:
            return
        job = None
        if self.process is not None:
            try:
                job = self.process.submit(_write_sealed, sealed, self.feedback_dir)
                self.in_process_jobs += 1
            except (BrokenProcessPool, RuntimeError, OSError, AssertionError):
                self.shutdown()  # could not start: the threads write the rest
        if job is None:
            job = self.threads.submit(_write_parts, parts, self.feedback_dir)
        self.jobs.append((parts, job))

    def results(self):
        """(written, delivered, errors) of each job, in submission order, once all are done."""
        wait([job for _, job in self.jobs])
        for parts, job in self.jobs:
            try:
                yield job.result()
            except BrokenProcessPool:
                yield _write_parts(parts, self.feedback_dir)

    def shutdown(self) -> None:
        if self.process is not None:
            self.process.shutdown(cancel_futures=True)
            self.process = None


def _write_sealed(sealed: list[tuple[str, str, bytes]], feedback_dir: Path) -> tuple[list[str], list[str], dict[str, str]]:
    return _write_parts([(f, d, *pickle.loads(blob)) for f, d, blob in sealed], feedback_dir)


def _write_parts(parts: list[tuple], feedback_dir: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """Write each file's feedback; returns (paths written, files delivered, file -> why not).
    One file that cannot be written does not keep the others from being written."""
    written: list[str] = []
    delivered: list[str] = []
    errors: dict[str, str] = {}
    made: set[str] = set()  # the dealers' folders made by this call: one mkdir each
    for source_file, dealer_id, outcome, lines in parts:
        try:
            paths = write_feedback(feedback_dir / dealer_id, outcome, lines, folder_made=dealer_id in made)
            made.add(dealer_id)
        except OSError as e:
            errors[source_file] = f"{e.strerror or type(e).__name__}: {e.filename or feedback_dir}"
            continue
        written += [str(p) for p in paths]
        delivered.append(source_file)
    return written, delivered, errors

def _settle(con, written: list[str], delivered: list[str], errors: dict[str, str]) -> list[str]:
    """Take what was written out of the outbox; note why the rest was not. Returns `written`."""
    if delivered:
        con.execute("DELETE FROM meta.feedback_outbox WHERE source_file IN (SELECT unnest(?::VARCHAR[]))", [delivered])
    for source_file, error in errors.items():
        con.execute("UPDATE meta.feedback_outbox SET error = ? WHERE source_file = ?", [error, source_file])
    return written


def _deliver(con, parts: list[tuple], feedback_dir: Path) -> list[str]:
    return _settle(con, *_write_parts(parts, feedback_dir))


def pending_feedback(con) -> list[tuple[str, str | None]]:
    """(source_file, why it was not written) of the feedback still in the outbox."""
    return con.execute("SELECT source_file, error FROM meta.feedback_outbox ORDER BY batch_id, source_file").fetchall()

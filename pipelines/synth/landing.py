"""Writing the landing folder and the ground truth side by side.

Every file goes through `Landing.write`, which records its expected fate in truth/files.csv
and refuses accidental byte-identical files: two files with the same bytes would turn the
later one into a DUPLICATE_FILE the plan did not intend."""

from __future__ import annotations

import csv
import hashlib
import os
import pickle
from collections import Counter
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.contracts.spec import ROW_CODE_ORDER

TRUTH_FILES = {
    "files": ("source_file", "kind", "dealer_id", "status", "reason_code", "rows_read", "rows_quarantined"),
    "quarantine": ("source_file", "source_row", "reason_codes"),
    "diversion": ("source_file", "source_row", "dealer_id", "sku", "sale_date", "rule", "source_dealer_ids"),
    "below_floor": ("source_file", "source_row"),
    "negative_stock": ("dealer_id", "sku", "month"),
    "customers": ("source_file", "source_row", "dealer_id", "customer_id", "sku", "sale_date", "qty"),
    "double_reported": ("source_file", "source_row", "dealer_id", "sku", "sale_date", "rule", "source_dealer_ids"),
    "in_transit": ("dealer_id", "sku", "month", "in_transit_qty"),
    "inventory_variance": ("dealer_id", "month"),
    "alert_thresholds": ("category", "tier", "low_weeks", "high_weeks", "source_row"),
}
MARKER = "summary.json"  # in truth/: what marks a folder pair as generator output
# Truth files written whole by their own module rather than row by row through TRUTH_FILES.
WHOLE_TRUTH_FILES = ("claims.csv", "renewals.csv", "targets.csv", "rebates.csv")


def prepare(out: Path) -> Path:
    """Check the output folder and return the truth folder (a sibling named `truth`).

    The generator removes only what it wrote itself: a previous output (its truth/ holds the
    generator's summary.json, and truth/files.csv lists every landing file it wrote) is
    removed file by file and written afresh. A file it did not write, in the landing folder
    or in truth/, makes it refuse, naming the file: the input contract says a landing folder
    is only ever added to (docs/input_contract.md).
    """
    out = Path(out)
    truth = out.parent / "truth"
    if out.resolve() == truth.resolve():
        raise UserError(f"--out must not be named 'truth' (the ground truth goes to {truth})")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    ours = _written_before(truth)
    present = _files_under(out) if out.exists() else set()
    foreign = sorted(present - ours)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise UserError(f"--out {out} is not empty and holds files `dcw generate` did not write ({shown}); "
                        "move them away or choose an empty or new folder")
    truth_ours = {f"{name}.csv" for name in TRUTH_FILES} | {*WHOLE_TRUTH_FILES, MARKER}
    truth_foreign = sorted(_files_under(truth) - truth_ours) if truth.exists() else []
    if truth_foreign:
        raise UserError(f"{truth} holds files `dcw generate` did not write ({', '.join(truth_foreign[:3])}); move them away")
    for rel in sorted(present):
        (out / rel).unlink()
    _remove_empty_folders(out)
    for rel in _files_under(truth) if truth.exists() else ():
        (truth / rel).unlink()
    out.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    return truth


def _written_before(truth: Path) -> set[str]:
    """The landing files a previous run of the generator wrote (truth/files.csv), if truth/
    is the generator's."""
    marker, files = truth / MARKER, truth / "files.csv"
    try:
        if '"generator": "dcw"' not in marker.read_text("utf-8", "replace"):
            return set()
        with open(files, encoding="utf-8", newline="") as fh:
            return {row["source_file"] for row in csv.DictReader(fh)}
    except OSError:
        return set()


def _files_under(folder: Path) -> set[str]:
    """Every entry under `folder` that is not a folder (links and the like included), as
    folder-relative POSIX paths."""
    found = set()
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        found |= {(base / n).relative_to(folder).as_posix() for n in files}
        found |= {(base / d).relative_to(folder).as_posix() for d in dirs if (base / d).is_symlink()}
    return found


def _remove_empty_folders(folder: Path) -> None:
    if not folder.is_dir():
        return
    for root, dirs, _ in os.walk(folder, topdown=False):
        for d in dirs:
            path = Path(root) / d
            if not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()


@dataclass(frozen=True)
class Workbook:
    """An XLSX file to write: what `formats.write_xlsx` takes besides the path. Its content
    decides its bytes (the workbook's creation time is fixed), so the landing can tell a
    repeated workbook before it is written (docs/generator.md, "Both cores")."""
    columns: tuple[str, ...]
    data: dict
    profile: object
    title: str

    def frozen(self) -> bytes:
        """The content as of now: what a helper process writes, and what its digest is of."""
        return pickle.dumps((self.columns, self.data, self.profile, self.title), protocol=5)


def write_workbook(path: Path, frozen: bytes) -> None:
    from pipelines.synth.formats import write_xlsx
    write_xlsx(path, *pickle.loads(frozen))


class Landing:
    def __init__(self, out: Path, truth: Path, pool: Executor | None = None):
        self.out = out
        self.truth = truth
        # Workbooks are the costliest files to write: with a pool, its processes write them
        # while this one goes on; every other decision stays here, in the same order.
        self.pool = pool
        self._pending: dict[str, Future] = {}
        self._handles = {}
        self.writers = {}
        for name, header in TRUTH_FILES.items():
            fh = open(truth / f"{name}.csv", "w", encoding="utf-8", newline="")
            self._handles[name] = fh
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            self.writers[name] = w
        self.hashes: set[bytes] = set()
        self.counts: Counter[str] = Counter()  # files by status
        self.kind_rows: Counter[str] = Counter()  # data rows written by kind
        self.files = 0

    def write(self, rel: str, data: bytes | None, *, kind: str, dealer_id: str, status: str,
              reason: str = "", rows: int = 0, quarantined: int = 0, duplicate: bool = False,
              xlsx: Workbook | None = None) -> bool:
        """Write one landing file (bytes, or an XLSX `Workbook`) and its truth row.

        Returns False, writing nothing, when the bytes equal an earlier file's and the file was
        not meant as a duplicate; the caller then leaves that file out. A workbook is
        compared by its content, which decides its bytes.
        """
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if xlsx is not None:
            data = xlsx.frozen()
        digest = hashlib.sha256((b"xlsx\0" if xlsx is not None else b"") + data).digest()
        if (digest in self.hashes) != duplicate:
            if duplicate:
                raise AssertionError(f"{rel}: meant as a duplicate but no earlier file has its bytes")
            return False
        self.hashes.add(digest)
        if xlsx is None:
            path.write_bytes(data)
        elif self.pool is None:
            write_workbook(path, data)
        else:
            self._pending[rel] = self.pool.submit(write_workbook, path, data)
        if status in ("rejected", "duplicate"):
            rows = quarantined = 0  # nothing of the file is loaded
        self.writers["files"].writerow((rel, kind, dealer_id, status, reason, rows, quarantined))
        self.counts[status] += 1
        if status not in ("rejected", "duplicate"):
            self.kind_rows[kind] += rows
        self.files += 1
        return True

    def quarantine(self, rel: str, row: int, codes: tuple[str, ...]) -> None:
        ordered = sorted(codes, key=ROW_CODE_ORDER.index)
        self.writers["quarantine"].writerow((rel, row, ",".join(ordered)))

    def read(self, rel: str) -> bytes:
        """The bytes of a file written before (waiting for it if a pool is writing it); a
        later copy of them is then recognised as the duplicate it is meant to be."""
        future = self._pending.pop(rel, None)
        if future is not None:
            future.result()
        data = (self.out / rel).read_bytes()
        self.hashes.add(hashlib.sha256(data).digest())
        return data

    def finish(self) -> None:
        """Wait for every file the pool is writing (raising its error, if any)."""
        pending, self._pending = self._pending, {}
        for future in pending.values():
            future.result()

    def close(self) -> None:
        self.finish()
        for fh in self._handles.values():
            fh.close()

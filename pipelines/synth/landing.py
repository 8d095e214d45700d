"""Writing the landing folder and the ground truth side by side.

Every file goes through `Landing.write`, which records its expected fate in truth/files.csv
and refuses accidental byte-identical files: two files with the same bytes would turn the
later one into a DUPLICATE_FILE the plan did not intend."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections import Counter
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.contracts.spec import ROW_CODE_ORDER

TRUTH_FILES = {
    "files": ("source_file", "kind", "dealer_id", "status", "reason_code", "rows_read", "rows_quarantined"),
    "quarantine": ("source_file", "source_row", "reason_codes"),
    "diversion": ("source_file", "source_row", "dealer_id", "sku", "sale_date", "rule", "source_dealer_ids"),
    "below_floor": ("source_file", "source_row"),
    "negative_stock": ("dealer_id", "sku", "month"),
    "in_transit": ("dealer_id", "sku", "month", "in_transit_qty"),
    "inventory_variance": ("dealer_id", "month"),
    "alert_thresholds": ("category", "tier", "low_weeks", "high_weeks", "source_row"),
}
MARKER = "summary.json"  # in truth/: what marks a folder pair as generator output


def prepare(out: Path) -> Path:
    """Check the output folder and return the truth folder (a sibling named `truth`).

    A non-empty output folder is refused unless it is a previous generator output: its
    sibling truth/ holds a summary.json written by the generator and the folder itself holds
    nothing but `erp/`, `dealers/` and the files the generator writes at its top level. Such a
    previous output is removed and written afresh.
    """
    out = Path(out)
    truth = out.parent / "truth"
    if out.resolve() == truth.resolve():
        raise UserError(f"--out must not be named 'truth' (the ground truth goes to {truth})")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        marker = truth / MARKER
        top = {p.name for p in out.iterdir()}
        if not marker.is_file() or '"generator": "dcw"' not in marker.read_text("utf-8", "replace") \
                or not top <= {"erp", "dealers", "readme.txt"}:
            raise UserError(f"--out {out} is not empty and not a previous `dcw generate` output; "
                            "choose an empty or new folder")
        shutil.rmtree(out)
    if truth.exists():
        if any(truth.iterdir()) and not (truth / MARKER).is_file():
            raise UserError(f"{truth} exists and is not a previous generator truth folder; move it away")
        shutil.rmtree(truth)
    out.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True)
    return truth


class Landing:
    def __init__(self, out: Path, truth: Path):
        self.out = out
        self.truth = truth
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
              xlsx=None) -> bool:
        """Write one landing file (bytes, or an XLSX via `xlsx(path)`) and its truth row.

        Returns False, writing nothing, when the bytes equal an earlier file's and the file was
        not meant as a duplicate; the caller then leaves that file out.
        """
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if xlsx is not None:
            xlsx(path)
            data = path.read_bytes()
        digest = hashlib.sha256(data).digest()
        if (digest in self.hashes) != duplicate:
            if xlsx is not None:
                path.unlink()
            if duplicate:
                raise AssertionError(f"{rel}: meant as a duplicate but no earlier file has its bytes")
            return False
        self.hashes.add(digest)
        if xlsx is None:
            path.write_bytes(data)
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

    def close(self) -> None:
        for fh in self._handles.values():
            fh.close()

"""Find what landed and tell, from the path alone, what each file claims to be.

Nothing here opens a file: the walk never follows a symbolic link and never touches anything
that is not a regular file (a FIFO would block a reader, a link could point outside the
landing folder), so a hostile tree can only produce BAD_FILE_NAME entries.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Iterable

from pipelines.contracts.spec import DEALER_KINDS, ERP_KINDS, FileKind

# Folder names become feedback paths, so only the template's dealer-id alphabet is trusted.
_DEALER_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# Snapshots of these kinds are what other files are judged against (UNKNOWN_* codes).
REFERENCE_KINDS = ("regions", "dealers", "products")


class Stage(IntEnum):
    """The order in which a batch loads its files. Snapshots go first so every other file of
    the run is judged against the newest master data, whatever the batch boundaries are."""

    REFERENCE_SNAPSHOTS = 0  # regions, dealers, products: what UNKNOWN_* codes are judged against
    OTHER_SNAPSHOTS = 1
    DELTAS_AND_DEALER_FILES = 2  # ERP deltas and every dealer file
    BAD_NAMES = 3  # rejected from their name alone


@dataclass
class LandedFile:
    source_file: str  # landing-relative POSIX path: the key everywhere
    path: str  # the OS path (a str: building 100k Path objects was a sixth of discovery)
    size_bytes: int | None
    regular: bool  # a regular file (not a link, FIFO, device...): only these are read
    kind: FileKind | None = None
    dealer_id: str | None = None
    period_start: date | None = None
    submitted_at: datetime | None = None
    ext: str | None = None
    reason_detail: str | None = None  # why the name is rejected (BAD_FILE_NAME), else None
    modified_ns: int | None = None  # st_mtime_ns: with the size, tells a known file is unchanged
    first_seen: datetime | None = None  # when a run first discovered the file (local time)
    landing_path: str | None = None  # the path in the landing folder; None: source_file is it
    version: int = 1  # the how-manieth read of the path (its bytes changed since the last)

    def __post_init__(self) -> None:
        if self.landing_path is None:
            self.landing_path = self.source_file

    @property
    def bad_name(self) -> bool:
        return self.kind is None

    @property
    def stage(self) -> Stage:
        if self.kind is None:
            return Stage.BAD_NAMES
        if self.kind.mode == "snapshot":
            return Stage.REFERENCE_SNAPSHOTS if self.kind.name in REFERENCE_KINDS else Stage.OTHER_SNAPSHOTS
        return Stage.DELTAS_AND_DEALER_FILES

    @property
    def order_key(self) -> tuple:
        return (self.stage, self.submitted_at or datetime.max, self.source_file)


VERSION_MARK = "@v"


def version_name(landing_path: str, version: int) -> str:
    """The source_file of a version of a landed file: the path itself for the first read,
    `<path>@v<N>` for the N-th (docs/input_contract.md, "Files in motion")."""
    return landing_path if version == 1 else f"{landing_path}{VERSION_MARK}{version}"


def as_version(f: LandedFile, version: int, taken: set[str] | frozenset = frozenset()) -> LandedFile:
    """`f` as the given version of its path, or the next one whose name is not `taken` (a
    file may literally be named like a version)."""
    while version_name(f.landing_path, version) in taken:
        version += 1
    return replace(f, source_file=version_name(f.landing_path, version), version=version)


def discover(landing: Path) -> list[LandedFile]:
    """Every file under `landing`, classified, in processing order."""
    found: list[LandedFile] = []
    _walk(os.fspath(landing), (), found)
    found.sort(key=lambda f: f.order_key)
    return found


def _walk(folder: str, rel: tuple[str, ...], out: list[LandedFile]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        parts = rel + (_display(entry.name),)
        path = entry.path
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            _walk(path, parts, out)
            continue
        out.append(_entry("/".join(parts), path, st, parts))


def _entry(source_file: str, path: str, st: os.stat_result, parts: tuple[str, ...]) -> LandedFile:
    """What the walk makes of one entry that is not a folder (lstat'ed: links are not followed)."""
    if stat.S_ISLNK(st.st_mode):
        return _rejected(source_file, path, None, parts, "a symbolic link; links are not followed")
    if not stat.S_ISREG(st.st_mode):
        return _rejected(source_file, path, None, parts, "not a regular file")
    landed = classify(source_file, path, st.st_size)
    landed.modified_ns = st.st_mtime_ns
    return landed


def discover_paths(landing: Path, paths: Iterable[str]) -> list[LandedFile]:
    """The files at `paths` (landing-relative, as the landing sensor lists them), classified
    as discover() classifies them, in processing order: what the intraday run reads instead of
    walking the whole landing folder (docs/ingestion.md, "Intraday runs"). A path that is gone,
    names a folder, or lies under something that is not a plain folder (a link the walk would
    not follow) is left out: the night's walk of the whole folder judges it."""
    root = os.fspath(landing)
    found: list[LandedFile] = []
    for rel in sorted(set(paths)):
        names = rel.split("/")
        if not rel or any(n in ("", ".", "..") for n in names):
            continue  # not a path the walk can produce
        folder, ok = root, True
        for name in names[:-1]:
            folder = os.path.join(folder, name)
            try:
                ok = stat.S_ISDIR(os.lstat(folder).st_mode)
            except OSError:
                ok = False
            if not ok:
                break
        path = os.path.join(root, *names)
        try:
            st = os.lstat(path) if ok else None
        except OSError:
            st = None
        if st is None or stat.S_ISDIR(st.st_mode):
            continue
        parts = tuple(_display(n) for n in names)
        found.append(_entry("/".join(parts), path, st, parts))
    found.sort(key=lambda f: f.order_key)
    return found


def _display(name: str) -> str:
    # Undecodable bytes in a name must not reach the warehouse as lone surrogates.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _rejected(source_file: str, path: str, size: int | None, parts, detail: str) -> LandedFile:
    dealer = None
    if len(parts) == 3 and parts[0] == "dealers" and _DEALER_FOLDER.fullmatch(parts[1]):
        dealer = parts[1]
    return LandedFile(source_file, path, size, size is not None, dealer_id=dealer, reason_detail=detail)


def classify(source_file: str, path: str, size: int) -> LandedFile:
    """What the landing-relative path says the file is; reason_detail set if it says nothing valid."""
    parts = tuple(source_file.split("/"))
    name = parts[-1]

    def bad(detail: str) -> LandedFile:
        return _rejected(source_file, path, size, parts, detail)

    if source_file.startswith(".") or "/." in source_file:  # a part of the path starts with a dot
        return bad("a hidden file or folder")
    if not name.isascii():
        return bad(f"the name {name!r} has characters outside the template (ASCII letters, digits, _ . -)")
    in_erp = len(parts) == 2 and parts[0] == "erp"
    in_dealers = len(parts) == 3 and parts[0] == "dealers"
    erp = _match(ERP_KINDS, name) if not in_dealers else None
    dealer = _match(DEALER_KINDS, name) if not in_erp else None
    if in_erp:
        if erp is None:
            return bad(f"{name!r} is not an ERP extract name (<kind>_<YYYYMMDD>.csv)")
        kind, m = erp
        day = _date8(m["date"])
        if day is None:
            return bad(f"{m['date']} in the name is not a real date")
        return LandedFile(source_file, path, size, True, kind, None, day,
                          datetime(day.year, day.month, day.day), m["ext"])
    if in_dealers:
        folder = parts[1]
        if dealer is None:
            return bad(f"{name!r} does not match a dealer file name of the reporting template")
        kind, m = dealer
        # Every problem of the name at once: the dealer fixes them in one go.
        problems = []
        if m["dealer_id"] != folder:
            problems.append(f"the dealer id {m['dealer_id']} in the name differs from the folder {folder}")
        submitted = _stamp(m["submitted"])
        if submitted is None:
            problems.append(f"{m['submitted']} in the name is not a real date and time")
        period: date | None = None
        if kind.mode == "month":
            period = _date8(m["month"] + "01")
            if period is None:
                problems.append(f"{m['month']} in the name is not a real month")
        elif kind.mode == "day":
            period = _date8(m["date"])
            if period is None:
                problems.append(f"{m['date']} in the name is not a real date")
        if problems:
            return bad("; ".join(problems))
        return LandedFile(source_file, path, size, True, kind, folder, period, submitted, m["ext"])
    if erp or dealer:
        return bad("the file lies in the wrong folder (ERP files go in erp/, dealer files in dealers/<dealer_id>/)")
    return bad("not in erp/ or dealers/<dealer_id>/")


def _match(kinds: tuple[FileKind, ...], name: str):
    for kind in kinds:
        m = kind.pattern.fullmatch(name)
        if m:
            return kind, m
    return None


# The name patterns have already matched ASCII digits in these places; slicing them is ten
# times cheaper than strptime, which was a third of a night's discovery of 100k files.
def _date8(text: str) -> date | None:
    """YYYYMMDD, or None if it is not a real date."""
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _stamp(text: str) -> datetime | None:
    """YYYYMMDDTHHMMSS, or None if it is not a real date and time."""
    try:
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]),
                        int(text[9:11]), int(text[11:13]), int(text[13:15]))
    except ValueError:
        return None


# A portal's clock may run a little ahead of ours; a stamp further ahead is not a submission time.
STAMP_TOLERANCE = timedelta(days=1)


def submission_time_problem(f: LandedFile, first_seen: datetime) -> str | None:
    """Why the time in the name cannot be the moment the file was submitted (BAD_SUBMISSION_TIME,
    docs/input_contract.md), or None. A stamp from the future would supersede every real file
    of its month for good, and a month like 209912 would stretch the monthly marts to it."""
    if f.kind is None or f.submitted_at is None:
        return None
    if f.submitted_at > first_seen + STAMP_TOLERANCE:
        what = "submission time" if f.kind.source == "dealer" else "date"
        return (f"the {what} {f.submitted_at:%Y-%m-%d %H:%M:%S} in the name is more than one day after "
                f"the file was first seen ({first_seen:%Y-%m-%d %H:%M:%S})")
    if f.kind.source == "dealer" and f.period_start is not None and \
            (f.period_start.year, f.period_start.month) > (f.submitted_at.year, f.submitted_at.month):
        what = f"month {f.period_start:%Y-%m}" if f.kind.mode == "month" else f"day {f.period_start:%Y-%m-%d}"
        return f"the file's {what} is after the month of its submission time {f.submitted_at:%Y-%m-%d %H:%M:%S}"
    return None

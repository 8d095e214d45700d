"""Back-up and restore of the warehouse: `dcw backup [--to DIR]`, `dcw restore FROM [--to DIR]`.

A backup is a folder holding a copy of the warehouse's files (the DuckDB file, its
write-ahead log if one is left, and the raw layer's Parquet folder (`Settings.raw`) under
`raw/`) and `manifest.json`, which lists every file with its size and sha256. It is taken under the warehouse lock (pipelines/core/lock.py),
so no ingestion, dbt step or publish writes while it is copied: the copy is one consistent
state. It is written into a temporary folder and renamed into place with the manifest last,
so a backup folder that exists is complete.

Restore checks every file of the backup against the manifest (and refuses a file the manifest
does not list) before anything is written, copies into a temporary folder beside the target,
checks the copies again and then renames them into place, the DuckDB file last. The
`raw.<table>` views name the raw folder by its absolute path, so they are re-pointed at the
restored folder. It never overwrites a warehouse or a raw folder: move a damaged one away
first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime

from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.core.settings import Settings
from pipelines.ingest.raw_layer import ensure_schema, move_inputs

MANIFEST = "manifest.json"
RAW = "raw"  # the raw layer's folder inside a backup
FORMAT = 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _members(cfg: Settings) -> list[tuple[str, Path]]:
    """(name in the backup, path) of every file that makes up the warehouse: the DuckDB file,
    its write-ahead log if one is left, every file of the raw folder."""
    wal = cfg.warehouse.with_name(cfg.warehouse.name + ".wal")
    members = [(p.name, p) for p in (cfg.warehouse, wal) if p.exists()]
    if cfg.raw.is_dir():
        members += [(f"{RAW}/{rel}", cfg.raw / rel) for rel in _files(cfg.raw)]
    return members


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def backup(cfg: Settings, to: Path | None = None) -> Path:
    """Snapshot the warehouse of `cfg` into `to` (default `<warehouse folder>/backups/<time>`);
    returns the backup folder."""
    warehouse = cfg.warehouse
    dest = Path(to) if to else warehouse.parent / "backups" / datetime.now().strftime("%Y%m%dT%H%M%S")
    if dest.exists() and any(dest.iterdir()):
        raise UserError(f"backup folder {dest} already exists and is not empty")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with cfg.lock():
            if not warehouse.exists():
                raise UserError(f"no warehouse at {warehouse} (run 'dcw run' first, or set DCW_WAREHOUSE)")
            tmp.mkdir()
            for name, path in _members(cfg):
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, tmp / name)
        files = {rel: {"bytes": (tmp / rel).stat().st_size, "sha256": _sha256(tmp / rel)} for rel in _files(tmp)}
        manifest = {"format": FORMAT, "created_at": datetime.now().isoformat(timespec="seconds"),
                    "warehouse": warehouse.name, "raw": cfg.raw.name, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if dest.exists():
            dest.rmdir()  # empty, checked above
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def verify(folder: Path) -> dict:
    """The manifest of the backup in `folder` once every file matches it; UserError naming the
    first file that does not."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise UserError(f"{folder} is not a dcw backup (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        warehouse = manifest["warehouse"]
        if manifest.get("format") != FORMAT or not isinstance(files, dict) or warehouse not in files:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise UserError(f"the manifest {path} is damaged or of an unknown format") from None
    present = set(_files(folder)) - {MANIFEST}
    extra = sorted(present - set(files))
    if extra:
        raise UserError(f"backup {folder} holds a file its manifest does not list: {extra[0]}")
    for rel, meta in sorted(files.items()):
        member = folder / rel
        if rel not in present:
            raise UserError(f"backup {folder} is missing {rel}")
        if member.stat().st_size != meta.get("bytes") or _sha256(member) != meta.get("sha256"):
            raise UserError(f"backup {folder} is damaged: {rel} does not match its checksum in {MANIFEST}")
    return manifest


def restore(source: Path, cfg: Settings, to: Path | None = None) -> Path:
    """Restore the backup in `source` as the warehouse and raw folder of `cfg` (or into folder
    `to`, under the backed-up names); returns the restored warehouse path."""
    source = Path(source)
    if not source.is_dir():
        raise UserError(f"no backup folder {source}")
    manifest = verify(source)
    name = manifest["warehouse"]
    warehouse = Path(to) / name if to else cfg.warehouse
    raw = Path(to) / manifest.get("raw", RAW) if to else cfg.raw
    for target in (warehouse, raw):
        if target.exists() and (target.is_file() or any(target.iterdir())):
            raise UserError(f"{target} already exists; move it away first (restore never overwrites a warehouse)")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    tmp = warehouse.with_name(f".{name}.restore-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        target = cfg.with_overrides(warehouse=warehouse, raw=raw)
        with target.lock():
            shutil.copytree(source, tmp)
            verify(tmp)  # what was copied is what was backed up
            if (tmp / RAW).is_dir():
                raw.parent.mkdir(parents=True, exist_ok=True)
                if raw.exists():
                    raw.rmdir()  # empty, checked above
                shutil.move(tmp / RAW, raw)
            # the DuckDB file last: the warehouse exists only once everything else is there
            for rel in sorted((r for r in manifest["files"] if not r.startswith(f"{RAW}/")), key=lambda r: r == name):
                os.replace(tmp / rel, warehouse.with_name(warehouse.name + rel.removeprefix(name)))
            with target.connect() as con:
                ensure_schema(con, raw)
                move_inputs(con, None, raw)  # the restored warehouse reads the restored raw folder
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return warehouse

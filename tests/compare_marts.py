"""Build the demo at two commits and compare every table of schema `marts`, row for row.

A restructuring that must leave the marts unchanged is checked with it:

    .venv/bin/python tests/compare_marts.py --base <commit> [--head <commit>|WORKTREE]

Each side is a `git worktree` of its commit (the head defaults to the work tree as it is),
run with this venv's interpreter and that tree's code on PYTHONPATH: `dcw generate` (seed 42)
then `dcw run` as of one fixed business date. The comparison takes each mart's columns with their types
(leaving out only when and in which batch a file was loaded) and its rows as a multiset;
it prints one line per table and exits 1 when any table differs or exists on one side only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-23"
# when and in which batch a file was loaded differs between two warehouses by nature
RUN_COLUMNS = ("ingested_at", "batch_id")


def build(tree: Path, out: Path) -> Path:
    """The demo warehouse built by the code in `tree` under `out`."""
    env = {var: value for var, value in os.environ.items() if not var.startswith("DCW_")}
    env.update({
        "PYTHONPATH": str(tree), "DAGSTER_HOME": str(out / "dagster_home"), "DCW_AS_OF": AS_OF,
        "DCW_FEEDBACK": str(out / "feedback"), "DCW_SERVING": str(out / "serving" / "dcw.duckdb"),
        "DCW_REPORTS": str(out / "reports"),
    })
    (out / "dagster_home").mkdir(parents=True, exist_ok=True)
    dcw = [sys.executable, "-c", "from pipelines.cli import main; main()"]
    landing, warehouse = out / "landing", out / "warehouse.duckdb"
    subprocess.run([*dcw, "generate", "--out", str(landing)], cwd=tree, env=env, check=True)
    subprocess.run(
        [*dcw, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        cwd=tree, env=env, check=True,
    )
    return warehouse


def compare(before: Path, after: Path) -> list[str]:
    """One line per mart; a line starting with 'DIFFERS' or 'ONLY' is a difference."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as a (read_only)")
    con.execute(f"attach '{after}' as b (read_only)")

    def tables(db: str) -> set[str]:
        return {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'", [db]
        ).fetchall()}

    a, b = tables("a"), tables("b")
    lines = [f"ONLY before: marts.{t}" for t in sorted(a - b)] + [f"ONLY after: marts.{t}" for t in sorted(b - a)]
    for t in sorted(a & b):
        typed_a, typed_b = (
            [(c, str(ty)) for c, ty in zip(rel.columns, rel.types) if c not in RUN_COLUMNS]
            for rel in (con.table(f"a.marts.{t}"), con.table(f"b.marts.{t}"))
        )
        if typed_a != typed_b:
            lines.append(f"DIFFERS marts.{t}: columns {typed_a} before, {typed_b} after")
            continue
        cols_a = [c for c, _ in typed_a]
        cols = ", ".join(f'"{c}"' for c in cols_a)
        rows = con.execute(f"select count(*) from a.marts.{t}").fetchone()[0]
        missing, extra = con.execute(f"""
            select (select count(*) from (select {cols} from a.marts.{t} except all select {cols} from b.marts.{t})),
                   (select count(*) from (select {cols} from b.marts.{t} except all select {cols} from a.marts.{t}))
        """).fetchone()
        if missing or extra:
            lines.append(f"DIFFERS marts.{t}: {missing} rows only before, {extra} only after (of {rows})")
        else:
            lines.append(f"same    marts.{t}: {rows} rows, {len(cols_a)} columns")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit before the change")
    parser.add_argument("--head", default="WORKTREE", help="the commit after it (default: the work tree as it is)")
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it (default: a temporary one); "
                        "a side already built there is reused: delete after/ to rebuild the head")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compare-marts-") as scratch:
        work = args.keep or Path(scratch)
        trees = {}
        for side, rev in (("before", args.base), ("after", args.head)):
            if (work / side / "warehouse.duckdb").exists():
                continue  # built by an earlier call with the same --keep
            if rev == "WORKTREE":
                trees[side] = ROOT
                continue
            tree = work / f"tree_{side}"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), rev], check=True)
            trees[side] = tree
        try:
            for side, tree in trees.items():
                build(tree, work / side)
            lines = compare(work / "before" / "warehouse.duckdb", work / "after" / "warehouse.duckdb")
        finally:
            for side, tree in trees.items():
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    print("\n".join(lines))
    differs = [line for line in lines if not line.startswith("same")]
    print(f"{len(lines) - len(differs)} of {len(lines)} marts identical")
    sys.exit(1 if differs else 0)


if __name__ == "__main__":
    main()

"""Customer resolution: the sales lines' (customer_name, customer_city_code) records linked
into customers with Splink, and `customer_key` kept stable across nights
(docs/customers.md).

A *record* is one spelling of a customer in one city as dealers wrote it, with the salted hash
of the phone most often given with it. Records and their keys live in the raw layer,
`<raw>/customer_records/records.parquet` (dbt's source `raw.customer_records`), replaced
atomically; it is also the memory of which key each spelling got.

- Incremental (every night): only records not seen before are scored, against the known
  records (Splink `predict_between`) and among themselves (`predict_within`); a new record
  linked to a known one takes its customer's key, the others form new customers. Known records
  never change key.
- Full (`dcw customers resolve --full`): every record is scored again; each new cluster keeps
  the key that most of its records had, so keys change only where the clustering did.

The model (comparisons, blocking, trained m and u) is `model.json` beside this module,
written by `dcw customers train` (Splink's u by random sampling and EM, no labels).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.text import sql_literal
from pipelines.customers.normalise import forms
from pipelines.ingest.raw_layer import private_folder, replace_private

MODEL_PATH = Path(__file__).with_name("model.json")
TABLE = "customer_records"
# the sales files already read, one name a line: a night reads only the batches it brought
# ("_" first: Spark skips the file when it reads the folder as the table)
DONE = "_sales_files_done.txt"
# match probability at or above which two records are one customer: more likely the same than
# not (on the demo data, 0.5 to 0.9 give the same precision; 0.5 links a spelling with a
# different phone to its customer, docs/customers.md)
THRESHOLD = 0.5
SCHEMA = {
    "record_id": pl.Utf8, "customer_name": pl.Utf8, "customer_city_code": pl.Utf8,
    "name_norm": pl.Utf8, "name_core": pl.Utf8, "phone_hash": pl.Utf8, "lines": pl.Int64,
    "customer_key": pl.Utf8,
}


@dataclass
class ResolveSummary:
    records: int
    new_records: int
    customers: int
    new_customers: int
    seconds: float
    full: bool

    def line(self) -> str:
        mode = "full" if self.full else "incremental"
        return (f"customers ({mode}): {self.new_records:,} new of {self.records:,} name records, "
                f"{self.new_customers:,} new of {self.customers:,} customers, {self.seconds:.1f} s")


def table_dir(raw: Path) -> Path:
    return Path(raw) / TABLE


def phone_salt(raw: Path) -> bytes:
    """The installation's salt for phone hashes, made once and kept in the raw layer (so a
    backup carries it); a hash is compared only with hashes of the same salt."""
    # "_" first: Spark skips the file when it reads the folder as the table
    path = table_dir(raw) / "_phone_salt.txt"
    if not path.is_file():
        private_folder(path.parent)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(16), encoding="ascii")
        replace_private(tmp, path)
    return path.read_text(encoding="ascii").strip().encode()


def phone_hash(phone: str | None, salt: bytes) -> str | None:
    """HMAC-SHA256 of the phone's digits (16 hex characters); None when it has no digits."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if not digits:
        return None
    return hmac.new(salt, digits.encode(), hashlib.sha256).hexdigest()[:16]


def record_id(name: str, city: str) -> str:
    return hashlib.sha1(f"{city}\x1f{name}".encode()).hexdigest()[:16]


def sales_files(raw: Path) -> list[Path]:
    """The raw layer's sales Parquet files, one per batch (and part), without the schema file."""
    return sorted(p for p in (Path(raw) / "sales").glob("*.parquet") if p.name != "schema.parquet")


def read_done(raw: Path) -> set[str]:
    path = table_dir(raw) / DONE
    return set(path.read_text(encoding="utf-8").split()) if path.is_file() else set()


def write_done(raw: Path, names: set[str]) -> None:
    path = table_dir(raw) / DONE
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
    replace_private(tmp, path)


def read_records(raw: Path, files: list[Path] | None = None) -> pl.DataFrame:
    """Every (name, city) of the committed accepted sales rows (of `files`, default every sales
    file), with its line count and the salted hash of its most frequent phone."""
    raw = Path(raw)
    sales, log = raw / "sales", raw / "submissions" / "submissions.parquet"
    empty = pl.DataFrame(schema={k: SCHEMA[k] for k in ("customer_name", "customer_city_code", "phone_hash", "lines")})
    files = sales_files(raw) if files is None else files
    if not log.is_file() or not files:
        return empty
    # the zero-row schema file carries every column, also for batches written without a phone
    paths = "[" + ", ".join(sql_literal(str(p)) for p in [*files, sales / "schema.parquet"]
                            if p.is_file()) + "]"
    con = duckdb.connect()
    try:
        cols = {r[0] for r in con.execute(
            f"describe select * from read_parquet({paths}, union_by_name = true)").fetchall()}
        phone = "customer_phone" if "customer_phone" in cols else "cast(null as varchar)"
        rows = con.sql(f"""
            with s as (
                select s.customer_name, s.customer_city_code, {phone} as phone
                from read_parquet({paths}, union_by_name = true) as s
                semi join read_parquet({sql_literal(str(log))}) as l
                    on l.source_file = s.source_file and l.batch_id = s.batch_id
                where s.customer_name is not null and s.customer_city_code is not null
            ),
            phones as (
                select customer_name, customer_city_code, phone, count(*) as n
                from s where coalesce(phone, '') <> '' group by all
            ),
            best as (
                select customer_name, customer_city_code, arg_max(phone, (n, phone)) as phone
                from phones group by all
            ),
            spellings as (select customer_name, customer_city_code, count(*) as lines from s group by all)
            select l.customer_name, l.customer_city_code, l.lines, b.phone
            from spellings as l left join best as b using (customer_name, customer_city_code)
        """).to_arrow_table()
        rows = pl.from_arrow(rows) if not isinstance(rows, pl.DataFrame) else rows
    finally:
        con.close()
    if rows.is_empty():
        return empty
    salt = phone_salt(raw)
    return rows.select(
        "customer_name", "customer_city_code",
        pl.col("phone").map_elements(lambda p: phone_hash(p, salt), return_dtype=pl.Utf8).alias("phone_hash"),
        pl.col("lines").cast(pl.Int64),
    )


def with_ids(records: pl.DataFrame) -> pl.DataFrame:
    ids = [record_id(n, c) for n, c in zip(records["customer_name"].to_list(), records["customer_city_code"].to_list())]
    return records.with_columns(pl.Series("record_id", ids, dtype=pl.Utf8))


def with_forms(records: pl.DataFrame) -> pl.DataFrame:
    """Add the compared forms of the name (normalise.py)."""
    pairs = [forms(n) for n in records["customer_name"].to_list()]
    return records.with_columns(pl.Series("name_norm", [p[0] for p in pairs], dtype=pl.Utf8),
                                pl.Series("name_core", [p[1] for p in pairs], dtype=pl.Utf8))


def prepare(records: pl.DataFrame) -> pl.DataFrame:
    """Add the record id and the compared forms of the name."""
    return with_forms(with_ids(records))


def read_state(raw: Path) -> pl.DataFrame:
    path = table_dir(raw) / "records.parquet"
    if not path.is_file():
        return pl.DataFrame(schema=SCHEMA)
    return pl.read_parquet(path).select(list(SCHEMA))


def write_state(raw: Path, state: pl.DataFrame) -> None:
    """Replace records.parquet atomically: a reader (dbt) sees the old or the new table."""
    folder = table_dir(raw)
    private_folder(folder)
    tmp = folder / "records.parquet.tmp"
    state.select(list(SCHEMA)).sort("customer_city_code", "customer_name").write_parquet(tmp)
    replace_private(tmp, folder / "records.parquet")


# --- Splink -------------------------------------------------------------------------------

def settings_creator():
    """The model's structure; its trained parameters are in model.json."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_core"),
            cll.ExactMatchLevel("name_norm"),
            cll.ExactMatchLevel("name_core"),
            cll.JaroWinklerLevel("name_core", 0.9),
            cll.JaroWinklerLevel("name_core", 0.8),
            cll.ElseLevel(),
        ],
        comparison_description="normalised name exact, core name exact, Jaro-Winkler of the core",
    )
    phone = cl.CustomComparison(
        output_column_name="phone_hash",
        comparison_levels=[cll.NullLevel("phone_hash"), cll.ExactMatchLevel("phone_hash"), cll.ElseLevel()],
        comparison_description="salted phone hash equal",
    )
    # every scored pair shares its city (the blocking holds it), but the model must still learn
    # how much that is worth: the prior is over all pairs of records, most in different cities
    city = cl.ExactMatch("customer_city_code")
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        # every rule holds the city: only buyers in the same city are ever compared; within a
        # city, a pair is scored when it shares the first or the second character of the
        # normalised name (a one-character typo keeps one of them) or the phone hash
        blocking_rules_to_generate_predictions=[
            block_on("customer_city_code", "substr(name_norm, 1, 1)"),
            block_on("customer_city_code", "substr(name_norm, 2, 1)"),
            block_on("customer_city_code", "phone_hash"),
        ],
        comparisons=[city, name, phone],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _db_api():
    from splink import DuckDBAPI
    return DuckDBAPI(connection=duckdb.connect())


def _quiet() -> None:
    logging.getLogger("splink").setLevel(logging.WARNING)


def train(records: pl.DataFrame, out: Path = MODEL_PATH, seed: int = 42) -> dict:
    """Train the model without labels and write it to `out`: the prior from exact core-name
    matches in a city, u by random sampling, m by EM (blocked on the core name for the city
    and the phone, on city and phone hash for the name)."""
    from splink import Linker, block_on
    _quiet()
    db = _db_api()
    frame = prepare(records).select("record_id", "customer_city_code", "name_norm", "name_core", "phone_hash")
    linker = Linker(db.register(frame.to_arrow()), settings_creator(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("customer_city_code", "name_core")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_core"), record_sample_proportion=1.0)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("customer_city_code", "phone_hash"), record_sample_proportion=1.0)
    model = linker.misc.save_model_to_json()
    out.write_text(json.dumps(model, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return model


def match_weights_chart(out: Path, model: Path = MODEL_PATH) -> Path:
    """The trained model's match weights chart as a standalone HTML page."""
    from splink import Linker
    _quiet()
    frame = pl.DataFrame(schema={"record_id": pl.Utf8, "customer_city_code": pl.Utf8, "name_norm": pl.Utf8,
                                 "name_core": pl.Utf8, "phone_hash": pl.Utf8})
    linker = Linker(_db_api().register(frame.to_arrow()), str(model), log_level=None)
    chart = linker.visualisations.match_weights_chart()
    chart.save(str(out))
    return out


def _edges(new: pl.DataFrame, known: pl.DataFrame, model: Path) -> pl.DataFrame:
    """Scored pairs at or above THRESHOLD: among `new`, and between `known` and `new`."""
    from splink import Linker
    _quiet()
    cols = ["record_id", "customer_city_code", "name_norm", "name_core", "phone_hash"]
    out = pl.DataFrame(schema={"a": pl.Utf8, "b": pl.Utf8, "p": pl.Float64})
    if new.is_empty():
        return out
    db = _db_api()
    new_sdf = db.register(new.select(cols).to_arrow(), table_name="new_records")
    linker = Linker(new_sdf, json.loads(Path(model).read_text(encoding="utf-8")), log_level=None)
    parts = [linker.inference.predict_within(new_sdf, threshold_match_probability=THRESHOLD,
                                             warning_mode="never").as_pandas_dataframe()]
    if not known.is_empty():
        known_sdf = db.register(known.select(cols).to_arrow(), table_name="known_records")
        parts.append(linker.inference.predict_between(known_sdf, new_sdf, threshold_match_probability=THRESHOLD,
                                                      warning_mode="never").as_pandas_dataframe())
    frames = [pl.from_pandas(p[["record_id_l", "record_id_r", "match_probability"]]) for p in parts if len(p)]
    if not frames:
        return out
    return pl.concat(frames).rename({"record_id_l": "a", "record_id_r": "b", "match_probability": "p"}).with_columns(
        pl.col("a").cast(pl.Utf8), pl.col("b").cast(pl.Utf8), pl.col("p").cast(pl.Float64))


def new_key(city: str, core: str, taken: set[str]) -> str:
    """A key made from the city and the core name of the cluster's main spelling, so the same
    data resolved from scratch gives the same keys; a suffix only on a clash."""
    base = f"C{city}-{hashlib.sha1(core.encode()).hexdigest()[:8]}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def assign(new: pl.DataFrame, known: pl.DataFrame, edges: pl.DataFrame) -> dict[str, str]:
    """Keys for the new records: connected components over the edges, where a known record
    brings its key. A component touching known keys takes the key with the strongest link
    (ties: the smallest key); one touching none gets a new key."""
    known_key = dict(zip(known["record_id"].to_list(), known["customer_key"].to_list()))
    parent: dict[str, str] = {r: r for r in new["record_id"].to_list()}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    anchors: dict[str, dict[str, float]] = {}  # new record -> known key -> best probability
    for a, b, p in edges.iter_rows():
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        else:
            rec, other = (b, a) if a in known_key else (a, b)
            key = known_key.get(other)
            if key is not None and rec in parent:
                got = anchors.setdefault(rec, {})
                got[key] = max(got.get(key, 0.0), p)
    comp_anchor: dict[str, dict[str, float]] = {}
    for rec, keys in anchors.items():
        got = comp_anchor.setdefault(find(rec), {})
        for k, p in keys.items():
            got[k] = max(got.get(k, 0.0), p)
    members: dict[str, list[tuple]] = {}
    for row in new.select("record_id", "customer_city_code", "name_core", "lines").iter_rows():
        members.setdefault(find(row[0]), []).append(row)
    taken = set(known_key.values())
    out: dict[str, str] = {}
    for root in sorted(members):
        rows = members[root]
        if root in comp_anchor:
            key = min(comp_anchor[root].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        else:
            main = min(rows, key=lambda r: (-r[3], r[2], r[0]))
            key = new_key(main[1], main[2], taken)
            taken.add(key)
        for r in rows:
            out[r[0]] = key
    return out


def resolve(raw: Path, full: bool = False, model: Path = MODEL_PATH) -> ResolveSummary:
    """Resolve the raw layer's sales records into customers and write records.parquet."""
    t0 = time.monotonic()
    raw = Path(raw)
    files = sales_files(raw)
    # without the records table (a first night, or a table removed) every file is read
    fresh_start = full or not (table_dir(raw) / "records.parquet").is_file()
    done = set() if fresh_start else read_done(raw)
    todo = [f for f in files if f.name not in done]
    if not todo and not fresh_start:
        # nothing new since the last resolution (dbt's build after the night's resolution)
        known = read_state(raw)
        return ResolveSummary(records=known.height, new_records=0, customers=known["customer_key"].n_unique(),
                              new_customers=0, seconds=time.monotonic() - t0, full=False)
    records = with_ids(read_records(raw, todo))
    state = read_state(raw)
    if full:
        old_key = dict(zip(state["record_id"].to_list(), state["customer_key"].to_list()))
        known = state.clear()
    else:
        old_key = {}
        known = state
    known_ids = set(known["record_id"].to_list())
    # only spellings not seen before are normalised and scored
    new = with_forms(records.filter(~pl.col("record_id").is_in(list(known_ids))))
    keys = assign(new, known, _edges(new, known, model))
    if full and old_key:
        keys = _keep_old_keys(keys, old_key)
    new = new.with_columns(pl.col("record_id").replace_strict(keys, default=None).alias("customer_key"))
    # keys of known records never change; their line counts grow by the night's lines
    fresh = records.select("record_id", pl.col("lines").alias("more"))
    kept = known.join(fresh, on="record_id", how="left").with_columns(
        (pl.col("lines") + pl.col("more").fill_null(0)).alias("lines"))
    out = pl.concat([kept.select(list(SCHEMA)), new.select(list(SCHEMA))])
    write_state(raw, out)
    # after the records: a crash between the two reads the night's files again next time
    # (their spellings are then known; only `lines` counts them twice)
    write_done(raw, done | {f.name for f in todo})
    return ResolveSummary(
        records=out.height, new_records=new.height, customers=out["customer_key"].n_unique(),
        new_customers=len(set(keys.values()) - set(known["customer_key"].to_list()) - set(old_key.values())),
        seconds=time.monotonic() - t0, full=full)


def _keep_old_keys(keys: dict[str, str], old_key: dict[str, str]) -> dict[str, str]:
    """After a full resolution, each cluster takes the old key most of its records had (each
    old key to one cluster at most, the cluster holding most of its records)."""
    votes: dict[tuple[str, str], int] = {}
    for rec, key in keys.items():
        if rec in old_key:
            votes[(key, old_key[rec])] = votes.get((key, old_key[rec]), 0) + 1
    rename, used = {}, set()
    for (key, old), _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
        if key not in rename and old not in used:
            rename[key] = old
            used.add(old)
    taken = set(rename.values())
    out = {}
    for rec, key in keys.items():
        if key not in rename:
            fresh = key
            while fresh in taken:
                fresh += "+"
            rename[key] = fresh
            taken.add(fresh)
        out[rec] = rename[key]
    return out

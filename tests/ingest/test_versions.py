"""A landed file whose bytes change after it was read is read again as a new version of
itself (`<path>@v<N>`), which supersedes the older one as a resubmission does; a file touched
without a change of bytes is nothing new (docs/input_contract.md, "Files in motion")."""

import os

from pipelines.ingest import load

CSV_HEAD = "claim_id,campaign_id,expense_type,amount,period_start,period_end,description\n"


def _log(env, path) -> list[dict]:
    rel = path.relative_to(env.landing.root).as_posix()
    return env.query("SELECT source_file, status, superseded_by, duplicate_of, landing_path, file_version, "
                     "rows_read FROM raw.submissions WHERE landing_path = ? ORDER BY file_version", [rel]).to_dicts()


def _current_claims(env) -> list[tuple]:
    return env.query("""SELECT c.claim_id, c.amount::INTEGER AS amount, c.source_file FROM raw.claims c
                        JOIN raw.submissions s USING (source_file, batch_id)
                        WHERE s.status IN ('accepted', 'partially_accepted') ORDER BY 1""").rows()


def test_a_file_overwritten_after_it_was_read_is_read_again_and_replaces_its_first_version(env):
    p = env.landing.claims("D0001", [env.landing.claim(claim_id="CL1"), env.landing.claim(claim_id="CL2")])
    env.ingest()
    rel = p.relative_to(env.landing.root).as_posix()
    p.write_text(CSV_HEAD + "CL3,C001,展会,700,2025-01-01,2025-01-31,重传\n", encoding="utf-8")
    summary = env.ingest()
    assert (summary.files_changed, summary.files_new, summary.by_status) == ([rel], 1, {"accepted": 1})
    assert _log(env, p) == [
        {"source_file": rel, "status": "superseded", "superseded_by": rel + "@v2", "duplicate_of": None,
         "landing_path": rel, "file_version": 1, "rows_read": 2},
        {"source_file": rel + "@v2", "status": "accepted", "superseded_by": None, "duplicate_of": None,
         "landing_path": rel, "file_version": 2, "rows_read": 1}]
    # only the new content counts: the first version's claims are history, not current
    assert _current_claims(env) == [("CL3", 700, rel + "@v2")]
    receipts = sorted(f.name for f in (env.feedback / "D0001").iterdir())
    assert receipts == [p.name + ".receipt.csv", p.name + ".v2.receipt.csv"]
    text = (env.feedback / "D0001" / (p.name + ".v2.receipt.csv")).read_text(encoding="utf-8-sig")
    assert p.name + "@" not in text and "第 2 版" in text and "version 2" in text
    # a third change is the third version
    p.write_text(CSV_HEAD + "CL4,C001,展会,800,2025-01-01,2025-01-31,\n", encoding="utf-8")
    env.ingest()
    assert [(r["file_version"], r["status"], r["superseded_by"]) for r in _log(env, p)] == [
        (1, "superseded", rel + "@v3"), (2, "superseded", rel + "@v3"), (3, "accepted", None)]
    assert _current_claims(env) == [("CL4", 800, rel + "@v3")]


def test_a_sales_file_completed_after_a_run_read_part_of_it_replaces_the_part(env):
    sale = env.landing.sale
    p = env.landing.sales("D0001", "202501", [sale(invoice_no="A"), sale(invoice_no="B")],
                          submitted="20250205T100000")
    whole = p.read_bytes()
    p.write_bytes(whole[: whole.index(b"\n", whole.index(b"\n") + 1) + 1])  # the run saw one line
    env.ingest()
    p.write_bytes(whole)
    env.ingest()
    assert [(r["file_version"], r["status"], r["rows_read"]) for r in _log(env, p)] == [
        (1, "superseded", 1), (2, "accepted", 2)]
    current = env.query("""SELECT count(*) FROM raw.sales r JOIN raw.submissions s USING (source_file, batch_id)
                           WHERE s.status = 'accepted'""").item()
    assert current == 2


def test_a_later_version_that_is_rejected_replaces_nothing(env):
    p = env.landing.claims("D0001", [env.landing.claim()])
    env.ingest()
    p.write_bytes(b"\x00\x01 not a claims file")
    env.ingest()
    assert [(r["file_version"], r["status"]) for r in _log(env, p)] == [(1, "accepted"), (2, "rejected")]
    assert [c[0] for c in _current_claims(env)] == ["CL1"]
    text = (env.feedback / "D0001" / (p.name + ".v2.feedback.csv")).read_text(encoding="utf-8-sig")
    assert "上一版仍然有效" in text and "the previous version still counts" in text


def test_changed_back_to_earlier_bytes_is_read_again_not_a_duplicate(env):
    p = env.landing.claims("D0001", [env.landing.claim(claim_id="CL1")])
    first = p.read_bytes()
    env.ingest()
    p.write_text(CSV_HEAD + "CL2,C001,展会,700,2025-01-01,2025-01-31,\n", encoding="utf-8")
    env.ingest()
    p.write_bytes(first)
    env.ingest()
    assert [(r["file_version"], r["status"]) for r in _log(env, p)] == [
        (1, "superseded"), (2, "superseded"), (3, "accepted")]
    assert [c[0] for c in _current_claims(env)] == ["CL1"]


def test_a_touched_file_with_the_same_bytes_is_nothing_new_and_not_hashed_again(env, monkeypatch):
    p = env.landing.claims("D0001", [env.landing.claim()])
    env.ingest()
    before = env.snapshot()
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    summary = env.ingest()
    assert (summary.files_new, summary.files_changed) == (0, [])
    after = env.snapshot()
    # nothing but the logged modification time moved
    assert {k: v for k, v in after.items() if k != "submissions"} == \
        {k: v for k, v in before.items() if k != "submissions"}
    assert env.submission(p.name)["modified_ns"] == p.stat().st_mtime_ns
    hashed = []
    real = load._hash_file
    monkeypatch.setattr(load, "_hash_file", lambda path, keep=False: hashed.append(path) or real(path, keep))
    assert env.ingest().files_new == 0 and hashed == []


def test_a_file_literally_named_like_a_version_does_not_take_its_place(env):
    p = env.landing.claims("D0001", [env.landing.claim(claim_id="CL1")])
    env.landing.write(p.relative_to(env.landing.root).as_posix() + "@v2", b"x")  # BAD_FILE_NAME
    env.ingest()
    p.write_text(CSV_HEAD + "CL2,C001,展会,700,2025-01-01,2025-01-31,\n", encoding="utf-8")
    env.ingest()
    rel = p.relative_to(env.landing.root).as_posix()
    assert [(r["source_file"], r["status"]) for r in _log(env, p)] == [
        (rel, "superseded"), (rel + "@v3", "accepted")]


def test_touching_files_moves_only_each_ones_newest_version_time(env):
    """A copied landing folder touches every file at once: one update for all, and an older
    version keeps the time it was read with."""
    p = env.landing.claims("D0001", [env.landing.claim(claim_id="CL1")])
    q = env.landing.claims("D0002", [env.landing.claim(claim_id="CL9")])
    env.ingest()
    p.write_text(CSV_HEAD + "CL2,C001,展会,700,2025-01-01,2025-01-31,\n", encoding="utf-8")
    env.ingest()

    def times():
        return env.query("SELECT source_file, modified_ns FROM raw.submissions ORDER BY 1").rows()
    before = dict(times())
    for path in (p, q):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 7_000_000_000))
    assert env.ingest().files_new == 0
    after = dict(times())
    rel_p, rel_q = (x.relative_to(env.landing.root).as_posix() for x in (p, q))
    assert after[rel_p] == before[rel_p]  # the first version's time stays
    assert after[rel_p + "@v2"] == p.stat().st_mtime_ns != before[rel_p + "@v2"]
    assert after[rel_q] == q.stat().st_mtime_ns != before[rel_q]

"""Progress: a live line on a terminal, plain sparse lines in logs."""

import io

from pipelines.core.progress import Progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_logs_get_one_line_per_tenth_and_a_summary():
    out = io.StringIO()
    p = Progress("ingest", "files", stream=out)
    for i in range(1, 101):
        p(i, 100, f"{i * 10} rows")
    p.done("100 files")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert len(lines) == 12  # the first line of each tenth (0..10), then the summary
    assert lines[0] == "[ingest] 1/100 files · 10 rows"
    assert lines[-2] == "[ingest] 100/100 files · 1000 rows"
    assert lines[-1].startswith("[ingest] 100 files (")


def test_terminal_redraws_one_line_in_place():
    out = FakeTerminal()
    p = Progress("generate", "months", stream=out)
    p(1, 24)
    p(2, 24)
    p.done("done")
    text = out.getvalue()
    assert text.count("\r\x1b[2K") == 3  # two redraws and the clear before the summary
    assert text.endswith("\n") and text.count("\n") == 1


def test_a_stage_is_announced_when_it_starts_and_ends_with_its_time():
    import pytest

    from pipelines.core.progress import stage

    out = io.StringIO()
    with stage("publish", "copying the marts", stream=out) as p:
        assert out.getvalue() == "[publish] copying the marts\n"  # before any work is done
        p.done("12 tables")
    with stage("checks", "drift suites", stream=out):
        pass
    with pytest.raises(RuntimeError), stage("dbt", "building", stream=out):
        raise RuntimeError("boom")
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("[publish] 12 tables (") and lines[1].endswith("s)")
    assert lines[2:4] == ["[checks] drift suites", lines[3]] and lines[3].startswith("[checks] done (")
    assert lines[-1].startswith("[dbt] failed after ")


def test_progress_start_says_it_at_once():
    out = io.StringIO()
    p = Progress("ingest", "files", stream=out)
    p.start("looking for new files in /x")
    assert out.getvalue() == "[ingest] looking for new files in /x\n" and p.started is not None

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

"""The warehouse lock: a second holder waits for the first, never fails."""

import threading

import pytest

from pipelines.core.errors import UserError
from pipelines.core.lock import warehouse_lock


def test_second_holder_waits_until_the_first_releases(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    events = []
    # set when the second holder says it waits, or gets in without waiting (the failure)
    tried = threading.Event()

    def waiting(_message: str) -> None:
        events.append("waiting")
        tried.set()

    def second():
        with warehouse_lock(warehouse, log=waiting):
            events.append("second in")
            tried.set()

    with warehouse_lock(warehouse):
        t = threading.Thread(target=second)
        t.start()
        assert tried.wait(30), "the second holder neither waited nor got in"
        events.append("first out")
    t.join(5)
    assert events == ["waiting", "first out", "second in"]


def test_gives_up_with_one_line_after_the_wait(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with warehouse_lock(warehouse):
        with pytest.raises(UserError, match="stayed busy"):
            with warehouse_lock(warehouse, wait_seconds=0.3):
                pass


def test_a_wait_names_the_run_it_waits_for(tmp_path, capsys):
    import os
    import re

    warehouse = tmp_path / "w.duckdb"
    messages = []
    with warehouse_lock(warehouse):
        with pytest.raises(UserError, match=rf"held by the run started at .* by pid {os.getpid()}"):
            with warehouse_lock(warehouse, wait_seconds=0.5, log=messages.append):
                pass
    [message] = messages
    assert re.search(rf"waiting for the run started at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d by pid {os.getpid()} ", message)
    assert message in capsys.readouterr().err  # announced on stderr even where the log is quiet

"""The warehouse lock: a second holder waits for the first, never fails."""

import threading
import time

import pytest

from pipelines.core.errors import UserError
from pipelines.core.lock import warehouse_lock


def test_second_holder_waits_until_the_first_releases(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    events = []

    def second():
        with warehouse_lock(warehouse, log=lambda m: events.append("waiting")):
            events.append("second in")

    with warehouse_lock(warehouse):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.6)
        events.append("first out")
    t.join(5)
    assert events == ["waiting", "first out", "second in"]


def test_gives_up_with_one_line_after_the_wait(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with warehouse_lock(warehouse):
        with pytest.raises(UserError, match="stayed busy"):
            with warehouse_lock(warehouse, wait_seconds=0.3):
                pass

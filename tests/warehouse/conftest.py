"""Warehouse tests: landing folders written by hand, ingested and built with dbt, every mart
figure compared with a value worked out by hand."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def channel_warehouse(tmp_path_factory):
    """The hand-written channel of channel_scenario, ingested and built once per session:
    (warehouse path, query function)."""
    from tests.warehouse.channel_scenario import channel
    from tests.warehouse.warehouse_helpers import build_from_landing

    root = tmp_path_factory.mktemp("channel")
    return root / "warehouse.duckdb", build_from_landing(channel, root)


@pytest.fixture(scope="session")
def scorecard_warehouse(tmp_path_factory):
    """The hand-written channel of scorecard_scenario, ingested and built as of its AS_OF
    once per session: (warehouse path, query function)."""
    from tests.warehouse.scorecard_scenario import AS_OF, scorecard_channel
    from tests.warehouse.warehouse_helpers import build_from_landing

    root = tmp_path_factory.mktemp("scorecard")
    return root / "warehouse.duckdb", build_from_landing(scorecard_channel, root, AS_OF)

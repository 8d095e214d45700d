"""The reference run every reliability test compares with (see reliability_env)."""

from __future__ import annotations

import pytest
from tests.dcw_runs import dcw_run, marts_contents
from tests.reliability.reliability_env import Reference, fresh_root, write_reference_landing


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> Reference:
    """The reference landing run once through `dcw run` into a fresh warehouse."""
    root = tmp_path_factory.mktemp("reference")
    landing = write_reference_landing(root / "landing")
    root, env = fresh_root(root, landing)
    dcw_run(env, root)
    return Reference(root, landing, env, marts_contents(root / "warehouse.duckdb"))

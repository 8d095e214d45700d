"""Fixtures: a tiny landing folder with a valid ERP set, and a runner that ingests it into a
temporary warehouse and answers queries about the raw layer."""

from __future__ import annotations

import pytest
from tests.ingest.ingest_env import Env


@pytest.fixture
def env(tmp_path) -> Env:
    """A landing folder holding a valid ERP set dated 2025-01-01 (no dealer files yet)."""
    e = Env(tmp_path)
    e.landing.standard_erp()
    return e


@pytest.fixture
def bare(tmp_path) -> Env:
    """An empty landing folder."""
    return Env(tmp_path)

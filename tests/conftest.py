"""Session-wide fixtures: dbt parses once per test session, so every test (and the Dagster
definitions, which read the manifest) sees the models as they are now."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.dbt import ensure_manifest


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    return ensure_manifest(force=True)

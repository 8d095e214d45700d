"""Session-wide fixtures.

- dbt parses once per test session, so every test (and the Dagster definitions, which read
  the manifest) sees the models as they are now.
- Every test gets its own landing, warehouse, feedback, serving and reports paths under its
  temporary folder, so no test reads or writes the repository's data/ (a test that needs
  other paths sets the variables itself).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.dbt import ensure_manifest

SETTINGS_VARS = {
    "DCW_LANDING": "landing",
    "DCW_WAREHOUSE": "warehouse.duckdb",
    "DCW_FEEDBACK": "feedback",
    "DCW_SERVING": "serving/dcw.duckdb",
    "DCW_REPORTS": "reports",
}


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    return ensure_manifest(force=True)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch) -> None:
    for var, name in SETTINGS_VARS.items():
        monkeypatch.setenv(var, str(tmp_path / name))
    monkeypatch.delenv("DCW_AS_OF", raising=False)
    monkeypatch.delenv("DCW_RAW", raising=False)  # the raw layer follows each test's warehouse

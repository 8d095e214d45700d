"""Session-wide fixtures.

- dbt parses once per test session, so every test (and the Dagster definitions, which read
  the manifest) sees the models as they are now.
- Every test gets its own landing, warehouse, feedback, serving and reports paths under its
  temporary folder, so no test reads or writes the repository's data/ (a test that needs
  other paths sets the variables itself).
"""

from __future__ import annotations

from datetime import date
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


@pytest.fixture(scope="session")
def demo_serving(tmp_path_factory) -> Path:
    """A small demo landing folder run through the whole pipeline once per session (ingestion,
    dbt build with the forecasts, publish); the serving file's path. Read it, never write it:
    the notebooks and the dashboard tests share it."""
    from pipelines.dbt import build_warehouse
    from pipelines.ingest import run_ingestion
    from pipelines.serving import publish_marts
    from pipelines.synth.generator import generate
    from pipelines.synth.params import GeneratorParams

    root = tmp_path_factory.mktemp("demo")
    generate(GeneratorParams(out=root / "landing", seed=7, dealers=12, skus=10, months=24, start=date(2024, 10, 1)))
    warehouse = root / "warehouse.duckdb"
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse, date(2026, 10, 15))  # the forecast marts among them
    return Path(publish_marts(warehouse, root / "serving" / "dcw.duckdb")["serving"])

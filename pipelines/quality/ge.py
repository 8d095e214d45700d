"""Great Expectations validation of the drift profiles, with Data Docs (see the package
docstring and docs/quality.md)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.quality.profiles import DriftSuite, load_suites, profile_sql

DOCS_SITE = "dcw"
# every warned subject with its z-score in the result, not GE's first 20 values only
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["subject"]}


@dataclass(frozen=True)
class SuiteResult:
    """One suite's validation: `failed` names each subject that drifted (the warnings)."""

    suite: str
    asset: str
    success: bool
    evaluated: int  # expectations
    unsuccessful: int  # expectations that found a drifted subject
    profile_rows: int  # rows fetched from DuckDB: one per subject
    judged: int  # subjects with enough history to be judged
    failed: list[str] = field(default_factory=list)


def data_docs_dir(reports: Path) -> Path:
    """Where the Data Docs go: great_expectations/ beside the other reports."""
    return Path(reports) / "great_expectations"


def fetch_profile(con: duckdb.DuckDBPyConnection, suite: DriftSuite) -> pd.DataFrame:
    """The suite's profile, computed in DuckDB: one row per subject."""
    return con.execute(profile_sql(suite.profile)).df()


def validate_marts(warehouse: Path, reports_dir: Path,
                   suites: list[DriftSuite] | None = None) -> dict[str, SuiteResult]:
    """Validate the drift suites (default: every suite in expectations/) on the built
    `warehouse`, read-only; write Data Docs to `reports_dir`."""
    suites = load_suites() if suites is None else suites
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    context = _context(reports_dir)
    source = context.data_sources.add_pandas("warehouse")
    results: dict[str, SuiteResult] = {}
    con = duckdb.connect(os.fspath(warehouse), read_only=True)
    try:
        for suite in suites:
            frame = fetch_profile(con, suite)
            outcome = _validate(context, source, suite, frame)
            results[suite.name] = SuiteResult(
                suite=suite.name,
                asset=suite.asset,
                success=bool(outcome.success),
                evaluated=len(outcome.results),
                unsuccessful=sum(not r.success for r in outcome.results),
                profile_rows=len(frame),
                judged=int(frame["robust_z"].notna().sum()),
                failed=[w for r in outcome.results if not r.success
                        for w in describe(r, frame, suite.measure)],
            )
    finally:
        con.close()
    context.build_data_docs(site_names=[DOCS_SITE])
    return results


def _context(reports_dir: Path):
    """An ephemeral GE context writing Data Docs to `reports_dir`. Analytics are switched off
    by the context's own `analytics_enabled` variable, which GE documents beside the
    GX_ANALYTICS_ENABLED environment variable: nothing here touches the environment."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={DOCS_SITE: {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": os.fspath(reports_dir)},
            # GE's index needs scripts from CDNs; ours is static HTML that works offline
            "site_index_builder": {"class_name": "OfflineSiteIndexBuilder",
                                   "module_name": "pipelines.quality.docs"},
        }},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _validate(context, source, suite: DriftSuite, frame: pd.DataFrame):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_suite = context.suites.add(gx.ExpectationSuite(
        name=suite.name, notes=suite.notes or None,
        meta={"asset": suite.asset, "description": suite.description,
              "profile_sql": profile_sql(suite.profile)}))
    for e in suite.expectations:
        gx_suite.add_expectation_configuration(ExpectationConfiguration(
            type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {})))
    gx_suite.save()
    batch = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe(suite.name)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
    return definition.run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)


def describe(result: Any, frame: pd.DataFrame, measure: str) -> list[str]:
    """One line per subject an expectation found out of bounds, Chinese then English; the
    whole expectation if it names no rows (e.g. a table-level expectation)."""
    rows = result.result.get("unexpected_index_list") or []
    subjects = {str(r["subject"]) for r in rows if isinstance(r, dict) and "subject" in r}
    if not subjects:
        config = result.expectation_config
        return [f"{config.type} {config.kwargs.get('column', '')}: "
                f"observed {result.result.get('observed_value')}"]
    return [warning_line(row, measure)
            for row in frame[frame["subject"].isin(subjects)].itertuples(index=False)]


def warning_line(row: Any, measure: str) -> str:
    """'D3 2025-06: 月销量 / sell-out qty 400 (历史中位数 / history median 40, ×10.0,
    稳健 z / robust z 15.4)'."""
    period = row.period.strftime("%Y-%m") if hasattr(row.period, "strftime") else row.period
    ratio = f", ×{row.ratio:.2f}" if pd.notna(row.ratio) else ""
    return (f"{row.subject} {period}: {measure} {_num(row.value)} "
            f"(历史中位数 / history median {_num(row.history_median)}{ratio}, "
            f"稳健 z / robust z {row.robust_z:.1f})")


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"

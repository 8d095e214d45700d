"""The drift suites as Dagster asset checks: non-blocking, severity WARN (docs/quality.md).

A drift warning says "look at this", not "this is wrong": correctness is held by dbt's tests
and contracts, which block. So nothing downstream waits on these checks and a warning never
fails a run.
"""

import os

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from pipelines.core.progress import stage
from pipelines.core.resource import WarehouseResource
from pipelines.quality.ge import data_docs_dir, validate_marts
from pipelines.quality.profiles import DriftSuite, load_suites

SUITES = load_suites()


def asset_key(suite: DriftSuite) -> AssetKey:
    return AssetKey(suite.asset.split("."))


@multi_asset_check(
    specs=[AssetCheckSpec(s.name, asset=asset_key(s), blocking=False, description=s.description)
           for s in SUITES],
)
def great_expectations_drift(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Profile each drift question in DuckDB, validate it with Great Expectations, write the
    Data Docs beside the other reports; a drifted subject is a warning."""
    config = warehouse.settings
    reports = data_docs_dir(config.reports)
    with stage("checks", f"{len(SUITES)} drift suites (Great Expectations)") as progress, \
            config.lock(log=context.log.info):
        results = validate_marts(config.warehouse, reports, SUITES)
        warned = sum(not r.success for r in results.values())
        progress.done(f"{len(SUITES)} drift suites, {warned} warning(s); Data Docs in {reports}")
    for suite in SUITES:
        r = results[suite.name]
        yield AssetCheckResult(
            asset_key=asset_key(suite),
            check_name=suite.name,
            passed=r.success,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "warnings": MetadataValue.md("\n".join(f"- {f}" for f in r.failed) or "none"),
                "judged": r.judged,
                "profile_rows": r.profile_rows,
                "data_docs": MetadataValue.path(os.fspath(reports / "index.html")),
            },
        )


# What pipelines/orchestration/definitions.py registers (asset_checks=[*ge_checks]).
ge_checks = [great_expectations_drift]

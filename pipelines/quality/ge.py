"""Great Expectations validation of the marts (see the package docstring)."""

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSpec, AssetKey
from dagster import MetadataValue, multi_asset_check

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import PROJECT_ROOT, Settings

SUITES_DIR = PROJECT_ROOT / "expectations"
CHECK_NAME = "great_expectations"
DOCS_SITE = "dcw"


@dataclass(frozen=True)
class SuiteResult:
    mart: str
    success: bool
    evaluated: int
    failed: list[str] = field(default_factory=list)  # "<expectation> <column>: <observed>"


def load_suites(directory: Path = SUITES_DIR) -> list[dict[str, Any]]:
    """Every suite definition in `directory`, sorted by name."""
    return sorted((json.loads(p.read_text(encoding="utf-8")) for p in directory.glob("*.json")),
                  key=lambda s: s["name"])


def data_docs_dir(reports: Path) -> Path:
    """Where the Data Docs go: <reports>/great_expectations/, beside the other reports."""
    return reports / "great_expectations"


def validate_marts(warehouse: Path, reports_dir: Path | None = None,
                   suites: list[dict[str, Any]] | None = None) -> dict[str, SuiteResult]:
    """Validate each mart of `suites` (default: every suite in expectations/) in the built
    `warehouse`; write Data Docs to `reports_dir` (default: the reports folder beside it)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    suites = load_suites() if suites is None else suites
    reports_dir = Path(reports_dir or data_docs_dir(Settings.for_warehouse(Path(warehouse)).reports))
    reports_dir.mkdir(parents=True, exist_ok=True)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(site_name=DOCS_SITE, site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": os.fspath(reports_dir)},
        # GE's index needs scripts from CDNs; ours is static HTML that works offline
        "site_index_builder": {"class_name": "OfflineSiteIndexBuilder",
                               "module_name": "pipelines.quality.docs"},
    })
    source = context.data_sources.add_pandas("warehouse")

    results: dict[str, SuiteResult] = {}
    con = duckdb.connect(os.fspath(warehouse), read_only=True)
    try:
        for spec in suites:
            name = spec["name"]
            meta = spec.get("meta", {})
            frame = con.execute(f"select * from {meta['table']}").df()
            parameters = {key: con.execute(sql).fetchone()[0]
                          for key, sql in meta.get("parameters", {}).items()}
            suite = context.suites.add(gx.ExpectationSuite(name=name, meta=meta))
            for e in spec["expectations"]:
                suite.add_expectation_configuration(ExpectationConfiguration(
                    type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {})))
            suite.save()
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite))
            outcome = definition.run(batch_parameters={"dataframe": frame},
                                     expectation_parameters=_plain(parameters))
            results[name] = SuiteResult(
                mart=name,
                success=bool(outcome.success),
                evaluated=len(outcome.results),
                failed=[_describe(r) for r in outcome.results if not r.success],
            )
    finally:
        con.close()
    context.build_data_docs(site_names=[DOCS_SITE])
    return results


def _plain(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON numbers (DuckDB gives Decimal for sums)."""
    return {k: (int(v) if v is not None and float(v).is_integer() else float(v or 0))
            for k, v in parameters.items()}


def _describe(result: Any) -> str:
    config = result.expectation_config
    column = config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", []))
    observed = result.result.get("observed_value", result.result.get("unexpected_count"))
    where = f" {column}" if column else ""
    return f"{config.type}{where}: observed {observed}"


def _mart_key(suite: dict[str, Any]) -> AssetKey:
    return AssetKey(suite["meta"]["table"].split("."))


@multi_asset_check(
    # blocking: a mart that fails its suite stops what is built on it (forecasts, serving)
    specs=[AssetCheckSpec(CHECK_NAME, asset=_mart_key(s), blocking=True,
                          description=s.get("meta", {}).get("description"))
           for s in load_suites()],
)
def great_expectations_marts(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Validate every mart with its Great Expectations suite; Data Docs beside the warehouse."""
    cfg = warehouse.settings
    reports = data_docs_dir(cfg.reports)
    with cfg.lock(log=context.log.info):
        results = validate_marts(cfg.warehouse, reports)
    for spec in load_suites():
        r = results[spec["name"]]
        yield AssetCheckResult(
            asset_key=_mart_key(spec),
            check_name=CHECK_NAME,
            passed=r.success,
            metadata={
                "expectations": r.evaluated,
                "failed": MetadataValue.md("\n".join(f"- {f}" for f in r.failed) or "none"),
                "data_docs": MetadataValue.path(os.fspath(reports / "index.html")),
            },
        )


# What pipelines/definitions.py registers (asset_checks=[*ge_checks]).
ge_checks = [great_expectations_marts]

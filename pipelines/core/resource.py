"""The warehouse as a Dagster resource: every asset, check and sensor that touches the
warehouse or its folders takes `warehouse: WarehouseResource` and reads its paths, business
date, memory bound, lock and connections from it, never from the environment.

Its fields are the `Settings` (pipelines/core/settings.py) as plain strings, so a run's
configuration shows in the Dagster UI and a launch can override it (e.g. `as_of`). Built once:
`pipelines/definitions.py` from the environment, `dcw run` from its options, tests from their
temporary paths (`WarehouseResource.from_settings(...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.settings import DEFAULT_DUCKDB_MEMORY, PATH_SETTINGS, Settings, parse_date


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse, its raw layer and the folders a run writes, as of a business
    date (empty: today when the run reads it)."""

    landing: str
    warehouse: str
    raw: str
    feedback: str
    serving: str
    reports: str
    as_of: str | None = None
    duckdb_memory: str = DEFAULT_DUCKDB_MEMORY
    reminders: str | None = None  # the reminders' configuration file (Settings.reminders)
    feedback_receipts: bool = True
    feedback_replenishment: bool = False  # Settings.feedback_replenishment
    dbt_threads: int | None = None  # Settings.dbt_threads (None: by the warehouse's size)
    dbt_server: str | None = None  # Settings.dbt_server (None: dbt starts afresh each time)

    @classmethod
    def from_settings(cls, cfg: Settings) -> "WarehouseResource":
        return cls(
            **{name: str(getattr(cfg, name)) for name in PATH_SETTINGS},
            as_of=cfg.pinned_as_of.isoformat() if cfg.pinned_as_of else None,
            duckdb_memory=cfg.duckdb_memory,
            reminders=str(cfg.reminders) if cfg.reminders else None,
            feedback_receipts=cfg.feedback_receipts,
            feedback_replenishment=cfg.feedback_replenishment,
            dbt_threads=cfg.dbt_threads,
            dbt_server=str(cfg.dbt_server) if cfg.dbt_server else None,
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            **{name: Path(getattr(self, name)) for name in PATH_SETTINGS},
            pinned_as_of=parse_date(self.as_of, "as_of") if self.as_of else None,
            duckdb_memory=self.duckdb_memory,
            reminders=Path(self.reminders) if self.reminders else None,
            feedback_receipts=self.feedback_receipts,
            feedback_replenishment=self.feedback_replenishment,
            dbt_threads=self.dbt_threads,
            dbt_server=Path(self.dbt_server) if self.dbt_server else None,
        )

    @property
    def business_date(self) -> date:
        return self.settings.as_of

    @contextmanager
    def lock(self, log: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the warehouse lock (pipelines/core/lock.py) while the block runs."""
        with self.settings.lock(log=log):
            yield

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return self.settings.connect(read_only=read_only)

"""The dcw code location (workspace.yaml points here): the Definitions of
pipelines/orchestration/definitions.py for the warehouse that the DCW_* environment names."""

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.orchestration.definitions import build_definitions

defs = build_definitions(WarehouseResource.from_settings(Settings.from_env()))

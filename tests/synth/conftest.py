"""Generated landing folders shared by the synth tests (generated once per session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.synth import GeneratorParams, generate

SMALL = dict(seed=7, dealers=12, skus=10, months=14, start=date(2024, 10, 1))


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small") / "landing"
    generate(GeneratorParams(out=out, **SMALL))
    return out


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    """The demo defaults: 40 dealers, 24 skus, 24 months from 2024-10."""
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(GeneratorParams(out=out))
    return out


@pytest.fixture(scope="session")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "landing"
    generate(GeneratorParams(out=out, injection_scale=0, **{k: v for k, v in SMALL.items()}))
    return out

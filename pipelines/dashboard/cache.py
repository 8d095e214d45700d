"""The figures of one published night, computed once per night and shared by every session.

A figure depends only on the serving file and the query's arguments, and the serving file
changes only when the nightly publish renames a new one into place (pipelines/serving.py).
So results are cached (`st.cache_data`) under the file's identity: its path, inode,
modification time and size (`Night`). A new night is a new inode, hence a new key: the next
render computes its figures afresh, without a restart, and the old night's entries age out
(`MAX_ENTRIES`). A render opens the file only when one of its figures is not cached yet
(`Source`), so a page seen before by anyone costs no connection at all.

The identity is read once per render, before any connection: a publish landing between the
two can only store the newer night's figures under the older key, which no later render asks
for, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines.dashboard import queries as q
from pipelines.dashboard.db import Db, Night, open_serving, read_schema

# Every page's figures for a few dozen filter choices; a result is an aggregate or a
# row-limited table, so this stays small.
MAX_ENTRIES = 2000


class Source:
    """One render's access to the serving file: the night it shows, and a read-only
    connection opened on the first figure not cached yet (closed by `close`)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.night = Night.of(self.path)
        self._open = None
        self._db: Db | None = None

    def db(self) -> Db:
        if self._db is None:
            self._open = open_serving(self.path)
            self._db = self._open.__enter__()
        return self._db

    def close(self) -> None:
        if self._open is not None:
            self._open.__exit__(None, None, None)
            self._open = self._db = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def published_at(self) -> datetime:
        return self.night.published_at

    @property
    def schema(self) -> dict[str, frozenset[str]]:
        return _schema(self.night, self)


@st.cache_data(max_entries=64, show_spinner=False)
def _schema(night: Night, _source: Source) -> dict[str, frozenset[str]]:
    return read_schema(_source.db().con)


@st.cache_data(max_entries=64, show_spinner=False)
def _choices(night: Night, _source: Source) -> dict[str, list]:
    return q.choices(_source.db())


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _run(night: Night, query: str, filters: tuple, args: tuple, _source: Source) -> q.Result:
    lacking = q.NEEDS[query].missing(_source.schema) if query in q.NEEDS else []
    if lacking:  # decided on the cached schema: no connection for a section not published
        return q.Result(None, lacking)
    return q.run(_source.db(), getattr(q, query), q.Filters(*filters), *args)


def choices(source: Source) -> dict[str, list]:
    """`queries.choices` of this night."""
    return _choices(source.night, source)


def run(source: Source, query: Callable[..., pd.DataFrame], f: q.Filters, *args) -> q.Result:
    """`queries.run` of this night, computed once per night, query and arguments."""
    return _run(source.night, query.__name__, astuple(f), args, source)

"""The `dcw` command line: help that reads well, and one-line errors for user mistakes."""

from __future__ import annotations

import pytest

from pipelines.cli import main
from tests.dcw_runs import dcw


def test_help_lists_commands_and_settings():
    proc = dcw("--help")
    assert proc.returncode == 0
    for word in ("generate", "run", "DCW_LANDING", "DCW_WAREHOUSE", "DCW_AS_OF", "经销商"):
        assert word in proc.stdout


@pytest.mark.parametrize(
    "args, env, fragment",
    [
        (["run", "--bogus"], {}, "unrecognized arguments: --bogus"),
        (["frobnicate"], {}, "invalid choice"),
        (["generate", "--start", "2025-13"], {}, "month must be YYYY-MM"),
        (["generate", "--dealers", "0"], {}, "at least 1"),
        (["generate", "--months", "many"], {}, "whole number"),
        (["generate", "--workers", "0"], {}, "at least 1"),
        (["run", "--as-of", "2025-02-30"], {}, "not a real date"),
        (["run"], {"DCW_AS_OF": "yesterday"}, "DCW_AS_OF must be YYYY-MM-DD"),
        (["run", "--landing", "/nonexistent/landing"], {}, "does not exist"),
        (["run", "--landing", "/etc/hostname"], {}, "is a file, not a folder"),
        (["run", "--ware", "w.duckdb"], {}, "unrecognized arguments: --ware"),  # no prefix matching
        (["report", "writeoff", "--mon", "2025-01"], {}, "required: --month"),
        (["dbt-server"], {"DCW_DBT_SERVER": ""}, "name the server's socket"),
        (["dbt-server", "--socket", "/nonexistent/dcw/dbt.sock"], {}, "no folder /nonexistent/dcw"),
    ],
)
def test_user_errors_are_one_line(args, env, fragment):
    proc = dcw(*args, extra_env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("dcw: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "<command>" in capsys.readouterr().out

"""The reminders' configuration file, `dcw remind` and the Dagster job `reminders` with its
schedule, on the hand-written marts of marts_fixture.py and a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.core.errors import UserError
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.orchestration.definitions import build_definitions
from pipelines.reminders.config import load_config
from tests.reminders.marts_fixture import AS_OF, CONTACT, MANAGER, write_marts
from tests.reminders.servers import PASSWORD, USER, smtp_server

CONFIG = """
[email]
host = "127.0.0.1"
port = {port}
sender = "渠道管理 <dcw@brand.example.cn>"
starttls = false
username = "{user}"
password_env = "DCW_TEST_SMTP_PASSWORD"

[webhook]
url_env = "DCW_TEST_ROBOT_URL"
style = "feishu"
secret_env = "DCW_TEST_ROBOT_SECRET"

[retry]
max_attempts = 3
first_delay_minutes = 10
"""


def test_the_configuration_file_names_its_secrets_by_environment_variable(tmp_path):
    path = tmp_path / "reminders.toml"
    path.write_text(CONFIG.format(port=2525, user=USER), encoding="utf-8")
    env = {"DCW_TEST_SMTP_PASSWORD": "pw-Q7x", "DCW_TEST_ROBOT_URL": "https://open.feishu.cn/hook/x",
           "DCW_TEST_ROBOT_SECRET": "SEC-k9z"}
    config = load_config(path, env)
    assert config.channels == ("email", "webhook")
    assert (config.email.port, config.email.starttls, config.email.password) == (2525, False, "pw-Q7x")
    assert (config.webhook.url, config.webhook.style, config.webhook.secret) == ("https://open.feishu.cn/hook/x", "feishu", "SEC-k9z")
    assert (config.retry.max_attempts, config.retry.first_delay_minutes) == (3, 10)
    assert "pw-Q7x" not in repr(config) and "SEC-k9z" not in repr(config)  # secrets stay out of logs
    assert load_config(tmp_path / "absent.toml").channels == ()


@pytest.mark.parametrize("text, env, message", [
    ("[email]\nhost = 'h'\n", {}, r"\[email\]: 'sender' is required"),
    ("[email]\nhost = 'h'\nsender = 's'\nusername = 'u'\npassword_env = 'NOPE'\n", {}, "environment variable NOPE is not set"),
    ("[webhook]\nurl = 'http://x'\nstyle = 'slack'\n", {}, "style must be one of dingtalk, feishu, wecom"),
    ("[email]\nhost = 'h'\nsender = 's'\npasword_env = 'X'\n", {}, "unknown key"),
    ("[email\n", {}, "not valid TOML"),
])
def test_a_wrong_configuration_is_one_line(tmp_path, text, env, message):
    path = tmp_path / "reminders.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message) as caught:
        load_config(path, env)
    assert "\n" not in str(caught.value)


@pytest.fixture
def cfg(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "warehouse.duckdb", as_of=AS_OF)
    write_marts(cfg.warehouse)
    return cfg


def test_dcw_remind_dry_run_writes_files(cfg, tmp_path, capsys):
    assert main(["remind", "--dry-run", "--warehouse", str(cfg.warehouse), "--reports", str(tmp_path / "out")]) == 0
    printed = [Path(line) for line in capsys.readouterr().out.splitlines()]
    # without a configuration a dry run shows both channels
    assert sorted(p.name for p in printed) == [
        f"email-dealer-{CONTACT['D0001']}.txt", f"email-dealer-{CONTACT['D0002']}.txt",
        f"email-manager-{MANAGER}.txt", "webhook-group-group.json"]
    assert all(p.is_file() and p.parent.parent == tmp_path / "out" / "reminders" for p in printed)


def test_dcw_remind_without_a_configuration_sends_nothing_and_says_so(cfg, capsys):
    assert main(["remind", "--warehouse", str(cfg.warehouse)]) == 0
    assert "no channel configured" in capsys.readouterr().err
    assert main(["remind", "--warehouse", str(cfg.warehouse), "--config", str(cfg.warehouse.parent / "nope.toml")]) == 2


def test_dcw_remind_without_marts_is_one_line(tmp_path, capsys):
    Settings.for_warehouse(tmp_path / "w.duckdb").connect().close()
    assert main(["remind", "--dry-run", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "the reminders' marts are not built" in err and len(err.strip().splitlines()) == 1


def test_the_dagster_job_delivers_with_the_configured_file(cfg, monkeypatch):
    controller, box = smtp_server()
    try:
        path = cfg.warehouse.with_name("reminders.toml")  # the default place, beside the warehouse
        path.write_text(CONFIG.format(port=controller.port, user=USER).split("[webhook]")[0], encoding="utf-8")
        monkeypatch.setenv("DCW_TEST_SMTP_PASSWORD", PASSWORD)
        defs = build_definitions(WarehouseResource.from_settings(cfg))
        result = defs.resolve_job_def("reminders").execute_in_process()
        assert result.success
        assert len(box.received) == 3
        assert box.to(MANAGER)[0]["from"] == "渠道管理 <dcw@brand.example.cn>"
        # the next day's run finds nothing new
        assert defs.resolve_job_def("reminders").execute_in_process().success and len(box.received) == 3
    finally:
        controller.stop()


def test_the_reminders_run_every_morning_after_the_nightly_build():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("reminders_0800_shanghai")
    assert schedule.job_name == "reminders"
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 8 * * *", "Asia/Shanghai")
    nightly = defs.resolve_schedule_def("nightly_0200_shanghai")
    assert nightly.cron_schedule == "0 2 * * *"

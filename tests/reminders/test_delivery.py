"""The reminders delivered to real servers on 127.0.0.1 (servers.py): the messages' words
and encoding, exactly once across runs, retry after the server was down, and a wrong
password or an unreachable server as one log line and an outbox row, not a crash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import date, datetime, timedelta

import duckdb
import pytest

from pipelines.core.settings import Settings
from pipelines.reminders import run_reminders
from pipelines.reminders.config import EmailChannel, ReminderConfig, RetryPolicy, WebhookChannel
from tests.reminders.marts_fixture import AS_OF, CONTACT, MANAGER, set_alerts, write_marts
import ssl

from tests.reminders.servers import PASSWORD, USER, RobotReceiver, free_port, self_signed_certificate, smtp_server

NOW = datetime(2025, 4, 3, 8, 0)
SECRET = "SEC-robot-secret"


@pytest.fixture
def cfg(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "warehouse.duckdb", as_of=AS_OF)
    write_marts(cfg.warehouse)
    return cfg


@pytest.fixture
def smtp():
    controller, box = smtp_server()
    yield controller, box
    controller.stop()


@pytest.fixture
def robot():
    r = RobotReceiver()
    yield r
    r.stop()


def email_channel(port: int, password: str = PASSWORD) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=port, sender="dcw <dcw@brand.example.cn>", starttls=False,
                        username=USER, password=password, timeout_seconds=5)


def outbox(cfg, where: str = "true") -> list[tuple]:
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        return con.execute(f"select event_key, channel, recipient, status, attempts, last_error "
                           f"from reminders.outbox where {where} order by 2, 3, 1").fetchall()
    finally:
        con.close()


def run(cfg, config, now=NOW, **kw):
    lines: list[str] = []
    summary = run_reminders(cfg, config=config, now=now, log=lines.append, **kw)
    return summary, lines


def test_dealer_email_names_its_missing_reports_in_chinese(cfg, smtp):
    controller, box = smtp
    run(cfg, ReminderConfig(email=email_channel(controller.port)))
    [msg] = box.to(CONTACT["D0001"])
    raw = [r for _, rcpts, _, r in box.received if CONTACT["D0001"] in rcpts][0]
    # the subject travels RFC 2047-encoded and decodes to the Chinese first, English beside
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0].lower()
    assert msg["subject"] == "【报备提醒】海口椰风商贸（D0001）：逾期未报 1，即将到期未报 1 / Reminder for dealer D0001: overdue and not received 1, due soon and not received 1"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    # its own reports only, the exact file expected and the deadline, overdue first
    assert "dealers/D0001/sales_D0001_202502_YYYYMMDDTHHMMSS.csv" in body
    assert "2025年2月月度销售流向，截止 2025-03-05 当日 24:00，已逾期 29 天" in body
    assert "dealers/D0001/inventory_D0001_20250331_YYYYMMDDTHHMMSS.csv" in body
    assert "monthly sales (sell-out) report for 2025-02, due by the end of 2025-03-05, 29 days overdue" in body
    assert body.index("逾期未报") < body.index("即将到期未报")
    assert "D0002" not in body and "202501" not in body  # received on time: no reminder
    # D0002's contact hears of its renewal; D0003 has no contact and no manager
    [msg2] = box.to(CONTACT["D0002"])
    assert "经销合同 2025-04-20 到期（30天内到期，剩余 17 天）" in msg2.get_content()
    assert {r for _, rcpts, _, _ in box.received for r in rcpts} == {CONTACT["D0001"], CONTACT["D0002"], MANAGER}


def test_manager_digest_groups_their_dealers_by_status(cfg, smtp):
    controller, box = smtp
    run(cfg, ReminderConfig(email=email_channel(controller.port)))
    [digest] = box.to(MANAGER)
    assert digest["subject"].startswith("【渠道提醒日报】2025-04-03：逾期未报 1，即将到期未报 2，30天内到期 1，新增库存偏低 1 / ")
    body = digest.get_content()
    sections = ["【报备·逾期未报】1 项", "【报备·即将到期未报】2 项", "【合同续签·30天内到期】1 项", "【库存预警（新增）·库存偏低】1 项"]
    assert [body.index(s) for s in sections] == sorted(body.index(s) for s in sections)
    assert "D0002 三亚南海贸易：2025年3月月度销售流向" in body
    assert "D0001 海口椰风商贸：SKU001 2025年3月库存偏低；请及时补货" in body
    assert "D0003" not in body  # not this manager's dealer


def test_group_robot_gets_a_signed_json_digest(cfg, robot):
    run(cfg, ReminderConfig(webhook=WebhookChannel(url=robot.url, style="dingtalk", secret=SECRET)))
    [(path, headers, raw)] = robot.requests
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    text = robot.json_bodies()[0]["text"]["content"]
    assert raw.decode("utf-8")  # UTF-8 JSON with the Chinese as is
    assert "【渠道提醒日报】2025-04-03" in text and "D0003 儋州无名：2025年2月月度销售流向" in text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["access_token"] == ["T0KEN"]
    ts = query["timestamp"][0]
    assert ts == str(int(NOW.timestamp() * 1000))
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert query["sign"] == [expected.decode()]


def test_feishu_signature_is_in_the_body(cfg, robot):
    run(cfg, ReminderConfig(webhook=WebhookChannel(url=robot.url, style="feishu", secret=SECRET)))
    [body] = robot.json_bodies()
    ts = str(int(NOW.timestamp()))
    key = f"{ts}\n{SECRET}".encode()
    assert body["timestamp"] == ts
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "逾期未报" in body["content"]["text"]


def test_each_event_goes_out_once_however_many_runs(cfg, smtp, robot):
    controller, box = smtp
    config = ReminderConfig(email=email_channel(controller.port), webhook=WebhookChannel(url=robot.url))
    first, _ = run(cfg, config)
    assert first.sent == {"email": 3, "webhook": 1}
    for hours in (1, 25, 49):
        again, _ = run(cfg, config, now=NOW + timedelta(hours=hours))
        assert again.sent == {} and again.queued == 0
    assert len(box.received) == 3 and len(robot.requests) == 1
    rows = outbox(cfg)
    # 4 reporting events + 1 renewal + 1 alert to the robot; by e-mail 2 to D0001's
    # contact, 1 + 1 to D0002's, 2 + 1 + 1 + 1 to the manager (D0003 has nobody)
    assert len(rows) == 6 + 2 + 2 + 5
    assert {(r[3], r[4]) for r in rows} == {("sent", 1)}
    # a new alert the next day is new: it alone goes out, to the manager and the robot
    con = duckdb.connect(str(cfg.warehouse))
    set_alerts(con, [("D0001", "SKU001", date(2025, 3, 1), "low"), ("D0002", "SKU002", date(2025, 3, 1), "overstock")])
    con.close()
    later, _ = run(cfg, config, now=NOW + timedelta(days=1))
    assert later.sent == {"email": 1, "webhook": 1} and later.queued == 2
    assert "三亚南海贸易：SKU002 2025年3月库存积压" in box.to(MANAGER)[-1].get_content()
    assert "SKU001" not in box.to(MANAGER)[-1].get_content()


def test_a_server_that_was_down_is_retried_on_a_later_run_with_backoff(cfg):
    port = free_port()  # nothing listens there yet
    config = ReminderConfig(email=email_channel(port), retry=RetryPolicy(first_delay_minutes=30))
    summary, lines = run(cfg, config)
    assert summary.sent == {} and summary.retrying == 3
    [line] = [x for x in lines if "failed" in x]
    assert f"cannot connect to 127.0.0.1:{port}" in line and "\n" not in line
    rows = outbox(cfg)
    assert {(r[3], r[4]) for r in rows} == {("pending", 1)}
    assert all(f"cannot connect to 127.0.0.1:{port}" in r[5] for r in rows)

    controller, box = smtp_server(port)
    try:
        early, _ = run(cfg, config, now=NOW + timedelta(minutes=10))  # before the 30-minute backoff
        assert early.sent == {} and box.received == []
        late, _ = run(cfg, config, now=NOW + timedelta(minutes=31))
        assert late.sent == {"email": 3} and len(box.received) == 3
        assert {(r[3], r[4], r[5]) for r in outbox(cfg)} == {("sent", 2, None)}
    finally:
        controller.stop()


def test_a_wrong_password_is_one_log_line_and_an_outbox_row(cfg, smtp):
    controller, box = smtp
    summary, lines = run(cfg, ReminderConfig(email=email_channel(controller.port, password="wrong"),
                                             retry=RetryPolicy(max_attempts=2)))
    failed = [x for x in lines if "failed" in x]
    assert len(failed) == 1 and "535" in failed[0] and "refused the session" in failed[0]
    assert box.received == [] and summary.retrying == 3
    assert {(r[3], r[4]) for r in outbox(cfg)} == {("pending", 1)}
    # after the last attempt the rows are given up, still without an exception
    summary, _ = run(cfg, ReminderConfig(email=email_channel(controller.port, password="wrong"),
                                         retry=RetryPolicy(max_attempts=2)), now=NOW + timedelta(days=1))
    assert summary.given_up == 3
    assert {(r[3], r[4]) for r in outbox(cfg)} == {("failed", 2)}


def test_a_robot_error_code_is_a_failure(cfg):
    robot = RobotReceiver(answer={"errcode": 310000, "errmsg": "sign not match"})
    try:
        summary, lines = run(cfg, ReminderConfig(webhook=WebhookChannel(url=robot.url, secret="x")))
    finally:
        robot.stop()
    assert summary.retrying == 1
    assert any("errcode 310000: sign not match" in x for x in lines)
    assert {r[3] for r in outbox(cfg)} == {"pending"}


def test_a_report_that_came_in_is_not_reminded_any_more(cfg):
    config = ReminderConfig(email=email_channel(free_port()))
    run(cfg, config)  # fails: pending
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("update marts.rpt_reporting_status set status = 'received_late', days_overdue = 30 "
                "where dealer_id = 'D0001' and kind = 'sales' and month = date '2025-02-01'")
    con.close()
    run(cfg, config, now=NOW + timedelta(days=1))
    assert {r[3] for r in outbox(cfg, "event_key = 'report/D0001/sales/2025-02/overdue'")} == {"obsolete"}


def test_dry_run_writes_the_messages_and_sends_nothing(cfg, smtp):
    controller, box = smtp
    summary, lines = run(cfg, ReminderConfig(email=email_channel(controller.port)), dry_run=True)
    names = sorted(p.name for p in summary.files)
    assert names == ["email-dealer-d0001@dealer.example.cn.txt", "email-dealer-d0002@dealer.example.cn.txt",
                     "email-manager-wang@brand.example.cn.txt"]
    assert "Subject: 【报备提醒】海口椰风商贸（D0001）" in summary.files[0].read_text(encoding="utf-8")
    assert box.received == []
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    assert con.execute("select count(*) from information_schema.tables where table_schema = 'reminders'").fetchone()[0] == 0
    con.close()


def test_starttls_then_login_and_the_certificate_is_checked(cfg, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller, box = smtp_server(tls_context=context)  # refuses MAIL and AUTH before STARTTLS
    try:
        channel = EmailChannel(host="127.0.0.1", port=controller.port, sender="dcw@brand.example.cn",
                               username=USER, password=PASSWORD, timeout_seconds=5)
        # the system's CAs do not know this certificate: one line, nothing sent
        summary, lines = run(cfg, ReminderConfig(email=channel))
        [line] = [x for x in lines if "failed" in x]
        assert "CERTIFICATE_VERIFY_FAILED" in line and summary.retrying == 3 and box.received == []
        trusted = EmailChannel(**{**channel.__dict__, "ca_file": str(cert)})
        summary, _ = run(cfg, ReminderConfig(email=trusted), now=NOW + timedelta(days=1))
        assert summary.sent == {"email": 3} and box.tls == [True, True, True]
    finally:
        controller.stop()


def test_an_unreachable_robot_is_one_log_line_and_an_outbox_row(cfg):
    port = free_port()
    summary, lines = run(cfg, ReminderConfig(webhook=WebhookChannel(url=f"http://127.0.0.1:{port}/send")))
    [line] = [x for x in lines if "failed" in x]
    assert f"cannot reach 127.0.0.1:{port}" in line and "ConnectionRefusedError" in line
    assert summary.retrying == 1
    assert [(r[1], r[3], r[4]) for r in outbox(cfg)][:1] == [("webhook", "pending", 1)]
    assert all(f"cannot reach 127.0.0.1:{port}" in r[5] for r in outbox(cfg))


def test_a_sender_that_breaks_part_way_marks_its_deliveries_unknown(cfg, robot, monkeypatch):
    def broken(channel, messages, now):
        raise RuntimeError("bug after some messages\nwent out")

    monkeypatch.setattr("pipelines.reminders.send_webhook", broken)
    summary, lines = run(cfg, ReminderConfig(webhook=WebhookChannel(url=robot.url)))
    [line] = [x for x in lines if "stopped" in x]
    assert "RuntimeError: bug after some messages went out" in line and "\n" not in line
    assert {r[3] for r in outbox(cfg)} == {"unknown"}  # at most once: not retried
    monkeypatch.undo()
    again, _ = run(cfg, ReminderConfig(webhook=WebhookChannel(url=robot.url)), now=NOW + timedelta(days=1))
    assert again.sent == {} and robot.requests == []

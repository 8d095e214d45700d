"""Reminders that reach people (docs/reminders.md): late and missing reports, contract
renewals and new stock alerts, from the marts, by e-mail and a group robot, each event
delivered once.

`run_reminders(cfg)` is the whole run, for `dcw remind` and the Dagster job `reminders`:
read the events (events.py), route them to recipients, queue them in the outbox
(outbox.py), build one message per recipient (messages.py) and deliver what is due
(delivery.py). A delivery problem is a log line and an outbox row, never an exception;
`dry_run` writes the messages to files and sends nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipelines.core.settings import Settings
from pipelines.reminders import outbox
from pipelines.reminders.config import ReminderConfig, load_config
from pipelines.reminders.delivery import send_email, send_webhook, signed_request
from pipelines.reminders.events import marts_as_of, read_events, route
from pipelines.reminders.messages import Message, build_messages

__all__ = ["RemindersSummary", "run_reminders", "load_config"]


@dataclass
class RemindersSummary:
    events: int = 0
    queued: int = 0
    sent: dict[str, int] = field(default_factory=dict)  # channel -> messages delivered
    retrying: int = 0  # messages to try again on a later run
    given_up: int = 0
    files: list[Path] = field(default_factory=list)  # --dry-run

    def line(self) -> str:
        if self.files:
            return f"reminders (dry run): {len(self.files)} messages written, nothing sent"
        sent = ", ".join(f"{c} {n}" for c, n in sorted(self.sent.items())) or "none"
        return (f"reminders: {self.events} events, {self.queued} new deliveries; messages sent: {sent}; "
                f"to retry: {self.retrying}; given up: {self.given_up}")


def run_reminders(cfg: Settings, dry_run: bool = False, now: datetime | None = None,
                  log: Callable[[str], None] = print, config: ReminderConfig | None = None) -> RemindersSummary:
    """One reminders run on the warehouse of `cfg`, under its lock."""
    now = now or datetime.now()
    config = config or load_config(cfg.reminders_config)
    summary = RemindersSummary()
    channels = config.channels
    if not channels:
        if not dry_run:
            log(f"reminders: no channel configured ({cfg.reminders_config} missing or empty; "
                "docs/reminders.md): nothing sent. 'dcw remind --dry-run' shows the messages")
            return summary
        channels = ("email", "webhook")  # a dry run shows what each channel would carry
    group = config.webhook.name if config.webhook else "group"
    max_lines = config.webhook.max_lines if config.webhook else 40
    with cfg.lock(log=log):
        con = cfg.connect()
        try:
            events = read_events(con)
            as_of = marts_as_of(con) or cfg.as_of
            deliveries = route(events, channels, group)
            summary.events = len(events)
            if dry_run:
                sent = outbox.known_keys(con, ("sent", "sending", "unknown", "failed"))
                pending = [d for d in deliveries if d.outbox_key not in sent]
                messages = build_messages(pending, as_of, max_lines)
                summary.files = write_dry_run(messages, cfg.reports / "reminders" / f"dry-run-{now:%Y%m%dT%H%M%S}",
                                              config, now)
                log(summary.line())
                return summary
            outbox.ensure(con)
            interrupted = outbox.recover_interrupted(con)
            if interrupted:
                log(f"reminders: {interrupted} deliveries of an interrupted run are marked unknown, not sent again")
            summary.queued = outbox.enqueue(con, deliveries, now)
            messages = build_messages(outbox.due(con, deliveries, now), as_of, max_lines)
            for channel in channels:
                _deliver(con, config, channel, [m for m in messages if m.channel == channel], now, summary, log)
        finally:
            con.close()
    log(summary.line())
    return summary


def _deliver(con, config: ReminderConfig, channel: str, messages: list[Message], now: datetime,
             summary: RemindersSummary, log: Callable[[str], None]) -> None:
    if not messages:
        return
    for m in messages:
        outbox.mark_sending(con, m.deliveries, m.subject, now)
    send = send_email if channel == "email" else send_webhook
    try:
        errors = send(getattr(config, channel), messages, now)
    except Exception as exc:  # noqa: BLE001 - a bug in a sender: some messages may be out
        reason = f"{type(exc).__name__}: {exc}"
        for m in messages:
            outbox.mark_unknown(con, m.deliveries, reason)
        log(f"reminders: {channel} delivery stopped by an error: {' '.join(reason.split())} "
            "(its deliveries are marked unknown and not sent again)")
        return
    failures: dict[tuple[str, str], int] = {}
    for m, error in zip(messages, errors):
        status = outbox.mark_outcome(con, m.deliveries, error, now, config.retry)
        if status == "sent":
            summary.sent[channel] = summary.sent.get(channel, 0) + 1
        else:
            failures[(error, status)] = failures.get((error, status), 0) + 1
            summary.retrying += status == "pending"
            summary.given_up += status == "failed"
    for (error, status), n in failures.items():  # one line per reason, not one per message
        outcome = "kept in the outbox; retried on a later run" if status == "pending" else \
            f"given up after {config.retry.max_attempts} attempts: outbox status failed"
        log(f"reminders: {channel} delivery failed for {n} message(s): {error} ({outcome})")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", text)


def write_dry_run(messages: list[Message], folder: Path, config: ReminderConfig, now: datetime) -> list[Path]:
    """Each message as a file: an e-mail as its headers and text, a robot message as the
    JSON body that would be posted (unsigned: no secret is written)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for m in messages:
        stem = f"{m.channel}-{m.audience}-{_safe(m.recipient)}"
        if m.channel == "email":
            path = folder / f"{stem}.txt"
            path.write_text(f"To: {m.recipient}\nSubject: {m.subject}\n\n{m.body}", encoding="utf-8")
        else:
            from pipelines.reminders.config import WebhookChannel

            style = config.webhook.style if config.webhook else "dingtalk"
            _, body = signed_request(WebhookChannel(url="https://robot.invalid/send", style=style),
                                     f"{m.subject}\n{m.body}", now)
            path = folder / f"{stem}.json"
            path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written

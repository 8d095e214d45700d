"""Delivery of the messages: SMTP e-mail and a group robot's webhook (docs/reminders.md).

Each sender takes the messages of its channel and returns, per message, None (delivered)
or the reason it was not, as one line. Nothing here raises for a delivery problem: a
server that is down, a refused login or a robot that answers with an error code is a
reason, recorded in the outbox and retried on a later run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pipelines.reminders.config import EmailChannel, WebhookChannel
from pipelines.reminders.messages import Message


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def email_message(m: Message, sender: str, now: datetime) -> EmailMessage:
    """A UTF-8 plain-text e-mail; the Chinese subject is RFC 2047-encoded by the policy."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = m.recipient
    msg["Subject"] = m.subject
    msg["Date"] = format_datetime(now.astimezone())
    msg["Message-ID"] = make_msgid(domain="dcw.local")
    msg.set_content(m.body, charset="utf-8")
    return msg


def send_email(channel: EmailChannel, messages: list[Message], now: datetime) -> list[str | None]:
    """Send over one SMTP session: a connection or login that fails fails every message
    with the same reason; a recipient the server refuses fails that message only."""
    if not messages:
        return []
    try:
        if channel.ssl:
            smtp = smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout_seconds,
                                    context=ssl.create_default_context(cafile=channel.ca_file))
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds)
    except (OSError, smtplib.SMTPException) as exc:
        return [f"cannot connect to {channel.where}: {one_line(exc)}"] * len(messages)
    results: list[str | None] = []
    try:
        try:
            if channel.starttls and not channel.ssl:
                smtp.starttls(context=ssl.create_default_context(cafile=channel.ca_file))
            if channel.username:
                smtp.login(channel.username, channel.password or "")
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:  # smtplib logs in in ASCII only
            return [f"{channel.where} refused the session: {one_line(exc)}"] * len(messages)
        for m in messages:
            try:
                smtp.send_message(email_message(m, channel.sender, now))
                results.append(None)
            except smtplib.SMTPServerDisconnected as exc:
                results += [f"{channel.where} disconnected: {one_line(exc)}"] * (len(messages) - len(results))
                break
            except (OSError, smtplib.SMTPException) as exc:
                results.append(f"{channel.where} refused the message: {one_line(exc)}")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return results


def signed_request(channel: WebhookChannel, text: str, now: datetime) -> tuple[str, dict]:
    """The robot's address and JSON body for `text`, signed with the channel's secret the
    way its service checks it: DingTalk signs `timestamp\\nsecret` with the secret as key
    (milliseconds, in the query); Feishu uses `timestamp\\nsecret` as the key of an empty
    message (seconds, in the body); WeCom's robots are not signed."""
    url = channel.url
    if channel.style == "feishu":
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if channel.secret:
            ts = str(int(now.timestamp()))
            key = f"{ts}\n{channel.secret}".encode()
            body = {"timestamp": ts, "sign": base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode(),
                    **body}
        return url, body
    body = {"msgtype": "text", "text": {"content": text}}
    if channel.style == "dingtalk" and channel.secret:
        ts = str(int(now.timestamp() * 1000))
        digest = hmac.new(channel.secret.encode(), f"{ts}\n{channel.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign}"
    return url, body


def send_webhook(channel: WebhookChannel, messages: list[Message], now: datetime) -> list[str | None]:
    results: list[str | None] = []
    for m in messages:
        url, body = signed_request(channel, f"{m.subject}\n{m.body}", now)
        request = urllib.request.Request(
            url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"})
        host = urllib.parse.urlsplit(channel.url).netloc
        try:
            with urllib.request.urlopen(request, timeout=channel.timeout_seconds) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            results.append(f"{host} answered HTTP {exc.code}")
            continue
        except OSError as exc:  # down or unreachable: the others would fail the same way
            reason = f"cannot reach {host}: {one_line(getattr(exc, 'reason', exc))}"
            results += [reason] * (len(messages) - len(results))
            break
        results.append(_robot_error(answer, host))
    return results


def _robot_error(answer: bytes, host: str) -> str | None:
    """The robots answer HTTP 200 with an error code in the JSON: errcode (DingTalk, WeCom),
    code or StatusCode (Feishu); 0 is success."""
    try:
        doc = json.loads(answer or b"{}")
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        if doc.get(key) not in (None, 0):
            return f"{host} answered {key} {doc[key]}: {doc.get('errmsg') or doc.get('msg') or ''}".strip()
    return None

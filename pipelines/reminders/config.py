"""The reminders' delivery configuration: one TOML file (docs/reminders.md), named by the
setting `reminders` (DCW_REMINDERS; default reminders.toml beside the warehouse file).

Secrets are not written in the file: it names the environment variables that hold them
(`password_env`, `secret_env`, `url_env`), read when the file is loaded. A file that is
missing configures no channel; a file that is wrong is one readable line (UserError).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.errors import UserError

WEBHOOK_STYLES = ("dingtalk", "feishu", "wecom")


@dataclass(frozen=True)
class EmailChannel:
    host: str
    sender: str
    port: int = 587
    starttls: bool = True  # upgrade the connection before logging in (RFC 3207)
    ssl: bool = False  # implicit TLS from the first byte (port 465), instead of STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 20.0
    ca_file: str | None = None  # a private CA to check the server's certificate against (default: the system's)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class WebhookChannel:
    url: str = field(repr=False)  # the robot's address carries its access token
    style: str = "dingtalk"
    secret: str | None = field(default=None, repr=False)  # the robot's signing secret (加签)
    name: str = "group"  # the recipient as the outbox records it
    timeout_seconds: float = 10.0
    max_lines: int = 40  # robots refuse long messages: the rest is counted, not listed


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay_minutes: float = 30.0
    max_delay_hours: float = 24.0


@dataclass(frozen=True)
class ReminderConfig:
    email: EmailChannel | None = None
    webhook: WebhookChannel | None = None
    retry: RetryPolicy = RetryPolicy()
    source: Path | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(name for name in ("email", "webhook") if getattr(self, name) is not None)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> ReminderConfig:
    """The configuration in `path` (none configured when the file does not exist), secrets
    from `environ` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    if not path.exists():
        return ReminderConfig(source=None)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"reminders configuration {path}: not valid TOML ({exc})") from None
    _only(doc, {"email", "webhook", "retry"}, f"{path}")
    email = webhook = None
    if "email" in doc:
        sec = dict(doc["email"])
        _only(sec, {"host", "port", "sender", "starttls", "ssl", "username", "password_env",
                    "timeout_seconds", "ca_file"}, f"{path} [email]")
        for key in ("host", "sender"):
            if not sec.get(key):
                raise UserError(f"reminders configuration {path} [email]: '{key}' is required")
        password = _secret(sec.pop("password_env", None), env, path, "email")
        if sec.get("username") and password is None:
            raise UserError(f"reminders configuration {path} [email]: 'username' needs 'password_env'")
        ssl = bool(sec.get("ssl", False))
        email = EmailChannel(**{**sec, "port": int(sec.get("port", 465 if ssl else 587)),
                                "starttls": bool(sec.get("starttls", not ssl))}, password=password)
    if "webhook" in doc:
        sec = dict(doc["webhook"])
        _only(sec, {"url", "url_env", "style", "secret_env", "name", "timeout_seconds", "max_lines"},
              f"{path} [webhook]")
        url = sec.pop("url", None) or _secret(sec.pop("url_env", None), env, path, "webhook")
        sec.pop("url_env", None)
        if not url:
            raise UserError(f"reminders configuration {path} [webhook]: 'url' or 'url_env' is required")
        if sec.get("style", "dingtalk") not in WEBHOOK_STYLES:
            raise UserError(f"reminders configuration {path} [webhook]: style must be one of "
                            f"{', '.join(WEBHOOK_STYLES)}, got {sec['style']!r}")
        secret = _secret(sec.pop("secret_env", None), env, path, "webhook")
        webhook = WebhookChannel(url=url, secret=secret, **sec)
    retry = RetryPolicy()
    if "retry" in doc:
        _only(doc["retry"], {"max_attempts", "first_delay_minutes", "max_delay_hours"}, f"{path} [retry]")
        retry = RetryPolicy(**doc["retry"])
    return ReminderConfig(email=email, webhook=webhook, retry=retry, source=path)


def _only(section: Mapping, allowed: set[str], where: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise UserError(f"reminders configuration {where}: unknown key(s) {', '.join(unknown)} "
                        f"(allowed: {', '.join(sorted(allowed))})")


def _secret(name: str | None, env: Mapping[str, str], path: Path, section: str) -> str | None:
    if name is None:
        return None
    if not env.get(name):
        raise UserError(f"reminders configuration {path} [{section}]: environment variable {name} is not set")
    return env[name]

"""Real servers on the loopback address for the delivery tests: an SMTP server (aiosmtpd)
that keeps every message it accepts, and an HTTP receiver (http.server in a thread) that
keeps every request and answers like a group robot. Both are ready when started: the
SMTP controller waits for the server's greeting, the HTTP socket is bound before its thread
starts, so no test waits with sleeps."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "dcw", "s3cret-pass"


def free_port() -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server accepted: (envelope sender, recipients, parsed message)."""

    received: list = field(default_factory=list)
    tls: list = field(default_factory=list)  # per message: did it come over TLS

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg, envelope.original_content))
        self.tls.append(session.ssl is not None)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for _, rcpts, m, _ in self.received if address in rcpts]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def smtp_server(port: int | None = None, tls_context=None) -> tuple[Controller, Mailbox]:
    """A started SMTP server on 127.0.0.1 that checks a login as USER / PASSWORD: over
    plain SMTP, or, given `tls_context`, only after STARTTLS."""
    box = Mailbox()
    tls = dict(tls_context=tls_context, require_starttls=True, auth_require_tls=True) if tls_context \
        else dict(auth_require_tls=False)
    controller = Controller(box, hostname="127.0.0.1", port=port or free_port(),
                            authenticator=_authenticator, **tls)
    controller.start()
    return controller, box


class RobotReceiver:
    """An HTTP server on 127.0.0.1 answering every POST with `answer` (JSON)."""

    def __init__(self, answer: dict | None = None):
        self.requests: list[tuple[str, dict, bytes]] = []
        self.answer = answer or {"errcode": 0, "errmsg": "ok"}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                data = json.dumps(receiver.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token=T0KEN"

    def json_bodies(self) -> list[dict]:
        return [json.loads(b.decode("utf-8")) for _, _, b in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key (PEM files in `folder`)."""
    import ipaddress
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path

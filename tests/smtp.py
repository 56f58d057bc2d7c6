"""A real SMTP server for tests of e-mail: aiosmtpd on a free port of 127.0.0.1, with Django's SMTP
backend pointed at it, so messages go through smtplib, the wire and a server as in production.

Use it as a pytest plugin (``pytest_plugins = ["tests.smtp"]``) for the ``smtp_server`` fixture.
It collects every message it accepts; ``refuse_next`` makes it answer the next so many messages
with a temporary failure (451), or with ``refusal`` when set, as a relay having trouble would.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO: a failing test's output would be mostly that.
logging.getLogger("mail.log").setLevel(logging.WARNING)

TEMPORARY_FAILURE = "451 4.3.0 Mail server temporarily unavailable, try again later"


@dataclass
class Received:
    """One message as the server took it: the envelope and the parsed message."""

    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """The plain-text part, with the wire's CRLF line ends read as newlines."""
        return self._part("plain")

    def html(self) -> str:
        return self._part("html")

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        content = part.get_content() if part is not None else ""  # type: ignore[union-attr]
        return str(content).replace("\r\n", "\n")


@dataclass
class Mailbox:
    """The server's handler: what it accepted, and how many it should refuse next."""

    received: list[Received] = field(default_factory=list)
    refused: int = 0
    refuse_next: int = 0
    refusal: str = TEMPORARY_FAILURE
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            if self.refuse_next:
                self.refuse_next -= 1
                self.refused += 1
                return self.refusal
            parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if address in item.envelope_to]

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Received]:
        """The messages, once at least ``count`` have arrived (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        with self._lock:
            return list(self.received)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """An SMTP server for this test, and the settings that send Django's e-mail to it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = False, False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield mailbox
    finally:
        controller.stop()

"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and web-form helpers."""

from __future__ import annotations

import email
import re
import socket
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LINK = re.compile(r"http://hub\.test(/registrations/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.controller: Controller | None = None
        self.port = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def start(self, host: str) -> int:
        """Listen on a free port of `host`; return the port."""
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        self.controller = Controller(self, hostname=host, port=port)
        self.controller.start()
        self.port = port
        return port

    def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages for one recipient, oldest first."""
        return [message for message in self.messages if message["To"] == address]


def body(message: EmailMessage) -> str:
    """The plain-text body."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def private_link(message: EmailMessage) -> str:
    """The path of the registration link in a mail."""
    found = LINK.search(body(message))
    assert found is not None, body(message)
    return found.group(1)


async def csrf_of(client: Any, path: str) -> str:
    """Open a page with a form (which sets the cookie) and return its CSRF token."""
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status == 200, await response.text()
    found = CSRF.search(await response.text())
    assert found is not None
    return found.group(1)

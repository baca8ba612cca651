"""Mail to people without an account: queued in the caller's transaction, sent by the worker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.config import Settings
from hub.store.db import Database
from hub.store.models import OutgoingMail
from hub.store.types import utcnow

log = logging.getLogger(__name__)
BATCH = 20
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 30.0


def queue_mail(session: AsyncSession, recipient: str, subject: str, body: str) -> None:
    """Add a mail to the outbox; it leaves only if the caller's transaction commits."""
    session.add(OutgoingMail(recipient=recipient, subject=subject, body=body))


async def send_due(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Send queued mails (or log them when no SMTP host is set); how many were handled."""
    now = now or utcnow()
    async with db.begin() as session:
        query = (
            select(OutgoingMail)
            .where(OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.id)
            .limit(BATCH)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        mails = list((await session.execute(query)).scalars())
        # Leased: another worker skips them while this one talks to the mail server.
        for mail in mails:
            mail.next_attempt_at = now + LEASE
    for mail in mails:
        error = await _send(settings, mail)
        async with db.begin() as session:
            await _settle(session, mail, error, now)
    return len(mails)


async def _send(settings: Settings, mail: OutgoingMail) -> str | None:
    if not settings.smtp_host:
        log.info("no SMTP configured; mail to %s: %s\n%s", mail.recipient, mail.subject, mail.body)
        return None
    try:
        await aiosmtplib.send(
            message(settings, mail),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            start_tls=None,  # STARTTLS when the server offers it
            timeout=TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        log.warning("mail to %s failed: %s", mail.recipient, error)
        return str(error)[:500] or type(error).__name__
    return None


async def _settle(
    session: AsyncSession, mail: OutgoingMail, error: str | None, now: datetime
) -> None:
    # Sent (or given up) mails are deleted: their bodies hold private links.
    if error is None or mail.attempts + 1 >= MAX_ATTEMPTS:
        await session.execute(delete(OutgoingMail).where(OutgoingMail.id == mail.id))
        return
    retry = now + timedelta(minutes=2 ** (mail.attempts + 1))
    await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id)
        .values(attempts=mail.attempts + 1, last_error=error, next_attempt_at=retry)
    )


def message(settings: Settings, mail: OutgoingMail) -> EmailMessage:
    """The mail as a plain-text UTF-8 message."""
    sender = settings.smtp_from or f"noreply@{settings.hostname}"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(mail.body)
    return msg

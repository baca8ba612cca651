"""Password reset by email: a person asks on the login page, the outbox mails a one-time link."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from hub import accounts
from hub.accounts import AccountError
from hub.config import Settings
from hub.mail import queue_mail
from hub.uris import Uris

log = logging.getLogger(__name__)
SUBJECT = "Neues Passwort / New password"
BODY = """Hallo,

für diese Adresse wurde ein neues Passwort bei {network} angefordert. Dieser Link gilt
einmal und zwei Tage lang:

{link}

Wenn du das nicht warst, lass diese Mail einfach liegen: dein Passwort bleibt, wie es ist.

---

Hello,

a new password for this address was requested at {network}. This link works once, for two
days:

{link}

If this was not you, ignore this mail: your password stays as it is.
"""


async def request_reset(session: AsyncSession, settings: Settings, email: str) -> bool:
    """Queue a mail with a fresh reset link if the email belongs to a person and SMTP is set.

    Returns whether a mail was queued; callers must not show it, so that nobody learns which
    addresses have accounts.
    """
    if not settings.smtp_host:
        log.info("password reset asked on the web, but no SMTP is set; use `hub person reset`")
        return False
    try:
        link = await accounts.reset_link(session, email)
    except AccountError:
        return False
    assert link.email is not None
    body = BODY.format(network=settings.network_name, link=Uris(settings).password_link(link.token))
    queue_mail(session, link.email, SUBJECT, body)
    return True

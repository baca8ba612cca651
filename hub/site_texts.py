"""Texts of the site that managers edit (the about page), one per language, in Markdown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.moderation import ModerationError, audit
from hub.store.models import SiteText
from hub.store.types import utcnow

ABOUT = "about"
MAX_CHARS = 20_000


async def text_of(session: AsyncSession, name: str, language: str) -> str | None:
    """The stored text, or None while nobody has edited it (the page then shows its default)."""
    query = select(SiteText.body).where(SiteText.name == name, SiteText.language == language)
    return (await session.execute(query)).scalar_one_or_none()


async def save_text(
    session: AsyncSession, name: str, language: str, body: str, by: str
) -> SiteText:
    """Store a manager's text (an empty one is refused) and note the change in the audit log."""
    body = body.strip()
    if not body:
        raise ModerationError(f"the text in {language} must not be empty")
    if len(body) > MAX_CHARS:
        raise ModerationError(f"the text in {language} is longer than {MAX_CHARS} characters")
    query = select(SiteText).where(SiteText.name == name, SiteText.language == language)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        row = SiteText(name=name, language=language, body=body)
        session.add(row)
    row.body, row.updated_by, row.updated_at = body, by, utcnow()
    await audit.record(session, by, f"{name}.edit", language, private=True)
    return row

"""The member directory: live coops filtered by sector, region and legal form, and searched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.store.models import ActorKind, LocalActor

MAX_SEARCH = 100
MAX_MEMBERS = 500


@dataclass(frozen=True)
class DirectoryQuery:
    """What a visitor filters by; empty strings mean 'any'."""

    text: str = ""
    sector: str = ""
    region: str = ""
    legal_form: str = ""

    def cleaned(self) -> DirectoryQuery:
        """The same query with whitespace folded and the search cut to 100 characters."""
        return DirectoryQuery(*(" ".join(value.split())[:MAX_SEARCH] for value in self.values()))

    def values(self) -> tuple[str, str, str, str]:
        """The four values in field order."""
        return (self.text, self.sector, self.region, self.legal_form)


@dataclass(frozen=True)
class Facets:
    """The values the filters offer: every sector, region and legal form in use."""

    sectors: list[str]
    regions: list[str]
    legal_forms: list[str]


def _live_coops() -> list[ColumnElement[bool]]:
    return [LocalActor.kind == ActorKind.coop, LocalActor.deleted_at.is_(None)]


async def search_members(session: AsyncSession, query: DirectoryQuery) -> Sequence[LocalActor]:
    """Live coops that match every filter and whose name, handle or summary holds the text."""
    query = query.cleaned()
    statement = select(LocalActor).where(*_live_coops())
    for column, value in (
        (LocalActor.sector, query.sector),
        (LocalActor.region, query.region),
        (LocalActor.legal_form, query.legal_form),
    ):
        if value:
            statement = statement.where(column == value)
    if query.text:
        statement = statement.where(
            or_(
                LocalActor.name.icontains(query.text, autoescape=True),
                LocalActor.username.icontains(query.text, autoescape=True),
                LocalActor.summary.icontains(query.text, autoescape=True),
            )
        )
    statement = statement.order_by(func.lower(LocalActor.name), LocalActor.id).limit(MAX_MEMBERS)
    return (await session.execute(statement)).scalars().all()


async def facets(session: AsyncSession) -> Facets:
    """The distinct directory values of live coops, sorted the same on every backend."""
    return Facets(
        await _distinct(session, LocalActor.sector),
        await _distinct(session, LocalActor.region),
        await _distinct(session, LocalActor.legal_form),
    )


async def _distinct(session: AsyncSession, column: InstrumentedAttribute[str | None]) -> list[str]:
    statement = select(column).where(*_live_coops(), column.is_not(None)).distinct()
    values = (await session.execute(statement)).scalars().all()
    return sorted((str(value) for value in values), key=lambda value: (value.casefold(), value))

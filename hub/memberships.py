"""Who manages which coop, and with what role."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.accounts import AccountError
from hub.store.models import ActorKind, LocalActor, Membership, Person, Role


async def grant(session: AsyncSession, person: Person, coop: LocalActor, role: Role) -> Membership:
    """Let a person manage a coop with a role (changing the role if they already do)."""
    found = await membership(session, person, coop)
    if found is None:
        found = Membership(person_id=person.id, local_actor_id=coop.id, role=role)
        session.add(found)
    found.role = role
    await session.flush()
    return found


async def revoke(session: AsyncSession, person: Person, coop: LocalActor) -> None:
    """Take a coop away from a person; AccountError when they did not manage it."""
    result = await session.execute(
        delete(Membership).where(
            Membership.person_id == person.id, Membership.local_actor_id == coop.id
        )
    )
    if not getattr(result, "rowcount", 0):
        raise AccountError(f"{person.email} does not manage {coop.username}")


async def membership(session: AsyncSession, person: Person, coop: LocalActor) -> Membership | None:
    """The person's membership in a coop, if any."""
    query = select(Membership).where(
        Membership.person_id == person.id, Membership.local_actor_id == coop.id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def coops_of(session: AsyncSession, person_id: int) -> Sequence[LocalActor]:
    """The live coops a person manages, by username."""
    query = (
        select(LocalActor)
        .join(Membership, Membership.local_actor_id == LocalActor.id)
        .where(
            Membership.person_id == person_id,
            LocalActor.kind == ActorKind.coop,
            LocalActor.deleted_at.is_(None),
        )
        .order_by(LocalActor.username)
    )
    return (await session.execute(query)).scalars().all()


async def managed_coop(
    session: AsyncSession, person_id: int, username: str
) -> tuple[LocalActor, Role] | None:
    """The live coop of that username and the person's role in it, if they manage it."""
    query = (
        select(LocalActor, Membership.role)
        .join(Membership, Membership.local_actor_id == LocalActor.id)
        .where(
            Membership.person_id == person_id,
            LocalActor.username == username.strip().lower(),
            LocalActor.kind == ActorKind.coop,
            LocalActor.deleted_at.is_(None),
        )
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None

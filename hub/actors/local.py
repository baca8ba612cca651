"""Local actors: create, change and delete member coops; the network and instance actors."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors.keys import KeyMaterial, generate_keys
from hub.actors.validation import CoopDraft, InvalidInput, check_username
from hub.config import Settings
from hub.store.models import ActorKind, LocalActor
from hub.store.types import utcnow

INSTANCE_USERNAME = "instance.actor"  # has a dot, so no coop can ever take it


class NotFound(Exception):
    """No live local actor has that username."""


async def create_coop(
    session: AsyncSession,
    settings: Settings,
    username: str,
    draft: CoopDraft,
    keys: KeyMaterial | None = None,
) -> LocalActor:
    """Create a member coop with fresh keys (or given ones, made elsewhere in parallel)."""
    username = check_username(username, settings.network_username)
    if draft.name is None:
        raise InvalidInput("a coop needs a name")
    if await _username_taken(session, username):
        raise InvalidInput(f"username {username!r} is already taken")
    actor = _new_actor(ActorKind.coop, username, draft.name, keys)
    apply_draft(actor, draft)
    session.add(actor)
    await session.flush()
    return actor


def apply_draft(actor: LocalActor, draft: CoopDraft) -> None:
    """Copy the values a draft sets onto an actor."""
    if draft.name is not None:
        actor.name = draft.name
    if draft.summary is not None:
        actor.summary = draft.summary
    if draft.website is not None:
        actor.website = draft.website or None
    if draft.fields is not None:
        actor.fields = [list(pair) for pair in draft.fields]
    if draft.manually_approves_followers is not None:
        actor.manually_approves_followers = draft.manually_approves_followers
    for name in ("sector", "region", "legal_form"):
        value = getattr(draft, name)
        if value is not None:
            setattr(actor, name, value or None)


async def update_coop(session: AsyncSession, username: str, draft: CoopDraft) -> LocalActor:
    """Change a coop's profile."""
    actor = await get_coop(session, username)
    apply_draft(actor, draft)
    actor.updated_at = utcnow()
    await session.flush()
    return actor


async def delete_coop(session: AsyncSession, username: str) -> LocalActor:
    """Mark a coop deleted: its URLs answer 410 Gone, its username stays taken."""
    actor = await get_coop(session, username)
    actor.deleted_at = utcnow()
    await session.flush()
    return actor


async def get_coop(session: AsyncSession, username: str) -> LocalActor:
    """A live coop by username (any case), or NotFound."""
    actor = await find_actor(session, username)
    if actor is None or actor.kind != ActorKind.coop or actor.deleted_at is not None:
        raise NotFound(f"no coop with the username {username.strip().lower()!r}")
    return actor


async def find_actor(session: AsyncSession, username: str) -> LocalActor | None:
    """Any local actor by username (any case), deleted ones included."""
    query = select(LocalActor).where(LocalActor.username == username.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def list_coops(session: AsyncSession) -> Sequence[LocalActor]:
    """Every live coop, by username."""
    query = (
        select(LocalActor)
        .where(LocalActor.kind == ActorKind.coop, LocalActor.deleted_at.is_(None))
        .order_by(LocalActor.username)
    )
    return (await session.execute(query)).scalars().all()


async def count_coops(session: AsyncSession) -> int:
    """How many live coops there are."""
    query = select(func.count()).where(
        LocalActor.kind == ActorKind.coop, LocalActor.deleted_at.is_(None)
    )
    return int((await session.execute(query)).scalar_one())


async def ensure_builtin_actors(session: AsyncSession, settings: Settings) -> None:
    """Create the network Group and the instance actor if they do not exist yet."""
    await _ensure(session, ActorKind.network, settings.network_username, settings.network_name)
    await _ensure(session, ActorKind.instance, INSTANCE_USERNAME, settings.hostname)


async def instance_actor(session: AsyncSession) -> LocalActor:
    """The instance actor (created on start)."""
    query = select(LocalActor).where(LocalActor.kind == ActorKind.instance)
    return (await session.execute(query)).scalar_one()


async def _ensure(session: AsyncSession, kind: ActorKind, username: str, name: str) -> None:
    existing = (
        await session.execute(select(LocalActor).where(LocalActor.kind == kind))
    ).scalar_one_or_none()
    if existing is None:
        if await _username_taken(session, username):
            raise InvalidInput(f"the network username {username!r} is taken by a coop")
        session.add(_new_actor(kind, username, name))
        await session.flush()
    elif existing.username != username and kind == ActorKind.network:
        if await _username_taken(session, username):
            raise InvalidInput(f"the network username {username!r} is taken by a coop")
        existing.username = username


async def _username_taken(session: AsyncSession, username: str) -> bool:
    query = select(LocalActor.id).where(LocalActor.username == username)
    return (await session.execute(query)).first() is not None


def _new_actor(
    kind: ActorKind, username: str, name: str, keys: KeyMaterial | None = None
) -> LocalActor:
    keys = keys or generate_keys()
    return LocalActor(
        kind=kind,
        username=username,
        name=name,
        summary="",
        fields=[],
        manually_approves_followers=kind == ActorKind.instance,
        discoverable=True,
        indexable=kind != ActorKind.instance,
        rsa_public_pem=keys.rsa_public_pem,
        rsa_private_pem=keys.rsa_private_pem,
        ed25519_private_multibase=keys.ed25519_private_multibase,
    )

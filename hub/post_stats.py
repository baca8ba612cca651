"""What a status entity counts: replies, boosts and favourites, and what the viewer did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import CoopInteraction, Interaction, InteractionKind, LocalActor, RemoteNote
from hub.timeline import shown_replies


@dataclass(frozen=True)
class Stats:
    """Counts of one post (remote and our coops' likes and boosts) and the viewer's own."""

    replies: int = 0
    reblogs: int = 0
    favourites: int = 0
    favourited: bool = False
    reblogged: bool = False


async def stats(
    session: AsyncSession, post_ids: Sequence[int], viewer: LocalActor | None
) -> dict[int, Stats]:
    """Stats of each post, in three grouped queries (one page of a timeline at a time)."""
    if not post_ids:
        return {}
    ids = list(post_ids)
    counts: dict[tuple[int | None, str], int] = {}
    remote = (
        select(Interaction.post_id, Interaction.kind, func.count())
        .where(Interaction.post_id.in_(ids))
        .group_by(Interaction.post_id, Interaction.kind)
    )
    ours = (
        select(CoopInteraction.post_id, CoopInteraction.kind, func.count())
        .where(CoopInteraction.post_id.in_(ids))
        .group_by(CoopInteraction.post_id, CoopInteraction.kind)
    )
    for query in (remote, ours):
        for post_id, kind, number in (await session.execute(query)).all():
            counts[(post_id, kind)] = counts.get((post_id, kind), 0) + number
    replies_query = (
        select(RemoteNote.in_reply_to_post_id, func.count())
        .where(RemoteNote.in_reply_to_post_id.in_(ids), *shown_replies())
        .group_by(RemoteNote.in_reply_to_post_id)
    )
    replies = dict((await session.execute(replies_query)).all())
    done: set[tuple[int | None, InteractionKind]] = set()
    if viewer is not None:
        mine = select(CoopInteraction.post_id, CoopInteraction.kind).where(
            CoopInteraction.post_id.in_(ids), CoopInteraction.local_actor_id == viewer.id
        )
        done = set((await session.execute(mine)).all())
    return {
        post_id: Stats(
            replies=replies.get(post_id, 0),
            reblogs=counts.get((post_id, InteractionKind.announce), 0),
            favourites=counts.get((post_id, InteractionKind.like), 0),
            favourited=(post_id, InteractionKind.like) in done,
            reblogged=(post_id, InteractionKind.announce) in done,
        )
        for post_id in ids
    }

"""What a status entity counts: replies, boosts and favourites, and what the viewer did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import (
    CoopInteraction,
    Interaction,
    InteractionKind,
    LocalActor,
    Post,
    RemoteNote,
)
from hub.timeline import shown_replies

REPLIES = "replies"
MINE = "mine:"


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
    """Stats of each post, in one query (one page of a timeline at a time)."""
    if not post_ids:
        return {}
    ids = list(post_ids)
    # One round trip for the whole page: (post, what, number) rows of every count and flag.
    parts = [
        select(Interaction.post_id, cast(Interaction.kind, String), func.count())
        .where(Interaction.post_id.in_(ids))
        .group_by(Interaction.post_id, Interaction.kind),
        select(CoopInteraction.post_id, cast(CoopInteraction.kind, String), func.count())
        .where(CoopInteraction.post_id.in_(ids))
        .group_by(CoopInteraction.post_id, CoopInteraction.kind),
        select(RemoteNote.in_reply_to_post_id, literal(REPLIES, String), func.count())
        .where(RemoteNote.in_reply_to_post_id.in_(ids), *shown_replies())
        .group_by(RemoteNote.in_reply_to_post_id),
    ]
    if viewer is not None:
        parts.append(
            select(
                CoopInteraction.post_id,
                literal(MINE, String) + cast(CoopInteraction.kind, String),
                literal(1),
            ).where(CoopInteraction.post_id.in_(ids), CoopInteraction.local_actor_id == viewer.id)
        )
    counts: dict[tuple[int | None, str], int] = {}
    for post_id, what, number in (await session.execute(union_all(*parts))).all():
        counts[(post_id, what)] = counts.get((post_id, what), 0) + number
    return {
        post_id: Stats(
            replies=counts.get((post_id, REPLIES), 0),
            reblogs=counts.get((post_id, InteractionKind.announce.value), 0),
            favourites=counts.get((post_id, InteractionKind.like.value), 0),
            favourited=(post_id, MINE + InteractionKind.like.value) in counts,
            reblogged=(post_id, MINE + InteractionKind.announce.value) in counts,
        )
        for post_id in ids
    }


def columns(viewer: bool) -> list[ColumnElement[Any]]:
    """The stats of the `Post` of a query as correlated subqueries: a page in one statement.

    With `viewer`, the viewer's own favourite and boost too, for the bound `viewer_id`.
    """

    def counted(model: type[Interaction] | type[CoopInteraction], kind: InteractionKind) -> Any:
        query = select(func.count()).where(model.post_id == Post.id, model.kind == kind)
        return query.correlate(Post).scalar_subquery()

    replies = (
        select(func.count())
        .where(RemoteNote.in_reply_to_post_id == Post.id, *shown_replies())
        .correlate(Post)
        .scalar_subquery()
    )
    found: list[ColumnElement[Any]] = [
        replies,
        counted(Interaction, InteractionKind.announce)
        + counted(CoopInteraction, InteractionKind.announce),
        counted(Interaction, InteractionKind.like) + counted(CoopInteraction, InteractionKind.like),
    ]
    if viewer:
        for kind in (InteractionKind.like, InteractionKind.announce):
            mine = exists().where(
                CoopInteraction.post_id == Post.id,
                CoopInteraction.local_actor_id == bindparam("viewer_id"),
                CoopInteraction.kind == kind,
            )
            found.append(mine.correlate(Post))
    return found


def from_columns(values: Sequence[Any]) -> Stats:
    """The Stats of one row's `columns` values."""
    replies, reblogs, favourites, *mine = values
    favourited, reblogged = (bool(mine[0]), bool(mine[1])) if mine else (False, False)
    return Stats(int(replies), int(reblogs), int(favourites), favourited, reblogged)

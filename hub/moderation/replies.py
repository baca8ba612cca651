"""Reply moderation: per coop and per post, replies from the fediverse shown, held or closed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors.local import find_actor
from hub.moderation import ModerationError, audit
from hub.store.models import LocalActor, Post, RemoteNote

POLICIES = ("open", "approval", "closed")
STATE_FOR = {"open": "shown", "approval": "held"}


def check_policy(policy: str) -> str:
    """A reply policy (open, approval, closed), or ModerationError."""
    if policy not in POLICIES:
        raise ModerationError(f"the reply setting must be one of {', '.join(POLICIES)}")
    return policy


async def policy_for(session: AsyncSession, post: Post) -> str:
    """The post's own setting, else its coop's."""
    if post.replies is not None:
        return post.replies
    owner = await session.get(LocalActor, post.local_actor_id)
    return owner.replies if owner is not None else "open"


async def set_coop_policy(
    session: AsyncSession, username: str, policy: str, moderator: str
) -> LocalActor:
    """Set how replies to a coop's posts are treated."""
    coop = await find_actor(session, username)
    if coop is None or coop.deleted_at is not None:
        raise ModerationError(f"no coop with the username {username!r}")
    coop.replies = check_policy(policy)
    await audit.record(session, moderator, f"replies.{policy}", coop.username)
    return coop


async def set_post_policy(
    session: AsyncSession, username: str, post_id: int, policy: str | None, moderator: str
) -> Post:
    """Set (or, with None, clear) how replies to one post of a coop are treated."""
    coop = await find_actor(session, username)
    post = await session.get(Post, post_id)
    if (
        coop is None
        or post is None
        or post.deleted_at is not None
        or post.local_actor_id != coop.id
    ):
        raise ModerationError(f"no post {post_id} of {username.strip().lower()!r}")
    post.replies = None if policy is None else check_policy(policy)
    await audit.record(session, moderator, f"replies.{policy or 'inherit'}", f"post {post_id}")
    return post


async def held_replies(session: AsyncSession, coop: LocalActor) -> list[RemoteNote]:
    """Replies to the coop's posts that wait for approval, oldest first."""
    query = (
        select(RemoteNote)
        .join(Post, Post.id == RemoteNote.in_reply_to_post_id)
        .where(Post.local_actor_id == coop.id, RemoteNote.state == "held")
        .order_by(RemoteNote.id)
    )
    return list((await session.execute(query)).scalars())


async def decide(session: AsyncSession, note_id: int, approve: bool, moderator: str) -> RemoteNote:
    """Approve (show) or reject a held reply."""
    note = await session.get(RemoteNote, note_id)
    if note is None or note.state != "held":
        raise ModerationError(f"no held reply with the id {note_id}")
    note.state = "shown" if approve else "rejected"
    await audit.record(session, moderator, "reply.approve" if approve else "reply.reject", note.uri)
    return note

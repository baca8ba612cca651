"""A coop edits its profile from an app: the followers' servers receive an Update{actor}."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import PUBLIC
from hub.actors.documents import actor_json
from hub.actors.local import apply_draft
from hub.actors.validation import CoopDraft
from hub.delivery import enqueue, follower_inboxes
from hub.store.models import LocalActor
from hub.store.types import utcnow
from hub.uris import Uris


async def update_profile(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    draft: CoopDraft,
    images: dict[str, str] | None = None,
) -> LocalActor:
    """Apply a profile draft (and new `avatar`/`header` files); followers get an Update."""
    apply_draft(coop, draft)
    images = images or {}
    coop.avatar_file = images.get("avatar", coop.avatar_file)
    coop.header_file = images.get("header", coop.header_file)
    coop.updated_at = utcnow()
    await session.flush()
    document = dict(actor_json(coop, uris))
    context = document.pop("@context")
    actor = uris.actor(coop.username)
    stamp = int(coop.updated_at.timestamp() * 1000)
    activity: dict[str, object] = {
        "@context": context,
        "id": f"{actor}#updates/{stamp}",
        "type": "Update",
        "actor": actor,
        "to": [PUBLIC],
        "cc": [uris.actor_urls(coop.username).followers],
        "object": document,
    }
    await enqueue(session, coop, activity, await follower_inboxes(session, coop))
    return coop

"""Small builders for test data, written through the hub's own services."""

from __future__ import annotations

from hub.actors.local import create_coop
from hub.actors.validation import CoopDraft
from hub.config import Settings
from hub.store.db import Database
from hub.store.models import LocalActor

ACTIVITY_JSON = "application/activity+json"
AP_ACCEPT = {"Accept": ACTIVITY_JSON}
BROWSER_ACCEPT = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


async def make_coop(
    db: Database, settings: Settings, username: str, **values: object
) -> LocalActor:
    """Create a coop with a name and optional profile values."""
    draft = CoopDraft(name=str(values.pop("name", username.title())), **values)  # type: ignore[arg-type]
    async with db.begin() as session:
        return await create_coop(session, settings, username, draft)

"""Followers-only and direct posts are served only to signed requests of those allowed."""

from __future__ import annotations

from typing import Any

from hub import posts, worker
from hub.activitypub.signatures import sign_get
from hub.actors.local import get_coop
from hub.federation import Federation
from hub.posts import Draft, MentionTarget
from hub.store.db import Database
from hub.store.models import Visibility
from hub.uris import Uris
from tests.fakeremote import FakeRemote, keypair
from tests.helpers import ACTIVITY_JSON, make_coop

COOP = "http://hub.test/users/fairbnb"


async def _follow(client: Any, remote: FakeRemote, user: str) -> None:
    url = f"{COOP}/inbox"
    follow = {
        "id": f"{remote.actor(user)}#f",
        "type": "Follow",
        "actor": remote.actor(user),
        "object": COOP,
    }
    body, headers = remote.signed(user, url, follow)
    assert (await client.post("/users/fairbnb/inbox", data=body, headers=headers)).status == 202


async def _get(client: Any, remote: FakeRemote, path: str, user: str | None) -> int:
    headers = {"Accept": ACTIVITY_JSON}
    if user is not None:
        pem = keypair(remote.users[user])[1]
        headers = dict(
            sign_get(f"http://hub.test{path}", f"{remote.actor(user)}#main-key", pem, ACTIVITY_JSON)
        )
    return int((await client.get(path, headers=headers)).status)


async def _publish(db: Database, settings: Any, draft: Draft) -> str:
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post = await posts.publish(session, Uris(settings), coop, draft)
    return f"/users/fairbnb/statuses/{post.id}"


async def test_followers_only_posts_need_a_signature_of_a_follower(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    remote.actor("stranger")
    await _follow(client, remote, "alice")
    await worker.run_once(federation)
    path = await _publish(db, settings, Draft("Nur für Follower", visibility=Visibility.private))
    assert await _get(client, remote, path, None) == 404
    assert await _get(client, remote, path, "stranger") == 404
    assert await _get(client, remote, path, "alice") == 200


async def test_direct_posts_are_served_only_to_the_mentioned(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    await _follow(client, remote, "alice")
    await worker.run_once(federation)
    bob = MentionTarget("bob@remote.test", remote.actor("bob"), None)
    draft = Draft("Hallo @bob@remote.test", visibility=Visibility.direct, mentions=[bob])
    path = await _publish(db, settings, draft)
    assert await _get(client, remote, path, "bob") == 200
    assert await _get(client, remote, path, "alice") == 404
    assert await _get(client, remote, path, None) == 404

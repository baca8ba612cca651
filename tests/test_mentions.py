"""Mentions resolved by WebFinger: Mention tags, addressing, and no hijacked handles (O25)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from hub import posts
from hub.actors.local import get_coop
from hub.actors.remote import ActorUnavailable, resolve_handle
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.uris import Uris
from tests.conftest import REMOTES
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="binding port 80 needs root")


class PortEighty(FakeRemote):
    """A fake server on port 80, so its handles and ids carry no port, as in the wild."""

    @property
    def base(self) -> str:
        return f"http://{self.name}"

    async def start(self) -> None:
        await super().start()  # on a free port, then move to port 80 on the same address
        await self.stop()
        assert self.runner is not None
        await self.runner.setup()
        await web.TCPSite(self.runner, self.address, 80).start()
        self.port = 80


@pytest.fixture
async def third() -> AsyncIterator[PortEighty]:
    server = PortEighty("third.test", REMOTES["third.test"])
    await server.start()
    yield server
    await server.stop()


async def test_a_mention_becomes_a_tag_a_link_and_a_delivery(
    db: Database, settings: Any, federation: Federation, third: PortEighty
) -> None:
    await make_coop(db, settings, "fairbnb")
    alice = third.actor("alice")
    targets = await posts.resolve_mentions(
        db, federation.fetcher, "Hallo @alice@third.test und @nobody@third.test!"
    )
    assert [(t.handle, t.actor_uri) for t in targets] == [("alice@third.test", alice)]
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post = await posts.publish(
            session, Uris(settings), coop, Draft("Hallo @alice@third.test", mentions=targets)
        )
    assert {"type": "Mention", "href": alice, "name": "@alice@third.test"} in post.tags
    assert f'href="{alice}" class="u-url mention"' in post.content_html


class Disowning(FakeRemote):
    """A server whose actor calls itself by a name its own WebFinger does not know."""

    def document(self, username: str) -> dict[str, Any]:
        return {**super().document(username), "preferredUsername": "ghost"}


async def test_a_handle_pointing_to_an_actor_elsewhere_needs_its_back_link(
    db: Database, federation: Federation
) -> None:
    other = Disowning("other.test", REMOTES["other.test"])
    await other.start()
    target = other.actor("mallory")

    async def hijacking_webfinger(request: web.Request) -> web.StreamResponse:
        links = [{"rel": "self", "type": "application/activity+json", "href": target}]
        return web.json_response({"subject": "acct:victim@third.test", "links": links})

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", hijacking_webfinger)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, REMOTES["third.test"], 80).start()
    try:
        async with db.begin() as session:
            # The actor's own server does not confirm it: no association is made.
            with pytest.raises(ActorUnavailable, match=r"WebFinger for ghost@other\.test"):
                await resolve_handle(session, federation.fetcher, "victim@third.test")
    finally:
        await runner.cleanup()
        await other.stop()

"""A fake fediverse server on its own loopback address: real keys, real signatures, real HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from aiohttp import web
from bovine.crypto import generate_rsa_public_private_key

from hub.activitypub.signatures import sign_post

AS = "https://www.w3.org/ns/activitystreams"
AP_JSON = "application/activity+json"


@lru_cache(maxsize=8)
def keypair(slot: int) -> tuple[str, str]:
    """An RSA pair (public, private PEM), made once per slot per test session."""
    return generate_rsa_public_private_key()


@dataclass
class Received:
    """A POST the fake server got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        """The body as JSON."""
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class FakeRemote:
    """Serves actors, WebFinger and inboxes under http://NAME:PORT; records every request."""

    name: str
    address: str
    port: int = 0
    users: dict[str, int] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    inbox_status: int = 202
    requests: list[tuple[str, str]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        """The server's origin."""
        return f"http://{self.name}:{self.port}"

    def actor(self, username: str) -> str:
        """The id of a user here (created on first use)."""
        self.users.setdefault(username, len(self.users) % 8)
        return f"{self.base}/users/{username}"

    async def start(self) -> None:
        """Listen on the address with a free port."""
        app = web.Application()
        app.router.add_get("/users/{username}", self._actor)
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_post("/users/{username}/inbox", self._inbox)
        app.router.add_post("/inbox", self._inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.address, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()

    def signed(
        self, username: str, url: str, activity: dict[str, Any]
    ) -> tuple[bytes, dict[str, str]]:
        """Body and headers of a POST of `activity` to `url`, signed by this user's key."""
        body = json.dumps({"@context": AS, **activity}).encode()
        private = keypair(self.users[username])[1]
        return body, sign_post(url, body, f"{self.actor(username)}#main-key", private)

    def document(self, username: str) -> dict[str, Any]:
        """The actor document of a user."""
        actor_id = self.actor(username)
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": actor_id,
            "type": "Person",
            "preferredUsername": username,
            "name": username.title(),
            "inbox": f"{actor_id}/inbox",
            "outbox": f"{actor_id}/outbox",
            "followers": f"{actor_id}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{actor_id}#main-key",
                "owner": actor_id,
                "publicKeyPem": keypair(self.users[username])[0],
            },
        }

    async def _actor(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("GET", request.path))
        username = request.match_info["username"]
        if username in self.gone:
            return web.Response(status=410)
        if username not in self.users:
            return web.Response(status=404)
        return web.Response(body=json.dumps(self.document(username)), content_type=AP_JSON)

    async def _webfinger(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("GET", request.path_qs))
        username = request.query.get("resource", "").removeprefix("acct:").split("@")[0]
        if username not in self.users:
            return web.Response(status=404)
        links = [{"rel": "self", "type": AP_JSON, "href": self.actor(username)}]
        body = {"subject": f"acct:{username}@{self.name}", "links": links}
        return web.Response(body=json.dumps(body), content_type="application/jrd+json")

    async def _inbox(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("POST", request.path))
        body = await request.read()
        self.received.append(Received(request.path, dict(request.headers), body))
        return web.Response(status=self.inbox_status)

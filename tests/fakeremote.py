"""A fake fediverse server on its own loopback address: real keys, real signatures, real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from aiohttp import web
from bovine.crypto import generate_rsa_public_private_key

from hub.activitypub.signatures import sign_get, sign_post

AS = "https://www.w3.org/ns/activitystreams"
AP_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_USER = re.compile(r"/users/([^/]+)")
_INBOX = re.compile(r"/users/[^/]+/inbox|/inbox")


@lru_cache(maxsize=8)
def keypair(slot: int) -> tuple[str, str]:
    """An RSA pair (public, private PEM), made once per slot per test session."""
    return generate_rsa_public_private_key()


def answer(document: Any, status: int = 200, content_type: str = AP_JSON) -> Handler:
    """A handler answering a fixed document (JSON-encoded unless it is bytes)."""
    body = document if isinstance(document, bytes) else json.dumps(document).encode()

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, status=status, headers={"Content-Type": content_type})

    return handler


def redirect_to(location: Callable[[], str] | str) -> Handler:
    """A handler answering 302 to a location (or to what a function says at request time)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        target = location() if callable(location) else location
        return web.Response(status=302, headers={"Location": target})

    return handler


def stall(seconds: float) -> Handler:
    """A handler that sends its headers, then one byte now and then: a slow-loris answer."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        await response.prepare(request)
        for _ in range(int(seconds * 10)):
            await response.write(b" ")
            await asyncio.sleep(0.1)
        await response.write_eof()
        return response

    return handler


def flood(size: int) -> Handler:
    """A handler streaming `size` bytes without a Content-Length."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(0, size, 64 * 1024):
            await response.write(b" " * 64 * 1024)
        await response.write_eof()
        return response

    return handler


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

    # `profiles` changes a user's actor document (a None value removes the key); `routes`
    # answers a path with a custom handler before the built-in ones (key documents, lies, traps).

    name: str
    address: str
    port: int = 0
    users: dict[str, int] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    inbox_status: int = 202
    requests: list[tuple[str, str]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: dict[str, Handler] = field(default_factory=dict)
    runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        """The server's origin."""
        return f"http://{self.name}:{self.port}"

    def actor(self, username: str, slot: int | None = None) -> str:
        """The id of a user here (created on first use; `slot` picks its key pair)."""
        self.users.setdefault(username, len(self.users) % 8 if slot is None else slot)
        return f"{self.base}/users/{username}"

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base + path

    def serve(
        self, path: str, document: Any, status: int = 200, content_type: str = AP_JSON
    ) -> str:
        """Answer GETs of `path` with a fixed document; return its URL."""
        self.routes[path] = answer(document, status, content_type)
        return self.url(path)

    def fetched(self, path: str) -> int:
        """How many times a path (with its query) was requested."""
        return sum(1 for _, seen in self.requests if seen.split("?")[0] == path)

    async def start(self) -> None:
        """Listen on the address with a free port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.address, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()

    def signed(
        self,
        username: str,
        url: str,
        activity: dict[str, Any],
        key_id: str | None = None,
        slot: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """Body and headers of a POST to `url`, signed by the user (or as key_id and slot say)."""
        body = json.dumps({"@context": AS, **activity}).encode()
        return body, self.sign_body(username, url, body, key_id, slot)

    def sign_body(
        self,
        username: str,
        url: str,
        body: bytes,
        key_id: str | None = None,
        slot: int | None = None,
    ) -> dict[str, str]:
        """Headers signing a raw body (for bodies json.dumps would not write)."""
        key_id = key_id or f"{self.actor(username)}#main-key"
        private = keypair(self.users[username] if slot is None else slot)[1]
        return sign_post(url, body, key_id, private)

    def signed_get(self, username: str, url: str) -> dict[str, str]:
        """Headers of a GET of `url` signed by this user's key."""
        private = keypair(self.users[username])[1]
        return sign_get(url, f"{self.actor(username)}#main-key", private, AP_JSON)

    def document(self, username: str) -> dict[str, Any]:
        """The actor document of a user, with the changes its profile asks for."""
        actor_id = self.actor(username)
        document = {
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
        for name, value in self.profiles.get(username, {}).items():
            if value is None:
                document.pop(name, None)
            else:
                document[name] = value
        return document

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        custom = self.routes.get(request.path)
        if custom is not None:
            self.requests.append((request.method, request.path_qs))
            return await custom(request)
        if request.method == "POST" and _INBOX.fullmatch(request.path):
            return await self._inbox(request)
        if request.method == "GET" and request.path == "/.well-known/webfinger":
            return await self._webfinger(request)
        user = _USER.fullmatch(request.path)
        if request.method == "GET" and user is not None:
            return await self._actor(request, user.group(1))
        self.requests.append((request.method, request.path_qs))
        return web.Response(status=404)

    async def _actor(self, request: web.Request, username: str) -> web.StreamResponse:
        self.requests.append(("GET", request.path))
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
        return web.Response(body=json.dumps(body), content_type=JRD_JSON)

    async def _inbox(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("POST", request.path))
        body = await request.read()
        self.received.append(Received(request.path, dict(request.headers), body))
        return web.Response(status=self.inbox_status)

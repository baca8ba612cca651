"""The outbound client against real loopback servers: SSRF guard, limits, redirects, AP fetches.

Every session here gets a system resolver that refuses to resolve, so no name ever leaves the
machine: only the override map (`*.test` -> 127.0.0.x) reaches a server.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from hub.activitypub.client import (
    AddressRefused,
    ClientPolicy,
    FetchError,
    GuardedResolver,
    _check_peer,
    create_session,
    fetch_activitypub,
    get,
    is_public_address,
    normalize_host,
    post,
)
from tests.helpers import NoDns

AS = "https://www.w3.org/ns/activitystreams"
AP_JSON = "application/activity+json"
MIB = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Remote:
    """A real aiohttp server on its own loopback address that records every request."""

    name: str
    ip: str
    port: int = 0
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.name}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.seen]

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append((request.method, request.path_qs, dict(request.headers), body))
        handler = self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)


@dataclass
class Listener:
    """A bare TCP listener that only counts connections (to prove nothing connected)."""

    ip: str
    port: int = 0
    connections: int = 0


@pytest.fixture
async def start() -> AsyncIterator[Callable[[str, str], Awaitable[Remote]]]:
    """Start Remote servers: `await start("remote.test", "127.0.0.21")`."""
    runners: list[web.AppRunner] = []

    async def _start(name: str, ip: str) -> Remote:
        remote = Remote(name, ip)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", remote.dispatch)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, ip, 0)
        await site.start()
        runners.append(runner)
        remote.port = runner.addresses[0][1]
        return remote

    yield _start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    """A TCP listener on 127.0.0.21 that counts connections."""
    result = Listener("127.0.0.21")

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        result.connections += 1
        writer.close()

    server = await asyncio.start_server(on_connect, result.ip, 0)
    result.port = server.sockets[0].getsockname()[1]
    yield result
    server.close()
    await server.wait_closed()


@pytest.fixture
async def sessions() -> AsyncIterator[Callable[..., aiohttp.ClientSession]]:
    """Make sessions whose system resolver is a NoDns; all are closed afterwards."""
    made: list[aiohttp.ClientSession] = []

    def _make(policy: ClientPolicy, dns: NoDns | None = None) -> aiohttp.ClientSession:
        made.append(create_session(policy, system_resolver=dns or NoDns()))
        return made[-1]

    yield _make
    for session in made:
        await session.close()


def open_policy(*remotes: Remote, **values: Any) -> ClientPolicy:
    """A dev/test policy: private addresses allowed, each remote's name mapped to its IP."""
    return ClientPolicy(
        allow_private=True, resolve={remote.name: remote.ip for remote in remotes}, **values
    )


def as_json(document: object, content_type: str = AP_JSON, status: int = 200) -> Handler:
    """A handler answering a fixed JSON document."""

    async def handler(request: web.Request) -> web.StreamResponse:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        return web.Response(body=body, status=status, headers={"Content-Type": content_type})

    return handler


def redirect(location: Callable[[], str] | str, status: int = 302) -> Handler:
    """A handler answering a redirect to `location`."""

    async def handler(request: web.Request) -> web.StreamResponse:
        target = location() if callable(location) else location
        return web.Response(status=status, headers={"Location": target})

    return handler


def actor(url: str) -> dict[str, Any]:
    """A minimal AS document with the given id."""
    return {"@context": AS, "id": url, "type": "Person"}


# F1: the address table.

REFUSED_ADDRESSES = [
    "0.0.0.0", "0.1.2.3", "::", "127.0.0.1", "127.0.0.21", "::1", "169.254.169.254",
    "fe80::1", "fe80::1%1", "10.0.0.1", "10.255.255.53", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "100.64.0.1", "100.127.255.254", "198.18.0.1", "198.19.255.255",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "fc00::1", "fd12:3456::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
    "64:ff9b::808:808", "2002:7f00:1::1", "2002:808:808::1", "2001::1", "2001:0:4136:e378::1",
    "ff02::1", "ff0e::1", "192.0.2.1", "2001:db8::1", "not an address", "",
]  # fmt: skip
PUBLIC_ADDRESSES = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2a00:1450::1", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("ip", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused(ip: str) -> None:
    assert not is_public_address(ip)


@pytest.mark.parametrize("ip", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(ip: str) -> None:
    assert is_public_address(ip)


# F1/F2: the resolver and the connect-time check.


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("REMOTE.Test.", "remote.test"),
        ("Bücher.TEST", "xn--bcher-kva.test"),
        ("[2A00:1450:0::0001]", "2a00:1450::1"),
        ("remote.test..", "remote.test."),
    ],
)
def test_hosts_are_normalized_before_any_comparison(raw: str, normal: str) -> None:
    assert normalize_host(raw) == normal


async def test_idn_and_uppercase_names_find_their_override(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("bücher.test", "127.0.0.25")
    remote.routes["/actor"] = as_json(actor("x"))
    policy = open_policy(remote)
    response = await get(sessions(policy), policy, f"http://BÜCHER.Test.:{remote.port}/actor")
    assert response.status == 200
    assert remote.seen[0][2]["Host"].startswith("xn--bcher-kva.test")


async def test_resolver_drops_private_answers_and_keeps_public_ones() -> None:
    dns = NoDns({"mixed.test": ["127.0.0.1", "10.0.0.1", "8.8.8.8", "::ffff:127.0.0.1"]})
    resolver = GuardedResolver(ClientPolicy(), dns)
    assert [item["host"] for item in await resolver.resolve("Mixed.TEST.", 443)] == ["8.8.8.8"]
    assert dns.asked == ["mixed.test"]


async def test_resolver_refuses_a_name_with_only_private_answers() -> None:
    dns = NoDns({"inner.test": ["10.1.2.3", "fd00::1"]})
    with pytest.raises(AddressRefused, match="has no public address"):
        await GuardedResolver(ClientPolicy(), dns).resolve("inner.test", 443)


async def test_resolver_uses_the_override_map_with_normalized_names() -> None:
    dns = NoDns()
    resolver = GuardedResolver(
        ClientPolicy(allow_private=True, resolve={"Remote.TEST.": "::1"}), dns
    )
    [result] = await resolver.resolve("REMOTE.test.", 80)
    assert (result["host"], result["family"]) == ("::1", socket.AF_INET6)
    assert dns.asked == []


async def test_private_address_from_the_override_map_is_refused_before_connecting(
    listener: Listener, sessions: Callable[..., aiohttp.ClientSession]
) -> None:
    policy = ClientPolicy(resolve={"remote.test": listener.ip})
    session = sessions(policy)
    with pytest.raises(FetchError, match="has no public address") as caught:
        await get(session, policy, f"https://remote.test:{listener.port}/actor")
    assert caught.value.status is None
    with pytest.raises(FetchError, match="has no public address"):
        await fetch_activitypub(session, policy, f"https://remote.test:{listener.port}/actor")
    with pytest.raises(FetchError, match="has no public address"):
        await post(session, policy, f"https://remote.test:{listener.port}/inbox", b"{}", {})
    assert listener.connections == 0


@pytest.mark.parametrize("host", ["127.0.0.21", "[::1]", "[::ffff:127.0.0.21]", "[::ffff:7f00:15]"])
async def test_private_ip_literal_is_refused_before_connecting(
    host: str, listener: Listener, sessions: Callable[..., aiohttp.ClientSession]
) -> None:
    policy = ClientPolicy()
    with pytest.raises(FetchError, match="refusing the non-public address"):
        await get(sessions(policy), policy, f"https://{host}:{listener.port}/")
    assert listener.connections == 0


async def test_session_itself_refuses_private_peers_even_when_used_directly(
    listener: Listener, sessions: Callable[..., aiohttp.ClientSession]
) -> None:
    session = sessions(ClientPolicy(resolve={"remote.test": listener.ip}))
    # An IP literal skips every resolver: the socket factory checks the address connected to.
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await session.get(f"http://{listener.ip}:{listener.port}/")
    assert isinstance(caught.value.os_error, AddressRefused)
    with pytest.raises(aiohttp.ClientConnectorError, match="has no public address"):
        await session.get(f"http://remote.test:{listener.port}/")
    assert listener.connections == 0


async def test_private_address_is_reachable_when_the_policy_allows_it(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json(actor("x"))
    policy = open_policy(remote, user_agent="Coophub/test (+http://hub.test)")
    response = await get(sessions(policy), policy, remote.url("/actor"))
    assert (response.status, json.loads(response.body)["id"]) == (200, "x")
    assert remote.seen[0][2]["User-Agent"] == "Coophub/test (+http://hub.test)"


async def test_peer_check_refuses_a_private_peer_on_a_live_connection(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.22")

    async def unfinished(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "10"})
        await response.prepare(request)
        await response.write(b"x")
        await asyncio.sleep(1)
        return response

    remote.routes["/slow"] = unfinished
    policy = open_policy(remote)
    async with sessions(policy).get(remote.url("/slow")) as response:
        _check_peer(policy, response, remote.url("/slow"))
        with pytest.raises(FetchError, match=r"connected to non-public address 127\.0\.0\.22"):
            _check_peer(ClientPolicy(), response, remote.url("/slow"))
        response.close()


# F4: schemes, and F10: our own host.


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:application/activity+json,{}",
        "ftp://remote.test/actor",
        "gopher://remote.test:70/_GET",
        "javascript:alert(1)",
        "//remote.test/actor",
        "https://user:secret@remote.test/actor",
        "https:///actor",
    ],
)
async def test_unsupported_urls_are_refused_without_any_lookup(
    url: str, sessions: Callable[..., aiohttp.ClientSession]
) -> None:
    policy = ClientPolicy(allow_private=True, resolve={"remote.test": "127.0.0.21"})
    dns = NoDns()
    with pytest.raises(FetchError, match=r"scheme|host"):
        await fetch_activitypub(sessions(policy, dns), policy, url)
    assert dns.asked == []


async def test_plain_http_is_refused_unless_private_addresses_are_allowed(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.23")
    policy = ClientPolicy(resolve={remote.name: remote.ip})
    with pytest.raises(FetchError, match="scheme 'http' is not allowed"):
        await get(sessions(policy), policy, remote.url("/actor"))
    assert remote.seen == []


@pytest.mark.parametrize("own", ["remote.test", "REMOTE.Test.", "remote.test:8443"])
async def test_our_own_host_is_never_fetched(
    own: str,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.24")
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="our own host"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"), own_host=own)
    with pytest.raises(FetchError, match="our own host"):
        await post(sessions(policy), policy, remote.url("/inbox"), b"{}", {}, own_host=own)
    assert remote.seen == []


# F3: redirects, each hop re-checked.


async def test_redirect_to_a_forbidden_scheme_is_refused(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = redirect("file:///etc/passwd")
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="scheme 'file'"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))


async def test_redirect_hop_is_resolved_and_checked_again(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = redirect("http://elsewhere.test/actor")
    policy = open_policy(remote)
    dns = NoDns()
    with pytest.raises(FetchError, match="no DNS in tests"):
        await get(sessions(policy, dns), policy, remote.url("/actor"))
    assert dns.asked == ["elsewhere.test"]


async def test_redirect_to_our_own_host_is_refused(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = redirect("http://hub.test/admin")
    policy = open_policy(remote)
    dns = NoDns()
    with pytest.raises(FetchError, match="our own host"):
        await get(sessions(policy, dns), policy, remote.url("/actor"), own_host="hub.test")
    assert dns.asked == []


async def test_redirects_stop_at_the_limit(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    for hop in range(10):
        remote.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}", status=301 if hop % 2 else 307)
    policy = open_policy(remote, max_redirects=3)
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await get(sessions(policy), policy, remote.url("/r0"))
    assert remote.paths() == ["/r0", "/r1", "/r2", "/r3"]


async def test_redirects_up_to_the_limit_are_followed(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    other = await start("other.test", "127.0.0.22")
    remote.routes["/r0"] = redirect("/r1")
    remote.routes["/r1"] = redirect(lambda: other.url("/r2"), status=308)
    other.routes["/r2"] = redirect("/final", status=303)
    other.routes["/final"] = as_json(actor(other.url("/final")))
    policy = open_policy(remote, other, max_redirects=3)
    document = await fetch_activitypub(sessions(policy), policy, remote.url("/r0"))
    assert document["id"] == other.url("/final")
    assert (remote.paths(), other.paths()) == (["/r0", "/r1"], ["/r2", "/final"])


async def test_redirect_loop_is_detected(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/a"] = redirect("/b")
    remote.routes["/b"] = redirect(lambda: remote.url("/a"))
    policy = open_policy(remote, max_redirects=5)
    with pytest.raises(FetchError, match="redirect loop"):
        await get(sessions(policy), policy, remote.url("/a"))
    assert remote.paths() == ["/a", "/b"]


async def test_sign_is_called_for_each_hop_and_its_headers_reach_the_server(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/start"] = redirect("/actor")
    remote.routes["/actor"] = as_json(actor(remote.url("/actor")))
    signed: list[str] = []

    def sign(url: str) -> dict[str, str]:
        signed.append(url)
        return {"Signature": f"sig for {url}", "Date": "Tue, 01 Jul 2025 10:00:00 GMT"}

    policy = open_policy(remote)
    await fetch_activitypub(sessions(policy), policy, remote.url("/start"), sign=sign)
    assert signed == [remote.url("/start"), remote.url("/actor")]
    headers = [seen[2] for seen in remote.seen]
    assert [h["Signature"] for h in headers] == [f"sig for {url}" for url in signed]
    assert all(h["Accept"].startswith(AP_JSON) and "ld+json" in h["Accept"] for h in headers)


# F7: body caps; F8: slow-loris.


async def test_body_over_the_cap_with_content_length_is_refused(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/exact"] = as_json(b"x" * 1000)
    remote.routes["/over"] = as_json(b"x" * 1001)
    remote.routes["/huge"] = as_json(b"x" * (2 * MIB))
    policy = open_policy(remote, max_body=1000)
    session = sessions(policy)
    assert len((await get(session, policy, remote.url("/exact"))).body) == 1000
    with pytest.raises(FetchError, match="body of 1001 bytes is over 1000"):
        await get(session, policy, remote.url("/over"))
    default = open_policy(remote)
    with pytest.raises(FetchError, match=f"body of {2 * MIB} bytes is over {MIB}"):
        await fetch_activitypub(sessions(default), default, remote.url("/huge"))


async def test_chunked_body_without_length_is_aborted_at_the_cap(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            while sent < 64 * MIB:
                await response.write(b"[" * 65536)
                sent += 65536
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            pass
        return response

    remote.routes["/endless"] = endless
    policy = open_policy(remote)
    with pytest.raises(FetchError, match=f"body is over {MIB} bytes"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/endless"))
    await asyncio.sleep(0.05)
    assert sent < 16 * MIB


async def test_gzip_bomb_is_aborted_after_decoding_past_the_cap(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    bomb = gzip.compress(b" " * (32 * MIB), compresslevel=9)
    assert len(bomb) < MIB / 10

    async def gzipped(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": AP_JSON, "Content-Encoding": "gzip"}
        return web.Response(body=bomb, headers=headers)

    remote.routes["/bomb"] = gzipped
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="body is over"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/bomb"))


async def test_slow_loris_response_is_aborted_by_the_total_timeout(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON, "Content-Length": "60"})
        await response.prepare(request)
        try:
            for _ in range(60):
                await response.write(b" ")
                await asyncio.sleep(0.5)
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            pass
        return response

    remote.routes["/slow"] = trickle
    policy = open_policy(remote, total_timeout=1.5)
    began = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1.5 s"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/slow"))
    assert time.monotonic() - began < 3


# F5: content types and statuses.


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/html; charset=utf-8",
        "image/png",
        "application/ld+json",
        'application/ld+json; profile="https://example.com/other"',
        "application/activity+jsonx",
        "",
    ],
)
async def test_wrong_content_type_is_not_an_activitypub_document(
    content_type: str,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json(actor(remote.url("/actor")), content_type)
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="not an ActivityPub type"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        "Application/Activity+JSON; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams https://x.example/p"',
    ],
)
async def test_activitypub_content_types_are_accepted(
    content_type: str,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json(actor(remote.url("/actor")), content_type)
    policy = open_policy(remote)
    document = await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))
    assert document["id"] == remote.url("/actor")


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_status_is_a_fetch_error_carrying_the_status(
    status: int,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json({"error": "gone"}, status=status)
    policy = open_policy(remote)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))
    assert caught.value.status == status


# F6: the id must be the URL it was fetched from.


async def test_document_whose_id_is_the_url_is_fetched_once(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json(actor(remote.url("/actor")))
    policy = open_policy(remote)
    await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))
    assert remote.paths() == ["/actor"]


async def test_id_mismatch_is_fetched_again_by_id_and_accepted_when_that_matches(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    other = await start("other.test", "127.0.0.22")
    remote.routes["/@alice"] = as_json({**actor(other.url("/users/alice")), "name": "forged"})
    other.routes["/users/alice"] = as_json({**actor(other.url("/users/alice")), "name": "real"})
    policy = open_policy(remote, other)
    document = await fetch_activitypub(sessions(policy), policy, remote.url("/@alice"))
    assert document["name"] == "real"
    assert (remote.paths(), other.paths()) == (["/@alice"], ["/users/alice"])


async def test_id_mismatch_twice_is_refused_after_exactly_one_refetch(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/a"] = as_json(actor(remote.url("/b")))
    remote.routes["/b"] = as_json(actor(remote.url("/c")))
    remote.routes["/c"] = as_json(actor(remote.url("/c")))
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="does not match"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/a"))
    assert remote.paths() == ["/a", "/b"]


@pytest.mark.parametrize("document_id", [None, 42, "urn:uuid:1", "/relative", "file:///x"])
async def test_unusable_id_is_refused_without_a_second_fetch(
    document_id: object,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json({"@context": AS, "id": document_id, "type": "Person"})
    policy = open_policy(remote)
    with pytest.raises(FetchError, match="is not the URL fetched"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))
    assert remote.paths() == ["/actor"]


async def test_redirected_document_must_carry_the_final_url_as_id(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    victim = await start("victim.test", "127.0.0.21")
    evil = await start("evil.test", "127.0.0.22")
    # The victim's URL redirects to the attacker, who claims to be the victim's actor.
    victim.routes["/users/bob"] = redirect(lambda: evil.url("/fake"))
    evil.routes["/fake"] = as_json(actor(victim.url("/users/bob")))
    policy = open_policy(victim, evil)
    with pytest.raises(FetchError, match="does not match"):
        await fetch_activitypub(sessions(policy), policy, victim.url("/users/bob"))


# P1, P5, P7: what the body must be.


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b"[" * 10_000 + b"]" * 10_000,
        b'{"@context": "https://www.w3.org/ns/activitystreams", "id": "\xff\xfe"}',
        b'["https://www.w3.org/ns/activitystreams"]',
        b'"just a string"',
        b"not json at all",
        b'{"@context": "https://www.w3.org/ns/activitystreams", "id": "x", "id": "y"}',
        b'{"id": "placeholder", "type": "Person"}',
        b'{"@context": ["https://example.com/ctx"], "type": "Person"}',
        b"",
    ],
    ids=[
        "nested-object", "nested-array", "bad-utf8", "array", "string", "not-json",
        "duplicate-key", "no-context", "other-context", "empty",
    ],
)  # fmt: skip
async def test_malformed_documents_are_fetch_errors_not_crashes(
    body: bytes,
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/actor"] = as_json(body.replace(b"placeholder", remote.url("/actor").encode()))
    policy = open_policy(remote)
    with pytest.raises(FetchError, match=r"nested too deeply|JSON|@context"):
        await fetch_activitypub(sessions(policy), policy, remote.url("/actor"))


# POST: no redirects, answer capped for logs.


async def test_post_sends_body_and_headers_and_follows_no_redirect(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/inbox"] = redirect("/elsewhere", status=307)
    remote.routes["/elsewhere"] = as_json({}, status=202)
    policy = open_policy(remote)
    headers = {"Content-Type": AP_JSON, "Signature": "sig"}
    response = await post(sessions(policy), policy, remote.url("/inbox"), b'{"a": 1}', headers)
    assert (response.status, response.headers["Location"]) == (307, "/elsewhere")
    assert remote.paths() == ["/inbox"]
    method, _, seen_headers, body = remote.seen[0]
    assert (method, body, seen_headers["Signature"]) == ("POST", b'{"a": 1}', "sig")


async def test_post_keeps_only_the_start_of_a_large_answer(
    start: Callable[[str, str], Awaitable[Remote]],
    sessions: Callable[..., aiohttp.ClientSession],
) -> None:
    remote = await start("remote.test", "127.0.0.21")
    remote.routes["/inbox"] = as_json(b"e" * (3 * MIB), "text/plain", status=500)
    policy = open_policy(remote)
    response = await post(sessions(policy), policy, remote.url("/inbox"), b"{}", {})
    assert (response.status, response.body) == (500, b"e" * 64 * 1024)

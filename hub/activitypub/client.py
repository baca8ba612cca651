"""The outbound HTTP client: an SSRF-guarded session, capped bodies, checked redirects, AP fetches.

Addresses are checked by the resolver (non-public answers dropped) and again by the socket factory
on the very address connected to (IP literals skip resolvers); aiohttp connects to the resolved
address, so nothing re-resolves (SECURITY-CHECKLIST F1, F2).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from hub.activitypub.vocab import ACTIVITY_JSON, AS_CONTEXT, LD_JSON_AS

AP_HEADERS: Mapping[str, str] = {"Accept": f"{ACTIVITY_JSON}, {LD_JSON_AS}"}
POST_BODY_LOG_LIMIT = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
Signer = Callable[[str], Mapping[str, str]]

# Ranges refused on top of `not is_global` (which misses multicast and the v4-embedding ranges).
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4",
        "240.0.0.0/4", "::/128", "::1/128", "::/96", "64:ff9b::/96", "64:ff9b:1::/48",
        "2001::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)  # fmt: skip


class FetchError(Exception):
    """A remote fetch failed or was refused; `status` is the HTTP status if there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AddressRefused(OSError):
    """An address the policy forbids; raised before connecting (an OSError, as aiohttp expects)."""


@dataclass(frozen=True)
class ClientPolicy:
    """What the client may reach and how much it will wait for and read."""

    allow_private: bool = False
    resolve: Mapping[str, str] = field(default_factory=dict)
    connect_timeout: float = 5.0
    total_timeout: float = 10.0
    max_redirects: int = 3
    max_body: int = 1024 * 1024
    user_agent: str = "Coophub/0.1"
    # Moderation's say (hub.activitypub imports nothing from hub, so it is handed a callable):
    # True for a host we must never contact.
    refuse_host: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class Response:
    """A finished response: final URL, status, headers and the (capped) body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


def is_public_address(ip: str) -> bool:
    """True if `ip` is a globally routable unicast address we may connect to."""
    address = _as_ip(ip)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(str(address.ipv4_mapped))
    if any(address in network for network in _REFUSED_NETWORKS):
        return False
    return address.is_global


def normalize_host(host: str) -> str:
    """Lowercase, strip one trailing dot and IDNA-encode a host; IP literals come out canonical."""
    host = host.strip().lower()
    host = host[:-1] if host.endswith(".") else host
    address = _as_ip(host)
    if address is not None:
        return str(address)
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise FetchError(f"invalid host name {host!r}") from error


def is_activitypub_type(content_type: str) -> bool:
    """True for application/activity+json or application/ld+json with the AS profile."""
    message = Message()
    message["Content-Type"] = content_type
    media_type = message.get_content_type()
    profile = message.get_param("profile")
    is_ld = media_type == "application/ld+json" and isinstance(profile, str)
    return media_type == ACTIVITY_JSON or (is_ld and AS_CONTEXT in str(profile).split())


class GuardedResolver(AbstractResolver):
    """Resolve via the override map, else the system resolver; drop forbidden addresses."""

    def __init__(self, policy: ClientPolicy, system: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._overrides = {normalize_host(name): ip for name, ip in policy.resolve.items()}
        self._system = system if system is not None else aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the allowed addresses of `host`; raise AddressRefused when none is left."""
        try:
            name = normalize_host(host)
        except FetchError as error:
            raise AddressRefused(errno.EACCES, str(error)) from None
        ip = self._overrides.get(name)
        if ip is None:
            found = await self._system.resolve(name, port, family)
        else:
            kind = socket.AF_INET6 if ":" in ip else socket.AF_INET
            found = [
                ResolveResult(hostname=host, host=ip, port=port, family=kind, proto=0, flags=0)
            ]
        allowed = [item for item in found if _may_connect(self._policy, item["host"])]
        if not allowed:
            addresses = ", ".join(item["host"] for item in found)
            raise AddressRefused(errno.EACCES, f"{name} has no public address ({addresses})")
        return allowed

    async def close(self) -> None:
        """Close the system resolver."""
        await self._system.close()


def _may_connect(policy: ClientPolicy, ip: str) -> bool:
    return policy.allow_private or is_public_address(ip.split("%", 1)[0])


def _socket_factory(policy: ClientPolicy) -> Callable[[aiohttp.AddrInfoType], socket.socket]:
    def make_socket(addr_info: aiohttp.AddrInfoType) -> socket.socket:
        family, kind, proto, _, address = addr_info
        if not _may_connect(policy, str(address[0])):
            raise AddressRefused(errno.EACCES, f"refusing to connect to {address[0]}")
        return socket.socket(family=family, type=kind, proto=proto)

    return make_socket


def create_session(
    policy: ClientPolicy, system_resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """A client session that can only connect to addresses the policy allows."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(policy, system_resolver),
        socket_factory=_socket_factory(policy),
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=policy.total_timeout, sock_connect=policy.connect_timeout
        ),
        headers={"User-Agent": policy.user_agent},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )


def _checked_url(policy: ClientPolicy, url: str, own_host: str | None) -> URL:
    """Parse `url` and refuse forbidden schemes, credentials, our own host and private IPs."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError) as error:
        raise FetchError(f"{url}: not a valid URL") from error
    schemes = ("https", "http") if policy.allow_private else ("https",)
    if parsed.scheme not in schemes:
        raise FetchError(f"{url}: the scheme {parsed.scheme or '(none)'!r} is not allowed")
    if not parsed.raw_host or parsed.raw_user is not None or parsed.raw_password is not None:
        raise FetchError(f"{url}: a URL needs a host and no user name or password")
    host = normalize_host(parsed.raw_host)
    if own_host is not None and host == normalize_host(URL(f"//{own_host}").raw_host or own_host):
        raise FetchError(f"{url}: refusing to fetch our own host")
    if policy.refuse_host is not None and policy.refuse_host(host):
        raise FetchError(f"{url}: the server {host} is blocked")
    if _as_ip(host) is not None and not _may_connect(policy, host):
        raise FetchError(f"{url}: refusing the non-public address {host}")
    return parsed


def _as_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _check_peer(policy: ClientPolicy, response: aiohttp.ClientResponse, url: str) -> None:
    """Refuse a response whose connection's peer address the policy forbids."""
    connection = response.connection
    transport = connection.transport if connection is not None else None
    peer = transport.get_extra_info("peername") if transport is not None else None
    if peer and not _may_connect(policy, str(peer[0])):
        raise FetchError(f"{url}: connected to non-public address {peer[0]}")


@asynccontextmanager
async def _guarded(policy: ClientPolicy, url: str) -> AsyncIterator[None]:
    """Bound the block by the total timeout and turn client errors into FetchError."""
    try:
        async with asyncio.timeout(policy.total_timeout):
            yield
    except TimeoutError as error:
        raise FetchError(f"{url}: timed out after {policy.total_timeout:g} s") from error
    except (aiohttp.ClientError, ValueError) as error:
        raise FetchError(f"{url}: {error}") from error


async def _read_capped(response: aiohttp.ClientResponse, limit: int, truncate: bool) -> bytes:
    """Read the decoded body; past `limit` bytes truncate, or abort with FetchError."""
    length = response.content_length
    if not truncate and length is not None and length > limit:
        response.close()
        raise FetchError(f"{response.url}: body of {length} bytes is over {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        if size + len(chunk) > limit:
            response.close()
            if truncate:
                chunks.append(chunk[: limit - size])
                break
            raise FetchError(f"{response.url}: body is over {limit} bytes")
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks)


async def get(
    session: aiohttp.ClientSession,
    policy: ClientPolicy,
    url: str,
    headers: Mapping[str, str] | None = None,
    sign: Signer | None = None,
    *,
    own_host: str | None = None,
) -> Response:
    """GET `url`, following at most policy.max_redirects redirects, each hop re-checked."""
    seen: set[str] = set()
    async with _guarded(policy, url):
        for _ in range(policy.max_redirects + 1):
            target = _checked_url(policy, url, own_host)
            seen.add(str(target))
            hop_headers = {**(headers or {}), **(sign(url) if sign is not None else {})}
            async with session.get(target, headers=hop_headers, allow_redirects=False) as response:
                _check_peer(policy, response, url)
                location = response.headers.get("Location")
                if response.status not in REDIRECT_STATUSES or not location:
                    body = await _read_capped(response, policy.max_body, truncate=False)
                    return Response(url, response.status, response.headers, body)
            next_url = str(target.join(URL(location)))
            if next_url in seen:
                raise FetchError(f"{url}: redirect loop back to {next_url}")
            url = next_url
    raise FetchError(f"{url}: more than {policy.max_redirects} redirects")


async def post(
    session: aiohttp.ClientSession,
    policy: ClientPolicy,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    own_host: str | None = None,
) -> Response:
    """POST `body` to `url` without following redirects; the answer is kept for logs only."""
    target = _checked_url(policy, url, own_host)
    async with (
        _guarded(policy, url),
        session.post(target, data=body, headers=headers, allow_redirects=False) as response,
    ):
        _check_peer(policy, response, url)
        text = await _read_capped(response, POST_BODY_LOG_LIMIT, truncate=True)
        return Response(url, response.status, response.headers, text)


async def fetch_activitypub(
    session: aiohttp.ClientSession,
    policy: ClientPolicy,
    url: str,
    sign: Signer | None = None,
    *,
    own_host: str | None = None,
) -> dict[str, Any]:
    """Fetch an AS document whose `id` is the URL it came from, else refetch once by its `id`."""
    response = await get(session, policy, url, AP_HEADERS, sign, own_host=own_host)
    document = _document_of(response)
    document_id = document.get("id")
    if document_id == response.url:
        return document
    if not isinstance(document_id, str) or not document_id.startswith(("https://", "http://")):
        raise FetchError(f"{url}: the document's id {document_id!r} is not the URL fetched")
    # Mastodon's two-step (SECURITY-CHECKLIST F6): trust the id only as served by the id itself.
    response = await get(session, policy, document_id, AP_HEADERS, sign, own_host=own_host)
    document = _document_of(response)
    if response.url != document_id or document.get("id") != document_id:
        raise FetchError(f"{document_id}: the document's id does not match its URL either")
    return document


def _document_of(response: Response) -> dict[str, Any]:
    """Require a 2xx ActivityPub response (F5) and parse its body."""
    if not 200 <= response.status < 300:
        raise FetchError(f"{response.url}: answered HTTP {response.status}", response.status)
    content_type = response.headers.get("Content-Type", "")
    if not is_activitypub_type(content_type):
        raise FetchError(f"{response.url}: {content_type!r} is not an ActivityPub type")
    return parse_document(response.body, response.url)


def parse_document(body: bytes, url: str) -> dict[str, Any]:
    """Parse a fetched body as a JSON object with the AS @context, or raise FetchError."""
    try:
        document = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_keys)
    except RecursionError:
        raise FetchError(f"{url}: JSON nested too deeply") from None
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise FetchError(f"{url}: not valid UTF-8 JSON ({error})") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url}: the JSON is not an object")
    context = document.get("@context")
    # Mastodon's supported_context? (SECURITY-CHECKLIST P7).
    if context != AS_CONTEXT and not (isinstance(context, list) and AS_CONTEXT in context):
        raise FetchError(f"{url}: the document lacks the ActivityStreams @context")
    return document


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return document

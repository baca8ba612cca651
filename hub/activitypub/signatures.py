"""HTTP signatures: sign outgoing requests (draft-cavage) and verify incoming ones.

Incoming: draft-cavage (`rsa-sha256`, `hs2019`) and RFC 9421. bovine.crypto builds the signing
strings and signs; this wrapper closes its gaps (see FEDERATION.md "bovine 0.5.19"): the query
string, `host` signed and equal to ours, a ±1 h window on Date/created, `(expires)`, Ed25519,
RFC 9421 policy, strict header parsing, one key refresh on failure, key id == keyId.
Draft-cavage: https://datatracker.ietf.org/doc/html/draft-cavage-http-signatures-12
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import HttpSignature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from hub.activitypub import rfc9421
from hub.activitypub.rfc9421 import ED25519, MAX_SKEW_SECONDS, RSA

CAVAGE_ALGORITHMS = {"rsa-sha256": frozenset({RSA}), "hs2019": frozenset({RSA, ED25519})}
PSEUDO_TIMES = ("(created)", "(expires)")
# One `name="value"` (or `name=123` for created/expires) followed by a comma or the end.
_CAVAGE_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)=(?:"([^"]*)"|(\d+))\s*(?:,|\Z)')


class SignatureError(Exception):
    """A request signature we do not accept; the message is one line for the 401 answer."""


@dataclass(frozen=True)
class PublicKey:
    """A public key as a key lookup returns it."""

    key_id: str
    owner: str
    pem: str


KeyLookup = Callable[[str, bool], Awaitable[PublicKey | None]]


@dataclass(frozen=True)
class _Request:
    """The parts of an incoming request that signatures cover."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    now: float


@dataclass(frozen=True)
class _Signed:
    """A signature that passed every check but the cryptographic one."""

    key_id: str
    key_kinds: frozenset[str]
    signature: bytes
    messages: tuple[bytes, ...]


@lru_cache(maxsize=1024)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse an RSA private key PEM once (parsing costs about 30 ms)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@lru_cache(maxsize=4096)
def _load_public_key(pem: str) -> rsa.RSAPublicKey | ed25519.Ed25519PublicKey:
    """Parse a public key PEM once; only RSA and Ed25519 keys are usable."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise SignatureError("Unusable public key") from None
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError("Unsupported public key type")
    return key


def _bovine_signature(fields: Iterable[tuple[str, str]]) -> Any:
    """bovine's HttpSignature (untyped) holding the given (name, value) fields in order."""
    builder: Any = HttpSignature()  # type: ignore[no-untyped-call]
    for name, value in fields:
        builder.with_field(name, value)
    return builder


def _utc(moment: datetime | None) -> datetime:
    """An aware UTC datetime: now by default, naive values taken as UTC."""
    if moment is None:
        return datetime.now(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _target(url: str) -> tuple[str, str]:
    """The Host value and the request target (path and query) of a URL."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return parts.netloc.rpartition("@")[2].lower(), (parts.path or "/") + query


def _signed_headers(
    url: str, method: str, fields: list[tuple[str, str]], key_id: str, pem: str
) -> dict[str, str]:
    """The fields as headers plus a draft-cavage Signature over (request-target) and them."""
    host, target = _target(url)
    fields = [("host", host), *fields]
    builder = _bovine_signature([("(request-target)", f"{method} {target}"), *fields])
    signature = builder.sign_for_http_draft(CryptographicSecret(key_id, load_private_key(pem)))
    return {name.title(): value for name, value in fields} | {"Signature": str(signature)}


def sign_post(
    url: str,
    body: bytes,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
    content_type: str = "application/activity+json",
) -> dict[str, str]:
    """Headers for a signed POST, as Mastodon expects them (rsa-sha256, legacy Digest)."""
    fields = [
        ("date", format_datetime(_utc(now), usegmt=True)),
        ("digest", content_digest_sha256(body, prefix="SHA-256")),
        ("content-type", content_type),
    ]
    return _signed_headers(url, "post", fields, key_id, private_key_pem)


def sign_get(
    url: str, key_id: str, private_key_pem: str, accept: str, now: datetime | None = None
) -> dict[str, str]:
    """Headers for a signed GET; (request-target) includes the query string."""
    fields = [("date", format_datetime(_utc(now), usegmt=True)), ("accept", accept)]
    return _signed_headers(url, "get", fields, key_id, private_key_pem)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers by lowercased name, repeated headers joined with ", " (both specs say so)."""
    joined: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        joined[key] = f"{joined[key]}, {value.strip()}" if key in joined else value.strip()
    return joined


def _parse_cavage(header: str) -> dict[str, str]:
    """The parameters of a draft-cavage Signature header, strictly parsed (a fresh dict)."""
    return dict(_parse_cavage_once(header))


@lru_cache(maxsize=256)  # the inbox reads the keyId first, then verifies: parse once
def _parse_cavage_once(header: str) -> tuple[tuple[str, str], ...]:
    return tuple(_parse_cavage_uncached(header).items())


def _parse_cavage_uncached(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while position < len(header.rstrip()):
        match = _CAVAGE_PARAM.match(header, position)
        if match is None:
            raise SignatureError("Malformed Signature header")
        name, value = match.group(1), match.group(2) or match.group(3) or ""
        if name in params:
            raise SignatureError(f"Malformed Signature header: duplicated {name}")
        params[name] = value
        position = match.end()
    if not params.get("keyId") or not params.get("signature"):
        raise SignatureError("Signature header lacks keyId or signature")
    return params


def _parse_rfc9421(headers: Mapping[str, str]) -> rfc9421.Rfc9421Signature:
    """The RFC 9421 signature of a request that carries Signature-Input."""
    try:
        return rfc9421.parse(headers["signature-input"], headers.get("signature", ""))
    except ValueError as error:
        raise SignatureError(str(error)) from None


def signature_key_id(headers: Mapping[str, str]) -> str:
    """The keyId a request claims, parsed only (no check, no fetch), for blocklist checks."""
    lowered = _lower(headers)
    if "signature-input" in lowered:
        return _parse_rfc9421(lowered).key_id
    if "signature" in lowered:
        return _parse_cavage(lowered["signature"])["keyId"]
    raise SignatureError("Request not signed")


def _check_window(moment: float, now: float, what: str) -> None:
    """A timestamp within ±1 h of now."""
    if abs(moment - now) > MAX_SKEW_SECONDS:
        raise SignatureError(f"{what} outside acceptable time window")


def _check_date(value: str, now: float) -> None:
    """The Date header parses and is within the window."""
    try:
        moment = _http_date(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise SignatureError("Invalid Date header") from None
    _check_window(moment, now, "Date")


@lru_cache(maxsize=256)  # a busy sender's requests share the Date of the same second
def _http_date(value: str) -> float:
    return _utc(parsedate_to_datetime(value)).timestamp()


def _b64(value: str, what: str) -> bytes:
    """Strict base64, or a SignatureError naming what was malformed."""
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise SignatureError(f"Malformed {what}") from None


def _check_digest(value: str, body: bytes) -> None:
    """The legacy Digest header has a SHA-256 member that matches the body."""
    for member in value.split(","):
        algorithm, _, encoded = member.strip().partition("=")
        if algorithm.lower() == "sha-256":
            expected = _b64(encoded, "Digest header")  # a wrong length simply mismatches
            if not hmac.compare_digest(expected, hashlib.sha256(body).digest()):
                raise SignatureError("Digest does not match the body")
            return
    raise SignatureError("Digest must include SHA-256")


def _targets(target: str) -> tuple[str, ...]:
    """The request target with its query, then without it (Fedify, old Mastodon sign the path)."""
    path, query_mark, _ = target.partition("?")
    return (target, path) if query_mark else (target,)


def _check_cavage_times(params: dict[str, str], covered: list[str], now: float) -> None:
    """created/expires: integers, present if signed, created in the window, expires not passed."""
    for name in ("created", "expires"):
        value = params.get(name)
        if value is None and f"({name})" in covered:
            raise SignatureError(f"Signature parameter {name} missing")
        if value is not None and not re.fullmatch(r"[0-9]{1,12}", value):
            raise SignatureError(f"Malformed Signature parameter {name}")
    if "created" in params:
        _check_window(int(params["created"]), now, "Signature created")
    if "expires" in params and int(params["expires"]) < now:
        raise SignatureError("Signature expired")


def _cavage_covered(params: dict[str, str], request: _Request) -> list[str]:
    """The signed header names, checked against what we require and support."""
    covered = params.get("headers", "date").lower().split()
    post = ["digest"] if request.method == "POST" else []
    required = ["(request-target)", "host", "date", *post]
    missing = [name for name in required if name not in covered]
    if missing:
        raise SignatureError(f"Required header not signed: {missing[0]}")
    for name in covered:
        if name in PSEUDO_TIMES and params.get("algorithm", "hs2019").lower() != "hs2019":
            # Mastodon: (created) and (expires) are invalid with algorithm rsa-sha256.
            raise SignatureError(f"Invalid pseudo-header {name} for rsa-sha256")
        if name.startswith("(") and name not in (*PSEUDO_TIMES, "(request-target)"):
            raise SignatureError(f"Unsupported pseudo-header {name}")
        if not name.startswith("(") and name not in request.headers:
            raise SignatureError(f"Signed header missing: {name}")
    return covered


def _cavage_value(name: str, params: dict[str, str], request: _Request, target: str) -> str:
    """The value a draft-cavage signing string holds for one header or pseudo-header."""
    if name == "(request-target)":
        return f"{request.method.lower()} {target}"
    if name in PSEUDO_TIMES:
        return params[name[1:-1]]
    return request.headers[name]


def _check_cavage(request: _Request) -> _Signed:
    """Parse and check a draft-cavage signature: algorithm, headers, date, digest."""
    params = _parse_cavage(request.headers["signature"])
    kinds = CAVAGE_ALGORITHMS.get(params.get("algorithm", "hs2019").lower())
    if kinds is None:
        raise SignatureError("Unsupported signature algorithm")
    covered = _cavage_covered(params, request)
    _check_date(request.headers["date"], request.now)
    _check_cavage_times(params, covered, request.now)
    if "digest" in covered:
        _check_digest(request.headers["digest"], request.body)
    messages = tuple(
        _bovine_signature([(name, _cavage_value(name, params, request, t)) for name in covered])
        .build_message()
        .encode()
        for t in _targets(request.target)
    )
    return _Signed(params["keyId"], kinds, _b64(params["signature"], "signature"), messages)


def _check_rfc9421(request: _Request) -> _Signed:
    """Parse and check an RFC 9421 signature and build its candidate signature bases."""
    sig = _parse_rfc9421(request.headers)
    try:
        kinds = rfc9421.check(sig, request.method, request.headers, request.body, request.now)
        bases = rfc9421.bases(sig, request.method, _targets(request.target), request.headers)
    except ValueError as error:
        raise SignatureError(str(error)) from None
    messages = (_bovine_signature(base).build_message_quoted().encode() for base in bases)
    return _Signed(sig.key_id, kinds, sig.signature, tuple(dict.fromkeys(messages)))


def _verifies(key: PublicKey, signed: _Signed) -> bool:
    """The key is of an allowed kind and verifies one of the candidate messages."""
    public = _load_public_key(key.pem)
    kind = RSA if isinstance(public, rsa.RSAPublicKey) else ED25519
    if kind not in signed.key_kinds:
        return False
    identifier = CryptographicIdentifier(controller=key.owner, public_key=public)
    return any(identifier.verify(m, signed.signature) is not None for m in signed.messages)


def _usable(key: PublicKey | None, signed: _Signed) -> PublicKey:
    """A looked-up key that exists and names itself with the signature's keyId."""
    if key is None:
        raise SignatureError("Unknown signing key")
    if key.key_id != signed.key_id:
        raise SignatureError("Key document id does not match keyId")
    return key


async def verify_request(
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    our_host: str,
    lookup: KeyLookup,
    now: datetime | None = None,
) -> PublicKey:
    """Verify a request's signature and return the key that made it, or raise SignatureError."""
    lowered = _lower(headers)
    request = _Request(method.upper(), path_and_query, lowered, body or b"", _utc(now).timestamp())
    if "signature-input" not in lowered and "signature" not in lowered:
        raise SignatureError("Request not signed")
    if lowered.get("host", "").lower() != our_host.lower():
        raise SignatureError("Host header does not match this server")
    signed = _check_rfc9421(request) if "signature-input" in lowered else _check_cavage(request)
    key = _usable(await lookup(signed.key_id, False), signed)
    if _verifies(key, signed):
        return key
    fresh = _usable(await lookup(signed.key_id, True), signed)  # the key may have rotated
    if fresh.pem != key.pem and _verifies(fresh, signed):
        return fresh
    raise SignatureError("Signature does not verify")

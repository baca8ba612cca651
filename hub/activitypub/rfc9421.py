"""RFC 9421 HTTP message signatures: parse Signature-Input/Signature, list the signature base.

Parsing and the policy checks that need no key; `signatures` looks the key up and verifies.
Errors are ValueError with a readable message (`signatures` turns them into SignatureError).
bovine's `RFC9421Signature.from_headers` drops component parameters and reuses the raw
header text as `@signature-params`, so we parse with http_sf ourselves.
See https://www.rfc-editor.org/rfc/rfc9421.html
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import http_sf
from http_sf.innerlist import ser_innerlist

MAX_SKEW_SECONDS = 3600  # Mastodon accepts about an hour either way; bovine only 5 minutes
RSA, ED25519 = "rsa", "ed25519"
ALGORITHMS = {
    None: frozenset({RSA, ED25519}),
    "rsa-v1_5-sha256": frozenset({RSA}),
    "ed25519": frozenset({ED25519}),
}
DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)


@dataclass(frozen=True)
class Rfc9421Signature:
    """One parsed RFC 9421 signature: what it covers, its parameters and its bytes."""

    components: tuple[str, ...]
    params_line: str
    key_id: str
    created: int
    expires: int | None
    alg: str | None
    signature: bytes


def _no_duplicates(key: str, where: str) -> None:
    """http_sf callback: a repeated key is an error, never last-wins."""
    raise ValueError(f"duplicated {where} key {key}")


def _dictionary(value: str, name: str) -> dict[str, Any]:
    """Parse a structured-field dictionary, with one readable error for any syntax fault."""
    try:
        parsed = http_sf.parse(value.encode(), tltype="dict", on_duplicate_key=_no_duplicates)
    except Exception as error:  # hostile input: http_sf raises several types
        raise ValueError(f"Malformed {name} header") from error
    if not isinstance(parsed, dict):
        raise ValueError(f"Malformed {name} header")
    return parsed


def _component(item: Any) -> str:
    """A covered component name; parameters (;sf, ;key, ;req, ;bs, ;name) are not supported."""
    name, params = item
    if not isinstance(name, str) or name != name.lower() or not name:
        raise ValueError("Malformed Signature-Input component")
    if params:
        raise ValueError(f"Unsupported Signature-Input component parameters on {name}")
    if name.startswith("@") and name not in DERIVED:
        raise ValueError(f"Unsupported Signature-Input component {name}")
    return name


def _param(params: dict[str, Any], name: str, kind: type, required: bool) -> Any:
    """A signature parameter of exactly the given type (bool is not an int here)."""
    value = params.get(name)
    if value is None and not required:
        return None
    if type(value) is not kind:
        raise ValueError(f"Signature-Input {name} missing or malformed")
    return value


def parse(signature_input: str, signature: str) -> Rfc9421Signature:
    """Parse the two headers; exactly one signature label is accepted."""
    inputs = _dictionary(signature_input, "Signature-Input")
    signatures = _dictionary(signature, "Signature")
    if len(inputs) != 1 or len(signatures) != 1:
        raise ValueError("Exactly one RFC 9421 signature is accepted")
    label, member = next(iter(inputs.items()))
    value = signatures.get(label)
    if not (isinstance(value, tuple) and isinstance(value[0], bytes)):
        raise ValueError("Signature label missing or not a byte sequence")
    if not (isinstance(member, tuple) and isinstance(member[0], list)):
        raise ValueError("Signature-Input member is not an inner list")
    components = tuple(_component(item) for item in member[0])
    if len(set(components)) != len(components):
        raise ValueError("Duplicated Signature-Input component")
    params = member[1]
    return Rfc9421Signature(
        components=components,
        params_line=ser_innerlist(member),
        key_id=_param(params, "keyid", str, True),
        created=_param(params, "created", int, True),
        expires=_param(params, "expires", int, False),
        alg=_param(params, "alg", str, False),
        signature=value[0],
    )


def _component_values(
    method: str, scheme: str, authority: str, target: str, headers: Mapping[str, str]
) -> dict[str, str]:
    """Every component value a request offers: its lowercased headers and derived components."""
    path, _, query = target.partition("?")
    derived = {
        "@method": method.upper(),
        "@target-uri": f"{scheme}://{authority}{target}",
        "@authority": authority,
        "@scheme": scheme,
        "@request-target": target,
        "@path": path or "/",
        "@query": f"?{query}",
    }
    return {**headers, **derived}


def bases(
    sig: Rfc9421Signature, method: str, targets: tuple[str, ...], headers: Mapping[str, str]
) -> list[list[tuple[str, str]]]:
    """The (name, value) lines of each candidate signature base: https/http, each target.

    The scheme is unknown behind a TLS proxy (and peers on a test network use plain http).
    """
    authority = headers["host"].lower()
    candidates: list[list[tuple[str, str]]] = []
    for scheme in ("https", "http"):
        for target in targets:
            values = _component_values(method, scheme, authority, target, headers)
            missing = [name for name in sig.components if name not in values]
            if missing:
                raise ValueError(f"Covered component missing from request: {missing[0]}")
            fields = [(name, values[name]) for name in sig.components]
            candidates.append([*fields, ("@signature-params", sig.params_line)])
    return candidates


def check_content_digest(value: str, body: bytes) -> None:
    """Content-Digest (RFC 9530) has a sha-256 member that matches the body."""
    member = _dictionary(value, "Content-Digest").get("sha-256")
    if not (isinstance(member, tuple) and isinstance(member[0], bytes)):
        raise ValueError("Content-Digest must include sha-256")
    if not hmac.compare_digest(member[0], hashlib.sha256(body).digest()):
        raise ValueError("Digest does not match the body")


def _check_covered(sig: Rfc9421Signature, post: bool) -> None:
    """@method, the target (@target-uri, or @path and @authority), content-digest on POST."""
    required = ["@method", "@target-uri", *(["content-digest"] if post else [])]
    if "@target-uri" not in sig.components:
        required[1:2] = ["@path", "@authority"]
    missing = [name for name in required if name not in sig.components]
    if missing:
        raise ValueError(f"Required component not signed: {missing[0]}")


def check(
    sig: Rfc9421Signature, method: str, headers: Mapping[str, str], body: bytes, now: float
) -> frozenset[str]:
    """Check everything but the cryptography; return the key kinds the signature allows."""
    if sig.alg not in ALGORITHMS:
        raise ValueError("Unsupported signature algorithm")
    _check_covered(sig, method.upper() == "POST")
    if abs(sig.created - now) > MAX_SKEW_SECONDS:
        raise ValueError("Signature created outside acceptable time window")
    if sig.expires is not None and sig.expires < now:
        raise ValueError("Signature expired")
    if "content-digest" in sig.components:
        check_content_digest(headers.get("content-digest", ""), body)
    return ALGORITHMS[sig.alg]

"""Keep a peer process on loopback: `*.test` names come from PEER_RESOLVE, nothing else leaves.

Imported first by every peer script (they run in .peers/, not in the hub's venv). It
- resolves the names in PEER_RESOLVE (`name=ip,...`) and refuses every other name,
- refuses to connect a socket to any address outside 127.0.0.0/8 (or ::1),
- makes aiohttp resolve through the guarded `socket.getaddrinfo` (not c-ares, which would ask
  the configured name server directly),
- serves JSON-LD contexts from memory only, so bovine never fetches one over the network.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

PEER_RESOLVE = "PEER_RESOLVE"


def names() -> dict[str, str]:
    """The name-to-address map from PEER_RESOLVE."""
    mapping = {"localhost": "127.0.0.1"}
    for item in filter(None, os.environ.get(PEER_RESOLVE, "").split(",")):
        name, _, address = item.strip().partition("=")
        mapping[name.strip().lower()] = address.strip()
    return mapping


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _lookup(host: Any) -> Any:
    if host is None:
        return host
    name = host.decode() if isinstance(host, bytes) else str(host)
    name = name.lower().rstrip(".")
    mapped = names().get(name)
    if mapped is not None:
        return mapped
    if _is_loopback(name):
        return name
    raise socket.gaierror(socket.EAI_NONAME, f"{name} is not a loopback test name")


def install() -> None:
    """Put the guards in place; call before anything opens a connection."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real_getaddrinfo(_lookup(host), *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"peer tests stay on loopback, not {address[0]}")

    def connect(sock: socket.socket, address: Any) -> None:
        _check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        _check(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex

    import aiohttp.connector
    import aiohttp.resolver

    aiohttp.connector.DefaultResolver = aiohttp.resolver.ThreadedResolver
    aiohttp.resolver.DefaultResolver = aiohttp.resolver.ThreadedResolver


# The terms ActivityPub servers use from the security vocabularies (keys and their owners).
_SEC = "https://w3id.org/security#"
_KEY_TERMS: dict[str, Any] = {
    "sec": _SEC,
    "id": "@id",
    "type": "@type",
    "owner": {"@id": "sec:owner", "@type": "@id"},
    "controller": {"@id": "sec:controller", "@type": "@id"},
    "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
    "publicKeyPem": "sec:publicKeyPem",
    "publicKeyMultibase": "sec:publicKeyMultibase",
    "assertionMethod": {"@id": "sec:assertionMethod", "@type": "@id", "@container": "@set"},
    "Multikey": "sec:Multikey",
}
KNOWN_CONTEXTS = {
    "https://w3id.org/security/v1": _KEY_TERMS,
    "https://w3id.org/security/multikey/v1": _KEY_TERMS,
    "https://w3id.org/security/data-integrity/v1": _KEY_TERMS,
    "https://www.w3.org/ns/did/v1": _KEY_TERMS,
}


def offline_contexts() -> None:
    """Serve JSON-LD contexts from memory (bovine's copies, the key terms above); never fetch."""
    import bovine.jsonld as bovine_jsonld
    from pyld import jsonld

    builtin = {bovine_jsonld.bovine_context_name, "https://www.w3.org/ns/activitystreams"}

    def loader(url: str, options: Any = None, **kwargs: Any) -> dict[str, Any]:
        if url in builtin:
            return dict(bovine_jsonld.wrapper(url, options))
        # Unknown contexts: empty, as bovine itself does when one cannot be loaded.
        context = KNOWN_CONTEXTS.get(url.split("#")[0].rstrip("/"), [])
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": context},
        }

    jsonld.set_document_loader(loader)

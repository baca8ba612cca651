"""FEP-8b32 object integrity proofs (eddsa-jcs-2022) on our activities, made with bovine."""

from __future__ import annotations

from typing import Any

from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret

from hub.activitypub.readers import as_list

DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v1"


def with_integrity_context(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the data-integrity context listed.

    bovine would otherwise JSON-LD-compact the document to add it, fetching contexts
    over the network; with the context present it canonicalises with JCS only.
    """
    context = list(as_list(document.get("@context"), 16))
    if DATA_INTEGRITY_CONTEXT not in context:
        context.append(DATA_INTEGRITY_CONTEXT)
    return {**document, "@context": context}


def sign_document(document: dict[str, Any], key_id: str, private_multibase: str) -> dict[str, Any]:
    """The document with an eddsa-jcs-2022 DataIntegrityProof by the given Ed25519 key."""
    secret = CryptographicSecret.from_multibase(key_id, private_multibase)
    signed: dict[str, Any] = secret.sign_document(with_integrity_context(document))
    return signed


def verify_document(document: dict[str, Any], controller: str, public_multibase: str) -> bool:
    """True when the document's proof verifies with the controller's Multikey."""
    identifier = CryptographicIdentifier.from_tuple(controller, public_multibase)
    try:
        return bool(identifier.verify_document(document) == controller)
    except (ValueError, KeyError, TypeError):
        return False

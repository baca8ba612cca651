"""Key material generated for every local actor at creation."""

from __future__ import annotations

from dataclasses import dataclass

from bovine.crypto import generate_ed25519_private_key, generate_rsa_public_private_key


@dataclass(frozen=True)
class KeyMaterial:
    """An RSA-2048 pair (PEM) for HTTP signatures and an Ed25519 key (multibase) for proofs."""

    rsa_public_pem: str
    rsa_private_pem: str
    ed25519_private_multibase: str

    def __repr__(self) -> str:
        return "KeyMaterial(<secret>)"


def generate_keys() -> KeyMaterial:
    """Generate fresh keys; costs about 50-100 ms of CPU for the RSA pair."""
    public_pem, private_pem = generate_rsa_public_private_key()
    return KeyMaterial(
        rsa_public_pem=public_pem,
        rsa_private_pem=private_pem,
        ed25519_private_multibase=generate_ed25519_private_key(),
    )

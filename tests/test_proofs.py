"""FEP-8b32 proofs on every activity we store for delivery, checked with the actor's Multikey."""

from __future__ import annotations

from typing import Any

import pytest
from bovine.crypto import generate_ed25519_private_key
from pyld import jsonld
from sqlalchemy import select

from hub import posts
from hub.activitypub.proofs import DATA_INTEGRITY_CONTEXT, sign_document, verify_document
from hub.activitypub.vocab import ed25519_public_multibase
from hub.actors.local import get_coop
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import OutgoingActivity
from hub.uris import Uris
from tests.federation_data import add_follower
from tests.helpers import make_coop


@pytest.fixture
def no_json_ld(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if anything runs JSON-LD processing (it would fetch contexts over the network)."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("JSON-LD processing was used")

    for name in ("compact", "expand", "normalize"):
        monkeypatch.setattr(jsonld, name, refuse)


@pytest.mark.usefixtures("no_json_ld")
async def test_published_activities_carry_a_proof_that_verifies(
    db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    await add_follower(db, "fairbnb", "https://a.test/users/1")
    async with db.begin() as session:
        await posts.publish(
            session, Uris(settings), await get_coop(session, "fairbnb"), Draft("Hallo")
        )
        stored = (await session.execute(select(OutgoingActivity))).scalar_one()
    activity = stored.ap_json
    proof = activity["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["verificationMethod"] == "http://hub.test/users/fairbnb#ed25519-key"
    assert DATA_INTEGRITY_CONTEXT in activity["@context"]
    public = ed25519_public_multibase(coop.ed25519_private_multibase)
    assert verify_document(activity, "http://hub.test/users/fairbnb", public)
    tampered = {**activity, "object": {**activity["object"], "content": "<p>Anders</p>"}}
    assert not verify_document(tampered, "http://hub.test/users/fairbnb", public)


@pytest.mark.usefixtures("no_json_ld")
def test_signing_keeps_the_document_and_adds_the_context_once() -> None:
    key = generate_ed25519_private_key()
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://x.test/a",
        "type": "Note",
    }
    signed = sign_document(document, "https://x.test/u#k", key)
    assert signed["@context"] == ["https://www.w3.org/ns/activitystreams", DATA_INTEGRITY_CONTEXT]
    assert {k: v for k, v in signed.items() if k not in ("proof", "@context")} == {
        "id": "https://x.test/a",
        "type": "Note",
    }
    assert verify_document(signed, "https://x.test/u", ed25519_public_multibase(key))

"""Actor documents: what Mastodon reads, served by content negotiation at one URL."""

from __future__ import annotations

from typing import Any

import pytest
from bovine.crypto.multibase import decode_multibase_public_key, multibase_to_private_key
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from sqlalchemy import select

from hub.actors.local import delete_coop
from hub.store.models import LocalActor
from tests.golden import assert_golden
from tests.helpers import AP_ACCEPT, BROWSER_ACCEPT, make_coop

LD_ACCEPT = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
# What Mastodon sends when it fetches an actor.
MASTODON_ACCEPT = {"Accept": f"application/activity+json, {LD_ACCEPT['Accept']}, text/html;q=0.1"}


async def _coop(db: Any, settings: Any) -> LocalActor:
    return await make_coop(
        db,
        settings,
        "fairbnb",
        name="Fairbnb Coop",
        summary="Fairer Tourismus für alle. https://fairbnb.coop",
        website="https://fairbnb.coop",
        fields=(("Rechtsform", "eG"), ("Mastodon", "https://social.example/@fairbnb")),
    )


async def test_coop_actor_document_matches_golden(client: Any, db: Any, settings: Any) -> None:
    await _coop(db, settings)
    response = await client.get("/users/fairbnb", headers=AP_ACCEPT)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/activity+json"
    assert "Accept" in response.headers["Vary"]
    assert_golden("actor_organization", await response.json(content_type=None))


async def test_network_group_and_instance_application_match_golden(client: Any) -> None:
    group = await client.get("/users/network", headers=AP_ACCEPT)
    assert group.status == 200
    assert_golden("actor_group", await group.json(content_type=None))
    instance = await client.get("/actor", headers=AP_ACCEPT)
    assert instance.status == 200
    assert_golden("actor_application", await instance.json(content_type=None))


async def test_json_id_equals_the_url_fetched(client: Any, db: Any, settings: Any) -> None:
    await _coop(db, settings)
    for path in ("/users/fairbnb", "/users/network", "/actor"):
        document = await (await client.get(path, headers=AP_ACCEPT)).json(content_type=None)
        assert document["id"] == f"http://hub.test{path}"
        assert document["publicKey"]["owner"] == document["id"]
        assert document["publicKey"]["id"] == document["id"] + "#main-key"


@pytest.mark.parametrize(
    ("headers", "expected_type"),
    [
        (AP_ACCEPT, "application/activity+json"),
        (MASTODON_ACCEPT, "application/activity+json"),
        (LD_ACCEPT, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'),
        (BROWSER_ACCEPT, "text/html; charset=utf-8"),
        ({"Accept": "*/*"}, "text/html; charset=utf-8"),
        (
            {"Accept": "text/html;q=0.9, application/activity+json;q=0.5"},
            "text/html; charset=utf-8",
        ),
    ],
)
async def test_content_negotiation_picks_json_or_html(
    client: Any, db: Any, settings: Any, headers: dict[str, str], expected_type: str
) -> None:
    await _coop(db, settings)
    response = await client.get("/users/fairbnb", headers=headers)
    assert response.status == 200
    assert response.headers["Content-Type"] == expected_type


async def test_profile_page_shows_name_handle_fields_and_escapes_html(
    client: Any, db: Any, settings: Any
) -> None:
    await make_coop(
        db, settings, "evil", name="<script>alert(1)</script> Coop", fields=(("Ort", "<b>x</b>"),)
    )
    response = await client.get("/users/evil", headers=BROWSER_ACCEPT)
    html = await response.text()
    assert response.status == 200
    assert "@evil@hub.test" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Coop" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_keys_are_rsa_2048_and_ed25519_matching_the_stored_private_keys(
    client: Any, db: Any, settings: Any
) -> None:
    await _coop(db, settings)
    document = await (await client.get("/users/fairbnb", headers=AP_ACCEPT)).json(content_type=None)
    async with db.begin() as session:
        stored = (
            await session.execute(select(LocalActor).where(LocalActor.username == "fairbnb"))
        ).scalar_one()
    public_rsa = serialization.load_pem_public_key(document["publicKey"]["publicKeyPem"].encode())
    private_rsa = serialization.load_pem_private_key(stored.rsa_private_pem.encode(), None)
    assert isinstance(public_rsa, rsa.RSAPublicKey) and public_rsa.key_size == 2048
    assert isinstance(private_rsa, rsa.RSAPrivateKey)
    signature = private_rsa.sign(b"probe", padding.PKCS1v15(), SHA256())
    public_rsa.verify(signature, b"probe", padding.PKCS1v15(), SHA256())

    method = document["assertionMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == document["id"]
    public_ed = decode_multibase_public_key(method["publicKeyMultibase"])
    private_ed = multibase_to_private_key(stored.ed25519_private_multibase)
    assert isinstance(public_ed, ed25519.Ed25519PublicKey)
    public_ed.verify(private_ed.sign(b"probe"), b"probe")


async def test_every_actor_has_its_own_keys(db: Any, settings: Any) -> None:
    await _coop(db, settings)
    await make_coop(db, settings, "polypoly")
    async with db.begin() as session:
        actors = (await session.execute(select(LocalActor))).scalars().all()
    assert len(actors) == 4
    assert len({actor.rsa_public_pem for actor in actors}) == 4
    assert len({actor.ed25519_private_multibase for actor in actors}) == 4


async def test_private_keys_are_never_served(client: Any, db: Any, settings: Any) -> None:
    coop = await _coop(db, settings)
    secret_marker = coop.rsa_private_pem.splitlines()[1]
    paths = ["/users/fairbnb", "/users/network", "/actor", "/users/fairbnb/outbox?page=true"]
    for path in paths:
        for headers in (AP_ACCEPT, BROWSER_ACCEPT):
            body = await (await client.get(path, headers=headers)).text()
            assert "PRIVATE KEY" not in body
            assert secret_marker not in body
            assert coop.ed25519_private_multibase not in body
    assert "PRIVATE" not in repr(coop) and secret_marker not in repr(coop)


async def test_unknown_actor_is_404_and_deleted_coop_is_410_tombstone(
    client: Any, db: Any, settings: Any
) -> None:
    await _coop(db, settings)
    missing = await client.get("/users/nobody", headers=AP_ACCEPT)
    assert missing.status == 404
    assert (await missing.json()) == {"error": "no such actor"}
    async with db.begin() as session:
        await delete_coop(session, "fairbnb")
    gone = await client.get("/users/fairbnb", headers=AP_ACCEPT)
    assert gone.status == 410
    tombstone = await gone.json(content_type=None)
    assert tombstone["type"] == "Tombstone" and tombstone["id"] == "http://hub.test/users/fairbnb"
    page = await client.get("/users/fairbnb", headers=BROWSER_ACCEPT)
    assert page.status == 410
    assert (await client.get("/users/fairbnb/outbox", headers=AP_ACCEPT)).status == 410


async def test_mixed_case_username_redirects_to_the_canonical_url(
    client: Any, db: Any, settings: Any
) -> None:
    await _coop(db, settings)
    response = await client.get("/users/FairBnb", headers=AP_ACCEPT, allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "http://hub.test/users/fairbnb"


async def test_instance_actor_is_not_reachable_as_a_user(client: Any) -> None:
    response = await client.get("/users/instance.actor", headers=AP_ACCEPT)
    assert response.status == 404


async def test_default_avatar_is_a_png_served_with_nosniff(
    client: Any, db: Any, settings: Any
) -> None:
    await _coop(db, settings)
    response = await client.get("/users/fairbnb/avatar.png")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (await response.read()).startswith(b"\x89PNG\r\n\x1a\n")

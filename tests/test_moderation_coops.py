"""Suspending and limiting coops: what followers receive, what is served, what the page says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.federation import Federation
from hub.moderation import ModerationError, coops
from hub.store.db import Database
from hub.store.models import LocalActor, Post
from hub.store.types import utcnow
from hub.uris import Uris
from tests import modkit
from tests.fakeremote import FakeRemote
from tests.helpers import AP_ACCEPT, BROWSER_ACCEPT
from tests.inboxkit import COOP, count, deliver, note_of, publish, run
from tests.modkit import GROUP, MANAGER, follows, of_type

settings, allowlist = modkit.settings, modkit.allowlist
friendly, fans, coop = modkit.friendly, modkit.fans, modkit.coop
pytestmark = pytest.mark.usefixtures("coop")


async def _suspend(federation: Federation, reason: str = "", private: bool = False) -> None:
    async with federation.db.begin() as session:
        await coops.suspend(session, federation.uris, "fairbnb", MANAGER, reason, private)


async def test_a_suspended_coop_sends_delete_actor_and_answers_410_everywhere(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    await follows(client, federation, friendly, "ally")
    _, note_uri = await publish(db, settings, "Bald weg")
    await _suspend(federation, "Betrug an Mitgliedern")
    await run(federation)
    assert of_type(friendly, "Create") == []  # queued before, never sent
    [delete] = of_type(friendly, "Delete")
    assert delete["actor"] == COOP and delete["object"] == COOP
    for path in (
        "/users/fairbnb",
        "/users/fairbnb/outbox",
        note_uri.removeprefix("http://hub.test"),
    ):
        assert (await client.get(path, headers=AP_ACCEPT)).status == 410
    assert (await client.get("/users/fairbnb", headers=BROWSER_ACCEPT)).status == 410
    federation.receiver.forget_recipients()  # else within RECIPIENT_TTL seconds
    response = await deliver(client, friendly, "ally", note_of(friendly, "ally", 9))
    assert response.status == 410  # A8


async def test_an_unsuspended_coop_is_served_again_and_followers_get_an_update(
    client: Any, db: Database, federation: Federation, friendly: FakeRemote
) -> None:
    await follows(client, federation, friendly, "ally")
    await _suspend(federation)
    async with db.begin() as session:
        await coops.unsuspend(session, federation.uris, "fairbnb", MANAGER, "Irrtum")
    await run(federation)
    [update_] = of_type(friendly, "Update")
    assert update_["object"]["id"] == COOP and update_["object"]["type"] == "Organization"
    assert (await client.get("/users/fairbnb", headers=AP_ACCEPT)).status == 200


async def test_after_30_days_a_suspension_is_purged_and_cannot_be_undone(
    client: Any, db: Database, settings: Any, federation: Federation
) -> None:
    await publish(db, settings, "Inhalt")
    await _suspend(federation)
    async with db.begin() as session:
        await coops.purge_suspended(session, utcnow())
    assert await count(db, Post) == 1  # kept within 30 days
    async with db.begin() as session:
        when = utcnow() - timedelta(days=31)
        await session.execute(update(LocalActor).where(LocalActor.username == "fairbnb")
                              .values(suspended_at=when))  # fmt: skip
        assert await coops.purge_suspended(session, utcnow()) == 1
    assert await count(db, Post) == 0
    async with db.begin() as session:
        with pytest.raises(ModerationError, match="deleted"):
            await coops.unsuspend(session, federation.uris, "fairbnb", MANAGER)
    assert (await client.get("/users/fairbnb", headers=AP_ACCEPT)).status == 410


async def test_a_limited_coops_posts_are_not_reshared_by_the_network(
    client: Any, db: Database, settings: Any, federation: Federation, fans: FakeRemote
) -> None:
    await follows(client, federation, fans, "fan", target=GROUP)
    async with db.begin() as session:
        await coops.limit(session, "fairbnb", MANAGER, True, "Werbung")
    await publish(db, settings, "Kauft jetzt!")
    await run(federation)
    assert of_type(fans, "Announce") == []
    async with db.begin() as session:
        await coops.limit(session, "fairbnb", MANAGER, False)
    await publish(db, settings, "Wieder normal")
    await run(federation)
    assert len(of_type(fans, "Announce")) == 1


async def test_the_public_page_lists_blocks_and_coop_actions_but_not_private_reasons(
    client: Any, db: Database, federation: Federation
) -> None:
    await modkit.block(federation, "spam.test", public_comment="Spam-Wellen")
    await modkit.block(federation, "secret.example", obfuscate=True)
    await _suspend(federation, "Geheime Gründe", private=True)
    async with db.begin() as session:
        await coops.unsuspend(session, federation.uris, "fairbnb", MANAGER, "Einspruch gehört")
    response = await client.get("/moderation", headers=BROWSER_ACCEPT)
    assert response.status == 200
    html = await response.text()
    assert "spam.test" in html and "Spam-Wellen" in html
    assert "secret.example" not in html and "s*c*e*.*x*m*l*" in html
    assert "Einspruch gehört" in html and "Geheime Gründe" not in html
    assert "nicht öffentlich" in html
    assert "wieder freigeschaltet" in html and "gesperrt" in html
    english = await (await client.get("/moderation?lang=en", headers=BROWSER_ACCEPT)).text()
    assert "Measures against members" in english and "unblocked" in english
    assert "not public" in english and "nicht öffentlich" not in english


async def test_suspending_twice_or_an_unknown_coop_is_refused(db: Database, settings: Any) -> None:
    uris = Uris(settings)
    async with db.begin() as session:
        with pytest.raises(ModerationError, match="no coop"):
            await coops.suspend(session, uris, "nobody", MANAGER)
        await coops.suspend(session, uris, "fairbnb", MANAGER)
        with pytest.raises(ModerationError, match="suspended already"):
            await coops.suspend(session, uris, "fairbnb", MANAGER)
        query = select(LocalActor.suspended_at).where(LocalActor.username == "fairbnb")
        assert (await session.execute(query)).scalar_one() is not None

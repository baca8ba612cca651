"""Reply moderation: per coop and per post, replies shown, held for approval, or closed."""

from __future__ import annotations

from typing import Any

import pytest

from hub.federation import Federation
from hub.moderation import ModerationError, replies
from hub.store.db import Database
from tests import modkit
from tests.fakeremote import FakeRemote
from tests.inboxkit import deliver, note_of, publish, run, stored_notes
from tests.modkit import MANAGER

settings, allowlist = modkit.settings, modkit.allowlist
friendly, coop = modkit.friendly, modkit.coop
pytestmark = pytest.mark.usefixtures("coop")


async def _reply(client: Any, federation: Federation, remote: FakeRemote, to: str, n: int) -> None:
    note = note_of(remote, "ally", n, inReplyTo=to)
    assert (await deliver(client, remote, "ally", note)).status == 202
    await run(federation)


async def test_replies_are_shown_held_or_refused_as_the_coop_and_the_post_say(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    _, open_uri = await publish(db, settings, "Offen")
    post_id, special_uri = await publish(db, settings, "Hier darf man antworten")
    async with db.begin() as session:
        await replies.set_coop_policy(session, "fairbnb", "approval", MANAGER)
    await _reply(client, federation, friendly, open_uri, 1)
    async with db.begin() as session:
        await replies.set_coop_policy(session, "fairbnb", "closed", MANAGER)
        await replies.set_post_policy(session, "fairbnb", post_id, "open", MANAGER)
    await _reply(client, federation, friendly, open_uri, 2)  # closed: not stored
    await _reply(client, federation, friendly, special_uri, 3)  # this post stays open
    notes = await stored_notes(db)
    assert [(note.uri.rsplit("/", 1)[1], note.state) for note in notes] == [
        ("1", "held"),
        ("3", "shown"),
    ]


async def test_a_held_reply_is_approved_or_rejected_once(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    _, uri = await publish(db, settings, "Moderiert")
    async with db.begin() as session:
        await replies.set_coop_policy(session, "fairbnb", "approval", MANAGER)
    await _reply(client, federation, friendly, uri, 1)
    await _reply(client, federation, friendly, uri, 2)
    first, second = await stored_notes(db)
    async with db.begin() as session:
        coop_actor = await replies.find_actor(session, "fairbnb")
        assert coop_actor is not None
        assert [n.id for n in await replies.held_replies(session, coop_actor)] == [
            first.id,
            second.id,
        ]
        await replies.decide(session, first.id, True, MANAGER)
        await replies.decide(session, second.id, False, MANAGER)
        with pytest.raises(ModerationError, match="no held reply"):
            await replies.decide(session, first.id, False, MANAGER)
    assert [n.state for n in await stored_notes(db)] == ["shown", "rejected"]


async def test_a_bad_reply_setting_is_refused(db: Database) -> None:
    async with db.begin() as session:
        with pytest.raises(ModerationError, match="open, approval, closed"):
            await replies.set_coop_policy(session, "fairbnb", "everyone", MANAGER)
        with pytest.raises(ModerationError, match="no post 99"):
            await replies.set_post_policy(session, "fairbnb", 99, "open", MANAGER)

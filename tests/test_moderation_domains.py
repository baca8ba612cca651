"""Domain blocks: refused at the inbox, never contacted, follows severed; limits; allow-list."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from hub.actors.remote import ActorUnavailable, get_actor
from hub.federation import Federation
from hub.moderation import ModerationError
from hub.moderation.blocklists import export_csv, parse_csv
from hub.moderation.domains import list_blocks
from hub.moderation.gate import Gate
from hub.store.db import Database
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    NetworkMember,
    OutgoingActivity,
    RemoteNote,
)
from tests import modkit
from tests.fakeremote import FakeRemote
from tests.inboxkit import count, deliver, effects, follow_of, note_of, publish, run
from tests.modkit import GROUP, block, follows, of_type

allowlist = modkit.allowlist
settings = modkit.settings
spam, friendly, fans, coop = modkit.spam, modkit.friendly, modkit.fans, modkit.coop
pytestmark = pytest.mark.usefixtures("coop")


async def test_a_suspended_domain_is_refused_at_the_inbox_with_nothing_stored(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "troll")
    assert await count(db, Follow) == 1
    await block(federation, "spam.test", public_comment="Belästigung")
    assert await count(db, Follow) == 0  # severed
    before = await effects(db)
    response = await deliver(client, spam, "troll", note_of(spam, "troll", 1))
    assert response.status == 403
    assert await effects(db) == before
    await run(federation)
    assert spam.received == []


async def test_a_blocked_key_host_is_refused_before_any_key_fetch(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await block(federation, "spam.test")
    response = await deliver(client, spam, "stranger", follow_of(spam, "stranger"))
    assert response.status == 403  # S15
    assert spam.requests == []  # no fetch of the keyId


async def test_subdomains_of_a_blocked_domain_are_blocked_too(
    db: Database, federation: Federation
) -> None:
    await block(federation, "spam.test")
    assert federation.gate.refuses_host("https://eu.spam.test/users/x")
    assert not federation.gate.refuses_host("https://notspam.test/users/x")


async def test_a_blocked_domain_is_never_contacted_not_even_for_what_was_queued(
    client: Any, db: Database, settings: Any, federation: Federation,
    spam: FakeRemote, friendly: FakeRemote,
) -> None:  # fmt: skip
    await follows(client, federation, spam, "troll")
    await follows(client, federation, friendly, "ally")
    await publish(db, settings, "Vor der Sperre")  # queued for both servers
    await block(federation, "spam.test")
    await publish(db, settings, "Nach der Sperre")
    await run(federation)
    assert spam.received == [] and spam.requests == []
    assert len(of_type(friendly, "Create")) == 2


async def test_fetches_from_a_blocked_domain_are_refused(
    db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await block(federation, "spam.test")
    async with db.begin() as session:
        with pytest.raises(ActorUnavailable, match="blocked"):
            await get_actor(session, federation.fetcher, spam.actor("troll"))
    assert spam.requests == []


async def test_a_blocked_domain_is_dropped_from_our_follows_of_it(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "troll")
    async with db.begin() as session:
        follow = (await session.execute(select(Follow))).scalar_one()
        ours = Follow(local_actor_id=follow.local_actor_id, remote_actor_id=follow.remote_actor_id)
        ours.direction, ours.state = FollowDirection.outbound, FollowState.accepted
        session.add(ours)
    await block(federation, "spam.test")
    assert await count(db, Follow) == 0


async def test_a_limited_servers_replies_are_kept_off_the_timeline_and_posts_not_reshared(
    client: Any, db: Database, settings: Any, federation: Federation,
    friendly: FakeRemote, fans: FakeRemote,
) -> None:  # fmt: skip
    await follows(client, federation, fans, "fan", target=GROUP)
    async with db.begin() as session:
        member = await get_actor(session, federation.fetcher, friendly.actor("coop"))
        session.add(NetworkMember(remote_actor_id=member.id, handle="coop@friendly.test"))
    await block(federation, "friendly.test", "silence")
    _, post_uri = await publish(db, settings, "Hallo")
    await run(federation)
    fans.received.clear()
    before = await count(db, OutgoingActivity)
    reply = note_of(friendly, "coop", 1, inReplyTo=post_uri)
    assert (await deliver(client, friendly, "coop", reply)).status == 202
    await run(federation)
    [note] = await _notes(db)
    assert note.limited is True
    assert of_type(fans, "Announce") == []  # not re-shared by the network
    assert await count(db, OutgoingActivity) == before


async def _notes(db: Database) -> list[RemoteNote]:
    async with db.read() as session:
        return list((await session.execute(select(RemoteNote))).scalars())


@pytest.mark.parametrize("allowlist", [True])
async def test_in_allow_list_mode_only_listed_servers_federate(
    client: Any, db: Database, federation: Federation, spam: FakeRemote, friendly: FakeRemote
) -> None:
    from hub.moderation.domains import allow_domain

    async with db.begin() as session:
        await allow_domain(session, "friendly.test", modkit.MANAGER)
    await federation.gate.refresh(federation.db)
    assert (await deliver(client, spam, "troll", follow_of(spam, "troll"))).status == 403
    assert (await deliver(client, friendly, "ally", follow_of(friendly, "ally"))).status == 202
    await run(federation)
    assert len(of_type(friendly, "Accept")) == 1
    assert spam.requests == []


async def test_a_mastodon_csv_blocklist_round_trips(db: Database, federation: Federation) -> None:
    await block(federation, "spam.test", public_comment='Spam, "viel"', reject_reports=True)
    await block(federation, "friendly.test", "silence", reject_media=True, obfuscate=True)
    async with db.read() as session:
        exported = export_csv(await list_blocks(session))
    assert exported.splitlines()[0] == (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    )
    drafts = parse_csv(exported)
    assert [(d.domain, d.severity, d.reject_media, d.reject_reports, d.public_comment,
             d.obfuscate) for d in drafts] == [
        ("friendly.test", "silence", True, False, "", True),
        ("spam.test", "suspend", False, True, 'Spam, "viel"', False),
    ]  # fmt: skip


def test_a_bad_blocklist_line_is_named_and_nothing_is_taken() -> None:
    text = "#domain,#severity\ngood.example,suspend\nnot a domain,suspend\n"
    with pytest.raises(ModerationError, match="line 3"):
        parse_csv(text)
    with pytest.raises(ModerationError, match="severity"):
        parse_csv("#domain,#severity\ngood.example,obliterate\n")


async def test_a_suspended_follower_no_longer_reads_followers_only_posts(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    from hub.moderation.accounts import find_remote, moderate_actor
    from hub.store.models import Visibility

    await follows(client, federation, friendly, "ally")
    _, uri = await publish(db, settings, "Nur für Follower", visibility=Visibility.private)
    path = uri.removeprefix("http://hub.test")

    async def status() -> int:
        headers = friendly.signed_get("ally", uri)
        return int((await client.get(path, headers=headers)).status)

    assert await status() == 200
    async with db.begin() as session:
        ally = await find_remote(session, friendly.actor("ally"))
        await moderate_actor(session, ally, "suspend", modkit.MANAGER, "Weitergabe")
    assert await status() == 404  # A10: its follow was severed; never the content


async def test_limiting_a_server_hides_its_stored_notes_and_lifting_it_shows_them(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    from hub.moderation.domains import unblock_domain

    _, post_uri = await publish(db, settings, "Hallo")
    reply = note_of(friendly, "ally", 1, inReplyTo=post_uri)
    assert (await deliver(client, friendly, "ally", reply)).status == 202
    await run(federation)
    assert [note.limited for note in await _notes(db)] == [False]
    await block(federation, "friendly.test", "silence")
    assert [note.limited for note in await _notes(db)] == [True]
    async with db.begin() as session:
        await unblock_domain(session, "friendly.test", modkit.MANAGER)
    assert [note.limited for note in await _notes(db)] == [False]


async def test_what_a_server_sent_before_its_block_is_not_processed_after_it(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    _, post_uri = await publish(db, settings, "Hallo")
    reply = note_of(spam, "troll", 1, inReplyTo=post_uri)
    assert (await deliver(client, spam, "troll", reply)).status == 202
    await block(federation, "spam.test")
    await run(federation)
    assert await _notes(db) == []
    assert spam.received == []


async def test_requests_arriving_as_the_gate_expires_reload_it_once(db: Database) -> None:
    gate = Gate(ttl=0.01)
    await gate.fresh(db)
    reloads = 0
    reload = gate.refresh

    async def counted(database: Database) -> None:
        nonlocal reloads
        reloads += 1
        await reload(database)

    gate.refresh = counted  # type: ignore[method-assign]
    await asyncio.sleep(0.02)
    await asyncio.gather(*(gate.fresh(db) for _ in range(16)))
    assert reloads == 1

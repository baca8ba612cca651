"""Reports: Mastodon's Flag (O19), reports from our site, actions and the Flag forward."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub import posts
from hub.federation import Federation
from hub.moderation import ModerationError
from hub.moderation.reports import ReportDraft, file_report, list_reports
from hub.moderation.resolutions import forward, resolve
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import ModerationAction, RemoteActor, Report
from tests import modkit
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import COOP, HUB, SHARED_INBOX, count, deliver, note_of, publish, run
from tests.modkit import MANAGER, follows, of_type

settings, allowlist = modkit.settings, modkit.allowlist
spam, friendly, coop = modkit.spam, modkit.friendly, modkit.coop
pytestmark = pytest.mark.usefixtures("coop")


def flag(
    remote: FakeRemote, objects: list[str], content: str = "Spam", number: int = 1
) -> dict[str, Any]:
    """A report as Mastodon sends it: from the instance actor, object = [account, statuses]."""
    return {
        "id": f"{remote.base}/{number:032x}",
        "type": "Flag",
        "actor": remote.actor("instance"),
        "content": content,
        "object": objects,
    }


async def _reports(db: Database) -> list[Report]:
    async with db.read() as session:
        return list(await list_reports(session, None))


async def test_a_flag_is_stored_with_a_snapshot_of_only_our_matching_statuses(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    _, post_uri = await publish(db, settings, "Gemeldeter Beitrag")
    other_coop = await make_coop(db, settings, "other")
    async with db.begin() as session:
        post = await posts.publish(session, federation.uris, other_coop, Draft("Fremd"))
    other = federation.uris.note("other", post.id)  # ours, but not the reported actor's
    objects = [COOP, post_uri, other, f"{friendly.base}/users/x/statuses/1"]
    report = flag(friendly, objects, "x" * 6000)
    assert (await deliver(client, friendly, "instance", report, url=SHARED_INBOX)).status == 202
    await run(federation)
    [stored] = await _reports(db)
    assert stored.target_uri == COOP and stored.status_uris == [post_uri]  # O19
    assert "Gemeldeter Beitrag" in stored.snapshot[0]["content"]
    assert len(stored.comment) == 5000 and stored.reporter_uri == friendly.actor("instance")


async def test_a_flag_about_remote_accounts_only_is_ignored(
    client: Any, db: Database, federation: Federation, friendly: FakeRemote
) -> None:
    report = flag(friendly, [friendly.actor("x"), f"{friendly.base}/users/x/statuses/1"])
    assert (await deliver(client, friendly, "instance", report, url=SHARED_INBOX)).status == 202
    await run(federation)
    assert await count(db, Report) == 0


async def test_a_flag_from_a_server_whose_reports_are_rejected_is_ignored(
    client: Any, db: Database, federation: Federation, friendly: FakeRemote
) -> None:
    await modkit.block(federation, "friendly.test", "noop", reject_reports=True)
    report = flag(friendly, [COOP])
    assert (await deliver(client, friendly, "instance", report, url=SHARED_INBOX)).status == 202
    await run(federation)
    assert await count(db, Report) == 0


async def test_removing_a_reported_post_sends_a_delete_to_followers(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    await follows(client, federation, friendly, "ally")
    _, post_uri = await publish(db, settings, "Problematisch")
    report = flag(friendly, [COOP, post_uri])
    assert (await deliver(client, friendly, "instance", report, url=SHARED_INBOX)).status == 202
    await run(federation)
    friendly.received.clear()
    [stored] = await _reports(db)
    async with db.begin() as session:
        await resolve(session, federation.uris, stored.id, "remove", MANAGER, "Hetze")
    await run(federation)
    [delete] = of_type(friendly, "Delete")
    assert delete["object"]["id"] == post_uri
    [closed] = await _reports(db)
    assert (closed.state, closed.outcome) == ("resolved", "remove")
    async with db.read() as session:
        actions = (await session.execute(select(ModerationAction.action))).scalars().all()
    assert "report.remove" in actions


async def test_a_local_report_of_a_remote_reply_can_be_forwarded_as_a_flag(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    _, post_uri = await publish(db, settings, "Hallo")
    reply = note_of(spam, "troll", 1, inReplyTo=post_uri, content="<p>Beleidigung</p>")
    assert (await deliver(client, spam, "troll", reply)).status == 202
    await run(federation)
    spam.received.clear()
    note_uri = reply["object"]["id"]
    async with db.begin() as session:
        draft = ReportDraft("Ada", note_uri, "Beleidigend", "ada@example.org")
        report = await file_report(session, federation.uris, draft)
        await forward(session, federation.uris, report.id, MANAGER)
    await run(federation)
    [sent] = of_type(spam, "Flag")
    assert sent["actor"] == f"{HUB}/actor"
    assert sent["object"] == [spam.actor("troll"), note_uri]
    assert sent["content"] == "Beleidigend" and "Ada" not in str(sent)  # the reporter stays ours


async def test_suspending_a_reported_remote_author_refuses_them_at_the_inbox(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "troll")
    async with db.begin() as session:
        draft = ReportDraft("Ada", spam.actor("troll"), "Belästigt uns")
        report = await file_report(session, federation.uris, draft)
        await resolve(session, federation.uris, report.id, "suspend", MANAGER)
    await federation.gate.refresh(db)
    response = await deliver(client, spam, "troll", note_of(spam, "troll", 2))
    assert response.status == 403  # S28
    async with db.read() as session:
        troll = (await session.execute(select(RemoteActor))).scalar_one()
    assert troll.suspended_at is not None


async def test_a_bad_local_report_is_refused_and_nothing_stored(
    db: Database, federation: Federation
) -> None:
    cases = [
        (ReportDraft("", COOP), "name"),
        (ReportDraft("Ada", COOP, email="not-an-address"), "email"),
        (ReportDraft("Ada", COOP, "x" * 5001), "5000"),
        (ReportDraft("Ada", "https://unknown.example/x"), "knows"),
    ]
    for draft, message in cases:
        async with db.begin() as session:
            with pytest.raises(ModerationError, match=message):
                await file_report(session, federation.uris, draft)
    assert await count(db, Report) == 0


async def test_closing_a_report_twice_or_forwarding_ours_is_refused(
    db: Database, federation: Federation
) -> None:
    async with db.begin() as session:
        report = await file_report(session, federation.uris, ReportDraft("Ada", COOP, "?"))
        await resolve(session, federation.uris, report.id, "dismiss", MANAGER)
        with pytest.raises(ModerationError, match="closed already"):
            await resolve(session, federation.uris, report.id, "dismiss", MANAGER)
        with pytest.raises(ModerationError, match="remote"):
            await forward(session, federation.uris, report.id, MANAGER)

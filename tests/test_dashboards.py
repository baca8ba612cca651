"""Dashboards: the numbers shown (tables and SVG marks) are what the database holds."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import func, select, update

from hub import stats
from hub.config import Settings
from hub.federation import Federation
from hub.moderation.reports import ReportDraft, file_report
from hub.posts import Draft, publish
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    DeliveryState,
    Follow,
    FollowDirection,
    FollowerCount,
    FollowState,
    InboxItem,
    InboxState,
    LocalActor,
    Person,
    RemoteActor,
    RemoteHost,
    Report,
    Visibility,
)
from hub.store.types import utcnow
from hub.worker import run_once
from tests.apikit import login, person_with_coop
from tests.helpers import make_coop
from web import charts

MANAGER, EDITOR = "lea@hub.example", "mia@fairbnb.example"


class Tables(HTMLParser):
    """Each `<figure class="chart">` of a page: its SVG marks, table caption and rows."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "figure" and found.get("class") == "chart":
            self.figures.append({"marks": 0, "caption": "", "rows": []})
        elif not self.figures:
            return
        elif found.get("class") == "mark":
            self.figures[-1]["marks"] += 1
        elif tag == "tr":
            self.figures[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.figures[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.figures[-1]["caption"] += data


def figures(html: str) -> dict[str, dict[str, Any]]:
    """The page's charts by table caption; rows without the header row."""
    parser = Tables()
    parser.feed(html)
    return {f["caption"].strip(): {**f, "rows": f["rows"][1:]} for f in parser.figures}


async def follower(db: Database, coop: LocalActor, host: str, name: str, accepted: bool) -> None:
    async with db.begin() as session:
        actor = RemoteActor(uri=f"https://{host}/users/{name}", domain=host, username=name,
                            inbox_uri=f"https://{host}/users/{name}/inbox")  # fmt: skip
        session.add(actor)
        await session.flush()
        state = FollowState.accepted if accepted else FollowState.pending
        session.add(Follow(local_actor_id=coop.id, remote_actor_id=actor.id,
                           direction=FollowDirection.inbound, state=state))  # fmt: skip


@pytest.fixture
async def seeded(federation: Federation, db: Database, settings: Settings) -> dict[str, Any]:
    """Two coops with followers on three servers, a post delivered in part, reports, history."""
    manager, _ = await person_with_coop(db, settings, MANAGER, "netzwerkteam")
    async with db.begin() as session:
        await session.execute(update(Person).where(Person.id == manager.id).values(is_manager=True))
    _, fairbnb = await person_with_coop(db, settings, EDITOR, "fairbnb")
    other = await make_coop(db, settings, "kochkollektiv")
    await follower(db, fairbnb, "a.test", "ana", True)
    await follower(db, fairbnb, "b.test", "ben", True)
    await follower(db, fairbnb, "c.test", "cem", False)
    await follower(db, other, "a.test", "aya", True)
    today = utcnow().date()
    async with db.begin() as session:
        post = await publish(session, federation.uris, fairbnb,
                             Draft("Hallo Netz", visibility=Visibility.public))  # fmt: skip
        for days, followers in ((2, 1), (1, 2)):
            day = (today - timedelta(days=days)).isoformat()
            session.add(FollowerCount(local_actor_id=fairbnb.id, day=day, followers=followers))
        session.add(RemoteHost(host="b.test", unavailable_since=utcnow() - timedelta(days=1)))
        session.add(InboxItem(activity_uri="https://a.test/a/1", actor_uri="https://a.test/u",
                              ap_json={}, state=InboxState.pending))  # fmt: skip
        for reporter in ("Ada", "Bo", "Cy"):
            draft = ReportDraft(reporter, federation.uris.actor("fairbnb"), "?")
            await file_report(session, federation.uris, draft)
    async with db.begin() as session:
        await session.execute(update(Delivery).where(Delivery.host == "a.test")
                              .values(state=DeliveryState.done))  # fmt: skip
        await session.execute(update(Delivery).where(Delivery.host == "b.test")
                              .values(state=DeliveryState.failed))  # fmt: skip
        oldest = select(func.min(Report.id)).scalar_subquery()
        await session.execute(update(Report).where(Report.id == oldest)
                              .values(created_at=utcnow() - timedelta(days=3)))  # fmt: skip
    return {"post": post, "fairbnb": fairbnb, "other": other, "today": today}


async def test_the_manager_dashboard_shows_what_the_database_holds(
    client: Any, db: Database, seeded: dict[str, Any]
) -> None:
    await login(client, MANAGER)
    answer = await client.get("/moderation/dashboard?lang=en")
    html = await answer.text()
    assert answer.status == 200, html
    shown = figures(html)
    health = shown["Deliveries per server (the busiest first)"]
    async with db.read() as session:
        query = select(Delivery.host, Delivery.state, func.count()).group_by(
            Delivery.host, Delivery.state
        )
        held = {(host, str(state)): n for host, state, n in (await session.execute(query)).all()}
    assert held == {("a.test", "done"): 1, ("b.test", "failed"): 1}
    rows = {row[0]: row[1:] for row in health["rows"]}
    assert rows["a.test"][:3] == ["1", "0", "0"] and rows["b.test"][:3] == ["0", "1", "0"]
    assert rows["b.test"][3] != "–" and rows["a.test"][3] == "–"
    assert health["marks"] == 3 * len(health["rows"]) == 6
    assert "Received activities waiting: 1" in html and "Unavailable servers: 1" in html
    today = seeded["today"]
    followers = shown["Followers of Fairbnb (@fairbnb)"]
    days = [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert followers["rows"] == [[days[0], "1"], [days[1], "2"], [days[2], "2"]]
    assert followers["marks"] == 3
    assert shown["Followers of Kochkollektiv (@kochkollektiv)"]["rows"] == [[days[2], "1"]]
    reached = shown["Servers that received the newest posts"]
    assert [f"fairbnb #{seeded['post'].id}", "1"] in reached["rows"]
    assert reached["marks"] == len(reached["rows"])
    reports = shown["Reports per day, last 30 days"]
    assert len(reports["rows"]) == 30 == reports["marks"]
    counted = {day: int(n) for day, n in reports["rows"]}
    assert counted[today.isoformat()] == 2
    assert counted[(today - timedelta(days=3)).isoformat()] == 1
    assert sum(counted.values()) == 3
    assert "<script" not in html and not re.search(r"<svg[^>]*>(?!<title>)", html)


async def test_the_dashboard_is_for_managers_only(client: Any, seeded: dict[str, Any]) -> None:
    anonymous = await client.get("/moderation/dashboard", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/login")
    await login(client, EDITOR)
    refused = await client.get("/moderation/dashboard")
    assert refused.status == 403 and "<svg" not in await refused.text()


async def test_an_editor_sees_only_their_own_coops_reach(
    client: Any, seeded: dict[str, Any]
) -> None:
    await login(client, EDITOR)
    own = await client.get("/account/coops/fairbnb/reach?lang=en")
    html = await own.text()
    assert own.status == 200, html
    shown = figures(html)
    assert list(shown) == [
        "Followers of Fairbnb (@fairbnb)", "Servers that received the newest posts"
    ]  # fmt: skip
    assert shown["Followers of Fairbnb (@fairbnb)"]["rows"][-1][1] == "2"
    assert shown["Servers that received the newest posts"]["rows"] == [
        [f"fairbnb #{seeded['post'].id}", "1"]
    ]
    assert (await client.get("/account/coops/kochkollektiv/reach")).status == 403
    assert (await client.get("/account/coops/nobody/reach")).status == 404
    account = await (await client.get("/account")).text()
    assert "/account/coops/fairbnb/reach" in account and "/moderation/dashboard" not in account


async def test_a_manager_may_see_any_coops_reach(client: Any, seeded: dict[str, Any]) -> None:
    await login(client, MANAGER)
    assert (await client.get("/account/coops/kochkollektiv/reach")).status == 200
    assert "/moderation/dashboard" in await (await client.get("/account")).text()


async def test_the_worker_writes_todays_follower_counts_once_a_day(
    federation: Federation, db: Database, seeded: dict[str, Any]
) -> None:
    await run_once(federation)
    await run_once(federation, utcnow() + timedelta(hours=2))
    async with db.read() as session:
        rows = (await session.execute(select(FollowerCount).where(
            FollowerCount.day == seeded["today"].isoformat()))).scalars().all()  # fmt: skip
        by_actor = {row.local_actor_id: row.followers for row in rows}
        live = await stats.follower_counts_now(session)
    assert by_actor[seeded["fairbnb"].id] == 2 == live[seeded["fairbnb"].id]
    assert by_actor[seeded["other"].id] == 1
    assert len(rows) == len(by_actor)  # one row per actor and day, however often it runs


def test_chart_labels_and_titles_are_escaped_and_every_point_has_a_mark() -> None:
    points = [stats.Point("<b>1</b>", 3), stats.Point("zwei & drei", 0)]
    for svg in (charts.bar_chart(points, "<Titel>"), charts.line_chart(points, "<Titel>")):
        assert "<b>" not in svg and "&lt;b&gt;" in svg and "&lt;Titel&gt;" in svg
        assert svg.count('class="mark"') == 2 and "<script" not in svg
    stacked = charts.stacked_bars([("a.test", (1, 2, 0))], ("ok", "kaputt", "wartet"), "T")
    assert stacked.count('class="mark"') == 3

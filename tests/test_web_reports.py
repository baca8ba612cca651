"""The web report form on post and profile pages, and the coop owners' list of reports."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from hub import accounts, memberships
from hub.federation import Federation
from hub.moderation.resolutions import resolve
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.store.models import Report, Role
from tests.apikit import PASSWORD, count, custom_client, login, person_with_coop
from tests.helpers import BROWSER_ACCEPT, csrf_field
from tests.inboxkit import COOP, publish
from web.keys import LIMITS

OWNER = "olga@fairbnb.example"
EDITOR = "emil@fairbnb.example"
STRANGER = "sam@other.example"
REPORTS = "/account/coops/fairbnb/reports"


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    """The coop fairbnb with an owner and an editor, and a stranger who owns another coop."""
    _, fairbnb = await person_with_coop(db, settings, OWNER, "fairbnb", Role.owner)
    await person_with_coop(db, settings, STRANGER, "other", Role.owner)
    async with db.begin() as session:
        editor, _ = await accounts.create_person(session, EDITOR, PASSWORD)
        await memberships.grant(session, editor, fairbnb, Role.editor)


pytestmark = pytest.mark.usefixtures("coop")


async def report_via_form(client: Any, page: str, **fields: str) -> Any:
    """Follow the page's Report link and send the form like a browser."""
    text = await (await client.get(page, headers=BROWSER_ACCEPT)).text()
    link = re.search(r'href="(/report\?uri=[^"]+)"', text)
    assert link is not None, "the page has no report link"
    form = await client.get(htmllib.unescape(link.group(1)))
    assert form.status == 200
    html = await form.text()
    uri = re.search(r'name="uri" value="([^"]+)"', html)
    assert uri is not None
    data = {"uri": htmllib.unescape(uri.group(1)), "category": "spam", "comment": "",
            "csrf": csrf_field(html), **fields}  # fmt: skip
    return await client.post("/report", data=data, allow_redirects=False)


async def reports(db: Database) -> list[Report]:
    async with db.read() as session:
        return list((await session.execute(select(Report).order_by(Report.id))).scalars())


async def test_the_report_link_on_a_post_files_a_report_with_a_snapshot(
    client: Any, db: Database, settings: Any
) -> None:
    post_id, post_uri = await publish(db, settings, "Billige Uhren hier")
    response = await report_via_form(
        client, f"/users/fairbnb/statuses/{post_id}", comment="Werbung", email="ada@example.org"
    )
    assert response.status == 303 and response.headers["Location"] == "/report/thanks"
    assert (await client.get("/report/thanks")).status == 200
    [report] = await reports(db)
    assert (report.target_uri, report.status_uris, report.state) == (COOP, [post_uri], "open")
    assert "Billige Uhren hier" in report.snapshot[0]["content"]
    assert report.comment == "[spam] Werbung" and report.reporter_email == "ada@example.org"


async def test_the_report_link_on_a_profile_reports_the_coop(client: Any, db: Database) -> None:
    response = await report_via_form(client, "/users/fairbnb", category="violation", name="Ada")
    assert response.status == 303
    [report] = await reports(db)
    assert (report.target_uri, report.status_uris, report.reporter_name) == (COOP, [], "Ada")


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"category": "hate"}, "was nicht stimmt"),
        ({"email": "nicht-mail"}, "'nicht-mail' ist keine E-Mail-Adresse"),
        ({"comment": "x" * 5001}, "höchstens 5000 Zeichen"),
        ({"uri": "http://hub.test/users/nobody"}, "nichts zu melden"),
    ],
)
async def test_bad_report_input_is_422_with_one_line_and_stores_nothing(
    client: Any, db: Database, fields: dict[str, str], line: str
) -> None:
    response = await report_via_form(client, "/users/fairbnb", **fields)
    assert response.status == 422
    [error] = re.findall(r'<p class="error" role="alert">([^<]*)</p>', await response.text())
    assert line in htmllib.unescape(error)
    assert await count(db, Report) == 0


async def test_the_form_for_an_unknown_address_is_404(client: Any) -> None:
    uri = quote("http://hub.test/users/nobody", safe="")
    assert (await client.get(f"/report?uri={uri}")).status == 404
    assert (await client.get("/report")).status == 404


async def test_a_report_without_csrf_is_403_and_stores_nothing(client: Any, db: Database) -> None:
    await client.get(f"/report?uri={quote(COOP, safe='')}")
    response = await client.post("/report", data={"uri": COOP, "category": "spam"})
    assert response.status == 403
    assert await count(db, Report) == 0


async def test_reports_are_rate_limited_per_address(federation: Federation, db: Database) -> None:
    def strict(app: Any) -> None:
        app[LIMITS] = Limits(per_form=1)

    async with custom_client(federation, strict) as client:
        assert (await report_via_form(client, "/users/fairbnb")).status == 303
        again = await report_via_form(client, "/users/fairbnb")
        assert again.status == 429 and int(again.headers["Retry-After"]) > 0
    assert await count(db, Report) == 1


async def test_the_owner_sees_reports_about_the_coop_without_who_reported(
    client: Any, db: Database, settings: Any, federation: Federation
) -> None:
    post_id, _ = await publish(db, settings, "Billige Uhren hier")
    page = f"/users/fairbnb/statuses/{post_id}"
    fields = {"comment": "Werbung", "name": "Ada Geheim", "email": "ada@example.org"}
    assert (await report_via_form(client, page, **fields)).status == 303
    await report_via_form(client, "/users/other", comment="Anderer Coop")
    [report, _] = await reports(db)
    async with db.begin() as session:
        await resolve(session, federation.uris, report.id, "dismiss", "manager@hub.test")
    async with TestClient(TestServer(client.app, host="127.0.0.1")) as owner:
        assert (await login(owner, OWNER)).status == 303
        assert f'href="{REPORTS}"' in await (await owner.get("/account")).text()
        listing = await owner.get(REPORTS)
        html = await listing.text()
    assert listing.status == 200 and listing.headers["Cache-Control"] == "no-store"
    assert "[spam] Werbung" in html and "Billige Uhren hier" in html
    assert "abgewiesen" in html  # dismissed, in German
    assert "Anderer Coop" not in html
    assert "Ada Geheim" not in html and "ada@example.org" not in html


@pytest.mark.parametrize("email", [EDITOR, STRANGER])
async def test_editors_and_strangers_get_403_on_the_reports_page(client: Any, email: str) -> None:
    assert (await login(client, email)).status == 303
    assert REPORTS not in await (await client.get("/account")).text()
    response = await client.get(REPORTS)
    assert response.status == 403
    assert (await client.get("/account/coops/nobody/reports")).status == 403


async def test_the_reports_page_asks_visitors_to_log_in(client: Any) -> None:
    response = await client.get(REPORTS, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?next=")

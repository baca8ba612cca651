"""HTML pages: the start page and one-time password links."""

from __future__ import annotations

from typing import Any

import pytest

from hub import accounts
from hub.store.db import Database
from tests.helpers import BROWSER_ACCEPT, csrf_field, make_coop


async def test_start_page_shows_the_network_handle_and_the_directory_lists_coops(
    client: Any, db: Database, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")
    await make_coop(db, settings, "polypoly", name="polypoly <SEC>")
    start = await client.get("/", headers=BROWSER_ACCEPT)
    assert start.status == 200
    text = await start.text()
    assert '<html lang="de">' in text and "@network@hub.test" in text
    html = await (await client.get("/members", headers=BROWSER_ACCEPT)).text()
    assert 'href="http://hub.test/users/fairbnb">Fairbnb Coop</a>' in html
    assert "polypoly &lt;SEC&gt;" in html


async def test_manager_link_sets_the_password_once(client: Any, db: Database) -> None:
    async with db.begin() as session:
        link = await accounts.create_manager(session, "claudia@platformcoop.example")
    path = f"/setup/{link.token}"
    form = await client.get(path)
    assert form.status == 200
    text = await form.text()
    assert "claudia@platformcoop.example" in text and 'name="email"' not in text
    token = csrf_field(text)
    done = await client.post(
        path,
        data={"password": "sehr-geheim-1", "password_confirm": "sehr-geheim-1", "csrf": token},
    )
    assert done.status == 200
    again = await client.post(
        path,
        data={"password": "anderes-pw-22", "password_confirm": "anderes-pw-22", "csrf": token},
    )
    assert again.status == 404
    async with db.begin() as session:
        person = await accounts.set_password_by_link(
            session, (await accounts.create_manager(session, "x@y.example")).token, "0123456789"
        )
        assert accounts.verify_password(person, "0123456789")
        assert not accounts.verify_password(person, "wrong-password")
        assert await accounts.has_manager(session)


async def test_unknown_link_is_404_and_says_so(client: Any) -> None:
    response = await client.get("/setup/not-a-real-token", headers=BROWSER_ACCEPT)
    assert response.status == 404
    assert "ungültig oder abgelaufen" in await response.text()


async def test_first_manager_link_replaces_older_links_and_stops_once_a_manager_exists(
    db: Database,
) -> None:
    async with db.begin() as session:
        first = await accounts.first_manager_link(session)
        second = await accounts.first_manager_link(session)
    assert first is not None and second is not None
    async with db.begin() as session:
        assert (await accounts.redeem_link(session, second.token)).purpose == accounts.FIRST_MANAGER
        with pytest.raises(accounts.AccountError):
            await accounts.redeem_link(session, first.token)
        await accounts.set_password_by_link(
            session, second.token, "erste-managerin", "ela@coop.example"
        )
    async with db.begin() as session:
        assert await accounts.first_manager_link(session) is None


async def test_oversized_setup_form_is_413(client: Any, db: Database) -> None:
    async with db.begin() as session:
        link = await accounts.create_manager(session, "big@coop.example")
    response = await client.post(f"/setup/{link.token}", data={"password": "x" * 20_000})
    assert response.status == 413


async def test_unknown_path_is_a_404_page_for_browsers_and_json_for_api_clients(
    client: Any,
) -> None:
    page = await client.get("/no/such/page", headers=BROWSER_ACCEPT)
    assert page.status == 404 and page.headers["Content-Type"].startswith("text/html")
    api = await client.get("/.well-known/nothing")
    assert api.status == 404 and (await api.json()) == {"error": "Not Found"}

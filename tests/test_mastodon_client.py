"""A real client app, Mastodon.py, against a hub served on 127.0.0.40 by a real aiohttp server."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from aiohttp import web
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError

from hub.config import Settings
from hub.federation import Federation
from hub.oauth import OOB
from hub.store.db import Database
from hub.store.models import OAuthToken, Post
from tests.apikit import PASSWORD, count, person_with_coop, pkce_pair, token_for
from tests.helpers import csrf_field
from web.app import create_app

ADDRESS = "127.0.0.40"
EMAIL = "mia@fairbnb.example"
SCOPES = ["read", "write"]


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """The hub's listening socket, bound first so that its port can go into the settings."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ADDRESS, 0))
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, listening: socket.socket) -> Settings:
    """The hub at http://127.0.0.40:PORT (Mastodon.py follows the advertised endpoints)."""
    port = listening.getsockname()[1]
    return dataclasses.replace(settings, domain=f"{ADDRESS}:{port}", enable_password_grant=True)


@pytest.fixture
async def base(federation: Federation, listening: socket.socket) -> AsyncIterator[str]:
    """Serve the hub for real and yield its base URL."""
    runner = web.AppRunner(create_app(federation), access_log=None)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    yield federation.settings.base_url
    await runner.cleanup()


async def register(base: str) -> tuple[str, str]:
    return await asyncio.to_thread(
        Mastodon.create_app, "Coophub-Test", scopes=SCOPES, redirect_uris=OOB, api_base_url=base
    )


async def browser_consent(url: str) -> str:
    """Play the person's browser: log in, allow the app, read the code off the OOB page."""
    jar = aiohttp.CookieJar(unsafe=True)  # the hub is reached by IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(url) as login_page:  # redirected to the login form
            assert login_page.url.path == "/login"
            form = {
                "email": EMAIL,
                "password": PASSWORD,
                "csrf": csrf_field(await login_page.text()),
                "next": login_page.url.query["next"],
            }
        async with browser.post(login_page.url.with_query(None), data=form) as consent:
            html = await consent.text()
            assert consent.status == 200 and "Coophub-Test" in html, html
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
        fields.update(coop=re.findall(r'name="coop" value="(\d+)"', html)[0], decision="allow")
        async with browser.post(consent.url.with_query(None), data=fields) as shown:
            page = await shown.text()
            assert shown.status == 200, page
    found = re.search(r'<code id="code">([^<]+)</code>', page)
    assert found
    return found.group(1)


async def test_password_grant_post_read_and_delete(
    base: str, db: Database, settings: Settings
) -> None:
    _person, coop = await person_with_coop(db, settings, EMAIL, "fairbnb")
    client_id, secret = await register(base)
    # The version check fetches /api/v1/instance at construction: do it off the loop too.
    app = await asyncio.to_thread(
        Mastodon,
        client_id=client_id,
        client_secret=secret,
        api_base_url=base,
        version_check_mode="created",
    )
    await asyncio.to_thread(app.log_in, EMAIL, PASSWORD, scopes=SCOPES, allow_http=True)
    me = await asyncio.to_thread(app.account_verify_credentials)
    assert (str(me["id"]), me["acct"]) == (str(coop.id), "fairbnb")
    status = await asyncio.to_thread(
        app.status_post,
        "Hallo aus Mastodon.py #Genossenschaft",
        visibility="unlisted",
        language="de",
        spoiler_text="Test",
        idempotency_key="eins",
    )
    again = await asyncio.to_thread(app.status, status["id"])
    assert again["content"] == status["content"] and again["language"] == "de"
    assert again["account"]["acct"] == "fairbnb"
    listed = await asyncio.to_thread(app.account_statuses, coop.id)
    assert [s["id"] for s in listed] == [status["id"]]
    gone = await asyncio.to_thread(app.status_delete, status["id"])
    assert gone["text"] == "Hallo aus Mastodon.py #Genossenschaft"
    assert await count(db, Post, Post.deleted_at.is_(None)) == 0
    instance = await asyncio.to_thread(app.instance)
    assert instance["api_versions"]["mastodon"] == 1


async def test_code_flow_through_the_login_and_consent_pages(
    base: str, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    client_id, secret = await register(base)
    app = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    url = await asyncio.to_thread(
        app.auth_request_url, redirect_uris=OOB, scopes=SCOPES, allow_http=True
    )
    code = await browser_consent(url)
    await asyncio.to_thread(app.log_in, code=code, scopes=SCOPES, allow_http=True)
    status = await asyncio.to_thread(app.status_post, "Per Code-Flow gepostet")
    assert status["account"]["acct"] == "fairbnb"


async def test_code_flow_with_pkce_then_the_token_in_mastodon_py(
    base: str, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    client_id, secret = await register(base)
    verifier, challenge = pkce_pair()
    app = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    url = await asyncio.to_thread(
        app.auth_request_url, redirect_uris=OOB, scopes=SCOPES, allow_http=True
    )
    code = await browser_consent(f"{url}&code_challenge={challenge}&code_challenge_method=S256")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": OOB,
        "client_id": client_id,
        "client_secret": secret,
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/oauth/token", data={**form, "code_verifier": "x" * 43}) as r:
            assert r.status == 400 and (await r.json())["error"] == "invalid_grant"
        code = await browser_consent(f"{url}&code_challenge={challenge}")
        async with http.post(
            f"{base}/oauth/token", data={**form, "code": code, "code_verifier": verifier}
        ) as r:
            token = await r.json()
            assert r.status == 200, token
    user = Mastodon(access_token=token["access_token"], api_base_url=base)
    me = await asyncio.to_thread(user.account_verify_credentials)
    assert me["username"] == "fairbnb"
    assert await count(db, OAuthToken) == 1


async def test_wrong_password_is_refused_and_issues_no_token(
    base: str, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    client_id, secret = await register(base)
    app = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
        await asyncio.to_thread(
            app.log_in, EMAIL, "falsches-passwort", scopes=SCOPES, allow_http=True
        )
    assert await count(db, OAuthToken) == 0


async def test_read_only_token_posting_is_403_in_mastodon_py(
    base: str, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, EMAIL, "fairbnb")
    token = await token_for(db, person, coop, "read")
    app = Mastodon(access_token=token, api_base_url=base)
    with pytest.raises(MastodonAPIError) as raised:
        await asyncio.to_thread(app.status_post, "Darf ich nicht")
    assert raised.value.args[1] == 403
    assert "outside the authorized scopes" in str(raised.value)
    assert await count(db, Post) == 0

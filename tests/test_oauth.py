"""OAuth 2: app registration, the code flow with PKCE, tokens, refresh, revoke, and bad input."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import update

from hub import memberships, worker
from hub.config import Settings
from hub.federation import Federation
from hub.oauth import OOB
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.store.models import OAuthApp, OAuthCode, OAuthToken, Role, WebSession
from hub.store.types import utcnow
from tests.apikit import (
    PASSWORD,
    count,
    custom_client,
    login,
    person_with_coop,
    pkce_pair,
    token_for,
)
from tests.helpers import csrf_field, make_coop
from web import grantcache
from web.keys import LIMITS

EMAIL = "mia@fairbnb.example"
CALLBACK = "https://app.example/callback"


async def register(client: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "client_name": "Tusky",
        "redirect_uris": f"{CALLBACK} {OOB}",
        "scopes": "read write",
        **extra,
    }
    response = await client.post("/api/v1/apps", json=body)
    assert response.status == 200
    return dict(await response.json())


async def authorize(
    client: Any, app: dict[str, Any], redirect: str = CALLBACK, **params: str
) -> Any:
    """Log in (if needed), open the consent page and allow; return the final answer."""
    query = {
        "client_id": app["client_id"],
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": "read write",
        **params,
    }
    page = await client.get("/oauth/authorize", params=query, allow_redirects=False)
    if page.status == 303:
        await login(client, EMAIL, target=page.headers["Location"].split("next=", 1)[1])
        page = await client.get("/oauth/authorize", params=query)
    html = await page.text()
    assert page.status == 200, html
    coop_id = html.split('name="coop" value="', 1)[1].split('"', 1)[0]
    form = {**query, "csrf": csrf_field(html), "coop": coop_id, "decision": "allow"}
    return await client.post("/oauth/authorize", data=form, allow_redirects=False)


def code_of(answer: Any) -> str:
    assert answer.status == 302, answer.status
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


async def exchange(client: Any, app: dict[str, Any], code: str, **extra: str) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": CALLBACK,
        **extra,
    }
    return await client.post("/oauth/token", data=data)


async def test_apps_register_from_json_and_form_and_keep_only_a_hash(
    client: Any, db: Database
) -> None:
    app = await register(client, unknown_field="ignored")
    assert app["redirect_uris"] == [CALLBACK, OOB] and app["scopes"] == ["read", "write"]
    form = await client.post("/api/v1/apps", data={"client_name": "toot", "redirect_uris": OOB})
    assert form.status == 200 and (await form.json())["scopes"] == ["read"]
    assert await count(db, OAuthApp, OAuthApp.client_secret_hash == app["client_secret"]) == 0
    assert await count(db, OAuthApp) == 2


async def test_bad_app_registration_is_422_and_creates_nothing(client: Any, db: Database) -> None:
    for body in (
        {"client_name": "", "redirect_uris": OOB},
        {"client_name": "x", "redirect_uris": "not a uri"},
        {"client_name": "x", "redirect_uris": OOB, "scopes": "read admin:all"},
    ):
        response = await client.post("/api/v1/apps", json=body)
        assert response.status == 422
        assert set(await response.json()) == {"error", "error_description"}
    assert await count(db, OAuthApp) == 0


async def test_code_flow_with_pkce_gives_a_token_that_acts_as_the_chosen_coop(
    client: Any, db: Database, settings: Settings
) -> None:
    _person, coop = await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    verifier, challenge = pkce_pair()
    answer = await authorize(
        client, app, state="xyz", code_challenge=challenge, code_challenge_method="S256"
    )
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["state"] == ["xyz"]
    response = await exchange(client, app, code_of(answer), code_verifier=verifier)
    token = await response.json()
    assert response.status == 200 and token["scope"] == "read write"
    assert response.headers["Cache-Control"] == "no-store"
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert (await me.json())["id"] == str(coop.id)
    assert await count(db, OAuthToken, OAuthToken.token_hash == token["access_token"]) == 0


async def test_reused_code_is_invalid_grant(client: Any, db: Database, settings: Settings) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    code = code_of(await authorize(client, app))
    assert (await exchange(client, app, code)).status == 200
    again = await exchange(client, app, code)
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    assert await count(db, OAuthToken) == 1


async def test_expired_code_is_invalid_grant(client: Any, db: Database, settings: Settings) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    code = code_of(await authorize(client, app))
    async with db.begin() as session:
        await session.execute(update(OAuthCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    answer = await exchange(client, app, code)
    assert answer.status == 400 and (await answer.json())["error"] == "invalid_grant"
    assert await count(db, OAuthToken) == 0


async def test_wrong_or_missing_pkce_verifier_is_invalid_grant_and_spends_the_code(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    verifier, challenge = pkce_pair()
    for sent in ("wrong-" + verifier, None):
        code = code_of(await authorize(client, app, code_challenge=challenge))
        extra = {"code_verifier": sent} if sent else {}
        answer = await exchange(client, app, code, **extra)
        body = await answer.json()
        assert answer.status == 400 and body["error"] == "invalid_grant", body
        assert (await exchange(client, app, code, code_verifier=verifier)).status == 400
    assert await count(db, OAuthToken) == 0


async def test_token_with_another_redirect_uri_is_invalid_grant(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    code = code_of(await authorize(client, app))
    answer = await exchange(client, app, code, redirect_uri=OOB)
    assert answer.status == 400 and (await answer.json())["error"] == "invalid_grant"
    assert await count(db, OAuthToken) == 0


async def test_unregistered_redirect_uri_shows_an_error_page_and_never_redirects(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    query = {
        "client_id": app["client_id"],
        "redirect_uri": "https://evil.example/steal",
        "response_type": "code",
    }
    page = await client.get("/oauth/authorize", params=query, allow_redirects=False)
    assert page.status == 400 and "Location" not in page.headers
    assert "nicht registriert" in await page.text() or "not registered" in await page.text()
    assert await count(db, OAuthCode) == 0


async def test_oob_redirect_shows_the_code_on_a_page(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    page = await authorize(client, app, redirect=OOB)
    html = await page.text()
    assert page.status == 200
    code = html.split('<code id="code">', 1)[1].split("<", 1)[0]
    answer = await exchange(client, app, code, redirect_uri=OOB)
    assert answer.status == 200


async def test_denied_consent_redirects_with_access_denied_and_no_code(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    await login(client, EMAIL)
    query = {"client_id": app["client_id"], "redirect_uri": CALLBACK, "scope": "read"}
    html = await (await client.get("/oauth/authorize", params=query)).text()
    form = {**query, "csrf": csrf_field(html), "decision": "deny"}
    answer = await client.post("/oauth/authorize", data=form, allow_redirects=False)
    assert answer.status == 302 and "error=access_denied" in answer.headers["Location"]
    assert await count(db, OAuthCode) == 0


async def test_refresh_rotates_and_revoke_stops_the_token(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    first = await (await exchange(client, app, code_of(await authorize(client, app)))).json()
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    old = {"Authorization": f"Bearer {first['access_token']}"}
    # Used first, so this process remembers the grant: rotating and revoking must still stop it.
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=old)).status == 200
    refreshed = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **creds},
    )
    second = await refreshed.json()
    assert refreshed.status == 200 and second["access_token"] != first["access_token"]
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=old)).status == 401
    new = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=new)).status == 200
    revoked = await client.post("/oauth/revoke", data={"token": second["access_token"], **creds})
    assert revoked.status == 200
    response = await client.get("/api/v1/accounts/verify_credentials", headers=new)
    assert response.status == 401 and list(await response.json()) == ["error"]


async def test_client_credentials_token_has_no_user(client: Any) -> None:
    app = await register(client)
    answer = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    token = await answer.json()
    assert answer.status == 200 and token["scope"] == "read" and "refresh_token" not in token
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert me.status == 422


async def test_client_may_authenticate_with_http_basic(client: Any) -> None:
    app = await register(client)
    pair = f"{app['client_id']}:{app['client_secret']}".encode()
    basic = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    answer = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic
    )
    assert answer.status == 200 and (await answer.json())["scope"] == "read write"


async def test_wrong_client_secret_is_401_invalid_client(client: Any, db: Database) -> None:
    app = await register(client)
    answer = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": "nope",
        },
    )
    assert answer.status == 401 and (await answer.json())["error"] == "invalid_client"
    assert await count(db, OAuthToken) == 0


async def test_password_grant_is_off_unless_enabled(client: Any) -> None:
    app = await register(client)
    answer = await client.post(
        "/oauth/token",
        json={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": EMAIL,
            "password": "x",
        },
    )
    assert answer.status == 400 and (await answer.json())["error"] == "unsupported_grant_type"


async def test_metadata_advertises_pkce_and_the_grants(client: Any) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")
    body = await response.json()
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["token_endpoint"] == "http://hub.test/oauth/token"
    assert "password" not in body["grant_types_supported"]
    assert {"read", "write:statuses", "follow", "push"} <= set(body["scopes_supported"])


async def test_person_with_several_coops_picks_the_one_the_app_acts_as(
    client: Any, db: Database, settings: Settings
) -> None:
    person, _first = await person_with_coop(db, settings, EMAIL, "fairbnb")
    second = await make_coop(db, settings, "smart")
    async with db.begin() as session:
        await memberships.grant(session, person, second, Role.owner)
    app = await register(client)
    await login(client, EMAIL)
    query = {"client_id": app["client_id"], "redirect_uri": CALLBACK, "scope": "read"}
    html = await (await client.get("/oauth/authorize", params=query)).text()
    assert "@fairbnb" in html and "@smart" in html
    form = {**query, "csrf": csrf_field(html), "coop": str(second.id), "decision": "allow"}
    answer = await client.post("/oauth/authorize", data=form, allow_redirects=False)
    token = await (await exchange(client, app, code_of(answer))).json()
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert (await me.json())["username"] == "smart"


async def test_consent_for_a_coop_the_person_does_not_manage_is_refused(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    other = await make_coop(db, settings, "smart")
    app = await register(client)
    await login(client, EMAIL)
    query = {"client_id": app["client_id"], "redirect_uri": CALLBACK, "scope": "read"}
    html = await (await client.get("/oauth/authorize", params=query)).text()
    form = {**query, "csrf": csrf_field(html), "coop": str(other.id), "decision": "allow"}
    answer = await client.post("/oauth/authorize", data=form, allow_redirects=False)
    assert answer.status == 422
    assert await count(db, OAuthCode) == 0


async def test_revoking_the_membership_stops_the_persons_tokens(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, EMAIL, "fairbnb")
    token = await token_for(db, person, coop, "read")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status == 200
    async with db.begin() as session:  # as `hub coop revoke` does, from another process
        await memberships.revoke(session, person, coop)
    await asyncio.sleep(grantcache.TTL_SECONDS)  # what this process remembers of the token
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status == 401


async def test_password_grant_when_enabled_is_rate_limited(
    federation: Federation, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")

    def strict(app: Any) -> None:
        app[LIMITS] = Limits(per_ip=50, per_email=2)

    async with custom_client(federation, strict, enable_password_grant=True) as client:
        app = await register(client)
        grant = {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": EMAIL,
            "scope": "read",
        }
        for _ in range(2):
            wrong = await client.post("/oauth/token", data={**grant, "password": "falsch-123"})
            assert wrong.status == 400 and (await wrong.json())["error"] == "invalid_grant"
        locked = await client.post("/oauth/token", data={**grant, "password": PASSWORD})
        assert locked.status == 429 and set(await locked.json()) == {"error", "error_description"}
    assert await count(db, OAuthToken) == 0


async def test_worker_purges_spent_codes_and_expired_sessions(
    client: Any, db: Database, settings: Settings, federation: Federation
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    app = await register(client)
    assert (await exchange(client, app, code_of(await authorize(client, app)))).status == 200
    async with db.begin() as session:
        await session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(days=1)))
    await worker.run_once(federation)
    assert (await count(db, OAuthCode), await count(db, WebSession)) == (0, 0)
    assert await count(db, OAuthToken) == 1

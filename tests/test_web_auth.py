"""Web sessions: login, logout, password change and reset, CSRF and rate limits."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from hub import accounts
from hub.config import Settings
from hub.federation import Federation
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.store.models import WebSession
from tests.apikit import PASSWORD, count, custom_client, login, person_with_coop
from tests.helpers import csrf_field
from web.keys import LIMITS

EMAIL = "mia@fairbnb.example"


async def test_login_opens_a_session_with_a_safe_cookie_and_logout_ends_it(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    response = await login(client, EMAIL, target="/account")
    assert response.status == 303 and response.headers["Location"] == "/account"
    cookie = response.cookies["hub_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    page = await client.get("/account")
    html = await page.text()
    assert page.status == 200 and EMAIL in html and "@fairbnb" in html
    assert await count(db, WebSession) == 1
    out = await client.post("/logout", data={"csrf": csrf_field(html)}, allow_redirects=False)
    assert out.status == 303
    assert await count(db, WebSession) == 0
    again = await client.get("/account", allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].startswith("/login?next=")


async def test_session_cookie_is_secure_on_https(
    federation: Federation, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    async with custom_client(federation, scheme="https") as client:
        form = await client.get("/login")
        seed = form.cookies["hub_csrf"]
        assert seed["secure"] and seed["httponly"] and seed["samesite"] == "Lax"
        # The test talks plain HTTP, so the client keeps Secure cookies to itself: send it by hand.
        data = {"email": EMAIL, "password": PASSWORD, "csrf": csrf_field(await form.text())}
        headers = {"Cookie": f"hub_csrf={seed.value}"}
        response = await client.post("/login", data=data, headers=headers, allow_redirects=False)
        assert response.status == 303
        assert response.cookies["hub_session"]["secure"]


async def test_wrong_password_is_401_and_opens_no_session(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    response = await login(client, EMAIL, "falsches-passwort")
    assert response.status == 401
    assert "stimmen nicht" in await response.text()
    assert "hub_session" not in response.cookies
    assert await count(db, WebSession) == 0


async def test_login_without_csrf_field_is_403(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    response = await client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status == 403
    assert "Formular" in await response.text()
    assert await count(db, WebSession) == 0


async def test_login_is_rate_limited_per_email(
    federation: Federation, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")

    def strict(app: Any) -> None:
        app[LIMITS] = Limits(per_ip=50, per_email=2)

    async with custom_client(federation, strict) as client:
        for _ in range(2):
            assert (await login(client, EMAIL, "falsches-passwort")).status == 401
        locked = await login(client, EMAIL)  # even the right password waits now
        assert locked.status == 429 and int(locked.headers["Retry-After"]) > 0
        assert "Zu viele Versuche" in await locked.text()
    assert await count(db, WebSession) == 0


async def test_login_never_redirects_to_another_site(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    response = await login(client, EMAIL, target="//evil.example/x")
    assert response.status == 303 and response.headers["Location"] == "/account"


async def test_password_change_ends_other_sessions(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    async with TestClient(TestServer(client.app, host="127.0.0.1")) as other:
        assert (await login(other, EMAIL)).status == 303
    await login(client, EMAIL)
    token = csrf_field(await (await client.get("/account")).text())
    new = "ein-neues-passwort-1"
    form = {"csrf": token, "current": PASSWORD, "password": new, "password_confirm": new}
    changed = await client.post("/account/password", data=form)
    assert changed.status == 200 and "wurde geändert" in await changed.text()
    assert await count(db, WebSession) == 1
    async with db.read() as session:
        assert await accounts.authenticate(session, EMAIL, new) is not None


async def test_password_change_with_wrong_current_password_changes_nothing(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await login(client, EMAIL)
    token = csrf_field(await (await client.get("/account")).text())
    form = {
        "csrf": token,
        "current": "falsch-falsch",
        "password": "x" * 12,
        "password_confirm": "x" * 12,
    }
    response = await client.post("/account/password", data=form)
    assert response.status == 422
    async with db.read() as session:
        assert await accounts.authenticate(session, EMAIL, PASSWORD) is not None


async def test_reset_link_sets_a_new_password_and_logs_out_everywhere(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await login(client, EMAIL)
    async with db.begin() as session:
        link = await accounts.reset_link(session, EMAIL)
    path = f"/setup/{link.token}"
    token = csrf_field(await (await client.get(path)).text())
    new = "nach-dem-reset-123"
    done = await client.post(path, data={"csrf": token, "password": new, "password_confirm": new})
    assert done.status == 200
    assert await count(db, WebSession) == 0
    assert (await login(client, EMAIL, new)).status == 303


async def test_login_is_rate_limited_per_ip_across_emails(
    federation: Federation, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")

    def strict(app: Any) -> None:
        app[LIMITS] = Limits(per_ip=3, per_email=50)

    async with custom_client(federation, strict) as client:
        assert (await login(client, EMAIL)).status == 303  # successes do not count
        for number in range(3):
            assert (await login(client, f"probe{number}@x.example", "raten-raten")).status == 401
        assert (await login(client, EMAIL)).status == 429
    assert await count(db, WebSession) == 1


async def test_account_errors_come_in_the_visitors_language_with_their_values(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await login(client, EMAIL)
    token = csrf_field(await (await client.get("/account")).text())
    short = {"csrf": token, "current": PASSWORD, "password": "kurz", "password_confirm": "kurz"}
    english = await client.post("/account/password", data=short, headers={"Accept-Language": "en"})
    assert english.status == 422
    assert "The password needs at least 10 characters." in await english.text()
    german = await client.post("/account/password", data=short, headers={"Accept-Language": "de"})
    assert "Das Passwort braucht mindestens 10 Zeichen." in await german.text()
    wrong = {
        **short,
        "current": "falsch-falsch",
        "password": "x" * 12,
        "password_confirm": "x" * 12,
    }
    response = await client.post("/account/password", data=wrong, headers={"Accept-Language": "en"})
    assert "The current password is wrong." in await response.text()
    login_page = await client.get("/login?lang=en")
    assert "Log in" in await login_page.text() and "Anmelden" not in await login_page.text()

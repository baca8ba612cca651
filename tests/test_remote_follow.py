"""Remote follow: the visitor's server is asked by WebFinger where they confirm a follow."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hub.store.db import Database
from tests.fakeremote import FakeRemote
from tests.helpers import BROWSER_ACCEPT, csrf_field, make_coop

JRD = "application/jrd+json"
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
INTENT = "https://w3id.org/fep/3b86/Follow"
TARGET = quote("http://hub.test/users/fairbnb", safe="")


def _serve_webfinger(remote: FakeRemote, links: list[dict[str, str]]) -> str:
    remote.serve("/.well-known/webfinger", {"subject": "acct:ada@remote.test", "links": links},
                 content_type=JRD)  # fmt: skip
    return f"@ada@remote.test:{remote.port}"


async def _follow(client: Any, handle: str, target: str = "fairbnb") -> Any:
    """Open the form like a browser, then send it with its CSRF field."""
    form = await client.get("/remote-follow", params={"target": target}, headers=BROWSER_ACCEPT)
    data = {"target": target, "handle": handle, "csrf": csrf_field(await form.text())}
    return await client.post(
        "/remote-follow", data=data, headers=BROWSER_ACCEPT, allow_redirects=False
    )


async def test_mastodon_style_subscribe_template_gets_a_redirect(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    template = remote.url("/authorize_interaction?uri={uri}")
    handle = _serve_webfinger(remote, [{"rel": SUBSCRIBE, "template": template}])
    response = await _follow(client, handle)
    assert response.status == 303
    assert response.headers["Location"] == remote.url(f"/authorize_interaction?uri={TARGET}")
    assert remote.fetched("/.well-known/webfinger") == 1


async def test_fep_3b86_follow_intent_is_preferred(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    links = [
        {"rel": SUBSCRIBE, "template": remote.url("/authorize_interaction?uri={uri}")},
        {"rel": INTENT, "template": remote.url("/intents/follow?object={object}")},
    ]
    response = await _follow(client, _serve_webfinger(remote, links))
    assert response.headers["Location"] == remote.url(f"/intents/follow?object={TARGET}")


async def test_server_without_a_follow_template_gets_a_readable_error(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    links = [{"rel": SUBSCRIBE, "template": "javascript:alert({uri})"}]
    response = await _follow(client, _serve_webfinger(remote, links))
    assert response.status == 502
    assert "bietet kein Folgen von anderen Servern an" in await response.text()


async def test_a_handle_that_is_no_handle_is_422_and_asks_nobody(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await _follow(client, "https://evil.example/x")
    assert response.status == 422
    html = await response.text()
    assert "@name@example.social" in html and 'value="https://evil.example/x"' in html
    assert remote.requests == []


async def test_without_a_handle_the_form_is_shown_and_unknown_coops_are_404(
    client: Any, db: Database, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb")
    form = await client.get("/remote-follow?target=fairbnb", headers=BROWSER_ACCEPT)
    assert form.status == 200
    html = await form.text()
    assert "Fairbnb folgen" in html and '<label for="handle">' in html
    missing = await client.get("/remote-follow?target=nobody", headers=BROWSER_ACCEPT)
    assert missing.status == 404


async def test_the_about_page_offers_to_follow_the_network_actor(
    client: Any, remote: FakeRemote
) -> None:
    html = await (await client.get("/about", headers=BROWSER_ACCEPT)).text()
    assert '<input type="hidden" name="target" value="network">' in html
    template = remote.url("/authorize_interaction?uri={uri}")
    handle = _serve_webfinger(remote, [{"rel": SUBSCRIBE, "template": template}])
    response = await _follow(client, handle, target="network")
    network = quote("http://hub.test/users/network", safe="")
    assert response.headers["Location"] == remote.url(f"/authorize_interaction?uri={network}")


async def test_get_with_a_handle_only_fills_in_the_form_and_asks_nobody(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    template = remote.url("/authorize_interaction?uri={uri}")
    handle = _serve_webfinger(remote, [{"rel": SUBSCRIBE, "template": template}])
    query = {"target": "fairbnb", "handle": handle}
    response = await client.get(
        "/remote-follow", params=query, headers=BROWSER_ACCEPT, allow_redirects=False
    )
    assert response.status == 200
    html = await response.text()
    assert 'method="post" action="/remote-follow"' in html and f'value="{handle}"' in html
    assert remote.requests == []


async def test_sending_the_form_without_its_csrf_field_is_403_and_asks_nobody(
    client: Any, db: Database, settings: Any, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    template = remote.url("/authorize_interaction?uri={uri}")
    handle = _serve_webfinger(remote, [{"rel": SUBSCRIBE, "template": template}])
    data = {"target": "fairbnb", "handle": handle}
    response = await client.post(
        "/remote-follow", data=data, headers=BROWSER_ACCEPT, allow_redirects=False
    )
    assert response.status == 403
    assert remote.requests == []

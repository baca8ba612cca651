"""WebFinger, host-meta and NodeInfo as Mastodon and browser clients use them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest

from hub.actors.local import delete_coop, get_coop
from hub.store.models import Post, Visibility
from hub.store.types import utcnow
from tests.golden import assert_golden
from tests.helpers import make_coop

JRD = "application/jrd+json"


async def test_webfinger_acct_resolves_a_coop(client: Any, db: Any, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:fairbnb@hub.test"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == JRD
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_golden("webfinger_coop", await response.json(content_type=None))


@pytest.mark.parametrize(
    "resource",
    [
        "acct:FairBnB@hub.test",
        "acct:fairbnb@HUB.TEST",
        "acct:fairbnb@hub.test.",
        "@fairbnb@hub.test",
        "fairbnb@hub.test",
        "http://hub.test/users/fairbnb",
        "http://hub.test/users/FAIRBNB",
    ],
)
async def test_webfinger_accepts_every_spelling_of_a_coop(
    client: Any, db: Any, settings: Any, resource: str
) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status == 200, await response.text()
    document = await response.json(content_type=None)
    assert document["subject"] == "acct:fairbnb@hub.test"
    self_link = next(link for link in document["links"] if link["rel"] == "self")
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": "http://hub.test/users/fairbnb",
    }


async def test_webfinger_finds_the_network_group_and_the_instance_actor(client: Any) -> None:
    group = await client.get("/.well-known/webfinger", params={"resource": "acct:network@hub.test"})
    assert (await group.json(content_type=None))["aliases"] == ["http://hub.test/users/network"]
    for resource in ("acct:hub.test@hub.test", "http://hub.test/actor"):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status == 200
        document = await response.json(content_type=None)
        assert document["subject"] == "acct:hub.test@hub.test"
        assert document["links"][0]["href"] == "http://hub.test/actor"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:fairbnb@other.test",
        "acct:nobody@hub.test",
        "https://other.test/users/fairbnb",
        "http://hub.test/users/fairbnb/outbox",
        "http://hub.test/elsewhere/fairbnb",
        "acct:instance.actor@hub.test",
    ],
)
async def test_webfinger_answers_404_for_other_hosts_and_unknown_names(
    client: Any, db: Any, settings: Any, resource: str
) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(await response.json(content_type=None)) == {"error"}


@pytest.mark.parametrize(
    "params", [{}, {"resource": ""}, {"resource": "fairbnb"}, {"resource": "acct:@hub.test"},
               {"resource": "acct:a@b@hub.test"}, {"resource": "acct:fairbnb@"}]
)  # fmt: skip
async def test_webfinger_answers_400_for_missing_or_malformed_resources(
    client: Any, params: dict[str, str]
) -> None:
    response = await client.get("/.well-known/webfinger", params=params)
    assert response.status == 400
    body = await response.json(content_type=None)
    assert list(body) == ["error"] and "\n" not in body["error"]


async def test_webfinger_of_a_deleted_coop_is_404(client: Any, db: Any, settings: Any) -> None:
    await make_coop(db, settings, "gone")
    async with db.begin() as session:
        await delete_coop(session, "gone")
    response = await client.get("/.well-known/webfinger", params={"resource": "acct:gone@hub.test"})
    assert response.status == 404


async def test_host_meta_points_to_webfinger_in_xml_and_json(client: Any) -> None:
    xml = await client.get("/.well-known/host-meta")
    assert xml.status == 200
    assert xml.headers["Content-Type"].startswith("application/xrd+xml")
    assert xml.headers["Access-Control-Allow-Origin"] == "*"
    root = ElementTree.fromstring(await xml.text())
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None
    template = "http://hub.test/.well-known/webfinger?resource={uri}"
    assert link.attrib == {"rel": "lrdd", "type": "application/xrd+xml", "template": template}
    jrd = await (await client.get("/.well-known/host-meta.json")).json(content_type=None)
    assert jrd["links"][0]["template"] == template


async def test_nodeinfo_index_lists_both_versions_and_the_instance_actor(client: Any) -> None:
    response = await client.get("/.well-known/nodeinfo")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_golden("nodeinfo_links", await response.json(content_type=None))


async def _post(db: Any, username: str, days_ago: int, **values: Any) -> None:
    async with db.begin() as session:
        coop = await get_coop(session, username)
        session.add(
            Post(
                local_actor_id=coop.id,
                content_html="<p>Hallo</p>",
                visibility=values.get("visibility", Visibility.public),
                published_at=utcnow() - timedelta(days=days_ago),
                deleted_at=values.get("deleted_at"),
            )
        )


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_reports_real_usage(
    client: Any, db: Any, settings: Any, version: str
) -> None:
    for name in ("fresh", "older", "quiet", "gone"):
        await make_coop(db, settings, name)
    await _post(db, "fresh", days_ago=1)
    await _post(db, "fresh", days_ago=2, visibility=Visibility.private)
    await _post(db, "older", days_ago=90)
    await _post(db, "older", days_ago=3, deleted_at=utcnow())
    await _post(db, "gone", days_ago=1)
    async with db.begin() as session:
        await delete_coop(session, "gone")
    response = await client.get(f"/nodeinfo/{version}")
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert f"schema/{version}#" in response.headers["Content-Type"]
    document = await response.json(content_type=None)
    assert document["version"] == version
    assert document["protocols"] == ["activitypub"]
    assert document["software"]["name"] == "coophub"
    assert document["usage"]["users"] == {"total": 3, "activeMonth": 1, "activeHalfyear": 2}
    assert document["usage"]["localPosts"] == 4


async def test_nodeinfo_of_an_unknown_version_is_404_with_cors(client: Any) -> None:
    response = await client.get("/nodeinfo/1.0")
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"

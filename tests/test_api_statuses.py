"""The first client API endpoints: instance, accounts and statuses, with every bad input."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config import Settings
from hub.store.db import Database
from hub.store.models import Delivery, Post, Visibility
from tests.apikit import count, person_with_coop, token_for
from tests.federation_data import add_follower


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def writer(db: Database, settings: Settings) -> tuple[str, int, int]:
    """A read-write token of mia for fairbnb: (token, coop id, person id)."""
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write"), coop.id, person.id


@pytest.mark.parametrize(
    "path", ["/api/v1/instance", "/api/v1/instance/", "/api/v2/instance", "/api/v2/instance/"]
)
async def test_instance_answers_with_and_without_trailing_slash(client: Any, path: str) -> None:
    response = await client.get(path)
    body = await response.json()
    assert response.status == 200
    assert body["version"].startswith("4.3.0 (compatible; Coophub")
    assert body["uri"] == "hub.test" and body["api_versions"] == {"mastodon": 1}
    assert body["configuration"]["statuses"]["max_characters"] == 5000


async def test_post_read_and_delete_a_status_with_team_credit(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    token, coop_id, person_id = writer
    created = await client.post(
        "/api/v1/statuses",
        data={
            "status": "Hallo #Fediverse",
            "visibility": "unlisted",
            "language": "de",
            "spoiler_text": "Neuigkeiten",
            "sensitive": "0",
        },
        headers=auth(token),
    )
    status = await created.json()
    assert created.status == 200, status
    assert status["account"]["id"] == str(coop_id) and status["visibility"] == "unlisted"
    assert status["spoiler_text"] == "Neuigkeiten" and status["tags"][0]["name"] == "fediverse"
    assert await count(db, Post, Post.person_id == person_id, Post.language == "de") == 1
    fetched = await client.get(f"/api/v1/statuses/{status['id']}")
    assert (await fetched.json())["content"] == status["content"]
    deleted = await client.delete(f"/api/v1/statuses/{status['id']}", headers=auth(token))
    assert (await deleted.json())["text"] == "Hallo #Fediverse"
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).status == 404


async def test_same_idempotency_key_returns_the_same_status_once(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    token = writer[0]
    headers = {**auth(token), "Idempotency-Key": "abc-123"}
    first = await client.post("/api/v1/statuses", json={"status": "Einmal"}, headers=headers)
    second = await client.post("/api/v1/statuses", json={"status": "Einmal"}, headers=headers)
    assert (await first.json())["id"] == (await second.json())["id"]
    assert await count(db, Post) == 1


async def test_read_only_token_cannot_post(client: Any, db: Database, settings: Settings) -> None:
    person, coop = await person_with_coop(db, settings, "leser@fairbnb.example", "fairbnb")
    token = await token_for(db, person, coop, "read")
    response = await client.post("/api/v1/statuses", json={"status": "x"}, headers=auth(token))
    assert response.status == 403
    assert await response.json() == {"error": "This action is outside the authorized scopes"}
    assert await count(db, Post) == 0


async def test_granular_write_statuses_scope_is_enough_to_post(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, "bot@fairbnb.example", "fairbnb")
    token = await token_for(db, person, coop, "write:statuses")
    response = await client.post("/api/v1/statuses", json={"status": "x"}, headers=auth(token))
    assert response.status == 200
    me = await client.get("/api/v1/accounts/verify_credentials", headers=auth(token))
    assert me.status == 403


async def test_another_coops_status_cannot_be_deleted(
    client: Any, db: Database, settings: Settings, writer: tuple[str, int, int]
) -> None:
    person, coop = await person_with_coop(db, settings, "ela@smart.example", "smart")
    theirs = await token_for(db, person, coop, "read write")
    created = await client.post(
        "/api/v1/statuses", json={"status": "Unser Post"}, headers=auth(theirs)
    )
    post_id = (await created.json())["id"]
    response = await client.delete(f"/api/v1/statuses/{post_id}", headers=auth(writer[0]))
    assert response.status == 404 and await response.json() == {"error": "Record not found"}
    assert await count(db, Post, Post.deleted_at.is_(None)) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "x" * 5001}, "longer than 5000 characters"),
        ({"status": "x", "visibility": "bogus"}, "visibility 'bogus'"),
        ({"status": "x", "language": "../../"}, "invalid language code"),
        ({"status": "   "}, "has no text"),
        ({"status": ["a list"]}, "status must be a string"),
        ({"status": "x", "media_ids": ["1"]}, "media 1 not found"),
        ({"status": "x", "media_ids": ["1", "2", "3", "4", "5"]}, "at most 4 images"),
        ({"status": "x", "scheduled_at": "2020-01-01T00:00:00Z"}, "at least 5 minutes"),
        ({"status": "x", "scheduled_at": "morgen früh"}, "not an ISO 8601 time"),
    ],
)
async def test_bad_status_is_422_with_one_error_and_nothing_created(
    client: Any, db: Database, writer: tuple[str, int, int], body: dict[str, Any], message: str
) -> None:
    response = await client.post("/api/v1/statuses", json=body, headers=auth(writer[0]))
    answer = await response.json()
    assert response.status == 422 and list(answer) == ["error"] and message in answer["error"]
    assert await count(db, Post) == 0
    assert await count(db, Delivery) == 0


async def test_missing_or_unknown_token_is_401(client: Any, db: Database) -> None:
    for headers in ({}, auth("not-a-token")):
        response = await client.post("/api/v1/statuses", json={"status": "x"}, headers=headers)
        assert response.status == 401 and list(await response.json()) == ["error"]
    assert await count(db, Post) == 0


async def test_private_status_is_hidden_from_others(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    token = writer[0]
    created = await client.post(
        "/api/v1/statuses",
        headers=auth(token),
        json={"status": "Nur für Folgende", "visibility": "private"},
    )
    post_id = (await created.json())["id"]
    assert (await client.get(f"/api/v1/statuses/{post_id}")).status == 404
    mine = await client.get(f"/api/v1/statuses/{post_id}", headers=auth(token))
    assert mine.status == 200


async def test_accounts_lookup_and_statuses_page_with_link_header(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    token, coop_id, _ = writer
    for number in range(3):
        await client.post(
            "/api/v1/statuses", json={"status": f"Post {number}"}, headers=auth(token)
        )
    found = await client.get("/api/v1/accounts/lookup", params={"acct": "@fairbnb@hub.test"})
    account = await found.json()
    assert account["id"] == str(coop_id) and account["statuses_count"] == 3
    assert (await client.get("/api/v1/accounts/lookup?acct=ghost")).status == 404
    assert (await client.get(f"/api/v1/accounts/{coop_id}")).status == 200
    first = await client.get(f"/api/v1/accounts/{coop_id}/statuses", params={"limit": "2"})
    page = await first.json()
    assert [s["content"] for s in page] == ["<p>Post 2</p>", "<p>Post 1</p>"]
    assert f'max_id={page[-1]["id"]}>; rel="next"' in first.headers["Link"]
    older = await client.get(
        f"/api/v1/accounts/{coop_id}/statuses", params={"max_id": page[-1]["id"]}
    )
    assert [s["content"] for s in await older.json()] == ["<p>Post 0</p>"]
    bad = await client.get(f"/api/v1/accounts/{coop_id}/statuses", params={"max_id": "x"})
    assert bad.status == 422


async def test_posted_status_reaches_the_followers_inbox_queue(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    await add_follower(db, "fairbnb", "http://remote.test/users/ada")
    headers = {**auth(writer[0]), "Idempotency-Key": "k1"}
    for _ in range(2):
        response = await client.post("/api/v1/statuses", json={"status": "Hallo"}, headers=headers)
        assert response.status == 200
    async with db.read() as session:
        post = await session.get(Post, int((await response.json())["id"]))
        assert post is not None and post.visibility == Visibility.public
    assert (
        await count(db, Delivery, Delivery.inbox_uri == "http://remote.test/users/ada/inbox") == 1
    )


async def test_reply_to_own_status_links_both_ways_and_unknown_parent_is_404(
    client: Any, db: Database, writer: tuple[str, int, int]
) -> None:
    token, coop_id, _ = writer
    parent = await client.post("/api/v1/statuses", json={"status": "Frage"}, headers=auth(token))
    parent_id = (await parent.json())["id"]
    reply = await client.post(
        "/api/v1/statuses",
        data={"status": "Antwort", "in_reply_to_id": parent_id},
        headers=auth(token),
    )
    body = await reply.json()
    assert body["in_reply_to_id"] == parent_id and body["in_reply_to_account_id"] == str(coop_id)
    missing = await client.post(
        "/api/v1/statuses", json={"status": "x", "in_reply_to_id": "999999"}, headers=auth(token)
    )
    assert missing.status == 404 and await missing.json() == {"error": "Record not found"}
    assert await count(db, Post) == 2

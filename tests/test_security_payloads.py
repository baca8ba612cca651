"""SECURITY-CHECKLIST sections 4 and 5 for what the hub stores of remote notes and actors.

Bodies go through the real inbox, signed for real; actor documents come from a FakeRemote.
P1 (deep nesting) is pinned in test_inbox.py, P7 and fetched-document P5 in test_client.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import (
    Follow,
    FollowState,
    InboxItem,
    InboxState,
    Interaction,
    RemoteNote,
    Visibility,
)
from hub.text import plain_text
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import (
    COOP,
    INBOX,
    activity,
    count,
    deliver,
    deliver_raw,
    follow_of,
    note_of,
    publish,
    remote_actor,
    run,
    state_of,
    stored_notes,
)

KIB = 1024


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


@pytest.fixture
async def post_uri(db: Database, settings: Any, coop: None) -> str:
    """A public post of the coop that remote notes reply to."""
    return (await publish(db, settings))[1]


async def _reply(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, **fields: Any
) -> RemoteNote:
    """Deliver one reply with the given Note fields, run the worker, return what was stored."""
    create = note_of(remote, "alice", 1, **fields)
    assert (await deliver(client, remote, "alice", create)).status == 202
    await run(federation)
    [note] = await stored_notes(db)
    return note


async def _follow_with_profile(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, **profile: Any
) -> Any:
    """Alice, whose actor document has these fields, follows the coop; return her cached row."""
    remote.actor("alice")
    remote.profiles["alice"] = profile
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 202
    await run(federation)
    async with db.begin() as session:
        assert (await session.execute(select(Follow.state))).scalar_one() == FollowState.accepted
    return await remote_actor(db, remote.actor("alice"))


# P2, H9: caps on strings and arrays.


@pytest.mark.parametrize("field", ["content", "summary"])
async def test_a_huge_string_field_is_cut_before_it_is_sanitised_or_stored(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str, field: str
) -> None:  # P2, H9
    started = time.monotonic()
    huge = "<b>" + "a" * (900 * KIB)
    note = await _reply(client, db, federation, remote, inReplyTo=post_uri, **{field: huge})
    assert len(note.content_html) <= 100_010 and len(note.summary or "") <= 1000
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("field", ["to", "cc", "tag", "attachment", "oneOf"])
async def test_huge_arrays_are_cut_and_never_stored_whole(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str, field: str
) -> None:  # P2
    started = time.monotonic()
    items: list[Any] = {
        "to": [f"{COOP}{n}" for n in range(15_000)],
        "cc": ["x"] * 100_000,
        "tag": [{"type": "Mention", "href": COOP}] * 10_000,
        "attachment": [{}] * 100_000,
        "oneOf": [{"type": "Note", "name": "o"}] * 10_000,
    }[field]
    extra = {"type": "Question"} if field == "oneOf" else {}
    note = await _reply(
        client, db, federation, remote, inReplyTo=post_uri, **{field: items}, **extra
    )
    assert len(json.dumps(note.ap_json)) < 1000
    assert time.monotonic() - started < 10


HUGE_PROFILES = {
    "name and summary": {
        "name": "N" * (10 * KIB),
        "preferredUsername": "u" * (10 * KIB),
        "summary": "<p>" + "s" * (900 * KIB) + "</p>",
    },
    "fields and aliases": {
        "attachment": [{"type": "PropertyValue", "name": "n" * 300, "value": "v" * 3000}] * 50
        + [{"type": "PropertyValue", "name": "n", "value": "v"}] * 950,
        "alsoKnownAs": [f"https://x.example/{n}" for n in range(10_000)],
    },
}


@pytest.mark.parametrize("profile", list(HUGE_PROFILES))
async def test_an_actor_with_huge_fields_is_stored_truncated(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None, profile: str
) -> None:  # P3
    row = await _follow_with_profile(client, db, federation, remote, **HUGE_PROFILES[profile])
    assert len(row.name or "") <= 100 and len(row.username or "") <= 100
    assert len(row.ap_json["summary"]) <= 5100
    assert len(row.ap_json["fields"]) <= 16
    assert all(len(f["name"]) <= 255 and len(f["value"]) <= 2100 for f in row.ap_json["fields"])
    assert "alsoKnownAs" not in row.ap_json


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize("where", ["activity id", "actor", "note id", "inReplyTo"])
async def test_overlong_ids_are_refused_not_crashing_the_database(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, where: str
) -> None:  # P2
    long = f"{remote.base}/" + "x" * 3000
    create = note_of(remote, "alice", 1, tag=[{"type": "Mention", "href": COOP}])
    if where == "activity id":
        create["id"] = long
    elif where == "actor":
        create["actor"] = long
    elif where == "note id":
        create["object"]["id"] = long
    else:
        create["object"]["inReplyTo"] = long
    response = await deliver(client, remote, "alice", create)
    assert response.status in (202, 400, 401)
    await run(federation)
    states = await _states(db)
    assert InboxState.failed not in states and InboxState.pending not in states
    notes = await stored_notes(db)
    assert all(len(note.uri) <= 2048 and len(note.in_reply_to_uri or "") <= 2048 for note in notes)


async def _states(db: Database) -> list[InboxState]:
    async with db.begin() as session:
        return list((await session.execute(select(InboxItem.state))).scalars())


# P4: wrong types and nulls.


async def test_wrong_types_in_a_note_are_normalized(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str
) -> None:  # P4
    note = await _reply(
        client,
        db,
        federation,
        remote,
        inReplyTo=post_uri,
        to=5,
        cc={"nested": {"id": 7}},
        tag="x",
        attachment={},
        published="99999-01-01T00:00:00Z",
        updated="year 99999",
        content=["<p>a</p>"],
        summary=5,
        contentMap=[],
        url=5,
    )
    assert (note.content_html, note.summary, note.language) == ("", None, None)
    assert note.visibility == Visibility.direct and note.published_at.year >= 2024


async def test_null_everywhere_in_a_note_is_harmless(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str
) -> None:  # P4
    nulls = dict.fromkeys(
        ("content", "summary", "to", "cc", "tag", "published", "url", "contentMap", "sensitive")
    )
    note = await _reply(client, db, federation, remote, inReplyTo=post_uri, **nulls)
    assert note.content_html == "" and note.visibility == Visibility.direct


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize("obj", [5, None, [], {}, [COOP, COOP], {"type": "Person"}])
async def test_a_follow_of_a_wrongly_typed_object_is_ignored(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, obj: Any
) -> None:  # P4
    follow = {**follow_of(remote), "object": obj}
    assert (await deliver(client, remote, "alice", follow)).status == 202
    await run(federation)
    assert await state_of(db, follow["id"]) == InboxState.ignored
    assert await count(db, Follow) == 0 and remote.received == []


async def test_wrong_types_in_an_actor_document_are_normalized(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # P4, P6
    row = await _follow_with_profile(
        client,
        db,
        federation,
        remote,
        type=["Zzz" * 1000, "Person", "Service"],
        name=5,
        preferredUsername=None,
        summary={"html": "<p>x</p>"},
        attachment={"type": "PropertyValue", "name": 5, "value": ["x"]},
        icon="x",
        url=5,
        endpoints=[],
        followers=["a", "b"],
    )
    assert (row.name, row.username, row.followers_uri, row.shared_inbox_uri) == (
        None,
        None,
        None,
        None,
    )
    assert row.ap_json["type"] == "Person" and row.ap_json["summary"] == ""
    assert row.ap_json["fields"] == [{"name": None, "value": ""}]
    assert row.ap_json["icon"] is None


# P5: duplicate keys, surrogates, NUL, invalid UTF-8.


FOLLOW = b'"id": "@A#1", "type": "Follow", "actor": "@A", "object": "@C"'
MALFORMED = {
    "duplicate actor": b'{"actor": "@B", ' + FOLLOW + b"}",
    "duplicate nested id": b"{" + FOLLOW + b', "x": {"id": "@C", "id": "@B"}}',
    "lone high": b"{" + FOLLOW + b', "x": "\\ud800"}',
    "lone low": b"{" + FOLLOW + b', "x": "\\udfff\\ud800"}',
    "NUL escape": b"{" + FOLLOW + b', "x": "\\u0000"}',
    "NUL": b"{" + FOLLOW + b', "x": "\x00"}',
    "bad UTF-8": b"{" + FOLLOW + b', "x": "\xc3\x28"}',
}


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize("case", list(MALFORMED))
async def test_duplicate_keys_surrogates_nul_and_bad_utf8_are_400(
    client: Any, db: Database, remote: FakeRemote, case: str
) -> None:  # P5
    body = MALFORMED[case].replace(b"@A", remote.actor("alice").encode())
    body = body.replace(b"@B", remote.actor("bob").encode()).replace(b"@C", COOP.encode())
    response = await deliver_raw(client, remote, "alice", body)
    assert response.status == 400
    assert await count(db, InboxItem) == 0 and remote.requests == []


async def test_escaped_emoji_is_not_a_lone_surrogate(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str
) -> None:  # P5, the control
    note = await _reply(
        client, db, federation, remote, inReplyTo=post_uri, content="<p>Danke 🎉</p>"
    )
    assert note.content_html == "<p>Danke 🎉</p>"


async def test_nul_and_lone_surrogates_in_a_fetched_actor_are_cleaned(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # P5 (PostgreSQL refuses both in text)
    row = await _follow_with_profile(
        client,
        db,
        federation,
        remote,
        name="Ali\x00ce\ud800",
        summary="<p>a\x00b\udfff</p>",
        attachment=[{"type": "PropertyValue", "name": "x\x00", "value": "y\ud800"}],
        url=f"{remote.base}/@alice\x00",
    )
    assert row.name == "Alice" and row.ap_json["summary"] == "<p>ab</p>"
    assert row.ap_json["fields"] == [{"name": "x", "value": "y"}]
    assert row.ap_json["url"] == remote.actor("alice")


# P6: type arrays, unknown and missing types.


@pytest.mark.usefixtures("coop")
async def test_type_arrays_match_any_known_type_and_unknown_types_are_ignored(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:  # P6
    _, uri = await publish(db, settings)
    article = note_of(remote, "alice", 1, inReplyTo=uri, type=["Article", "Note"])
    article["type"] = ["Create", "Aaa:Extension"]
    like = {**activity(remote, "alice", "Like", uri), "type": ["Aaa:Extension", "Like"]}
    untyped = note_of(remote, "alice", 2, inReplyTo=uri, type=None)
    unknown = note_of(remote, "alice", 3, inReplyTo=uri, type="Zap")
    weird = {**activity(remote, "alice", "Zap", uri, 2)}
    for sent in (article, like, untyped, unknown, weird):
        assert (await deliver(client, remote, "alice", sent)).status == 202
    await run(federation)
    assert [note.uri for note in await stored_notes(db)] == [article["object"]["id"]]
    assert await count(db, Interaction) == 1
    for ignored in (untyped, unknown, weird):
        assert await state_of(db, ignored["id"]) == InboxState.ignored


# H1-H4, H7, H9: what survives of remote HTML.

DANGEROUS = [
    ("<p>ok<script>alert(1)</script></p>", "<p>ok</p>"),
    ("<style>p{color:red}</style><p>ok</p>", "<p>ok</p>"),
    ('<iframe src="https://evil.example">x</iframe><p>ok</p>', "<p>ok</p>"),
    ('<object data="x.swf">fallback</object><p>ok</p>', "<p>ok</p>"),
    ("<svg onload=alert(1)><circle/></svg><p>ok</p>", "<p>ok</p>"),
    ("<p>ok<img src=x onerror=alert(1)></p>", "<p>ok</p>"),
    ('<a href="javascript:alert(1)">ok</a>', '<a rel="nofollow noopener noreferrer">ok</a>'),
    (
        '<a href="data:text/html,<script>x</script>">ok</a>',
        '<a rel="nofollow noopener noreferrer">ok</a>',
    ),
    ('<a href="vbscript:msgbox(1)">ok</a>', '<a rel="nofollow noopener noreferrer">ok</a>'),
    ('<a href="/setup/abc">ok</a>', '<a rel="nofollow noopener noreferrer">ok</a>'),
    ('<a href="//evil.example">ok</a>', '<a rel="nofollow noopener noreferrer">ok</a>'),
    (
        '<span class="u-url mention evil" style="x" onclick="x()">@a</span>',
        '<span class="u-url mention">@a</span>',
    ),
    ("<h1>Title</h1><p>text</p>", "<p><strong>Title</strong></p><p>text</p>"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "ab"),
    ("<ul><li>a<ul><li>b</li></ul></li></ul>", "<ul><li>a<ul><li>b</li></ul></li></ul>"),
    ('<p>"><script>alert(1)</script></p>', '<p>"&gt;</p>'),
]


@pytest.mark.parametrize(("content", "expected"), DANGEROUS)
async def test_remote_html_is_reduced_to_the_allowed_subset(
    client: Any,
    db: Database,
    federation: Federation,
    remote: FakeRemote,
    post_uri: str,
    content: str,
    expected: str,
) -> None:  # H1, H2, H3, H4
    note = await _reply(client, db, federation, remote, inReplyTo=post_uri, content=content)
    assert note.content_html == expected


async def test_content_warning_is_stored_as_plain_text(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str
) -> None:  # H1 for summary
    summary = "<script>alert(1)</script>CW: <b>food</b> &amp; drink"
    note = await _reply(client, db, federation, remote, inReplyTo=post_uri, summary=summary)
    assert note.summary == "CW: food & drink"


async def test_emoji_hashtag_and_mention_names_are_never_stored_or_fetched(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, post_uri: str
) -> None:  # H6, H7
    tags = [
        {"type": "Emoji", "name": ":x:", "icon": {"url": "javascript:alert(1)"}},
        {"type": "Emoji", "name": ":y:", "icon": {"url": f"{remote.base}/emoji.png"}},
        {"type": "Hashtag", "name": '#"><script>alert(1)</script>', "href": "javascript:x"},
        {"type": "Mention", "name": '@"onmouseover="x', "href": COOP},
    ]
    note = await _reply(
        client, db, federation, remote, inReplyTo=post_uri, tag=tags, content="<p>:x: :y:</p>"
    )
    assert note.content_html == "<p>:x: :y:</p>"
    assert "script" not in json.dumps(note.ap_json) and "tag" not in note.ap_json
    assert remote.fetched("/emoji.png") == 0


async def test_actor_icon_that_is_not_a_public_web_url_is_dropped(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # H6, M3
    row = await _follow_with_profile(
        client, db, federation, remote, icon={"type": "Image", "url": "http://127.0.0.1/a.png"}
    )
    assert row.ap_json["icon"] is None
    assert remote.fetched("/a.png") == 0


async def test_actor_display_name_is_kept_as_plain_text_for_escaping(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # H5
    name = '<img src=x onerror=alert(1)>Alice "A" & co'
    row = await _follow_with_profile(client, db, federation, remote, name=name)
    assert row.name == name  # plain text: every renderer escapes it
    assert "<" not in plain_text(row.name) and '"' not in plain_text(row.name)


async def test_profile_fields_are_sanitised_and_never_marked_verified(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # H8, H1
    fields = [
        {"type": "PropertyValue", "name": "Web", "value": '<a rel="me" href="https://evil">e</a>'},
        {"type": "PropertyValue", "name": "<b>x</b>", "value": "<script>1</script>ok"},
    ]
    row = await _follow_with_profile(
        client, db, federation, remote, attachment=fields, summary="<p>hi<script>x</script></p>"
    )
    assert row.ap_json["fields"] == [
        {"name": "Web", "value": '<a href="https://evil" rel="nofollow noopener noreferrer">e</a>'},
        {"name": "<b>x</b>", "value": "ok"},
    ]
    assert row.ap_json["summary"] == "<p>hi</p>"
    assert "verified" not in json.dumps(row.ap_json)


async def test_inbox_activity_with_a_context_missing_is_accepted(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, coop: None
) -> None:  # P7 at the inbox: lenient by policy
    body = json.dumps(follow_of(remote)).encode()
    assert (await deliver_raw(client, remote, "alice", body, INBOX)).status == 202
    await run(federation)
    assert await count(db, Follow) == 1

"""The hub against real, independent fediverse software, all started here on loopback addresses.

- bovine-herd 0.5.19 (a separate ActivityPub server): its user follows a coop, receives a post
  and its edit, and replies; the hub stores the reply.
- fediverse-pasture 0.2.25 `verify_actor`: six differently signing actors post to our inbox.
- fediverse-pasture-inputs 0.3.0: all 262 real-world object shapes, sent as Creates to our inbox.

The peers run in .peers/ (built by `make peers` from tests/peers/requirements.txt); see
tests/peers/processes.py for how the processes find each other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.peers.processes import PEERS_PYTHON, Herd, HerdUser, Hub, run_pasture, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not PEERS_PYTHON.exists(),
        reason="the real peers are not installed: run `make peers` (`make test` does it)",
    ),
]
COOP = "fairbnb"
PASTURE_INPUTS = 262  # examples in fediverse-pasture-inputs 0.3.0
SIGNERS = {"bob", "claire", "emily", "frank"}  # sign their POSTs; claire and frank need signed GETs
UNSIGNED = {"alice", "dean"}
UNSIGNED_ANSWER = re.compile(r"Got (\d+) for unsigned POST")
Row = tuple[int, str, str, str | None, int]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """`hub serve` with its worker and the coop `fairbnb`."""
    served = Hub(tmp_path, COOP)
    yield served
    assert served.stop() == 0, "hub serve did not stop cleanly"


@pytest.fixture
def herd_user(tmp_path: Path) -> Iterator[HerdUser]:
    """A user on a running bovine-herd, driven through bovine's client API."""
    herd = Herd(tmp_path, "milkdrinker")
    try:
        user = HerdUser(herd)
        yield user
        user.stop()
    finally:
        herd.stop()


def id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def herd_inbox(user: HerdUser, kind: str, object_id: str) -> dict[str, Any] | None:
    """The activity of this type about this object in the herd user's inbox, if it arrived."""
    for activity in user("inbox")["items"]:
        if activity.get("type") == kind and id_of(activity.get("object")) == object_id:
            return dict(activity)
    return None


def inbox_states(hub: Hub) -> list[Row]:
    """(id, activity_uri, state, last_error, attempts) of every stored inbox item."""
    rows: list[Row] = hub.query(
        "SELECT id, activity_uri, state, last_error, attempts FROM inbox_items"
    )
    return rows


def settled(hub: Hub) -> list[Row] | None:
    """The inbox items once each is finished or has failed at least once, else None."""
    rows = inbox_states(hub)
    return rows if rows and all(row[2] != "pending" or row[4] > 0 for row in rows) else None


def test_a_herd_user_follows_gets_a_post_and_its_edit_and_the_hub_stores_the_reply(
    hub: Hub, herd_user: HerdUser
) -> None:
    coop = hub.actor(COOP)
    herd_user("follow", object=coop)
    # The herd never auto-accepts: it adds the coop to `following` only on our Accept.
    wait_until(lambda: coop in herd_user("following")["items"], 30, "the hub's Accept")
    follows = hub.query(
        "SELECT r.uri, f.state FROM follows f JOIN remote_actors r ON r.id = f.remote_actor_id"
    )
    assert follows == [(herd_user.actor, "accepted")]

    printed = hub.run("post", "create", COOP, "--text", "Hello, herd of cows")
    post_id = int(printed.split()[1].rstrip(":"))
    note_id = f"{coop}/statuses/{post_id}"
    create = wait_until(lambda: herd_inbox(herd_user, "Create", note_id), 30, "the Create")
    assert "Hello, herd of cows" in create["object"]["content"]

    hub.edit_post(post_id, "Hello, herd of cows (edited)")
    update = wait_until(lambda: herd_inbox(herd_user, "Update", note_id), 30, "the Update")
    assert "(edited)" in update["object"]["content"]
    stored = herd_user("fetch", id=note_id)["object"]  # the herd applied the edit to its copy
    assert "(edited)" in stored["content"]

    herd_user("reply", object=stored, content="Moo! Glad to hear from you.")
    replies = wait_until(
        lambda: hub.query(
            "SELECT n.content_html, r.uri FROM remote_notes n "
            "JOIN remote_actors r ON r.id = n.remote_actor_id WHERE n.in_reply_to_post_id = ?",
            post_id,
        ),
        30,
        "the reply in the hub's database",
    )
    assert len(replies) == 1
    assert "Moo! Glad to hear from you." in replies[0][0] and replies[0][1] == herd_user.actor
    # The Follow and the reply, both processed, each with what the worker did.
    assert [(row[2], bool(row[3])) for row in inbox_states(hub)] == [("done", True)] * 2
    assert hub.server.alive


def test_verify_actor_signers_get_in_and_unsigned_posts_are_refused(hub: Hub) -> None:
    [report] = run_pasture(hub.workdir, "verify", hub.actor(COOP), timeout=90)
    result = report["result"]
    assert result["webfinger"] is True, report["steps"]
    assert all(result[name]["get_actor"] for name in SIGNERS | UNSIGNED), result
    accepted = {name for name in SIGNERS | UNSIGNED if result[name]["post_inbox"]}
    assert accepted == SIGNERS, report["steps"]
    for name in SIGNERS:
        assert [status for status, _ in report["answers"][name]] == [202], report["answers"]
    unsigned = [
        int(m.group(1)) for step in report["steps"] if (m := UNSIGNED_ANSWER.match(str(step)))
    ]
    assert len(unsigned) == len(UNSIGNED) and all(400 <= status < 500 for status in unsigned)

    processed = wait_until(lambda: settled(hub), 30, "the worker to process the Likes")
    assert all(row[2] in {"done", "ignored"} and row[3] for row in processed), processed
    actors = {row[0] for row in hub.query("SELECT actor_uri FROM inbox_items")}
    assert {actor.rsplit("/", 1)[1] for actor in actors} == SIGNERS
    assert hub.server.alive


@dataclass
class InputsRun:
    """What happened when every pasture input was sent to a fresh hub."""

    hub: Hub
    sent: list[dict[str, Any]]
    processed: list[Row]
    log: str


@pytest.fixture(scope="module")
def inputs_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InputsRun]:
    """Send all fediverse-pasture-inputs examples, one after another as pasture does."""
    served = Hub(tmp_path_factory.mktemp("inputs"), COOP)
    try:
        sent = run_pasture(served.workdir, "inputs", served.actor(COOP), timeout=120)
        processed = wait_until(lambda: settled(served), 90, "the worker to process every input")
        yield InputsRun(served, sent, processed, served.server.log())
    finally:
        code = served.stop()
    assert code == 0, "hub serve did not stop cleanly"


def test_every_pasture_input_is_answered_below_500_and_stored_or_ignored_with_a_reason(
    inputs_run: InputsRun,
) -> None:
    sent, processed = inputs_run.sent, inputs_run.processed
    assert len(sent) == PASTURE_INPUTS
    assert [line for line in sent if not 200 <= line["status"] < 500] == []
    refused = [line for line in sent if line["status"] != 202]
    assert all(line["body"].strip() for line in refused), refused  # every refusal says why
    assert inputs_run.hub.server.alive

    unfinished = [row for row in processed if row[2] not in {"done", "ignored"} or not row[3]]
    assert unfinished == []
    # A 202 either stored the activity or said why it dropped it.
    stored = {row[1] for row in processed}
    lost = [
        line
        for line in sent
        if line["status"] == 202
        and line["activity"]["id"] not in stored
        and '"accepted"' in line["body"]
    ]
    assert lost == []
    outcomes = Counter(row[3] for row in processed)
    assert outcomes["mention stored"] > 200, outcomes  # plain Notes addressed to the coop


def notes_of(run: InputsRun, name: str, indexes: set[int]) -> dict[int, str | None]:
    """The stored content of the notes that these examples of one input carried."""
    wanted = {
        line["activity"]["object"]["id"]: line["index"]
        for line in run.sent
        if line["input"] == name and line["index"] in indexes
    }
    rows = run.hub.query("SELECT uri, content_html FROM remote_notes")
    found = {wanted[uri]: content for uri, content in rows if uri in wanted}
    return {index: found.get(index) for index in sorted(indexes)}


def test_a_note_with_only_a_content_map_keeps_its_text(inputs_run: InputsRun) -> None:
    # language examples 5-8: {"contentMap": {"de": "Deutsch"}} and the like, no `content`.
    stored = notes_of(inputs_run, "language", {5, 6, 7, 8})
    assert all(
        content and ("Deutsch" in content or "English" in content) for content in stored.values()
    ), stored


def test_an_attributed_to_list_naming_only_the_actor_is_the_actor(inputs_run: InputsRun) -> None:
    # attributed_to examples 1 and 4: ["http://.../actor"] and [{"type": "Person", "id": ...}].
    stored = notes_of(inputs_run, "attributed_to", {1, 4})
    assert all(stored.values()), stored


def test_the_worker_never_fails_a_step_while_pasture_inputs_arrive(inputs_run: InputsRun) -> None:
    assert "database is locked" not in inputs_run.log
    assert "worker step failed" not in inputs_run.log

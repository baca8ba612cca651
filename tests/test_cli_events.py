"""`hub event create|list|cancel|delete`: events from the command line, bad input refused."""

from __future__ import annotations

import pytest

from hub.store.models import Event, EventStatus, Post
from tests.test_cli import Hub, count
from tests.test_cli import env as env
from tests.test_cli import hub as hub

CREATE = ("event", "create", "fairbnb", "--title", "Offener Community-Call",
          "--start", "2030-12-06T14:00", "--tz", "Europe/Berlin",
          "--online-url", "https://meet.example.org/call")  # fmt: skip


@pytest.fixture
def coop(hub: Hub) -> None:
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb Coop")[0] == 0


@pytest.mark.usefixtures("coop")
def test_a_biweekly_series_is_created_listed_and_cancelled(
    hub: Hub,
    env: dict[str, str],
) -> None:
    code, out, err = hub(*CREATE, "--end", "2030-12-06T15:00", "--rrule",
                         "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "--exdate", "2030-12-20T14:00",
                         "--hashtag", "PlatformCoop", "--capacity", "30")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("created event 1: http://hub.test/users/fairbnb/events/1 (series with")
    code, out, _ = hub("event", "list", "fairbnb")
    lines = out.splitlines()
    assert code == 0 and lines[0].split("\t")[:5] == [
        "1", "2030-12-06 14:00", "Europe/Berlin", "scheduled", "Offener Community-Call"
    ]  # fmt: skip
    assert lines[1].split("\t")[1] == "2030-12-06 14:00" and lines[1].endswith("date of 1")
    assert lines[2].split("\t")[1] == "2031-01-03 14:00"  # 20 December was skipped
    assert hub("event", "cancel", "1") == (0, "cancelled event 1\n", "")
    url = env["HUB_DATABASE_URL"]
    assert count(url, Event, Event.status != EventStatus.cancelled) == 0
    assert count(url, Post) == 1


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--tz", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (("--end", "2030-12-06T13:00"), "ends before it starts"),
        (("--rrule", "FREQ=MINUTELY"), "at most daily"),
        (("--capacity", "viele"), "invalid int value"),
        (("--registration", "external"), "needs --registration-url"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    hub: Hub,
    env: dict[str, str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    code, out, err = hub(*CREATE, *extra)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert message in err
    assert count(env["HUB_DATABASE_URL"], Event) == 0


@pytest.mark.usefixtures("coop")
def test_unknown_events_and_coops_are_one_line_errors(hub: Hub) -> None:
    code, _, err = hub("event", "cancel", "42")
    assert code == 2 and err.strip() == "hub: no event with the id 42"
    code, _, err = hub("event", "list", "nobody")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert hub(*CREATE)[0] == 0
    assert hub("event", "cancel", "1")[0] == 0
    code, _, err = hub("event", "cancel", "1")
    assert code == 2 and err.strip() == "hub: event 1 is already cancelled"

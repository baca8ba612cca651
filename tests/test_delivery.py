"""Delivery rules: backoff, answer classification, failing hosts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.delivery import (
    Outcome,
    backoff,
    classify,
    record_host_result,
    unique_inboxes,
)
from hub.store.db import Database
from hub.store.models import RemoteHost

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_backoff_doubles_from_one_minute_up_to_twelve_hours() -> None:
    assert [backoff(n) for n in range(4)] == [
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff(10) == timedelta(minutes=512)
    assert backoff(11) == timedelta(hours=12)
    assert backoff(400) == timedelta(hours=12)


def test_retries_last_about_two_days_then_give_up() -> None:
    created = NOW
    moment, attempts = created, 0
    while True:
        attempts += 1
        verdict = classify(500, {}, attempts, created, moment)
        if verdict.outcome != Outcome.retry:
            break
        assert verdict.retry_at is not None
        moment = verdict.retry_at
    assert verdict.outcome == Outcome.final
    assert timedelta(hours=40) < moment - created <= timedelta(days=2)
    assert 12 <= attempts <= 16


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, Outcome.done), (202, Outcome.done), (204, Outcome.done), (410, Outcome.gone),
     (400, Outcome.final), (401, Outcome.final), (403, Outcome.final), (404, Outcome.final),
     (408, Outcome.retry), (429, Outcome.retry), (500, Outcome.retry), (502, Outcome.retry),
     (503, Outcome.retry), (None, Outcome.retry)],
)  # fmt: skip
def test_answers_are_classified(status: int | None, outcome: Outcome) -> None:
    assert classify(status, {}, 1, NOW, NOW).outcome == outcome


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_in_seconds_and_as_a_date(status: int) -> None:
    seconds = classify(status, {"Retry-After": "3600"}, 1, NOW, NOW)
    assert seconds.retry_at == NOW + timedelta(hours=1)
    date = classify(status, {"Retry-After": "Sat, 28 Nov 2026 15:00:00 GMT"}, 1, NOW, NOW)
    assert date.retry_at == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    garbage = classify(status, {"Retry-After": "soon"}, 1, NOW, NOW)
    assert garbage.retry_at == NOW + timedelta(minutes=1)
    capped = classify(status, {"Retry-After": "99999999"}, 1, NOW, NOW)
    assert capped.outcome == Outcome.retry and capped.retry_at == NOW + timedelta(days=1)


def test_inboxes_are_deduplicated_in_order() -> None:
    assert unique_inboxes(["a", None, "b", "a", "", "c", "b"]) == ["a", "b", "c"]


async def test_a_host_failing_on_seven_distinct_days_is_unavailable_until_it_answers(
    db: Database,
) -> None:
    for day in range(6):
        for hour in (1, 5):  # two failures a day count once
            async with db.begin() as session:
                await record_host_result(
                    session, "down.test", False, NOW + timedelta(days=day, hours=hour)
                )
    async with db.begin() as session:
        host = (await session.execute(select(RemoteHost))).scalar_one()
        assert host.failure_days == 6 and host.unavailable_since is None
        await record_host_result(session, "down.test", False, NOW + timedelta(days=6))
    async with db.begin() as session:
        host = (await session.execute(select(RemoteHost))).scalar_one()
        assert host.failure_days == 7 and host.unavailable_since is not None
        await record_host_result(session, "down.test", True, NOW + timedelta(days=8))
    async with db.begin() as session:
        host = (await session.execute(select(RemoteHost))).scalar_one()
        assert host.unavailable_since is None and host.failure_days == 0

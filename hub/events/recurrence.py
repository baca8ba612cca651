"""Recurring series: RRULEs (RFC 5545, python-dateutil) expanded in local wall-clock time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_COUNT = 1000
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
FIRST_WITHIN = timedelta(days=2 * 366)
_UTC_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_ANY_UNTIL = re.compile(r"UNTIL=[0-9TZ]+")
_ALLOWED = re.compile(r"^[A-Z0-9=;,+\-]+$")


class RecurrenceError(Exception):
    """A recurrence rule we cannot use; one readable line."""


def check_rule(text: str, start: datetime) -> str:
    """A normalised RRULE (no 'RRULE:' prefix) for a series starting at `start` (aware, local)."""
    source = text.strip().upper().removeprefix("RRULE:")
    if not source or not _ALLOWED.match(source) or "DTSTART" in source:
        raise RecurrenceError(f"invalid recurrence rule {text!r}; e.g. FREQ=WEEKLY;BYDAY=FR")
    rule = _parse(source, start)
    parts = dict(part.partition("=")[::2] for part in source.split(";"))
    if parts.get("FREQ") not in FREQUENCIES:
        raise RecurrenceError("a series repeats at most daily (FREQ=DAILY, WEEKLY, ...)")
    if int(parts.get("COUNT") or 0) > MAX_COUNT:
        raise RecurrenceError(f"a series has at most {MAX_COUNT} dates (COUNT)")
    # A bounded search: an impossible rule (Feb 31st) would otherwise scan to year 9999.
    naive = start.replace(tzinfo=None)
    probe = rule.replace(count=None, until=naive + FIRST_WITHIN)
    if probe.after(naive, inc=True) is None:
        raise RecurrenceError("the recurrence rule has no date within two years of the start")
    until_local: datetime | None = getattr(rule, "_until", None)  # dateutil keeps it private
    if until_local is not None:
        # RFC 5545: with a zoned DTSTART, UNTIL is a UTC date-time.
        until = until_local.replace(tzinfo=start.tzinfo).astimezone(UTC)
        source = _ANY_UNTIL.sub(f"UNTIL={until:%Y%m%dT%H%M%SZ}", source)
    return source


def occurrences(
    source: str,
    start: datetime,
    exdates: Sequence[str],
    after: datetime,
    before: datetime,
    limit: int,
) -> list[datetime]:
    """Starts (aware, in the series' zone) in [after, before) minus exceptions, at most `limit`."""
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo)
    rule = _parse(source, start)
    skipped = set(exdates)
    # Bounds compared on local wall clock; a day of margin covers the zone's offset.
    low = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    high = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    found: list[datetime] = []
    for naive in rule.xafter(low, inc=True):
        if naive > high or len(found) >= limit:
            break
        moment = naive.replace(tzinfo=zone)
        if wall_clock(moment) in skipped or not after <= moment < before:
            continue
        found.append(moment)
    return found


def is_occurrence(source: str, start: datetime, moment: datetime) -> bool:
    """True when `moment` (aware) is one of the series' starts."""
    naive = moment.astimezone(start.tzinfo).replace(tzinfo=None)
    return _parse(source, start).after(naive, inc=True) == naive


def wall_clock(moment: datetime) -> str:
    """A local time as ISO without offset (how exception dates are kept)."""
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def utc(moment: datetime) -> datetime:
    """The same instant in UTC."""
    return moment.astimezone(UTC)


def _parse(source: str, start: datetime) -> rrule:
    # Expanding in naive wall-clock time keeps 14:00 at 14:00 across DST changes; a UTC UNTIL
    # (what RFC 5545 asks for with a zoned DTSTART) is turned into the same wall-clock bound.
    zone = start.tzinfo
    naive_start = start.replace(tzinfo=None)

    def local_until(match: re.Match[str]) -> str:
        moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return "UNTIL=" + moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")

    try:
        rule = rrulestr(_UTC_UNTIL.sub(local_until, source), dtstart=naive_start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise RecurrenceError(f"invalid recurrence rule {source!r}: {error}") from error
    if not isinstance(rule, rrule):
        raise RecurrenceError(f"invalid recurrence rule {source!r}; give one RRULE")
    return rule

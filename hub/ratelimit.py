"""A small in-process sliding-window limiter for logins and the password grant."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` hits per key within `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        """True when the key has used up its hits in the current window."""
        hits = self._recent(key)
        return hits is not None and len(hits) >= self.limit

    def hit(self, key: str) -> None:
        """Count one attempt for the key."""
        hits = self._recent(key)
        if hits is None:
            if len(self._hits) > 100_000:
                self._hits.clear()  # a flood of distinct keys must not exhaust memory
            hits = self._hits[key] = deque()
        hits.append(self.clock())

    def retry_after(self, key: str) -> int:
        """Seconds until the key may try again."""
        hits = self._recent(key)
        if not hits:
            return 0
        return max(1, int(hits[0] + self.window - self.clock()) + 1)

    def _recent(self, key: str) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        horizon = self.clock() - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits


class Limits:
    """The limiters of one process: failed logins, reset requests and public forms.

    Only failed logins count, so that people behind one proxy address do not lock each other
    out by logging in successfully. Every sent public form (applications, reports) counts.
    """

    def __init__(
        self,
        per_ip: int = 50,
        per_email: int = 5,
        window: float = 900,
        per_form: int = 10,
        resets_per_ip: int = 10,
        resets_per_email: int = 3,
    ) -> None:
        self.ip = RateLimiter(per_ip, window)
        self.email = RateLimiter(per_email, window)
        self.forms = RateLimiter(per_form, 3600)
        # Reset requests all count (each may send a mail), within an hour.
        self.reset_ip = RateLimiter(resets_per_ip, 3600)
        self.reset_email = RateLimiter(resets_per_email, 3600)

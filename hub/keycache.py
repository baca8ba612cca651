"""Public keys of remote actors kept in memory, so a known signer costs no database read."""

from __future__ import annotations

import random
import time

from hub.activitypub.signatures import PublicKey
from hub.actors.remote import Fetcher, find_key
from hub.store.db import Database

TTL_SECONDS = 60.0  # as the key refetch throttle: a deleted actor's key goes within a minute
JITTER = 0.25  # keys cached together (a burst from many senders) expire over 15 s
MAX_KEYS = 50_000


class KeyCache:
    """A key lookup for signature checks: memory first, then the database and the network."""

    def __init__(self, db: Database, fetcher: Fetcher, ttl: float = TTL_SECONDS) -> None:
        self._db = db
        self._fetcher = fetcher
        self._ttl = ttl
        self._keys: dict[str, tuple[float, PublicKey]] = {}

    async def lookup(self, key_id: str, refresh: bool) -> PublicKey | None:
        """The key for a keyId; `refresh` (after a failed check) always asks the origin again."""
        cached = self._keys.get(key_id)
        if cached is not None and not refresh and cached[0] > time.monotonic():
            return cached[1]
        key = await find_key(self._db, self._fetcher, key_id, refresh)
        if key is None:
            self._keys.pop(key_id, None)
            return None
        if len(self._keys) >= MAX_KEYS:
            self._keys.clear()
        ttl = self._ttl * random.uniform(1 - JITTER, 1)
        self._keys[key_id] = (time.monotonic() + ttl, key)
        return key

    def forget_owner(self, actor_uri: str) -> None:
        """Drop every key of an actor that was deleted."""
        for key_id in [k for k, (_, key) in self._keys.items() if key.owner == actor_uri]:
            del self._keys[key_id]

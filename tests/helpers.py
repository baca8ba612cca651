"""Small builders for test data, written through the hub's own services."""

from __future__ import annotations

import re
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from hub.actors.local import create_coop
from hub.actors.validation import CoopDraft
from hub.config import Settings
from hub.store.db import Database
from hub.store.models import LocalActor

ACTIVITY_JSON = "application/activity+json"
AP_ACCEPT = {"Accept": ACTIVITY_JSON}
BROWSER_ACCEPT = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


async def make_coop(
    db: Database, settings: Settings, username: str, **values: object
) -> LocalActor:
    """Create a coop with a name and optional profile values."""
    draft = CoopDraft(name=str(values.pop("name", username.title())), **values)  # type: ignore[arg-type]
    async with db.begin() as session:
        return await create_coop(session, settings, username, draft)


class NoDns(AbstractResolver):
    """A system resolver that records what it was asked and resolves nothing."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.asked: list[str] = []
        self.answers = answers or {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"no DNS in tests: {host}")
        family_of = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=family_of[6 if ":" in ip else 4],
                proto=0,
                flags=0,
            )
            for ip in self.answers[host]
        ]

    async def close(self) -> None:
        pass


def csrf_field(html: str) -> str:
    """The CSRF value of the first form on a page."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)

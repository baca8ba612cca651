"""What talking to other servers needs, built once per process: HTTP session, policy, signer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from hub.activitypub.client import AP_HEADERS, ClientPolicy, create_session
from hub.activitypub.signatures import sign_get
from hub.activitypub.vocab import rsa_key_id
from hub.actors.local import instance_actor
from hub.actors.remote import Fetcher
from hub.config import Settings
from hub.inbox import Receiver
from hub.moderation.gate import Gate
from hub.store.db import Database
from hub.uris import Uris


@dataclass(frozen=True)
class Federation:
    """The database, our URIs and the guarded client, with the instance actor as signer."""

    db: Database
    settings: Settings
    uris: Uris
    policy: ClientPolicy
    http: aiohttp.ClientSession
    fetcher: Fetcher
    receiver: Receiver
    gate: Gate

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.http.close()


def client_policy(settings: Settings, gate: Gate | None = None) -> ClientPolicy:
    """The outgoing-request policy the settings ask for; the gate refuses blocked servers."""
    return ClientPolicy(
        allow_private=settings.allow_private_addresses,
        resolve=dict(settings.resolve),
        user_agent=f"Coophub/0.1 (+{settings.base_url})",
        refuse_host=gate.refuses_host if gate is not None else None,
    )


async def open_federation(
    settings: Settings, db: Database, system_resolver: AbstractResolver | None = None
) -> Federation:
    """Build the context; signed GETs go out as the instance actor (authorized fetch)."""
    uris = Uris(settings)
    async with db.begin() as session:
        instance = await instance_actor(session)
    key_id, pem = rsa_key_id(uris.instance_actor()), instance.rsa_private_pem

    def sign(url: str) -> Mapping[str, str]:
        return sign_get(url, key_id, pem, AP_HEADERS["Accept"])

    gate = Gate(settings.federation_allowlist)
    await gate.refresh(db)
    policy = client_policy(settings, gate)
    http = create_session(policy, system_resolver)
    fetcher = Fetcher(http, policy, settings.domain, settings.scheme, sign)
    receiver = Receiver(db, fetcher, settings.domain, gate)
    return Federation(db, settings, uris, policy, http, fetcher, receiver, gate)

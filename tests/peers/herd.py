"""Run bovine-herd (a real ActivityPub server) over plain http on one loopback address.

    .peers/bin/python tests/peers/herd.py --address 127.0.0.42 --port 8042 \
        --db herd.sqlite3 --handle milkdrinker --credentials user.json

Registers the user on first start (bovine_store's admin store, as `python -m bovine_store
register` does), gives it a did:key for the Moo-Auth-1 client API, writes
{"actor", "domain", "secret"} to --credentials, then serves the herd with hypercorn until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path

import loopback

loopback.install()

from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key  # noqa: E402
from bovine_herd import BovineHerd  # noqa: E402
from bovine_store import bovine_admin_store  # noqa: E402
from hypercorn.asyncio import serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402
from quart import Quart  # noqa: E402
from tortoise import Tortoise  # noqa: E402

loopback.offline_contexts()


async def register(db_url: str, domain: str, handle: str) -> dict[str, str]:
    """Create the tables and one user with a client key; return how to act as it."""
    async with bovine_admin_store(db_url=db_url, domain=domain) as store:
        await Tortoise.generate_schemas()
        bovine_name = await store.register(handle)
        secret = generate_ed25519_private_key()
        await store.add_identity_string_to_actor(
            bovine_name, "test-client", private_key_to_did_key(secret)
        )
        actor = await store.actor_for_name(bovine_name)
        actor_id = actor.actor_object.id
        await actor.session.close()
    return {"actor": actor_id, "domain": domain, "secret": secret}


def main() -> None:
    """Register if needed, then serve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="herd.test")
    parser.add_argument("--db", required=True)
    parser.add_argument("--handle", required=True)
    parser.add_argument("--credentials", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db_url = f"sqlite://{args.db}"
    domain = f"http://{args.name}:{args.port}"
    credentials = Path(args.credentials)
    if not credentials.exists():
        user = asyncio.run(register(db_url, domain, args.handle))
        credentials.write_text(json.dumps(user))

    app = Quart("herd")
    BovineHerd(app, db_url=db_url)
    config = Config()
    config.bind = [f"{args.address}:{args.port}"]
    config.accesslog = logging.getLogger("hypercorn.access")
    config.errorlog = logging.getLogger("hypercorn.error")
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()

"""Act as the herd's user through bovine's own client API (BovineClient, Moo-Auth-1).

    .peers/bin/python tests/peers/herd_user.py user.json

Reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"do": "follow", "object": ACTOR}          -> {"location": ...}   a Follow via the outbox
  {"do": "inbox"}                            -> {"items": [...]}    inbox activities, resolved
  {"do": "following"}                        -> {"items": [...]}    ids the user follows
  {"do": "fetch", "id": URI}                 -> {"object": ...}     through the proxyUrl endpoint
  {"do": "reply", "object": NOTE, "content": TEXT} -> {"location": ...}  a reply via the outbox
An error, or no answer within 30 s, is answered as {"error": "..."}.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import loopback

loopback.install()

from bovine import BovineClient  # noqa: E402


async def follow(client: BovineClient, command: dict[str, Any]) -> dict[str, Any]:
    activity = client.activity_factory.follow(command["object"]).build()
    response = await client.send_to_outbox(activity)
    response.raise_for_status()
    return {"location": response.headers.get("location")}


async def reply(client: BovineClient, command: dict[str, Any]) -> dict[str, Any]:
    note = client.object_factory.reply(command["object"], content=command["content"]).build()
    activity = client.activity_factory.create(note).build()
    response = await client.send_to_outbox(activity)
    response.raise_for_status()
    return {"location": response.headers.get("location")}


async def items(client: BovineClient, collection: str) -> list[Any]:
    return [item async for item in client.collection_helper(collection)]


async def inbox(client: BovineClient, command: dict[str, Any]) -> dict[str, Any]:
    assert client.information is not None
    ids = await items(client, client.information["inbox"])
    return {"items": [await client.proxy(item) if isinstance(item, str) else item for item in ids]}


async def following(client: BovineClient, command: dict[str, Any]) -> dict[str, Any]:
    assert client.information is not None
    return {"items": await items(client, client.information["following"])}


async def fetch(client: BovineClient, command: dict[str, Any]) -> dict[str, Any]:
    return {"object": await client.proxy(command["id"])}


COMMANDS = {
    "follow": follow,
    "reply": reply,
    "inbox": inbox,
    "following": following,
    "fetch": fetch,
}


async def main(credentials: dict[str, str]) -> None:
    client = BovineClient(domain=credentials["domain"], secret=credentials["secret"])
    async with client:
        print(json.dumps({"actor": client.actor_id}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            try:
                answer = await asyncio.wait_for(COMMANDS[command["do"]](client, command), 30)
            except Exception as error:
                answer = {"error": f"{type(error).__name__}: {error}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        asyncio.run(main(json.load(file)))

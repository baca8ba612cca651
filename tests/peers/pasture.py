"""Run fediverse-pasture against one of our actors, serving its own actors on a loopback address.

    .peers/bin/python tests/peers/pasture.py verify --address A --port P TARGET_ACTOR
    .peers/bin/python tests/peers/pasture.py inputs --address A --port P TARGET_ACTOR \
        [--concurrency N]

Both serve pasture's actors (alice ... frank for verify_actor, and `actor`, the one_actor that
sends the inputs) at http://pasture.test:P/NAME with pasture's BlueprintForActors, then:

- verify: runs pasture's ActorVerifier against TARGET_ACTOR and prints
  {"result": {...}, "steps": [...], "answers": {name: [status, body]}};
- inputs: sends every fediverse-pasture-inputs example as a Create to TARGET_ACTOR's inbox with
  pasture's ActivitySender (one at a time, as pasture does, unless --concurrency says more),
  and prints one JSON line per example:
  {"input", "index", "activity", "status", "body"}.

Examples refer to pasture's own host as http://pasture-one-actor; that is rewritten to
http://pasture.test:P, where the images and two notes they point to are served.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from typing import Any

import loopback

loopback.install()

import aiohttp  # noqa: E402
from bovine import BovineActor  # noqa: E402
from fediverse_pasture.data_provider import DataProvider, bovine_actor_for_actor_data  # noqa: E402
from fediverse_pasture.data_provider.models import ActorData  # noqa: E402
from fediverse_pasture.runner import ActivitySender  # noqa: E402
from fediverse_pasture.server import BlueprintForActors  # noqa: E402
from fediverse_pasture.server.image_provider_blueprint import image_provider_blueprint  # noqa: E402
from fediverse_pasture.server.verify_actor import ActorVerifier  # noqa: E402
from fediverse_pasture.types import Message  # noqa: E402
from fediverse_pasture_inputs import available  # noqa: E402
from hypercorn.asyncio import serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402
from quart import Quart  # noqa: E402

loopback.offline_contexts()
PASTURE_HOST = "http://pasture-one-actor"


class RecordingActor(BovineActor):
    """A BovineActor that remembers the status and body of every POST it makes."""

    answers: list[tuple[int, str]]

    async def post(self, target: str, data: dict[str, Any]) -> aiohttp.ClientResponse:
        response = await self.client.post(target, json.dumps(data))
        self.answers.append((response.status, await response.text()))
        response.raise_for_status()
        return response


def recording_actor(actor_id: str, data: ActorData) -> RecordingActor:
    """The signing actor for pasture's actor data, recording its answers."""
    key = data.key_pairs[0]
    actor = RecordingActor(
        actor_id=actor_id, public_key_url=f"{actor_id}#{key.name}", secret=key.private
    )
    actor.answers = []
    return actor


class RecordingVerifier(ActorVerifier):
    """pasture's ActorVerifier, keeping what the target answered to each signed POST."""

    answers: dict[str, list[tuple[int, str]]]

    async def init_bovine_actor(self, actor: ActorData, session: aiohttp.ClientSession) -> Any:
        bovine_actor = recording_actor(f"{self.scheme}://{self.domain}/{actor.actor_name}", actor)
        await bovine_actor.init(session=session)
        self.answers[actor.actor_name] = bovine_actor.answers
        return bovine_actor


def build_app(data: DataProvider, base: str) -> Quart:
    """pasture's actors, its image provider, and the two notes the inputs reply to."""
    app = Quart("pasture")
    app.register_blueprint(BlueprintForActors([*data.possible_actors, data.one_actor]).blueprint)
    app.register_blueprint(image_provider_blueprint, url_prefix="/images")

    @app.get("/assets/<name>")
    async def asset(name: str) -> Any:
        if name not in {"note1.jsonap", "note2.jsonap"}:
            return "not found", 404
        note = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Note",
            "id": f"{base}/assets/{name}",
            "attributedTo": f"{base}/actor",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "content": name.removesuffix(".jsonap"),
        }
        return note, 200, {"content-type": "application/activity+json"}

    return app


async def verify(data: DataProvider, domain: str, target: str) -> dict[str, Any]:
    """verify_actor's six actors against the target."""
    message = Message()
    verifier = RecordingVerifier(
        actor_list=[*data.possible_actors, data.one_actor],
        remote_uri=target,
        message=message,
        domain=domain,
        timeout=20,
    )
    verifier.answers = {}
    result = await verifier.verify()
    return {"result": result, "steps": message.steps, "answers": verifier.answers}


async def send_inputs(data: DataProvider, base: str, target: str, concurrency: int) -> None:
    """Every example of every input, as pasture's one_actor sends them, `concurrency` at a time."""
    examples: asyncio.Queue[tuple[str, int, dict[str, Any]]] = asyncio.Queue()
    for name, inputs in sorted(available.items()):
        for index, raw in enumerate(inputs.examples):
            examples.put_nowait(
                (name, index, json.loads(json.dumps(raw).replace(PASTURE_HOST, base)))
            )
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(sender_task(data, base, target, session, examples) for _ in range(concurrency))
        )


async def sender_task(
    data: DataProvider,
    base: str,
    target: str,
    session: aiohttp.ClientSession,
    examples: asyncio.Queue[tuple[str, int, dict[str, Any]]],
) -> None:
    """One of pasture's ActivitySenders, sending examples from the queue until it is empty."""
    actor = recording_actor(f"{base}/actor", data.one_actor)
    await actor.init(session=session)
    _, actor_object = bovine_actor_for_actor_data(f"{base}/actor", data.one_actor)
    sender = ActivitySender.for_actor(actor, actor_object)
    sender.sleep_after_getting_inbox = False
    while not examples.empty():
        name, index, example = examples.get_nowait()
        sender.init_create_note(lambda note, example=example: {**note, **example})
        actor.answers.clear()
        await sender.send(target)
        status, body = actor.answers[-1] if actor.answers else (0, "not sent")
        line = {"input": name, "index": index, "activity": sender.activity}
        print(json.dumps({**line, "status": status, "body": body}), flush=True)


async def listening(address: str, port: int) -> None:
    """Wait until the server accepts connections."""
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection(address, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RuntimeError(f"pasture did not start listening on {address}:{port}")


async def run(args: argparse.Namespace) -> None:
    domain = f"{args.name}:{args.port}"
    base = f"http://{domain}"
    data = DataProvider.generate()
    config = Config()
    config.bind = [f"{args.address}:{args.port}"]
    config.accesslog = logging.getLogger("hypercorn.access")
    config.errorlog = logging.getLogger("hypercorn.error")
    stop = asyncio.Event()
    server = asyncio.create_task(serve(build_app(data, base), config, shutdown_trigger=stop.wait))
    await listening(args.address, args.port)
    try:
        if args.command == "verify":
            print(json.dumps(await verify(data, domain, args.target)), flush=True)
        else:
            await send_inputs(data, base, args.target, args.concurrency)
    finally:
        stop.set()
        await server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["verify", "inputs"])
    parser.add_argument("target", help="the actor URI to verify or to send the inputs to")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="pasture.test")
    parser.add_argument("--concurrency", type=int, default=1, help="inputs sent at a time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

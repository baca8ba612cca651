"""The inbox baseline: a bare aiohttp server that parses every POSTed JSON body and answers 202."""

from __future__ import annotations

import json
import sys

from aiohttp import web

ACCEPTED = json.dumps({"status": "accepted"}).encode()


async def accept(request: web.Request) -> web.Response:
    """Parse the body as JSON (400 if it is not), answer 202 with a small JSON body."""
    try:
        json.loads(await request.read())
    except ValueError:
        return web.Response(status=400)
    return web.Response(status=202, body=ACCEPTED, content_type="application/json")


async def hello(_request: web.Request) -> web.Response:
    """Answer GETs, so the benchmark can see the server is up."""
    return web.Response(text="hello")


def main() -> None:
    """Serve on the host and port given as arguments, without an access log."""
    host, port = sys.argv[1], int(sys.argv[2])
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{tail:.*}", accept)
    app.router.add_get("/{tail:.*}", hello)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()

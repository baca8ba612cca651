"""The baseline: a bare aiohttp server that answers every GET with "hello"."""

from __future__ import annotations

import sys

from aiohttp import web


async def hello(_request: web.Request) -> web.Response:
    """Answer with a fixed short text."""
    return web.Response(text="hello")


def main() -> None:
    """Serve on the host and port given as arguments, without an access log."""
    host, port = sys.argv[1], int(sys.argv[2])
    app = web.Application()
    app.router.add_get("/{tail:.*}", hello)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()

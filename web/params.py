"""Request parameters the way Mastodon reads them: query, then a JSON or form body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from web.responses import fail

MAX_PARAMS_BYTES = 64 * 1024


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query parameters overlaid by the body (JSON object or form); 400 for a broken body."""
    params: dict[str, Any] = dict(request.query)
    if request.method in {"GET", "HEAD", "DELETE"} and not request.can_read_body:
        return params
    if (request.content_length or 0) > MAX_PARAMS_BYTES:
        fail(413, "the request body is too large")
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            fail(400, "the body is not valid JSON")
        if not isinstance(body, dict):
            fail(400, "the JSON body must be an object")
        params.update(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for key in form:
            values = form.getall(key)
            params[key] = [str(v) for v in values] if key.endswith("[]") else str(values[-1])
    return params


def text(params: dict[str, Any], name: str, default: str = "") -> str:
    """A parameter as a string (numbers and booleans are accepted as their text)."""
    value = params.get(name, default)
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        fail(422, f"{name} must be a string")
    return str(value)


def flag(params: dict[str, Any], name: str) -> bool:
    """A boolean parameter the Mastodon way: true/1/on are true."""
    value = params.get(name, False)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes"}

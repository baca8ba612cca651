"""Answers: ActivityPub JSON, JSON errors, and the one-line error for every failure."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import aiohttp_jinja2
from aiohttp import web

CORS = {"Access-Control-Allow-Origin": "*"}
# Each language is named in itself, so people find theirs whatever the page shows.
LANGUAGE_LABELS = (("de", "Deutsch"), ("en", "English"))


class HttpError(Exception):
    """A failure with its status code and one readable line; the middleware renders it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def json_bytes(
    body: bytes, content_type: str, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A response whose JSON body is already encoded."""
    response = web.Response(body=body, status=status, headers=headers)
    response.headers["Content-Type"] = content_type
    return response


def error_body(message: str) -> bytes:
    """Mastodon's error shape: {"error": "..."}."""
    return dumps({"error": message})


def fail(status: int, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Stop the handler with an error of that status and one readable line."""
    raise HttpError(status, message, headers)


def page(
    template: str,
    request: web.Request,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Render an HTML page from a template, in the request's language, with the switch."""
    context.setdefault("languages", LANGUAGE_LABELS)
    context.setdefault("switch_urls", _switch_urls(request))
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.update(headers or {})
    return response


def _switch_urls(request: web.Request) -> dict[str, str]:
    return {code: str(request.rel_url.update_query(lang=code)) for code, _ in LANGUAGE_LABELS}

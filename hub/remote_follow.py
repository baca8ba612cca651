"""Remote follow: find where a visitor's own server lets them follow one of our coops."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from hub.activitypub.client import FetchError, get
from hub.activitypub.discovery import BadResource, parse_resource
from hub.activitypub.readers import as_list, host_of
from hub.actors.remote import JRD_ACCEPT, Fetcher

# FEP-3b86 (Activity Intents) names the Follow intent; OStatus' subscribe is what Mastodon has.
FOLLOW_INTENT_REL = "https://w3id.org/fep/3b86/Follow"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
MAX_HANDLE = 320


class RemoteFollowError(Exception):
    """The visitor's server cannot be asked or offers no way to follow; one readable line."""


class BadHandle(RemoteFollowError):
    """What the visitor typed is not a handle."""


def parse_handle(raw: str) -> tuple[str, str]:
    """(user, host) of a handle typed as @user@host or user@host."""
    handle = raw.strip()
    if not handle or len(handle) > MAX_HANDLE or handle.startswith(("http://", "https://")):
        raise BadHandle("type your handle like @name@example.social")
    try:
        parsed = parse_resource(handle)
    except BadResource as error:
        raise BadHandle("type your handle like @name@example.social") from error
    if parsed.username is None:
        raise BadHandle("type your handle like @name@example.social")
    return parsed.username, parsed.host


async def follow_url(fetcher: Fetcher, handle: str, target: str) -> str:
    """The page on the visitor's server where they confirm following `target`."""
    user, host = parse_handle(handle)
    url = f"{fetcher.scheme}://{host}/.well-known/webfinger?resource=acct:{quote(user)}@{host}"
    try:
        response = await get(
            fetcher.http, fetcher.policy, url, {"Accept": JRD_ACCEPT}, own_host=fetcher.own_host
        )
        document = json.loads(response.body) if response.status == 200 else None
    except (FetchError, ValueError, RecursionError) as error:
        raise RemoteFollowError(f"{host} could not be asked about {user}@{host}") from error
    if not isinstance(document, dict):
        raise RemoteFollowError(f"{host} does not know {user}@{host}")
    return _template_url(document, target, host)


def _template_url(document: dict[str, object], target: str, host: str) -> str:
    templates = {
        link.get("rel"): link.get("template")
        for link in as_list(document.get("links"), 50)
        if isinstance(link, dict) and isinstance(link.get("template"), str)
    }
    for rel, placeholder in ((FOLLOW_INTENT_REL, "{object}"), (SUBSCRIBE_REL, "{uri}")):
        template = templates.get(rel)
        if isinstance(template, str) and placeholder in template:
            url = template.replace(placeholder, quote(target, safe=""))
            if host_of(url) is not None and urlsplit(url).scheme in {"http", "https"}:
                return url
    raise RemoteFollowError(f"{host} offers no way to follow from another server")

"""WebFinger, host-meta and NodeInfo documents, and parsing of WebFinger resources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from bovine.types.nodeinfo import NodeInfo, Software, Usage, Users
from bovine.utils import webfinger_response_json

JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
NODEINFO_VERSIONS = ("2.0", "2.1")
INSTANCE_ACTOR_REL = "https://www.w3.org/ns/activitystreams#Application"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"


class BadResource(Exception):
    """The WebFinger `resource` is missing or malformed (answer 400)."""


@dataclass(frozen=True)
class ResourceQuery:
    """A parsed WebFinger resource: a username, or an actor URL, and the host it names."""

    username: str | None
    url: str | None
    host: str


def parse_resource(resource: str | None) -> ResourceQuery:
    """Parse `acct:user@host` (also `@user@host`, `user@host`) or an http(s) actor URL."""
    if resource is None or not resource.strip():
        raise BadResource("the resource parameter is required")
    resource = resource.strip()
    if resource.startswith(("https://", "http://")):
        parts = urlsplit(resource)
        if not parts.netloc:
            raise BadResource("the resource URL has no host")
        return ResourceQuery(username=None, url=resource, host=parts.netloc.lower())
    handle = resource.removeprefix("acct:").removeprefix("@")
    user, sep, host = handle.rpartition("@")
    if not sep or not user or not host or "@" in user or "/" in host:
        raise BadResource("the resource must be acct:name@host or an actor URL")
    return ResourceQuery(username=user.lower(), url=None, host=host.lower().rstrip("."))


def webfinger_document(subject: str, actor_id: str, aliases: list[str]) -> dict[str, Any]:
    """The JRD Mastodon reads: subject, aliases, a self link and a profile-page link."""
    document: dict[str, Any] = webfinger_response_json(subject, actor_id)
    document["aliases"] = aliases
    document["links"].append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": actor_id})
    return document


def host_meta_xml(base_url: str) -> str:
    """host-meta as XRD, pointing at our WebFinger endpoint."""
    ns = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
    root = ElementTree.Element("XRD", xmlns=ns)
    ElementTree.SubElement(
        root, "Link", rel="lrdd", type=XRD_XML, template=_lrdd_template(base_url)
    )
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def host_meta_json(base_url: str) -> dict[str, Any]:
    """host-meta as JRD."""
    return {"links": [{"rel": "lrdd", "type": JRD_JSON, "template": _lrdd_template(base_url)}]}


def nodeinfo_links(base_url: str, instance_actor_id: str) -> dict[str, Any]:
    """/.well-known/nodeinfo: both schema versions, plus the instance actor (FEP-2677)."""
    links = [
        {"rel": NODEINFO_SCHEMA.format(version=v), "href": f"{base_url}/nodeinfo/{v}"}
        for v in NODEINFO_VERSIONS
    ]
    links.append({"rel": INSTANCE_ACTOR_REL, "href": instance_actor_id})
    return {"links": links}


@dataclass(frozen=True)
class NodeUsage:
    """Real usage figures for NodeInfo."""

    users_total: int
    active_month: int
    active_halfyear: int
    local_posts: int


def nodeinfo_document(
    version: str, software_version: str, usage: NodeUsage, metadata: dict[str, Any]
) -> dict[str, Any]:
    """A NodeInfo 2.0 or 2.1 document."""
    if version not in NODEINFO_VERSIONS:
        raise ValueError(f"unsupported NodeInfo version {version}")
    info = NodeInfo(
        software=Software(name="coophub", version=software_version),
        usage=Usage(
            users=Users(
                total=usage.users_total,
                activeMonth=usage.active_month,
                activeHalfyear=usage.active_halfyear,
            ),
            localPosts=usage.local_posts,
        ),
        openRegistrations=False,
        metadata=metadata,
    )
    document: dict[str, Any] = json.loads(info.model_dump_json())
    document["version"] = version
    return document


def _lrdd_template(base_url: str) -> str:
    return f"{base_url}/.well-known/webfinger?resource={{uri}}"

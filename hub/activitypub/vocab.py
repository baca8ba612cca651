"""Builders for the ActivityStreams documents we serve: actors and their keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from bovine.crypto.multibase import encode_public_key_to_multibase, multibase_to_private_key

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# Extension terms are defined inline: peers never fetch unknown context URLs
# (Fedify answers 500 to them), so only the standard context URLs are referenced.
ACTOR_TERMS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}
ACTOR_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, MULTIKEY_CONTEXT, ACTOR_TERMS]


@dataclass(frozen=True)
class ActorUrls:
    """Every URL an actor document names."""

    id: str
    inbox: str
    outbox: str
    followers: str
    following: str
    featured: str
    shared_inbox: str
    icon: str | None = None
    moderators: str | None = None  # a Group's moderators collection (FEP-1b12)
    icon_type: str = "image/png"
    image: str | None = None  # the profile header
    image_type: str = "image/png"


@dataclass(frozen=True)
class ActorProfile:
    """What an actor says about itself; text fields are already safe HTML."""

    type: str
    username: str
    name: str
    summary_html: str
    published: datetime
    fields: Sequence[tuple[str, str]] = field(default_factory=tuple)
    manually_approves_followers: bool = False
    discoverable: bool = True
    indexable: bool = True


def actor_document(
    profile: ActorProfile, urls: ActorUrls, rsa_public_pem: str, ed25519_public_multibase: str
) -> dict[str, object]:
    """An actor as Mastodon, Mobilizon and FEP-521a readers expect it."""
    doc: dict[str, object] = {
        "@context": ACTOR_CONTEXT,
        "id": urls.id,
        "type": profile.type,
        "preferredUsername": profile.username,
        "name": profile.name,
        "summary": profile.summary_html,
        "url": urls.id,
        "inbox": urls.inbox,
        "outbox": urls.outbox,
        "followers": urls.followers,
        "following": urls.following,
        "featured": urls.featured,
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": profile.manually_approves_followers,
        "discoverable": profile.discoverable,
        "indexable": profile.indexable,
        "published": iso(profile.published),
        "publicKey": {
            "id": rsa_key_id(urls.id),
            "owner": urls.id,
            "publicKeyPem": rsa_public_pem,
        },
        "assertionMethod": [
            {
                "id": ed25519_key_id(urls.id),
                "type": "Multikey",
                "controller": urls.id,
                "publicKeyMultibase": ed25519_public_multibase,
            }
        ],
        "attachment": [
            {"type": "PropertyValue", "name": name, "value": value}
            for name, value in profile.fields
        ],
    }
    if urls.moderators:
        doc["attributedTo"] = urls.moderators
    if urls.icon:
        doc["icon"] = {"type": "Image", "mediaType": urls.icon_type, "url": urls.icon}
    if urls.image:
        doc["image"] = {"type": "Image", "mediaType": urls.image_type, "url": urls.image}
    return doc


def rsa_key_id(actor_id: str) -> str:
    """The id of an actor's RSA key (draft-cavage signatures)."""
    return f"{actor_id}#main-key"


def ed25519_key_id(actor_id: str) -> str:
    """The id of an actor's Ed25519 Multikey (object proofs, FEP-521a)."""
    return f"{actor_id}#ed25519-key"


@lru_cache(maxsize=4096)
def ed25519_public_multibase(private_multibase: str) -> str:
    """The public Multikey of a multibase-encoded Ed25519 private key."""
    private_key = multibase_to_private_key(private_multibase)
    return str(encode_public_key_to_multibase(private_key.public_key()))


def iso(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class NoteFields:
    """A post as the protocol sees it; content is already safe HTML."""

    id: str
    attributed_to: str
    followers: str
    content_html: str
    published: datetime
    visibility: str
    summary: str | None = None
    language: str | None = None
    in_reply_to: str | None = None
    updated: datetime | None = None
    mentions: Sequence[str] = ()
    tags: Sequence[dict[str, str]] = ()
    audience: str | None = None  # the Group the note is shared in (FEP-1b12)
    attachments: Sequence[dict[str, object]] = ()  # Documents: images with alt text as `name`


def note_document(note: NoteFields) -> dict[str, object]:
    """A Note addressed by visibility (public, unlisted, private, direct) and its mentions."""
    to, cc = addressing(note.visibility, note.followers, note.mentions)
    doc: dict[str, object] = {
        "id": note.id,
        "type": "Note",
        "attributedTo": note.attributed_to,
        "url": note.id,
        "to": to,
        "cc": cc,
        "published": iso(note.published),
        "content": note.content_html,
        "summary": note.summary,
        "sensitive": bool(note.summary),
        "inReplyTo": note.in_reply_to,
        "tag": list(note.tags),
    }
    if note.language:
        doc["contentMap"] = {note.language: note.content_html}
    if note.updated:
        doc["updated"] = iso(note.updated)
    if note.audience:
        doc["audience"] = note.audience
    if note.attachments:
        doc["attachment"] = list(note.attachments)
    return doc


def create_activity(activity_id: str, note: dict[str, object]) -> dict[str, object]:
    """The Create that publishes a note, with the note's own addressing."""
    return {
        "id": activity_id,
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def addressing(
    visibility: str, followers: str, mentions: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Mastodon's mapping: Public in `to` (public) or `cc` (unlisted); mentions in cc or to."""
    mentioned = list(mentions)
    match visibility:
        case "public":
            return [PUBLIC], [followers, *mentioned]
        case "unlisted":
            return [followers], [PUBLIC, *mentioned]
        case "private":
            return [followers], mentioned
        case _:
            return mentioned, []


def update_activity(activity_id: str, note: dict[str, object]) -> dict[str, object]:
    """The Update that edits a note (Mastodon shows the edit when `updated` is set)."""
    return {**create_activity(activity_id, note), "type": "Update"}


def delete_activity(activity_id: str, note: dict[str, object]) -> dict[str, object]:
    """The Delete of a note, with a Tombstone and the note's audience."""
    tombstone = {"id": note["id"], "type": "Tombstone"}
    return {**create_activity(activity_id, note), "type": "Delete", "object": tombstone}


def announce_activity(
    activity_id: str, group: str, obj: str | dict[str, object], owner: str, published: datetime
) -> dict[str, object]:
    """A Group's public Announce of an object (its id for Mastodon) or an activity (FEP-1b12)."""
    return {
        "id": activity_id,
        "type": "Announce",
        "actor": group,
        "published": iso(published),
        "to": [PUBLIC],
        "cc": [f"{group}/followers", owner],
        "object": obj,
    }


def with_context(document: dict[str, object]) -> dict[str, object]:
    """A top-level document with the ActivityStreams context first."""
    return {"@context": AS_CONTEXT, **document}

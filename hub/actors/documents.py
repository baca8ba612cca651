"""Our actors as ActivityPub documents."""

from __future__ import annotations

from dataclasses import replace

from hub.activitypub.vocab import ActorProfile, actor_document, ed25519_public_multibase
from hub.store.models import ActorKind, LocalActor
from hub.text import field_value_html, render_markdown
from hub.uris import Uris

ACTOR_TYPES = {
    ActorKind.coop: "Organization",
    ActorKind.network: "Group",
    ActorKind.instance: "Application",
}


def actor_json(actor: LocalActor, uris: Uris) -> dict[str, object]:
    """The actor document for a local actor; it never contains private keys."""
    is_instance = actor.kind == ActorKind.instance
    profile = ActorProfile(
        type=ACTOR_TYPES[actor.kind],
        username=uris.domain.split(":")[0] if is_instance else actor.username,
        name=actor.name,
        summary_html=render_markdown(actor.summary) if actor.summary else "",
        published=actor.created_at,
        fields=profile_fields(actor),
        manually_approves_followers=actor.manually_approves_followers,
        discoverable=actor.discoverable and not is_instance,
        indexable=actor.indexable and not is_instance,
    )
    urls = uris.actor_urls(actor.username, instance=is_instance)
    if actor.kind == ActorKind.network:
        urls = replace(urls, moderators=uris.moderators(actor.username))
    if actor.avatar_file:
        urls = replace(urls, icon=uris.media(actor.avatar_file), icon_type=_type(actor.avatar_file))
    if actor.header_file:
        urls = replace(
            urls, image=uris.media(actor.header_file), image_type=_type(actor.header_file)
        )
    return actor_document(
        profile,
        urls,
        actor.rsa_public_pem,
        ed25519_public_multibase(actor.ed25519_private_multibase),
    )


def profile_fields(actor: LocalActor) -> list[tuple[str, str]]:
    """Profile fields as (plain-text label, HTML value); the website comes first."""
    fields = [(label, field_value_html(value)) for label, value in actor.fields]
    if actor.website and not any(value == actor.website for _label, value in actor.fields):
        fields.insert(0, ("Website", field_value_html(actor.website)))
    return fields


def _type(file_name: str) -> str:
    # The extensions hub.images stores (that module sits above this layer).
    extension = file_name.rsplit(".", 1)[1]
    return {"jpg": "image/jpeg", "webp": "image/webp"}.get(extension, "image/png")

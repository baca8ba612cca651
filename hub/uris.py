"""Every URI the hub mints, in one place."""

from __future__ import annotations

import secrets
from hashlib import sha256
from urllib.parse import quote, urlencode

from hub.activitypub.vocab import ActorUrls
from hub.config import Settings

INSTANCE_ACTOR_PATH = "/actor"


class Uris:
    """Builds our URLs from the configured scheme and domain."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.base_url
        self.domain = settings.domain
        self.network_username = settings.network_username
        # Not a URI, but every service that publishes gets a Uris: whether the network Group
        # also sends Announce{Create} for FEP-1b12 readers besides Mastodon's Announce{id}.
        self.announce_create = settings.network_announce_create

    def actor(self, username: str) -> str:
        """The one URL of a coop or the network actor (JSON and HTML by negotiation)."""
        return f"{self.base}/users/{quote(username)}"

    def network(self) -> str:
        """The network Group actor."""
        return self.actor(self.network_username)

    def moderators(self, username: str) -> str:
        """The collection of a Group's moderators (FEP-1b12 `attributedTo`)."""
        return f"{self.actor(username)}/moderators"

    def announce(self, username: str, target_uri: str) -> str:
        """The id of an actor's Announce of an object or activity (one per target)."""
        digest = sha256(target_uri.encode()).hexdigest()[:32]
        return f"{self.actor(username)}/announces/{digest}"

    def follow_activity(self, username: str, remote_id: int, stamp: int) -> str:
        """The id of a Follow one of our actors sends (epoch milliseconds keep re-follows apart)."""
        return f"{self.actor(username)}#follows/{remote_id}/{stamp}"

    def instance_actor(self) -> str:
        """The instance actor (FEP-2677), which signs our fetches."""
        return self.base + INSTANCE_ACTOR_PATH

    def shared_inbox(self) -> str:
        """The one inbox for everything addressed to several of our actors."""
        return f"{self.base}/inbox"

    def actor_urls(self, username: str, *, instance: bool = False) -> ActorUrls:
        """All URLs an actor document names."""
        actor_id = self.instance_actor() if instance else self.actor(username)
        return ActorUrls(
            id=actor_id,
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            followers=f"{actor_id}/followers",
            following=f"{actor_id}/following",
            featured=f"{actor_id}/featured",
            shared_inbox=self.shared_inbox(),
            icon=f"{actor_id}/avatar.png",
        )

    def note(self, username: str, post_id: int) -> str:
        """A post's id and page."""
        return f"{self.actor(username)}/statuses/{post_id}"

    def create_activity(self, username: str, post_id: int) -> str:
        """The id of the Create that published a post."""
        return f"{self.note(username, post_id)}/activity"

    def update_activity(self, username: str, post_id: int, stamp: int) -> str:
        """The id of the Update that edited a post at a moment (epoch milliseconds)."""
        return f"{self.note(username, post_id)}/updates/{stamp}"

    def delete_activity(self, username: str, post_id: int) -> str:
        """The id of the Delete of a post."""
        return f"{self.note(username, post_id)}/delete"

    def accept_follow(self, username: str, follow_id: int) -> str:
        """A fresh id for an Accept that answers a Follow."""
        # Row ids come back after a delete on SQLite, and a follow may be answered again.
        return f"{self.actor(username)}#accepts/follows/{follow_id}/{secrets.token_hex(6)}"

    def reject_follow(self, username: str, follow_id: int) -> str:
        """A fresh id for a Reject that answers a Follow."""
        return f"{self.actor(username)}#rejects/follows/{follow_id}/{secrets.token_hex(6)}"

    def username_of(self, uri: str | None) -> str | None:
        """The username in one of our actor URLs, or None for any other URI."""
        prefix = self.actor("")
        if not uri or not uri.startswith(prefix):
            return None
        rest = uri[len(prefix) :]
        return rest if rest and "/" not in rest and "#" not in rest and "?" not in rest else None

    def post_id_of(self, uri: str | None) -> tuple[str, int] | None:
        """(username, post id) of one of our note URLs, or None."""
        prefix = self.actor("")
        if not uri or not uri.startswith(prefix):
            return None
        username, _, rest = uri[len(prefix) :].partition("/statuses/")
        return (username, int(rest)) if username and rest.isdigit() else None

    def event(self, username: str, event_id: int) -> str:
        """An event's id and page (a single date, a series or one occurrence)."""
        return f"{self.actor(username)}/events/{event_id}"

    def event_activity(self, username: str, event_id: int, kind: str, stamp: int = 0) -> str:
        """The id of a Create, Update (at a moment, epoch ms) or Delete of an event."""
        suffix = f"/{stamp}" if stamp else ""
        return f"{self.event(username, event_id)}/{kind}{suffix}"

    def answer_join(self, username: str, key: str, accept: bool) -> str:
        """The id of the Accept or Reject that answers a Join of one of our events."""
        kind = "accepts" if accept else "rejects"
        return f"{self.actor(username)}#{kind}/joins/{key}"

    def event_calendar(self, username: str, event_id: int) -> str:
        """An event (or a whole series) as iCalendar."""
        return f"{self.event(username, event_id)}.ics"

    def coop_calendar(self, username: str) -> str:
        """Every event of a coop as iCalendar."""
        return f"{self.actor(username)}/events.ics"

    def network_calendar(self) -> str:
        """Every event of the network as iCalendar."""
        return f"{self.base}/events.ics"

    def event_registration(self, username: str, event_id: int) -> str:
        """Where the web registration form of an event posts to."""
        return f"{self.event(username, event_id)}/register"

    def registration(self, token: str, action: str = "") -> str:
        """A web registration's private page (confirm with the one-time token, or manage)."""
        return f"{self.base}/registrations/{token}" + (f"/{action}" if action else "")

    def events_page(self) -> str:
        """The list of upcoming events."""
        return f"{self.base}/events"

    def event_id_of(self, uri: str | None) -> tuple[str, int] | None:
        """(username, event id) of one of our event URLs, or None."""
        prefix = self.actor("")
        if not uri or not uri.startswith(prefix):
            return None
        username, _, rest = uri[len(prefix) :].partition("/events/")
        return (username, int(rest)) if username and rest.isdigit() else None

    def tag(self, name: str) -> str:
        """The page of a hashtag."""
        return f"{self.base}/tags/{quote(name)}"

    def media(self, file_name: str) -> str:
        """An uploaded image, served as an image and never as an ActivityPub document."""
        return f"{self.base}/media/{quote(file_name)}"

    def page(self, collection_id: str, before: int | None = None) -> str:
        """A page of a collection: the first, or the one after keyset cursor `before`."""
        params: dict[str, str | int] = {"page": "true"}
        if before is not None:
            params["max_id"] = before
        return f"{collection_id}?{urlencode(params)}"

    @staticmethod
    def webcal(url: str) -> str:
        """A calendar URL for subscribing: webcal:// instead of http(s)://."""
        return "webcal://" + url.split("://", 1)[1]

    def acct(self, username: str) -> str:
        """The WebFinger subject of a local actor."""
        return f"acct:{username}@{self.domain}"

    def password_link(self, token: str) -> str:
        """The one-time link where a manager sets a password."""
        return f"{self.base}/setup/{token}"

"""SQLAlchemy models: local actors, people, remote actors, follows, posts, events, network."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, text

from hub.store.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)


class ActorKind(enum.StrEnum):
    """What a local actor is: a member coop, the network Group, or the instance actor."""

    coop = "coop"
    network = "network"
    instance = "instance"


class FollowDirection(enum.StrEnum):
    """Inbound: a remote actor follows ours. Outbound: ours follows a remote actor."""

    inbound = "inbound"
    outbound = "outbound"


class FollowState(enum.StrEnum):
    """A follow waits for approval or is accepted."""

    pending = "pending"
    accepted = "accepted"


class Visibility(enum.StrEnum):
    """Who may see a post, in Mastodon's terms."""

    public = "public"
    unlisted = "unlisted"
    private = "private"
    direct = "direct"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, validate_strings=True)


class LocalActor(Base):
    """An actor this hub speaks for: a coop, the network Group, or the instance actor."""

    __tablename__ = "local_actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(2048))
    fields: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    manually_approves_followers: Mapped[bool] = mapped_column(Boolean, default=False)
    sector: Mapped[str | None] = mapped_column(String(100), index=True)
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    legal_form: Mapped[str | None] = mapped_column(String(100), index=True)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    indexable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Uploaded profile images under HUB_DATA_DIR/media (None: the generated avatar, no header).
    avatar_file: Mapped[str | None] = mapped_column(String(80))
    header_file: Mapped[str | None] = mapped_column(String(80))
    rsa_public_pem: Mapped[str] = mapped_column(Text)
    rsa_private_pem: Mapped[str] = mapped_column(Text)
    ed25519_private_multibase: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed for the calendar feeds' change marker (the newest of each, one lookup).
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A suspended coop is also marked deleted (every URL answers 410) until it is restored
    # or purged; a limited one is neither re-shared by the network nor on the timeline.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    limited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replies: Mapped[str] = mapped_column(String(16), default="open", server_default="open")

    def __repr__(self) -> str:
        # Never put key material in logs or tracebacks.
        return f"LocalActor(id={self.id!r}, kind={self.kind!r}, username={self.username!r})"


class Person(Base):
    """Someone who logs in: a network manager, or a member of coop teams (see Membership)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Person(id={self.id!r}, email={self.email!r})"


class OneTimeToken(Base):
    """A hashed one-time secret in a link: set a password, or set up the first manager."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Role(enum.StrEnum):
    """What a person may do for a coop: owners also manage the team."""

    owner = "owner"
    editor = "editor"


class Membership(Base):
    """A person manages a coop with a role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "local_actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "member_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebSession(Base):
    """A logged-in browser: the cookie holds the token, we keep only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OAuthApp(Base):
    """A client app registered through /api/v1/apps."""

    __tablename__ = "oauth_apps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(2048))
    redirect_uris: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OAuthCode(Base):
    """A hashed, single-use, short-lived authorization code."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[str] = mapped_column(String(1024))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OAuthToken(Base):
    """A hashed access token (and refresh token) acting as one coop for one person."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    local_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RemoteActor(Base):
    """A cached actor of another server."""

    __tablename__ = "remote_actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    username: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200))
    inbox_uri: Mapped[str | None] = mapped_column(String(2048))
    shared_inbox_uri: Mapped[str | None] = mapped_column(String(2048))
    key_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    followers_uri: Mapped[str | None] = mapped_column(String(2048))
    ap_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    limited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Follow(Base):
    """A follow between one of our actors and a remote actor, in either direction."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("local_actor_id", "remote_actor_id", "direction"),
        Index("ix_follows_listing", "local_actor_id", "direction", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[FollowDirection] = mapped_column(_enum(FollowDirection, "follow_direction"))
    state: Mapped[FollowState] = mapped_column(_enum(FollowState, "follow_state"))
    activity_uri: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    remote_actor: Mapped[RemoteActor] = relationship(lazy="raise_on_sql")


class Post(Base):
    """A note one of our actors published."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_outbox", "local_actor_id", "deleted_at", "id"),
        Index("ix_posts_featured", "local_actor_id", "pinned_at"),
        Index("ix_posts_idempotency", "local_actor_id", "idempotency_key", unique=True),
        Index("ix_posts_timeline", "published_at", "id"),
        Index("ix_posts_coop_timeline", "local_actor_id", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    content_html: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    in_reply_to_uri: Mapped[str | None] = mapped_column(String(2048))
    # Team credit: who of the coop posted it; shown to the coop, never federated.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    tags: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default="[]")
    # The attached images as Note `attachment` Documents (with our media id), ready to serve.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replies: Mapped[str | None] = mapped_column(String(16))  # None: the coop's setting

    local_actor: Mapped[LocalActor] = relationship(lazy="raise_on_sql")


class MediaAttachment(Base):
    """An image a coop uploaded through the client API; attached to at most one post."""

    __tablename__ = "media_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    blurhash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryState(enum.StrEnum):
    """Where a delivery stands."""

    pending = "pending"
    done = "done"
    failed = "failed"
    gone = "gone"


class InboxState(enum.StrEnum):
    """Where a received activity stands."""

    pending = "pending"
    done = "done"
    ignored = "ignored"
    failed = "failed"


class InteractionKind(enum.StrEnum):
    """What a remote actor did to one of our posts."""

    like = "like"
    announce = "announce"


class OutgoingActivity(Base):
    """An activity one of our actors sends; stored unsigned, signed at send time."""

    __tablename__ = "outgoing_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    ap_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One activity to one inbox: the unit the worker sends, retries and classifies."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("activity_id", "inbox_uri"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("outgoing_activities.id", ondelete="CASCADE")
    )
    inbox_uri: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[DeliveryState] = mapped_column(_enum(DeliveryState, "delivery_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[OutgoingActivity] = relationship(lazy="raise_on_sql")


class RemoteHost(Base):
    """Delivery health of another server: failing days, and whether we still try it."""

    __tablename__ = "remote_hosts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    last_failure_day: Mapped[str | None] = mapped_column(String(10))
    failure_days: Mapped[int] = mapped_column(Integer, default=0)
    unavailable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboxItem(Base):
    """A verified activity as received, processed later by the worker; unique by its id."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_uri: Mapped[str] = mapped_column(String(2048), index=True)
    local_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_actors.id", ondelete="SET NULL")
    )
    ap_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[InboxState] = mapped_column(_enum(InboxState, "inbox_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RemoteNote(Base):
    """A reply to one of our posts, a mention of one of our coops, or a remote member's post."""

    __tablename__ = "remote_notes"
    __table_args__ = (
        Index("ix_remote_notes_timeline", "published_at", "id"),
        # Only replies: most notes reply to nothing, and a smaller index is cheaper to keep.
        Index(
            "ix_remote_notes_in_reply_to_uri",
            "in_reply_to_uri",
            sqlite_where=text("in_reply_to_uri IS NOT NULL"),
            postgresql_where=text("in_reply_to_uri IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    in_reply_to_uri: Mapped[str | None] = mapped_column(String(2048))
    in_reply_to_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    content_html: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ap_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Reply moderation: shown, held (waits for approval) or rejected.
    state: Mapped[str] = mapped_column(String(16), default="shown", server_default="shown")
    # Its author or server was limited when it arrived: kept off the timeline.
    limited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Interaction(Base):
    """A like or boost of one of our posts by a remote actor."""

    __tablename__ = "interactions"
    __table_args__ = (UniqueConstraint("kind", "remote_actor_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind, "interaction_kind"))
    activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoopInteraction(Base):
    """A coop favourited or boosted a status: one of our posts, or a remote note."""

    __tablename__ = "coop_interactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind, "interaction_kind"))
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    remote_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_notes.id", ondelete="CASCADE"), index=True
    )
    activity_uri: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledStatus(Base):
    """A status a coop wants published later; the worker publishes it when it is due."""

    __tablename__ = "scheduled_statuses"
    __table_args__ = (Index("ix_scheduled_statuses_due", "published_at", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(
        ForeignKey("local_actors.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The draft as the client sent it (text, visibility, spoiler_text, language, media_ids...).
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Marker(Base):
    """Where a person, acting as a coop, stopped reading a timeline (Mastodon's markers)."""

    __tablename__ = "markers"
    __table_args__ = (Index("ix_markers_owner", "local_actor_id", "person_id", "timeline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    timeline: Mapped[str] = mapped_column(String(16))
    last_read_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RemoteBlock(Base):
    """A remote actor blocked one of our actors: no follows, no deliveries to them."""

    __tablename__ = "remote_blocks"
    __table_args__ = (UniqueConstraint("remote_actor_id", "local_actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    activity_uri: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NetworkMember(Base):
    """A coop that lives on another server and belongs to the network; the Group follows it."""

    __tablename__ = "network_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), unique=True
    )
    handle: Mapped[str] = mapped_column(String(320), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    remote_actor: Mapped[RemoteActor] = relationship(lazy="raise_on_sql")


class RegistrationMode(enum.StrEnum):
    """How people register for an event."""

    open = "open"
    approval = "approval"
    closed = "closed"
    external = "external"


class EventStatus(enum.StrEnum):
    """Whether an event takes place as planned."""

    scheduled = "scheduled"
    cancelled = "cancelled"
    postponed = "postponed"


class Event(Base):
    """A coop's event: a single date, a series (with an RRULE) or one occurrence of a series."""

    # A series row carries the RRULE and the template; each materialised occurrence is its
    # own row (own URI) pointing back to it, like a VEVENT with a RECURRENCE-ID.
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("series_id", "recurrence_id"),
        Index("ix_events_upcoming", "local_actor_id", "starts_at"),
        Index("ix_events_starts_at", "starts_at"),
        # The calendar feeds' change marker reads the newest of each stamp.
        Index("ix_events_published_at", "published_at"),
        Index("ix_events_updated_at", "updated_at"),
        Index("ix_events_deleted_at", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    rrule: Mapped[str | None] = mapped_column(String(500))
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    recurrence_id: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customised: Mapped[bool] = mapped_column(Boolean, default=False)
    materialised_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_name: Mapped[str | None] = mapped_column(String(200))
    place_address: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str | None] = mapped_column(String(2048))
    image_url: Mapped[str | None] = mapped_column(String(2048))
    image_alt: Mapped[str | None] = mapped_column(String(1500))
    category: Mapped[str | None] = mapped_column(String(40))
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_mode: Mapped[RegistrationMode] = mapped_column(
        _enum(RegistrationMode, "registration_mode")
    )
    registration_url: Mapped[str | None] = mapped_column(String(2048))
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminders to the coop's followers, each sent once (the *_sent_at stamps).
    remind_opening: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_day_before: Mapped[bool] = mapped_column(Boolean, default=False)
    opening_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day_before_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus, "event_status"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    local_actor: Mapped[LocalActor] = relationship(lazy="raise_on_sql")

    @property
    def is_series(self) -> bool:
        """True for the row that holds a series' RRULE."""
        return self.rrule is not None


class ParticipationState(enum.StrEnum):
    """Where a registration stands: waiting for approval, a seat, the waiting list, or maybe."""

    pending = "pending"
    accepted = "accepted"
    waiting = "waiting"
    tentative = "tentative"


class WebRegistration(Base):
    """Someone without a fediverse account registered on the web: one date or a whole series."""

    # Unconfirmed, it holds no seat; confirming (double opt-in) makes one EventParticipant per
    # date. Tokens are kept only as SHA-256 hashes; personal data is wiped after the event.
    __tablename__ = "web_registrations"
    __table_args__ = (Index("ix_web_registrations_email", "email", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    whole_series: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    manage_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventParticipant(Base):
    """A registration for one date of an event (remote actor or web), in order of arrival."""

    __tablename__ = "event_participants"
    __table_args__ = (
        UniqueConstraint("event_id", "remote_actor_id"),
        UniqueConstraint("event_id", "web_registration_id", name="uq_event_participants_web"),
        Index("ix_event_participants_queue", "event_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    web_registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_registrations.id", ondelete="CASCADE"), index=True
    )
    join_uri: Mapped[str | None] = mapped_column(String(2048))
    # True for a Join (answered with Accept/Reject); False for Friendica's and Hubzilla's
    # Accept/TentativeAccept of the event and for web registrations, which expect no answer.
    by_join: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[ParticipationState] = mapped_column(
        _enum(ParticipationState, "participation_state")
    )
    message: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    remote_actor: Mapped[RemoteActor | None] = relationship(lazy="raise_on_sql")


class EventWithdrawal(Base):
    """A registration that was cancelled or turned down, kept for the organisers' list."""

    # No personal data of its own: the name comes from the remote actor or the web
    # registration, which the purge wipes 30 days after the event.
    __tablename__ = "event_withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    web_registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_registrations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DomainBlock(Base):
    """A server the managers limit or suspend (Mastodon's domain block), or allow."""

    __tablename__ = "domain_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    # silence (limit), suspend, noop (only media or reports rejected), allow (allow-list mode)
    severity: Mapped[str] = mapped_column(String(16))
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
    private_comment: Mapped[str] = mapped_column(Text, default="")
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(Base):
    """A report about a coop, a post or a remote account, with a snapshot of what was reported."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_queue", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_uri: Mapped[str | None] = mapped_column(String(2048), unique=True)
    reporter_uri: Mapped[str | None] = mapped_column(String(2048))  # a remote instance actor
    reporter_name: Mapped[str | None] = mapped_column(String(200))  # a person on our site
    reporter_email: Mapped[str | None] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(Text, default="")
    target_uri: Mapped[str] = mapped_column(String(2048))
    local_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_actors.id", ondelete="SET NULL"), index=True
    )
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="SET NULL"), index=True
    )
    status_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, resolved, dismissed
    outcome: Mapped[str | None] = mapped_column(String(200))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )


class ModerationAction(Base):
    """One line of the audit log: who did what to whom, when and why."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    moderator: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_private: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SiteText(Base):
    """A text of the site that managers edit (the about page), in one language, as Markdown."""

    __tablename__ = "site_texts"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutgoingMail(Base):
    """A mail waiting to be sent by the worker (written in the transaction that causes it)."""

    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MembershipApplication(Base):
    """A coop's application to join the network, and the managers' decision on it."""

    __tablename__ = "membership_applications"
    __table_args__ = (Index("ix_membership_applications_queue", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(2048))
    legal_form: Mapped[str | None] = mapped_column(String(100))
    sector: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # approved, declined
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    local_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_actors.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowerCount(Base):
    """How many followers a coop had on one day (UTC), written by the worker once a day."""

    __tablename__ = "follower_counts"
    __table_args__ = (UniqueConstraint("local_actor_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor_id: Mapped[int] = mapped_column(ForeignKey("local_actors.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    followers: Mapped[int] = mapped_column(Integer)

"""Friendica's and Hubzilla's RSVP: Accept, TentativeAccept or Reject of the event itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.readers import id_of, types_of
from hub.actors.remote import Fetcher, get_actor
from hub.events import rsvp
from hub.store.models import EventParticipant, ParticipationState
from hub.uris import Uris

# Friendica: Accept / TentativeAccept / Reject{object: Event}; Hubzilla: Accept{Invite{Event}}.
ANSWERS = {"Accept", "TentativeAccept", "Reject"}


def event_uri_of(activity: dict[str, Any]) -> str | None:
    """The event an attendance answer is about: its object, or the object of an Invite."""
    target = activity.get("object")
    if isinstance(target, dict) and "Invite" in types_of(target):
        target = target.get("object")
    return id_of(target)


def names_our_event(uris: Uris, activity: dict[str, Any]) -> bool:
    """True when an Accept, TentativeAccept or Reject is about one of our events."""
    return uris.event_id_of(event_uri_of(activity)) is not None


async def on_attendance(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, activity: dict[str, Any]
) -> str:
    """Record going (Accept), maybe (TentativeAccept) or not going (Reject); no answer is sent."""
    event_uri = event_uri_of(activity)
    kinds = types_of(activity)
    if "Reject" in kinds:
        return await rsvp.withdraw(session, uris, activity["actor"], event_uri)
    found = await rsvp.our_event(session, uris, event_uri)
    if found is None:
        return "ignored: not one of our events"
    coop, event = found
    remote = await get_actor(session, fetcher, activity["actor"])
    tentative = "TentativeAccept" in kinds
    current = await rsvp.find_participant(session, event, remote)
    if current is not None:
        if (current.state == ParticipationState.tentative) == tentative:
            return f"ignored: already registered ({current.state.value})"
        await rsvp.withdraw(session, uris, remote.uri, event_uri)
    participant = EventParticipant(
        event_id=event.id, remote_actor_id=remote.id, join_uri=str(activity["id"]),
        by_join=False, state=ParticipationState.accepted, message=rsvp.message_of(activity),
    )  # fmt: skip
    if not tentative:
        return await rsvp.register(session, uris, coop, event, remote, participant)
    refusal = rsvp.refusal_of(event)
    if refusal is not None:
        return f"rejected: {refusal}"
    participant.state = ParticipationState.tentative
    session.add(participant)
    return "maybe"


async def on_undo_attendance(
    session: AsyncSession, uris: Uris, activity: dict[str, Any], answer: dict[str, Any]
) -> str:
    """Undo of an attendance answer: withdrawn, only by the answer's own actor."""
    if id_of(answer.get("actor")) != activity["actor"]:
        return "ignored: the undone answer is someone else's"
    return await rsvp.withdraw(session, uris, activity["actor"], event_uri_of(answer))

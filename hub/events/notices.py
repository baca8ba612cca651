"""Mails to people registered on the web: confirmation link, seats, waiting list, decisions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events.documents import when_line, where_line
from hub.mail import queue_mail
from hub.store.models import (
    Event,
    EventParticipant,
    LocalActor,
    ParticipationState,
    WebRegistration,
)
from hub.uris import Uris

STATE_LINES = {
    ParticipationState.accepted: "Du bist dabei.",
    ParticipationState.waiting: "Du stehst auf der Warteliste; wird ein Platz frei, ist er deiner.",
    ParticipationState.pending: "Die Coop prüft deine Anmeldung; du bekommst Bescheid.",
}
SIGNATURE = "\n\n-- \nDiese Mail wurde automatisch vom Coophub verschickt."


def confirmation_request(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    registration: WebRegistration,
    token: str,
) -> None:
    """The double opt-in mail: one link to confirm the registration."""
    scope = "alle kommenden Termine der Reihe" if registration.whole_series else when_line(event)
    body = (
        f"Hallo {registration.name},\n\n"
        f"bitte bestätige deine Anmeldung bei „{event.title}“ ({coop.name}), {scope}:\n\n"
        f"{uris.registration(token)}\n\n"
        "Wenn du dich nicht angemeldet hast, ignoriere diese Mail einfach; ohne Bestätigung "
        "wird nichts gespeichert und die Angaben werden nach einigen Tagen gelöscht."
    )
    _queue(session, registration, f"Bitte bestätigen: {event.title}", body)


def confirmed(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    registration: WebRegistration,
    dates: Sequence[tuple[Event, ParticipationState | None]],
    token: str,
) -> None:
    """After confirming: the state per date, the meeting link for seats, the private link."""
    lines = [f"Hallo {registration.name},\n\ndeine Anmeldung bei {coop.name} ist bestätigt.\n"]
    for event, state in dates:
        lines.append(_date_block(event, state))
    lines.append(f"Deine private Seite (Zugangslink, abmelden):\n{uris.registration(token)}")
    subject = f"Anmeldung bestätigt: {dates[0][0].title}" if dates else "Anmeldung bestätigt"
    _queue(session, registration, subject, "\n".join(lines))


async def decided(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    participant: EventParticipant,
    accept: bool,
) -> None:
    """A seat became free for them (or the coop approved them), or the coop said no."""
    registration = await session.get(WebRegistration, participant.web_registration_id)
    if registration is None:
        return
    if accept:
        subject = f"Du bist dabei: {event.title}"
        body = f"Hallo {registration.name},\n\n" + _date_block(event, ParticipationState.accepted)
        body += "\nAbmelden kannst du dich über die private Seite aus deiner Bestätigungsmail."
    else:
        subject = f"Anmeldung abgelehnt: {event.title}"
        body = (
            f"Hallo {registration.name},\n\n{coop.name} kann deine Anmeldung bei "
            f"„{event.title}“ am {when_line(event)} leider nicht annehmen."
        )
    _queue(session, registration, subject, body)


async def cancelled(session: AsyncSession, coop: LocalActor, event: Event) -> None:
    """Tell everyone registered on the web for a date that it does not take place."""
    query = (
        select(WebRegistration)
        .join(EventParticipant, EventParticipant.web_registration_id == WebRegistration.id)
        .where(EventParticipant.event_id == event.id)
    )
    for registration in (await session.execute(query)).scalars():
        body = (
            f"Hallo {registration.name},\n\n„{event.title}“ von {coop.name} am "
            f"{when_line(event)} findet leider nicht statt."
        )
        _queue(session, registration, f"Abgesagt: {event.title}", body)


def _date_block(event: Event, state: ParticipationState | None) -> str:
    line = "Für diesen Termin ist keine Anmeldung möglich."
    if state is not None:
        line = STATE_LINES.get(state, line)
    block = f"„{event.title}“, {when_line(event)}\n{where_line(event)}\n{line}\n"
    if state == ParticipationState.accepted and event.online_url:
        block += f"Link zum Online-Treffen: {event.online_url}\n"
    return block


def _queue(session: AsyncSession, registration: WebRegistration, subject: str, body: str) -> None:
    if registration.email:
        queue_mail(session, registration.email, subject, body + SIGNATURE)

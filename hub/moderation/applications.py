"""Membership applications: coops apply on the web, managers approve or decline them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import accounts, memberships
from hub.accounts import AccountError, PendingLink
from hub.actors.local import create_coop, find_actor
from hub.actors.validation import (
    CoopDraft,
    InvalidInput,
    check_directory_value,
    check_name,
    check_summary,
    check_username,
    check_website,
)
from hub.config import Settings
from hub.mail import queue_mail
from hub.moderation import ModerationError, audit
from hub.store.models import LocalActor, MembershipApplication, Person, Role
from hub.store.types import utcnow
from hub.uris import Uris

STATES = ("pending", "approved", "declined")
MAX_CONTACT_NAME = 200
SIGNATURE = "\n\n-- \nDiese Mail wurde automatisch vom Coophub verschickt."


@dataclass(frozen=True)
class ApplicationDraft:
    """What a coop types into the application form."""

    name: str
    username: str
    contact_name: str
    contact_email: str
    summary: str = ""
    website: str = ""
    legal_form: str = ""
    sector: str = ""
    region: str = ""


@dataclass(frozen=True)
class Approval:
    """An approved application: the new coop, its owner, and the owner's link (if one is due)."""

    application: MembershipApplication
    coop: LocalActor
    owner: Person
    link: PendingLink | None


def check_application(draft: ApplicationDraft, network_username: str) -> ApplicationDraft:
    """The draft cleaned up, or ModerationError naming the first thing that is wrong."""
    try:
        checked = ApplicationDraft(
            name=check_name(draft.name),
            username=check_username(draft.username, network_username),
            contact_name=" ".join(draft.contact_name.split()),
            contact_email=accounts.check_email(draft.contact_email),
            summary=check_summary(draft.summary),
            website=check_website(draft.website) or "",
            legal_form=check_directory_value(draft.legal_form, "legal form"),
            sector=check_directory_value(draft.sector, "sector"),
            region=check_directory_value(draft.region, "region"),
        )
    except (InvalidInput, AccountError) as error:
        raise ModerationError(str(error)) from None
    if not 1 <= len(checked.contact_name) <= MAX_CONTACT_NAME:
        raise ModerationError(
            f"the contact person needs a name of at most {MAX_CONTACT_NAME} characters"
        )
    return checked


async def submit(
    session: AsyncSession, settings: Settings, draft: ApplicationDraft
) -> MembershipApplication:
    """Store a checked application; the username must be free and not applied for already."""
    draft = check_application(draft, settings.network_username)
    if await find_actor(session, draft.username) is not None:
        raise ModerationError(f"username {draft.username!r} is already taken")
    waiting = select(MembershipApplication.id).where(
        MembershipApplication.username == draft.username, MembershipApplication.state == "pending"
    )
    if (await session.execute(waiting)).first() is not None:
        raise ModerationError(f"an application for {draft.username!r} is waiting already")
    application = MembershipApplication(
        name=draft.name, username=draft.username, summary=draft.summary,
        website=draft.website or None, legal_form=draft.legal_form or None,
        sector=draft.sector or None, region=draft.region or None,
        contact_name=draft.contact_name, contact_email=draft.contact_email,
        state="pending", reason="",
    )  # fmt: skip
    session.add(application)
    await session.flush()
    return application


async def list_applications(
    session: AsyncSession, state: str | None = "pending"
) -> Sequence[MembershipApplication]:
    """Applications in one state (all when None), oldest first."""
    query = select(MembershipApplication).order_by(MembershipApplication.id)
    if state is not None:
        query = query.where(MembershipApplication.state == state)
    return (await session.execute(query)).scalars().all()


async def get_application(session: AsyncSession, application_id: int) -> MembershipApplication:
    """An application by id, or ModerationError."""
    application = await session.get(MembershipApplication, application_id)
    if application is None:
        raise ModerationError(f"no application with the id {application_id}")
    return application


async def approve(
    session: AsyncSession, settings: Settings, application_id: int, by: str, reason: str = ""
) -> Approval:
    """Create the coop, make the contact person its owner and mail them their one-time link."""
    application = await _pending(session, application_id)
    draft = CoopDraft(
        name=application.name, summary=application.summary, website=application.website,
        legal_form=application.legal_form, sector=application.sector, region=application.region,
    )  # fmt: skip
    try:
        coop = await create_coop(session, settings, application.username, draft)
    except InvalidInput as error:
        raise ModerationError(str(error)) from None
    owner, link = await _owner(session, application.contact_email)
    await memberships.grant(session, owner, coop, Role.owner)
    _decide(application, "approved", by, reason)
    application.local_actor_id = coop.id
    await audit.record(session, by, "application.approve", coop.username, reason, private=True)
    _approval_mail(session, Uris(settings), application, link)
    return Approval(application, coop, owner, link)


async def decline(
    session: AsyncSession, application_id: int, by: str, reason: str
) -> MembershipApplication:
    """Decline with a reason, which is stored and mailed to the contact person."""
    application = await _pending(session, application_id)
    if not reason.strip():
        raise ModerationError("declining an application needs a reason")
    _decide(application, "declined", by, reason)
    await audit.record(
        session, by, "application.decline", application.username, reason, private=True
    )
    body = (
        f"Hallo {application.contact_name},\n\n"
        f"die Aufnahme von {application.name} in das Netzwerk wurde leider abgelehnt. "
        f"Die Begründung:\n\n{application.reason}\n\n"
        f"Hello {application.contact_name}, the application of {application.name} to join "
        "the network was declined, for the reason above."
    )
    queue_mail(session, application.contact_email, f"Aufnahmeantrag: {application.name}",
               body + SIGNATURE)  # fmt: skip
    return application


async def _pending(session: AsyncSession, application_id: int) -> MembershipApplication:
    application = await get_application(session, application_id)
    if application.state != "pending":
        raise ModerationError(f"application {application_id} is {application.state} already")
    return application


def _decide(application: MembershipApplication, state: str, by: str, reason: str) -> None:
    application.state = state
    application.reason = reason.strip()[: audit.MAX_REASON]
    application.decided_by = by[:320]
    application.decided_at = utcnow()


async def _owner(session: AsyncSession, email: str) -> tuple[Person, PendingLink | None]:
    # Someone with an account keeps it; without a password they get a fresh link to set one.
    try:
        person = await accounts.get_person(session, email)
    except AccountError:
        return await accounts.create_person(session, email)
    if person.password_hash is not None:
        return person, None
    return person, await accounts.reset_link(session, email)


def _approval_mail(
    session: AsyncSession, uris: Uris, application: MembershipApplication, link: PendingLink | None
) -> None:
    if link is not None:
        access = (
            "Lege hier dein Passwort fest (der Link gilt einmal, zwei Tage lang):\n\n"
            f"{uris.password_link(link.token)}\n\n"
            "Set your password here (the link works once, for two days)."
        )
    else:
        access = "Melde dich mit deinem Konto an. / Log in with your account."
    body = (
        f"Hallo {application.contact_name},\n\n"
        f"willkommen im Netzwerk: {application.name} ist jetzt dabei, als "
        f"{uris.actor(application.username)}. Du bist Eigentümer*in des Profils.\n\n"
        f"{access}\n\n"
        f"Hello {application.contact_name}, {application.name} has joined the network and you "
        "own its profile."
    )
    queue_mail(session, application.contact_email, f"Willkommen: {application.name}",
               body + SIGNATURE)  # fmt: skip

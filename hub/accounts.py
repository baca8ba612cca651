"""People who log in: network managers, their passwords, and one-time setup links."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import OneTimeToken, Person
from hub.store.types import utcnow

FIRST_MANAGER = "first-manager"
SET_PASSWORD = "set-password"
TOKEN_LIFETIME = timedelta(days=2)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_hasher = PasswordHasher()


class AccountError(Exception):
    """Bad input for an account (email, password, link); one readable line."""


@dataclass(frozen=True)
class PendingLink:
    """A one-time link's token (shown once) and what it is for."""

    token: str
    purpose: str
    email: str | None


def check_email(raw: str) -> str:
    """A plausible email address, lowercased."""
    email = raw.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise AccountError(f"invalid email address {raw!r}")
    return email


async def create_manager(session: AsyncSession, email: str) -> PendingLink:
    """Create a manager without a password and return the link to set one."""
    email = check_email(email)
    if await _person_by_email(session, email) is not None:
        raise AccountError(f"a person with the email {email!r} already exists")
    person = Person(email=email, is_manager=True)
    session.add(person)
    await session.flush()
    return await _issue(session, SET_PASSWORD, person)


async def create_person(
    session: AsyncSession, email: str, password: str | None = None
) -> tuple[Person, PendingLink | None]:
    """Create a person with a password, or without one and a link to set it."""
    email = check_email(email)
    if password is not None:
        check_password(password)
    if await _person_by_email(session, email) is not None:
        raise AccountError(f"a person with the email {email!r} already exists")
    person = Person(email=email, is_manager=False)
    if password is not None:
        person.password_hash = _hasher.hash(password)
    session.add(person)
    await session.flush()
    return person, None if password is not None else await _issue(session, SET_PASSWORD, person)


async def reset_link(session: AsyncSession, email: str) -> PendingLink:
    """A fresh password-reset link for a person; their older unused links stop working."""
    person = await get_person(session, email)
    await session.execute(
        delete(OneTimeToken).where(
            OneTimeToken.person_id == person.id, OneTimeToken.purpose == SET_PASSWORD
        )
    )
    return await _issue(session, SET_PASSWORD, person)


async def get_person(session: AsyncSession, email: str) -> Person:
    """A person by email (any case), or AccountError."""
    person = await _person_by_email(session, check_email(email))
    if person is None:
        raise AccountError(f"no person with the email {email.strip().lower()!r}")
    return person


async def authenticate(session: AsyncSession, email: str, password: str) -> Person | None:
    """The person when email and password match, else None (same work either way)."""
    try:
        person = await _person_by_email(session, check_email(email))
    except AccountError:
        person = None
    if person is None or person.password_hash is None:
        # Hash anyway so that timing does not tell which emails exist.
        _hasher.hash(password[:MAX_PASSWORD])
        return None
    return person if verify_password(person, password[:MAX_PASSWORD]) else None


def change_password(person: Person, old: str, new: str) -> None:
    """Set a new password after checking the old one."""
    if not verify_password(person, old):
        raise AccountError("the current password is wrong")
    check_password(new)
    person.password_hash = _hasher.hash(new)


async def has_manager(session: AsyncSession) -> bool:
    """True once any manager can log in."""
    query = select(Person.id).where(Person.is_manager, Person.password_hash.is_not(None))
    return (await session.execute(query)).first() is not None


async def first_manager_link(session: AsyncSession) -> PendingLink | None:
    """A fresh link to set up the first manager, or None when a manager exists."""
    if await has_manager(session):
        return None
    # Only the newest printed link works: older ones are withdrawn.
    await session.execute(delete(OneTimeToken).where(OneTimeToken.purpose == FIRST_MANAGER))
    return await _issue(session, FIRST_MANAGER, None)


async def redeem_link(session: AsyncSession, token: str) -> PendingLink:
    """Look up an unused, unexpired link without using it up."""
    row = await _live_token(session, token)
    email = None
    if row.person_id is not None:
        person = await session.get(Person, row.person_id)
        email = person.email if person else None
    return PendingLink(token=token, purpose=row.purpose, email=email)


async def set_password_by_link(
    session: AsyncSession, token: str, password: str, email: str | None = None
) -> Person:
    """Use a one-time link: set the password (and, for the first manager, create them)."""
    row = await _live_token(session, token)
    check_password(password)
    if row.purpose == FIRST_MANAGER:
        if await has_manager(session):
            raise AccountError("a manager already exists; ask them for an account")
        email = check_email(email or "")
        person = await _person_by_email(session, email) or Person(email=email, is_manager=True)
        person.is_manager = True
        session.add(person)
    else:
        found = await session.get(Person, row.person_id) if row.person_id else None
        if found is None:
            raise AccountError("this link is invalid or has expired")
        person = found
    person.password_hash = _hasher.hash(password)
    row.used_at = utcnow()
    await session.flush()
    return person


def check_password(password: str) -> None:
    """Passwords need at least ten characters."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError("the password is too long")


def verify_password(person: Person, password: str) -> bool:
    """True when the password matches the person's hash."""
    if person.password_hash is None:
        return False
    try:
        return bool(_hasher.verify(person.password_hash, password))
    except VerificationError:
        return False


async def purge_expired_links(session: AsyncSession) -> int:
    """Delete used or expired one-time links; return how many."""
    now = utcnow()
    result = await session.execute(
        delete(OneTimeToken).where(
            (OneTimeToken.expires_at < now) | OneTimeToken.used_at.is_not(None)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _issue(session: AsyncSession, purpose: str, person: Person | None) -> PendingLink:
    token = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            token_hash=_hash(token),
            purpose=purpose,
            person_id=person.id if person else None,
            expires_at=utcnow() + TOKEN_LIFETIME,
        )
    )
    await session.flush()
    return PendingLink(token=token, purpose=purpose, email=person.email if person else None)


async def _live_token(session: AsyncSession, token: str) -> OneTimeToken:
    query = select(OneTimeToken).where(OneTimeToken.token_hash == _hash(token))
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise AccountError("this link is invalid or has expired")
    return row


async def _person_by_email(session: AsyncSession, email: str) -> Person | None:
    return (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

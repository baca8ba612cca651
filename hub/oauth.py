"""OAuth 2 for client apps: apps, single-use codes with PKCE, hashed access and refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import scopes
from hub.memberships import coops_of
from hub.store.models import LocalActor, Membership, OAuthApp, OAuthCode, OAuthToken, Person
from hub.store.types import utcnow

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
MAX_REDIRECT = 2000


class OAuthError(Exception):
    """An OAuth failure with its RFC 6749 error code, a readable description and a status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: the secrets are shown once."""

    access_token: str
    refresh_token: str | None
    scopes: str
    created_at: int


@dataclass(frozen=True)
class Grant:
    """What a presented access token may do: its scopes, person and coop."""

    token_id: int
    scopes: str
    person: Person | None
    coop: LocalActor | None


def digest(secret: str) -> str:
    """The stored form of a token, code or client secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def register_app(
    session: AsyncSession, name: str, redirect_uris: str, scope: str | None, website: str | None
) -> tuple[OAuthApp, str]:
    """Register a client app; return it and its secret (shown once)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise OAuthError("invalid_client_metadata", "client_name must be 1 to 200 characters", 422)
    uris = [uri.strip() for uri in redirect_uris.split() if uri.strip()]
    if not uris or any(not _valid_redirect(uri) for uri in uris):
        raise OAuthError("invalid_redirect_uri", "redirect_uris must be absolute URIs", 422)
    try:
        granted = scopes.parse(scope)
    except scopes.ScopeError as error:
        raise OAuthError("invalid_scope", str(error), 422) from None
    secret = secrets.token_urlsafe(32)
    app = OAuthApp(
        client_id=secrets.token_urlsafe(24),
        client_secret_hash=digest(secret),
        name=name,
        website=(website or "").strip()[:2048] or None,
        redirect_uris="\n".join(uris),
        scopes=scopes.text(granted),
    )
    session.add(app)
    await session.flush()
    return app, secret


def _valid_redirect(uri: str) -> bool:
    if uri == OOB:
        return True
    scheme, sep, rest = uri.partition(":")
    return bool(sep and scheme and rest) and len(uri) <= MAX_REDIRECT and "#" not in uri


async def find_app(session: AsyncSession, client_id: str) -> OAuthApp:
    """A registered app by client id, or invalid_client."""
    query = select(OAuthApp).where(OAuthApp.client_id == client_id)
    app = (await session.execute(query)).scalar_one_or_none()
    if app is None:
        raise OAuthError("invalid_client", "Client authentication failed: unknown client", 401)
    return app


async def client(session: AsyncSession, client_id: str, secret: str) -> OAuthApp:
    """An app authenticated by its id and secret, or invalid_client."""
    app = await find_app(session, client_id)
    if not hmac.compare_digest(app.client_secret_hash, digest(secret)):
        raise OAuthError("invalid_client", "Client authentication failed: wrong secret", 401)
    return app


def check_redirect(app: OAuthApp, redirect_uri: str) -> str:
    """The redirect URI when the app registered it exactly, else invalid_grant."""
    if redirect_uri not in app.redirect_uris.split("\n"):
        raise OAuthError("invalid_grant", "The redirect URI is not registered for this app")
    return redirect_uri


def requested_scopes(app: OAuthApp, raw: str | None) -> tuple[str, ...]:
    """The scopes asked for, which must lie within the app's own."""
    try:
        asked = scopes.parse(raw, default=tuple(app.scopes.split()))
    except scopes.ScopeError as error:
        raise OAuthError("invalid_scope", str(error)) from None
    if not scopes.subset(asked, app.scopes):
        raise OAuthError("invalid_scope", "The requested scope exceeds the app's scopes")
    return asked


async def issue_code(
    session: AsyncSession,
    app: OAuthApp,
    person: Person,
    coop: LocalActor,
    redirect_uri: str,
    granted: tuple[str, ...],
    challenge: str | None,
) -> str:
    """Store a single-use code for the consent just given; return it (shown once)."""
    code = secrets.token_urlsafe(32)
    session.add(
        OAuthCode(
            code_hash=digest(code),
            app_id=app.id,
            person_id=person.id,
            local_actor_id=coop.id,
            redirect_uri=redirect_uri,
            scopes=scopes.text(granted),
            code_challenge=challenge,
            expires_at=utcnow() + CODE_LIFETIME,
        )
    )
    await session.flush()
    return code


async def exchange_code(
    session: AsyncSession, app: OAuthApp, code: str, redirect_uri: str, verifier: str | None
) -> IssuedToken:
    """Trade a code for a token: once, in time, same redirect URI, matching PKCE verifier."""
    query = select(OAuthCode).where(OAuthCode.code_hash == digest(code), OAuthCode.app_id == app.id)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise OAuthError("invalid_grant", "The authorization code is invalid, used or expired")
    # Spend the code before any other check, so a failed attempt cannot be retried.
    spent = await session.execute(
        update(OAuthCode)
        .where(OAuthCode.id == row.id, OAuthCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if not getattr(spent, "rowcount", 0):
        raise OAuthError("invalid_grant", "The authorization code is invalid, used or expired")
    if row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "The redirect URI does not match the authorization")
    _check_pkce(row.code_challenge, verifier)
    return await issue_token(session, app.id, row.person_id, row.local_actor_id, row.scopes)


def _check_pkce(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "code_verifier is required for this code")
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    if not hmac.compare_digest(computed.rstrip(b"=").decode(), challenge):
        raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge")


async def issue_token(
    session: AsyncSession,
    app_id: int | None,
    person_id: int | None,
    coop_id: int | None,
    granted: str,
    refresh: bool = True,
) -> IssuedToken:
    """Store a new access token (and refresh token); return the secrets once."""
    access = secrets.token_urlsafe(32)
    refresh_token = secrets.token_urlsafe(32) if refresh and person_id else None
    row = OAuthToken(
        token_hash=digest(access),
        refresh_hash=digest(refresh_token) if refresh_token else None,
        app_id=app_id,
        person_id=person_id,
        local_actor_id=coop_id,
        scopes=granted,
    )
    session.add(row)
    await session.flush()
    return IssuedToken(access, refresh_token, granted, int(row.created_at.timestamp()))


async def password_grant(
    session: AsyncSession, app: OAuthApp, person: Person, granted: tuple[str, ...]
) -> IssuedToken:
    """A token for a person who gave their password: it acts as their first coop."""
    coops = await coops_of(session, person.id)
    if not coops:
        raise OAuthError("invalid_grant", "This person manages no coop yet", 400)
    return await issue_token(session, app.id, person.id, coops[0].id, scopes.text(granted))


async def refresh(session: AsyncSession, app: OAuthApp, refresh_token: str) -> IssuedToken:
    """Rotate a refresh token: the old token pair stops working."""
    query = select(OAuthToken).where(
        OAuthToken.refresh_hash == digest(refresh_token),
        OAuthToken.app_id == app.id,
        OAuthToken.revoked_at.is_(None),
    )
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise OAuthError("invalid_grant", "The refresh token is invalid or revoked")
    row.revoked_at = utcnow()
    return await issue_token(session, app.id, row.person_id, row.local_actor_id, row.scopes)


async def revoke(session: AsyncSession, app: OAuthApp, token: str) -> None:
    """Revoke an access or refresh token of this app; unknown tokens are ignored (RFC 7009)."""
    hashed = digest(token)
    await session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.app_id == app.id,
            (OAuthToken.token_hash == hashed) | (OAuthToken.refresh_hash == hashed),
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


async def grant_for(session: AsyncSession, access_token: str) -> Grant | None:
    """What a bearer token may do, or None when it is unknown, revoked or no longer allowed."""
    # One round trip: the token with its person, coop and whether the person still manages it.
    query = (
        select(OAuthToken, Person, LocalActor, Membership.id)
        .outerjoin(Person, Person.id == OAuthToken.person_id)
        .outerjoin(LocalActor, LocalActor.id == OAuthToken.local_actor_id)
        .outerjoin(
            Membership,
            (Membership.person_id == OAuthToken.person_id)
            & (Membership.local_actor_id == OAuthToken.local_actor_id),
        )
        .where(OAuthToken.token_hash == digest(access_token), OAuthToken.revoked_at.is_(None))
    )
    found = (await session.execute(query)).first()
    if found is None:
        return None
    row, person, coop, membership = found
    if row.person_id is not None and (person is None or coop is None):
        return None
    lost = membership is None or (coop is not None and coop.deleted_at is not None)
    if person is not None and coop is not None and lost:
        return None  # the person lost the coop: their tokens for it stop working
    return Grant(row.id, row.scopes, person, coop)


async def purge_codes(session: AsyncSession) -> int:
    """Delete used or expired authorization codes; return how many."""
    result = await session.execute(
        delete(OAuthCode).where((OAuthCode.expires_at < utcnow()) | OAuthCode.used_at.is_not(None))
    )
    return int(getattr(result, "rowcount", 0) or 0)

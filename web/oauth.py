"""OAuth 2 endpoints: app registration, authorize (login and consent), token, revoke, metadata."""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import unquote_plus, urlencode

from aiohttp import web

from hub import accounts, memberships, oauth, scopes
from hub.oauth import OOB, OAuthError
from web import csrf, hub_messages
from web.auth import current_person, login_redirect
from web.i18n import _
from web.keys import DB, LIMITS, SETTINGS
from web.params import read_params, text
from web.responses import dumps, fail, json_bytes, page

GRANTS = ["authorization_code", "client_credentials", "refresh_token"]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
log = logging.getLogger(__name__)


def routes() -> list[web.RouteDef]:
    """The OAuth routes."""
    return [
        web.post("/api/v1/apps", register_app),
        web.get("/oauth/authorize", authorize_form),
        web.post("/oauth/authorize", authorize_submit),
        web.post("/oauth/token", token),
        web.post("/oauth/revoke", revoke),
        web.get("/.well-known/oauth-authorization-server", metadata),
    ]


def oauth_error(error: OAuthError) -> web.Response:
    """Mastodon's OAuth error body with its status."""
    body = dumps({"error": error.error, "error_description": error.description})
    return json_bytes(body, "application/json", error.status, dict(NO_STORE))


async def register_app(request: web.Request) -> web.StreamResponse:
    """POST /api/v1/apps (JSON or form): the Application entity with its secret."""
    params = await read_params(request)
    try:
        async with request.app[DB].begin() as session:
            app, secret = await oauth.register_app(
                session,
                text(params, "client_name"),
                text(params, "redirect_uris", OOB) or OOB,
                text(params, "scopes") or None,
                text(params, "website") or None,
            )
    except OAuthError as error:
        return oauth_error(error)
    uris = app.redirect_uris.split("\n")
    body = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "client_id": app.client_id,
        "client_secret": secret,
        "client_secret_expires_at": 0,
        "vapid_key": "",
    }
    return json_bytes(dumps(body), "application/json", headers=dict(NO_STORE))


async def _authorization(request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
    """Validate the authorization request; errors show a page and never redirect (A2)."""
    try:
        async with request.app[DB].read() as session:
            app = await oauth.find_app(session, text(params, "client_id"))
        redirect_uri = oauth.check_redirect(app, text(params, "redirect_uri", OOB) or OOB)
        granted = oauth.requested_scopes(app, text(params, "scope") or None)
    except OAuthError as error:
        reason = hub_messages.translate(error.description)
        fail(400, _("Invalid request from the app: %(reason)s") % {"reason": reason})
    if text(params, "response_type", "code") != "code":
        fail(400, _("Invalid request from the app: only response_type=code is supported."))
    challenge = text(params, "code_challenge") or None
    method = text(params, "code_challenge_method", "S256" if challenge else "")
    if challenge and (method != "S256" or not 43 <= len(challenge) <= 128):
        fail(400, _("Invalid request from the app: PKCE needs code_challenge_method=S256."))
    return {
        "app": app,
        "redirect_uri": redirect_uri,
        "scopes": granted,
        "state": text(params, "state")[:500],
        "code_challenge": challenge,
    }


async def authorize_form(request: web.Request) -> web.StreamResponse:
    """Ask the logged-in person to allow the app and pick the coop it acts as."""
    found = await _authorization(request, dict(request.query))
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    async with request.app[DB].read() as session:
        coops = await memberships.coops_of(session, person.id)
    if not coops:
        fail(403, _("You do not manage a coop; ask a network manager for access."))
    context = {
        **found,
        "person": person,
        "coops": coops,
        "csrf": csrf.field(request),
        "scope_text": scopes.text(found["scopes"]),
    }
    return page("auth/authorize.html", request, context)


async def authorize_submit(request: web.Request) -> web.StreamResponse:
    """Issue a code for the chosen coop, or tell the app the person said no."""
    form = await csrf.read_form(request)
    found = await _authorization(request, form)
    person = await current_person(request)
    if person is None:
        fail(401, _("Please log in again."))
    redirect_uri, state = found["redirect_uri"], found["state"]
    if form.get("decision") != "allow":
        return _back_to_app(redirect_uri, {"error": "access_denied", "state": state})
    async with request.app[DB].begin() as session:
        coops = {str(c.id): c for c in await memberships.coops_of(session, person.id)}
        coop = coops.get(form.get("coop", ""))
        if coop is None:
            fail(422, _("Please choose one of your coops."))
        code = await oauth.issue_code(
            session,
            found["app"],
            person,
            coop,
            redirect_uri,
            found["scopes"],
            found["code_challenge"],
        )
    if redirect_uri == OOB:
        context = {"code": code, "app": found["app"]}
        return page("auth/oob.html", request, context, headers=dict(NO_STORE))
    return _back_to_app(redirect_uri, {"code": code, "state": state})


def _back_to_app(redirect_uri: str, values: dict[str, str]) -> web.StreamResponse:
    if redirect_uri == OOB:
        fail(403, _("The app gets no access."))
    query = urlencode({key: value for key, value in values.items() if value})
    joiner = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{joiner}{query}")


async def token(request: web.Request) -> web.StreamResponse:
    """POST /oauth/token: authorization_code (PKCE), client_credentials, refresh, password."""
    params = await read_params(request)
    try:
        issued = await _grant(request, params)
    except OAuthError as error:
        return oauth_error(error)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scopes,
        "created_at": issued.created_at,
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return json_bytes(dumps(body), "application/json", headers=dict(NO_STORE))


async def _grant(request: web.Request, params: dict[str, Any]) -> oauth.IssuedToken:
    client_id, secret = _client_credentials(request, params)
    grant_type = text(params, "grant_type")
    if grant_type == "password" and request.app[SETTINGS].enable_password_grant:
        return await _password_grant(request, params, client_id, secret)
    if grant_type not in GRANTS:
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type[:40]!r} is not supported"
        )
    if grant_type == "authorization_code":
        return await _exchange(request, params, client_id, secret)
    async with request.app[DB].begin() as session:
        app = await oauth.client(session, client_id, secret)
        if grant_type == "refresh_token":
            return await oauth.refresh(session, app, text(params, "refresh_token"))
        granted = oauth.requested_scopes(app, text(params, "scope") or None)
        return await oauth.issue_token(session, app.id, None, None, scopes.text(granted))


async def _exchange(
    request: web.Request, params: dict[str, Any], client_id: str, secret: str
) -> oauth.IssuedToken:
    # A failed exchange still spends the code, so the transaction commits before the error.
    async with request.app[DB].begin() as session:
        app = await oauth.client(session, client_id, secret)
        try:
            return await oauth.exchange_code(
                session,
                app,
                text(params, "code"),
                text(params, "redirect_uri", OOB) or OOB,
                text(params, "code_verifier") or None,
            )
        except OAuthError as error:
            failure = error
    raise failure


async def _password_grant(
    request: web.Request, params: dict[str, Any], client_id: str, secret: str
) -> oauth.IssuedToken:
    limits, ip = request.app[LIMITS], request.remote or "?"
    email = text(params, "username").strip().lower()[:320]
    if limits.ip.blocked(ip) or limits.email.blocked(email):
        log.warning("password grant locked for %s from %s after repeated failures", email, ip)
        raise OAuthError("rate_limited", "Too many attempts; try again later", 429)
    async with request.app[DB].begin() as session:
        app = await oauth.client(session, client_id, secret)
        granted = oauth.requested_scopes(app, text(params, "scope") or None)
        person = await accounts.authenticate(session, email, text(params, "password"))
        if person is None:
            limits.email.hit(email)
            limits.ip.hit(ip)
            raise OAuthError("invalid_grant", "The email or password is wrong")
        return await oauth.password_grant(session, app, person, granted)


def _client_credentials(request: web.Request, params: dict[str, Any]) -> tuple[str, str]:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic authorization", 401) from None
        # RFC 6749 2.3.1: both parts are form-encoded before joining with a colon.
        client_id, _colon, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return text(params, "client_id"), text(params, "client_secret")


async def revoke(request: web.Request) -> web.StreamResponse:
    """POST /oauth/revoke: the token stops working; unknown tokens answer 200 too."""
    params = await read_params(request)
    client_id, secret = _client_credentials(request, params)
    try:
        async with request.app[DB].begin() as session:
            app = await oauth.client(session, client_id, secret)
            await oauth.revoke(session, app, text(params, "token"))
    except OAuthError as error:
        return oauth_error(error)
    return json_bytes(b"{}", "application/json")


async def metadata(request: web.Request) -> web.StreamResponse:
    """RFC 8414 metadata: endpoints, scopes, grants and PKCE S256."""
    base = request.app[SETTINGS].base_url
    grants = GRANTS + (["password"] if request.app[SETTINGS].enable_password_grant else [])
    body = {
        "issuer": base + "/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(scopes.KNOWN),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "service_documentation": "https://docs.joinmastodon.org/",
    }
    return json_bytes(dumps(body), "application/json")

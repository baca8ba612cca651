"""What every manager page shares: the manager check, checked forms, notices and errors."""

from __future__ import annotations

from aiohttp import web

from hub.store.models import Person
from web import csrf, hub_messages
from web.auth import current_person, login_redirect
from web.i18n import N_, gettext
from web.keys import FEDERATION
from web.responses import fail

# Notices after an action, named in the redirect's query (?done=KEY) and translated on display.
NOTICES = {
    "dismiss": N_("The report was dismissed."),
    "resolved": N_("The report was resolved and the measure carried out."),
    "forwarded": N_("The report was forwarded to the account's server."),
    "blocked": N_("The server block was saved."),
    "unblocked": N_("The server block was lifted."),
    "allowed": N_("The server is on the allow-list now."),
    "disallowed": N_("The server was taken off the allow-list."),
    "imported": N_("The blocklist was imported."),
    "account": N_("The measure against the account was carried out."),
    "coop": N_("The measure against the coop was carried out."),
    "approved": N_("The application was approved: the coop exists and its owner got a link."),
    "declined": N_("The application was declined; the reason was mailed."),
    "about": N_("The about page was saved."),
}


async def manager(request: web.Request) -> Person:
    """The logged-in manager; anonymous visitors go to the login page, everyone else gets 403."""
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    if not person.is_manager:
        fail(403, gettext("Only network managers may use the moderation pages."))
    return person


async def manager_form(request: web.Request) -> tuple[Person, dict[str, str]]:
    """The manager and their checked form (role first, then size, origin and CSRF)."""
    person = await manager(request)
    return person, await csrf.read_form(request)


def notice(request: web.Request) -> str | None:
    """The notice named by ?done=, in the page's language."""
    key = request.query.get("done", "")
    return gettext(NOTICES[key]) if key in NOTICES else None


def done(path: str, key: str) -> web.HTTPSeeOther:
    """Back to a page after an action, with its notice (POST, redirect, GET)."""
    return web.HTTPSeeOther(f"{path}?done={key}")


def error_line(error: Exception) -> str:
    """A service's refusal in the page's language."""
    return hub_messages.translate(str(error))


def checked(form: dict[str, str], name: str) -> bool:
    """Whether a checkbox was ticked."""
    return form.get(name, "") in ("on", "true", "1")


async def refresh_gate(request: web.Request) -> None:
    """Apply a block in this process at once (others pick it up within seconds)."""
    federation = request.app[FEDERATION]
    await federation.gate.refresh(federation.db)

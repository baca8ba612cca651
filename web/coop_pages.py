"""Coop self-service for the coop's people: compose a post with an image, edit the profile.

Posts go through the same services as the client API (hub.statuses, hub.media, hub.images), so
they federate alike and credit the person; the profile goes through the service behind
update_credentials, so followers receive an Update. Owners also see who posted what.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hub import credits, images, media, memberships, posts, statuses
from hub.actors.validation import InvalidInput
from hub.images import CleanImage, ImageError
from hub.media import MediaError
from hub.posts import Draft, PostError
from hub.store.models import LocalActor, Person, Post, Role, Visibility
from web import csrf, hub_messages
from web.api import counting
from web.api.media import read_multipart
from web.api.social import MAX_FIELDS, profile_draft, save_profile
from web.auth import current_person, login_redirect
from web.i18n import _, current
from web.keys import DB, SETTINGS, URIS
from web.responses import HttpError, fail, page

PREFIX = "/account/coops/{username:[A-Za-z0-9_]{1,30}}"


class BadInput(Exception):
    """Something typed in a form is not acceptable; one readable line."""


def routes() -> list[web.RouteDef]:
    """The self-service routes."""
    return [
        web.get(PREFIX, coop_page),
        web.post(PREFIX + "/posts", compose),
        web.post(PREFIX + "/profile", edit_profile),
    ]


def page_url(coop: LocalActor) -> str:
    """Where a coop's people manage it."""
    return f"/account/coops/{coop.username}"


async def coop_page(request: web.Request) -> web.StreamResponse:
    """The compose form, the profile form and the coop's recent posts."""
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    coop, role = await _managed(request, person)
    notice = {
        "posted": _("Your post is published."),
        "profile": _("The profile is saved; followers' servers receive the change."),
    }.get(request.query.get("done", ""))
    return await _render(request, person, coop, role, notice=notice)


async def compose(request: web.Request) -> web.StreamResponse:
    """Publish a post (with an optional image that must be described) as the coop."""
    person, coop, role = await _member_for_form(request)
    params, files = await _read_upload_form(request, {"file"})
    image, alt = files.get("file") or b"", params.get("description", "")
    try:
        draft = posts.check_draft(_draft(params, bool(image)))
        cleaned = await _clean_image(image, alt) if image else None
    except (BadInput, PostError, ImageError, MediaError) as error:
        message = hub_messages.translate(str(error))
        return await _render(request, person, coop, role, error=message, typed=params, status=422)
    await _publish(request, coop, person, draft, cleaned, alt)
    raise web.HTTPSeeOther(page_url(coop) + "?done=posted")


async def edit_profile(request: web.Request) -> web.StreamResponse:
    """Change name, description, avatar, header and fields; followers receive an Update."""
    person, coop, role = await _member_for_form(request)
    params, files = await _read_upload_form(request, {"avatar", "header"})
    try:
        await save_profile(request, coop, profile_draft(params), files)
    except (InvalidInput, ImageError) as error:
        message = hub_messages.translate(str(error))
        return await _render(request, person, coop, role, error=message, typed=params, status=422)
    raise web.HTTPSeeOther(page_url(coop) + "?done=profile")


async def _managed(request: web.Request, person: Person) -> tuple[LocalActor, Role]:
    async with request.app[DB].read() as session:
        found = await memberships.managed_coop(session, person.id, request.match_info["username"])
    if found is None:
        fail(403, _("You do not manage this coop."))
    return found


async def _member_for_form(request: web.Request) -> tuple[Person, LocalActor, Role]:
    person = await current_person(request)
    if person is None:
        fail(401, _("Please log in again."))
    return (person, *await _managed(request, person))


async def _read_upload_form(
    request: web.Request, file_parts: set[str]
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The text fields and files of a form, after the size, origin and CSRF checks."""
    if request.content_type != "multipart/form-data":
        return await csrf.read_form(request), {}  # a form without files
    csrf.check_origin(request)
    too_big = _("The file is larger than %(count)s MB.") % {"count": _megabytes()}
    if (request.content_length or 0) > len(file_parts) * images.MAX_BYTES + csrf.MAX_FORM_BYTES:
        fail(413, too_big)
    try:
        raw, files = await read_multipart(request, file_parts)
    except HttpError as error:
        if error.status == 413:
            fail(413, too_big)  # in the visitor's language, not the client API's English
        raise
    # Only the body counts: read_multipart also passes the query string on, which forms never use.
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k not in request.query}
    csrf.check(request, form)
    return form, files


def _megabytes() -> int:
    return images.MAX_BYTES // (1024 * 1024)


def _draft(params: dict[str, str], with_image: bool) -> Draft:
    try:
        visibility = Visibility(params.get("visibility", "public"))
    except ValueError:
        raise BadInput(_("Please choose who can see the post from the list.")) from None
    language = params.get("language", "").strip() or None
    # An image-only post has no text; the placeholder becomes the image's Document.
    attachments = ({"pending": True},) if with_image else ()
    summary = params.get("spoiler_text") or None
    return Draft(params.get("status", ""), visibility, summary, language, attachments=attachments)


async def _clean_image(data: bytes, alt: str) -> CleanImage:
    description = media.check_description(alt)
    if not description:
        raise BadInput(_("Please describe the image for people who cannot see it (alt text)."))
    return await asyncio.to_thread(images.clean, data)


async def _publish(
    request: web.Request,
    coop: LocalActor,
    person: Person,
    draft: Draft,
    image: CleanImage | None,
    alt: str,
) -> Post:
    """Store the image and the post in one transaction (the file goes if the rows do not)."""
    directory = media.media_dir(request.app[SETTINGS].data_dir)
    name = await asyncio.to_thread(media.write_file, directory, image) if image else None
    try:
        async with request.app[DB].begin() as session:
            media_ids = []
            if image is not None and name is not None:
                item = await media.create(session, coop, name, image, alt)
                media_ids.append(item.id)
            post = await statuses.post_status(
                session, request.app[URIS], coop, person, draft, None, media_ids
            )
    except BaseException:
        if name is not None:
            media.remove_file(directory, name)
        raise
    counting.forget(request, coop.id)
    return post


async def _render(
    request: web.Request,
    person: Person,
    coop: LocalActor,
    role: Role,
    *,
    notice: str | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        recent = await credits.recent_posts(session, coop)
    fields = [list(pair) for pair in coop.fields or []]
    fields += [["", ""]] * (MAX_FIELDS - len(fields))
    context: dict[str, Any] = {
        "person": person,
        "coop": coop,
        "is_owner": role == Role.owner,
        "recent": recent,
        "fields": fields[:MAX_FIELDS],
        "typed": typed or {},
        "default_language": current(),
        "visibilities": _visibilities(),
        "visibility_names": _visibility_names(),
        "max_megabytes": _megabytes(),
        "max_characters": posts.MAX_CHARACTERS,
        "max_description": media.MAX_DESCRIPTION,
        "notice": notice,
        "error": error,
        "csrf": csrf.field(request),
    }
    headers = {"Cache-Control": "no-store"}
    return page("coop_self.html", request, context, status=status, headers=headers)


def _visibilities() -> list[tuple[str, str]]:
    return [
        (Visibility.public.value, _("Public: everyone, also on the network timeline")),
        (Visibility.unlisted.value, _("Unlisted: everyone, but not on timelines")),
        (Visibility.private.value, _("Followers only")),
        (Visibility.direct.value, _("Only the people mentioned")),
    ]


def _visibility_names() -> dict[str, str]:
    return {
        Visibility.public.value: _("public"),
        Visibility.unlisted.value: _("unlisted"),
        Visibility.private.value: _("followers only"),
        Visibility.direct.value: _("mentioned people only"),
    }

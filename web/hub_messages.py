"""Lines from hub services (English, for logs, the CLI and JSON) in the page's language.

Services raise errors with fixed English lines, some with a value in them. A page passes such a
line through `translate`: a known line becomes its catalogue message with the value kept; an
unknown one is shown as it is, which is better than hiding why something failed.
"""

from __future__ import annotations

import re

from web.i18n import N_, gettext

# Each pattern matches a whole line from a service; named groups are the values to keep.
KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        # hub.accounts
        (r"invalid email address (?P<value>.+)", N_("%(value)s is not a valid email address.")),
        (
            r"a person with the email (?P<value>.+) already exists",
            N_("An account with the email %(value)s already exists."),
        ),
        (r"the current password is wrong", N_("The current password is wrong.")),
        (
            r"a manager already exists; ask them for an account",
            N_("A network manager already exists; ask them for an account."),
        ),
        (r"this link is invalid or has expired", N_("This link is invalid or has expired.")),
        (
            r"the password needs at least (?P<count>\d+) characters",
            N_("The password needs at least %(count)s characters."),
        ),
        (r"the password is too long", N_("The password is too long.")),
        # hub.events.listing
        (r"there is no such event", N_("There is no such event.")),
        (r"this event was deleted", N_("This event was deleted.")),
        (r"there is no such coop", N_("There is no such coop.")),
        (r"this coop was deleted", N_("This coop was deleted.")),
        # hub.events.webrsvp, and the refusals of hub.events.rsvp in its line
        (
            r"please give a name of at most (?P<count>\d+) characters",
            N_("Please give a name (at most %(count)s characters)."),
        ),
        (r"please give a valid email address", N_("Please give a valid email address.")),
        (r"this date belongs to no series", N_("This date belongs to no series.")),
        (r"this series no longer takes place", N_("This series no longer takes place.")),
        (
            r"registration is not possible: (?P<reason>.+)",
            N_("Registration is not possible: %(reason)s."),
        ),
        (r"the event is cancelled", N_("the event is cancelled")),
        (r"the event is over", N_("the event is over")),
        (
            r"join one date of the series, not the series",
            N_("please choose one date of the series"),
        ),
        (r"registration is closed", N_("this event takes no registrations")),
        (r"registration is external", N_("registration happens on another site")),
        (r"the registration deadline has passed", N_("the registration deadline has passed")),
        (r"registration has not opened yet", N_("registration has not opened yet")),
        (
            r"too many registrations in a short time; try again later",
            N_("Too many registrations in a short time; please try again later."),
        ),
        (r"this link does not exist \(any more\)", N_("This link does not exist (any more).")),
        (
            r"this confirmation link has expired; please register again",
            N_("This confirmation link has expired; please register again."),
        ),
        (r"this event no longer exists", N_("This event no longer exists.")),
        # hub.events.organiser
        (
            r"event \d+ is full \((?P<taken>\d+) of (?P<capacity>\d+) seats\)",
            N_("The date is full (%(taken)s of %(capacity)s seats)."),
        ),
        (
            r"participant \d+ is \w+, not pending",
            N_("This registration has already been decided."),
        ),
        # hub.oauth, shown on the authorization page when an app asks wrongly
        (
            r"Client authentication failed: unknown client",
            N_("The app is not registered on this hub."),
        ),
        (
            r"The redirect URI is not registered for this app",
            N_("The app asked to return to an address it did not register."),
        ),
        (
            r"The requested scope exceeds the app's scopes",
            N_("The app asked for more rights than it registered."),
        ),
        (r"unknown scope (?P<value>.+)", N_("The app asked for an unknown right: %(value)s")),
        # web.federation and the server itself
        (r"no such actor", N_("There is no such profile.")),
        (r"this actor was deleted", N_("This profile was deleted.")),
        (r"no such post", N_("There is no such post.")),
        (r"this post was deleted", N_("This post was deleted.")),
        (r"Not Found", N_("There is no page at this address.")),
        (r"Method Not Allowed", N_("This page cannot be used that way.")),
        (r"internal error; it was logged", N_("Something went wrong on the hub; it was logged.")),
    )
)


def translate(line: str) -> str:
    """A service's line in the current language, its values kept; unknown lines as they are."""
    for pattern, message in KNOWN:
        found = pattern.fullmatch(line)
        if found:
            values = found.groupdict()
            if "reason" in values:  # a line that quotes another service line
                values["reason"] = translate(values["reason"])
            return gettext(message) % values
    return line

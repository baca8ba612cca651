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
        # hub.actors.validation and hub.moderation.applications (the application form)
        (
            r"invalid username (?P<value>.+): use 1 to 30 characters of a-z, 0-9 and _",
            N_("%(value)s is not a valid username: use 1 to 30 characters of a-z, 0-9 and _."),
        ),
        (r"username (?P<value>.+) is reserved", N_("The username %(value)s is reserved.")),
        (r"username (?P<value>.+) is already taken", N_("The username %(value)s is taken.")),
        (
            r"an application for (?P<value>.+) is waiting already",
            N_("An application for %(value)s is waiting already."),
        ),
        (r"the name must not be empty", N_("Please give the coop's name.")),
        # hub.posts, hub.images, hub.media and profile checks (the coop's own pages)
        (r"the post has no text", N_("The post has no text.")),
        (
            r"the post is longer than (?P<count>\d+) characters",
            N_("The post is longer than %(count)s characters."),
        ),
        (
            r"invalid language code (?P<value>.+); use e\.g\. de or en",
            N_("%(value)s is not a language code; use e.g. de or en."),
        ),
        (
            r"the content warning is longer than (?P<count>\d+) characters",
            N_("The content warning is longer than %(count)s characters."),
        ),
        (
            r"the description is longer than (?P<count>\d+) characters",
            N_("The image description is longer than %(count)s characters."),
        ),
        (
            r"the file is larger than (?P<count>\d+) MB",
            N_("The file is larger than %(count)s MB."),
        ),
        (r"the image has too many pixels", N_("The image has too many pixels.")),
        (
            r"the image has more than (?P<count>\d+) pixels",
            N_("The image has more than %(count)s pixels."),
        ),
        (
            r"the file is not an image in JPEG, PNG, WebP or GIF",
            N_("The file is not an image in JPEG, PNG, WebP or GIF."),
        ),
        (
            r"the name is longer than (?P<count>\d+) characters",
            N_("The name is longer than %(count)s characters."),
        ),
        (
            r"the summary is longer than (?P<count>\d+) characters",
            N_("The description is longer than %(count)s characters."),
        ),
        (
            r"the sector is longer than (?P<count>\d+) characters",
            N_("The sector is longer than %(count)s characters."),
        ),
        (
            r"the region is longer than (?P<count>\d+) characters",
            N_("The region is longer than %(count)s characters."),
        ),
        (
            r"the legal form is longer than (?P<count>\d+) characters",
            N_("The legal form is longer than %(count)s characters."),
        ),
        (
            r"malformed URL (?P<value>.+): use an absolute http:// or https:// address",
            N_("%(value)s is not a web address; it starts with http:// or https://."),
        ),
        (
            r"the contact person needs a name of at most (?P<count>\d+) characters",
            N_("Please give the contact person's name (at most %(count)s characters)."),
        ),
        # hub.moderation.reports (the report form)
        (
            r"a report needs a name of at most (?P<count>\d+) characters",
            N_("The name may have at most %(count)s characters."),
        ),
        (
            r"the comment may have at most (?P<count>\d+) characters",
            N_("The comment may have at most %(count)s characters."),
        ),
        (r"(?P<value>.+) is not an email address", N_("%(value)s is not an email address.")),
        (
            r"(?P<value>.+) is nothing this hub knows to report",
            N_("There is nothing to report at %(value)s."),
        ),
        (
            r"at most (?P<count>\d+) profile fields are allowed",
            N_("At most %(count)s profile fields are allowed."),
        ),
        (
            r"every profile field needs a label \(255\) and a value \(2048\)",
            N_(
                "Every profile field needs a label (up to 255 characters) and a value (up to 2048)."
            ),
        ),
        # hub.moderation, shown on the manager pages (a CSV line's number first)
        (r"line (?P<count>\d+): (?P<reason>.+)", N_("Line %(count)s: %(reason)s")),
        (r"no known remote account (?P<value>.+)", N_("No known remote account %(value)s.")),
        (
            r"(?P<value>.+) is neither an actor URL nor a handle user@host",
            N_("%(value)s is neither an actor address nor a handle user@server."),
        ),
        (r"the action must be one of (?P<value>.+)", N_("Please choose one of: %(value)s.")),
        (
            r"the text in (?P<value>\w+) must not be empty",
            N_("The text in %(value)s must not be empty."),
        ),
        (
            r"the text in (?P<value>\w+) is longer than (?P<count>\d+) characters",
            N_("The text in %(value)s is longer than %(count)s characters."),
        ),
        (
            r"declining an application needs a reason",
            N_("Please give a reason for declining; it is mailed to the contact person."),
        ),
        (r"severity must be one of (?P<value>.+)", N_("Please choose a measure: %(value)s.")),
        (
            r"(?P<value>.+) is not a domain name( like example\.org)?",
            N_("%(value)s is not a domain name like example.org."),
        ),
        (r"(?P<value>\S+) is not blocked", N_("%(value)s is not blocked.")),
        (
            r"(?P<value>\S+) is blocked; unblock it first",
            N_("%(value)s is blocked; lift the block first."),
        ),
        (
            r"a comment may have at most (?P<count>\d+) characters",
            N_("A comment may have at most %(count)s characters."),
        ),
        (r"the blocklist is empty", N_("The blocklist is empty.")),
        (
            r"the blocklist has more than (?P<count>\d+) lines",
            N_("The blocklist has more than %(count)s lines."),
        ),
        (r"(?P<value>.+) is not true or false", N_("%(value)s is neither true nor false.")),
        (
            r"the coop (?P<value>.+) is (suspended|limited) already",
            N_("The coop %(value)s is under this measure already."),
        ),
        (
            r"the coop (?P<value>.+) is not (suspended|limited) already",
            N_("The coop %(value)s is not under this measure."),
        ),
        (r"the coop (?P<value>.+) is not suspended", N_("The coop %(value)s is not suspended.")),
        (r"the coop (?P<value>.+) was deleted", N_("The coop %(value)s was deleted.")),
        (
            r"report (?P<count>\d+) is closed already \(.+\)",
            N_("Report %(count)s is closed already."),
        ),
        (
            r"only a remote account's server can be blocked",
            N_("Only the server of a remote account can be blocked."),
        ),
        (
            r"only reports about remote accounts can be forwarded",
            N_("Only reports about remote accounts can be forwarded."),
        ),
        (
            r"report (?P<count>\d+) names no post to remove",
            N_("Report %(count)s names no post to remove."),
        ),
        (
            r"the account of report (?P<count>\d+) is gone",
            N_("The account of report %(count)s no longer exists."),
        ),
        (r"(?P<value>\S+) has no inbox", N_("%(value)s has no inbox.")),
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

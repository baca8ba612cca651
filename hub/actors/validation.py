"""Checks on what people type for a coop: username, name, website, profile fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

USERNAME_PATTERN = re.compile(r"^[a-z0-9_]{1,30}$")
# Names that would shadow routes or confuse people; the network's own name is added at runtime.
RESERVED_USERNAMES = frozenset(
    {"actor", "admin", "api", "inbox", "instance", "nodeinfo", "oauth", "setup", "static",
     "users", "www", "root", "support", "abuse", "postmaster", "webmaster", "hub"}
)  # fmt: skip
MAX_NAME = 100
MAX_SUMMARY = 2000
MAX_FIELDS = 4
MAX_FIELD_LABEL = 255
MAX_FIELD_VALUE = 2048
MAX_URL = 2048
MAX_DIRECTORY_VALUE = 100


class InvalidInput(Exception):
    """Something typed for a coop is not acceptable; the message says what, in one line."""


@dataclass(frozen=True)
class CoopDraft:
    """Validated values for creating or updating a coop; None means 'leave as it is'."""

    name: str | None = None
    summary: str | None = None
    website: str | None = None
    fields: tuple[tuple[str, str], ...] | None = None
    manually_approves_followers: bool | None = None
    sector: str | None = None
    region: str | None = None
    legal_form: str | None = None


def check_username(raw: str, network_username: str) -> str:
    """Return the canonical (lowercase) username, or raise InvalidInput."""
    username = raw.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(f"invalid username {raw!r}: use 1 to 30 characters of a-z, 0-9 and _")
    if username in RESERVED_USERNAMES or username == network_username:
        raise InvalidInput(f"username {username!r} is reserved")
    return username


def check_name(raw: str) -> str:
    """A display name: plain text, one line, 1 to 100 characters."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("the name must not be empty")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters")
    return name


def check_summary(raw: str) -> str:
    """A summary in Markdown, at most 2000 characters."""
    summary = raw.replace("\x00", "").strip()
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
    return summary


def check_directory_value(raw: str, what: str) -> str:
    """A directory value (sector, region, legal form): one line, at most 100 characters."""
    value = " ".join(raw.replace("\x00", "").split())
    if len(value) > MAX_DIRECTORY_VALUE:
        raise InvalidInput(f"the {what} is longer than {MAX_DIRECTORY_VALUE} characters")
    return value


def check_website(raw: str) -> str | None:
    """An absolute http(s) URL with a host, or None for an empty value."""
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or len(url) > MAX_URL
        or any(c.isspace() for c in url)
    ):
        raise InvalidInput(f"malformed URL {raw!r}: use an absolute http:// or https:// address")
    return url


def check_fields(raw: list[str]) -> tuple[tuple[str, str], ...]:
    """Profile fields given as "Label=Value"; at most four."""
    if len(raw) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} profile fields are allowed")
    fields = []
    for item in raw:
        label, sep, value = item.partition("=")
        label, value = label.strip(), value.strip()
        if not sep or not label or not value:
            raise InvalidInput(f"a field must look like Label=Value, not {item!r}")
        if len(label) > MAX_FIELD_LABEL or len(value) > MAX_FIELD_VALUE:
            raise InvalidInput(f"the field {label[:40]!r} is too long")
        fields.append((label, value))
    return tuple(fields)

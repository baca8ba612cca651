"""OAuth scopes in Mastodon's terms: read/write/follow/push and their granular parts."""

from __future__ import annotations

READ = (
    "accounts",
    "blocks",
    "bookmarks",
    "events",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
)
WRITE = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "events",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
)
FOLLOW = ("read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows",
          "write:mutes")  # fmt: skip
# Mastodon's admin scopes; plain read/write never cover them (only admin:read/admin:write do).
ADMIN = (
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
)
TOP = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
KNOWN = (
    frozenset(TOP)
    | {f"read:{p}" for p in READ}
    | {f"write:{p}" for p in WRITE}
    | {f"admin:{kind}:{p}" for kind in ("read", "write") for p in ADMIN}
)
DEFAULT = ("read",)
OUT_OF_SCOPE = "This action is outside the authorized scopes"


class ScopeError(Exception):
    """A scope string names something we do not know; one readable line."""


def parse(raw: str | None, default: tuple[str, ...] = DEFAULT) -> tuple[str, ...]:
    """Split a space- or plus-separated scope string; unknown scopes raise ScopeError."""
    names = tuple(dict.fromkeys((raw or "").replace("+", " ").split()))
    if not names:
        return default
    unknown = [name for name in names if name not in KNOWN]
    if unknown:
        raise ScopeError(f"unknown scope {unknown[0][:64]!r}")
    return names


def allows(granted: tuple[str, ...] | str, needed: str) -> bool:
    """True when the granted scopes cover the needed one (e.g. write covers write:media)."""
    have = set(granted.split()) if isinstance(granted, str) else set(granted)
    if needed in have:
        return True
    parent = needed.rsplit(":", 1)[0]  # write:media -> write, admin:read:reports -> admin:read
    if parent != needed and parent in have:
        return True
    return "follow" in have and needed in FOLLOW


def subset(requested: tuple[str, ...], allowed: tuple[str, ...] | str) -> bool:
    """True when every requested scope is covered by the allowed ones."""
    return all(allows(allowed, name) for name in requested)


def text(names: tuple[str, ...]) -> str:
    """The space-separated form stored and returned to clients."""
    return " ".join(names)

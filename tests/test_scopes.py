"""Scopes: parsing, the granular sub-scopes, and the follow family."""

from __future__ import annotations

import pytest

from hub import scopes


def test_parse_accepts_spaces_and_plus_and_drops_duplicates() -> None:
    assert scopes.parse("read+write:media  read") == ("read", "write:media")
    assert scopes.parse("") == ("read",)


def test_parse_refuses_unknown_scopes() -> None:
    with pytest.raises(scopes.ScopeError, match="unknown scope 'admin:all'"):
        scopes.parse("read admin:all")


@pytest.mark.parametrize(
    ("granted", "needed", "allowed"),
    [
        ("read", "read:statuses", True),
        ("write", "write:media", True),
        ("write:media", "write:statuses", False),
        ("read:statuses", "read", False),
        ("follow", "write:follows", True),
        ("follow", "write:statuses", False),
        ("push", "read:accounts", False),
    ],
)
def test_allows_covers_sub_scopes_of_the_granted_parents(
    granted: str, needed: str, allowed: bool
) -> None:
    assert scopes.allows(granted, needed) is allowed


@pytest.mark.parametrize(
    ("granted", "needed", "allowed"),
    [
        ("admin:read", "admin:read:reports", True),
        ("admin:write", "admin:write:domain_blocks", True),
        ("admin:read:reports", "admin:read:reports", True),
        ("admin:read:reports", "admin:read:domain_blocks", False),
        ("admin:write", "admin:read:reports", False),
        ("read write follow", "admin:read:reports", False),
        ("read write", "admin:write:domain_blocks", False),
    ],
)
def test_admin_scopes_are_covered_only_by_their_own_parents(
    granted: str, needed: str, allowed: bool
) -> None:
    assert scopes.allows(granted, needed) is allowed
    assert scopes.parse(granted)  # every admin scope is known

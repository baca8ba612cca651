"""`hub person`, `hub coop grant/revoke`, `hub token create`: people, roles and tokens."""

from __future__ import annotations

import io

import pytest

from hub.store.models import Membership, OAuthToken, OneTimeToken, Person, Role
from tests import test_cli
from tests.test_cli import Hub, count

env = test_cli.env
hub = test_cli.hub


def test_person_create_without_password_prints_a_set_password_link(
    hub: Hub, env: dict[str, str]
) -> None:
    code, out, _err = hub("person", "create", "Mia@Fairbnb.example")
    assert code == 0
    first, link = out.strip().splitlines()
    assert first == "person mia@fairbnb.example created; set the password once at:"
    assert link.startswith("http://hub.test/setup/")
    url = env["HUB_DATABASE_URL"]
    assert count(url, Person, Person.password_hash.is_(None), ~Person.is_manager) == 1
    assert count(url, OneTimeToken) == 1


def test_person_create_reads_the_password_from_stdin(
    hub: Hub, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-langes-passwort\n"))
    code, out, _err = hub("person", "create", "bot@fairbnb.example", "--password-stdin")
    assert (code, out.strip()) == (0, "person bot@fairbnb.example created")
    url = env["HUB_DATABASE_URL"]
    assert count(url, Person, Person.password_hash.is_not(None)) == 1
    assert count(url, OneTimeToken) == 0


def test_grant_revoke_and_token_for_a_coop(hub: Hub, env: dict[str, str]) -> None:
    url = env["HUB_DATABASE_URL"]
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb")[0] == 0
    assert hub("person", "create", "mia@fairbnb.example")[0] == 0
    code, out, _ = hub("coop", "grant", "fairbnb", "mia@fairbnb.example", "--role", "editor")
    assert (code, out.strip()) == (0, "mia@fairbnb.example is now editor of fairbnb")
    code, _, _ = hub("coop", "grant", "fairbnb", "MIA@fairbnb.example", "--role", "owner")
    assert code == 0
    assert count(url, Membership, Membership.role == Role.owner) == 1
    code, out, _ = hub("token", "create", "fairbnb", "--person", "mia@fairbnb.example")
    token = out.strip()
    assert code == 0 and len(token) >= 40
    assert count(url, OAuthToken, OAuthToken.scopes == "read write") == 1
    code, out, _ = hub("coop", "revoke", "fairbnb", "mia@fairbnb.example")
    assert (code, out.strip()) == (0, "mia@fairbnb.example no longer manages fairbnb")
    assert count(url, Membership) == 0


def test_person_reset_prints_a_fresh_link_and_withdraws_the_old(
    hub: Hub, env: dict[str, str]
) -> None:
    hub("person", "create", "mia@fairbnb.example")
    code, out, _ = hub("person", "reset", "mia@fairbnb.example")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("http://hub.test/setup/")
    assert count(env["HUB_DATABASE_URL"], OneTimeToken) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["person", "create", "nope"], "invalid email"),
        (["person", "reset", "ghost@fairbnb.example"], "no person with the email"),
        (["coop", "grant", "fairbnb", "mia@fairbnb.example", "--role", "boss"], "invalid choice"),
        (["coop", "grant", "ghost", "mia@fairbnb.example", "--role", "editor"], "no coop"),
        (["coop", "grant", "fairbnb", "ghost@x.example", "--role", "editor"], "no person"),
        (["coop", "revoke", "fairbnb", "mia@fairbnb.example"], "does not manage fairbnb"),
        (["token", "create", "fairbnb", "--person", "mia@fairbnb.example", "--scopes", "root"],
         "unknown scope 'root'"),
        (["token", "create", "fairbnb", "--person", "mia@fairbnb.example"], "grant it first"),
    ],
)  # fmt: skip
def test_bad_people_input_is_one_line_and_writes_nothing(
    hub: Hub, env: dict[str, str], argv: list[str], message: str
) -> None:
    hub("coop", "create", "fairbnb", "--name", "Fairbnb")
    hub("person", "create", "mia@fairbnb.example")
    code, out, err = hub(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    url = env["HUB_DATABASE_URL"]
    assert (count(url, Person), count(url, Membership), count(url, OAuthToken)) == (1, 0, 0)


def test_short_password_on_stdin_is_refused_before_writing(
    hub: Hub, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
    code, _out, err = hub("person", "create", "bot@fairbnb.example", "--password-stdin")
    assert code == 2 and "at least 10 characters" in err
    assert count(env["HUB_DATABASE_URL"], Person) == 0

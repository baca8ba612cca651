"""The `hub person ...`, `hub coop grant/revoke` and `hub token create` commands."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub import accounts, memberships, oauth, scopes
from hub.accounts import AccountError
from hub.actors import local
from hub.actors.validation import InvalidInput
from hub.config import Settings
from hub.store.db import Database
from hub.store.models import Role
from hub.uris import Uris


def add_people_commands(
    commands: Any, coop_commands: Any, parser_class: type[argparse.ArgumentParser]
) -> None:
    """Register `person create/reset`, `coop grant/revoke` and `token create`."""
    person = commands.add_parser("person", help="people who log in and post for coops")
    person_commands = person.add_subparsers(
        dest="person_command", required=True, parser_class=parser_class
    )
    create = person_commands.add_parser("create", help="add a person")
    create.add_argument("email")
    create.add_argument("--password-stdin", action="store_true", help="read the password")
    create.set_defaults(run=cmd_person_create, check=check_person_create)
    reset = person_commands.add_parser("reset", help="print a password-reset link")
    reset.add_argument("email")
    reset.set_defaults(run=cmd_person_reset, check=_check_email)

    grant = coop_commands.add_parser("grant", help="let a person manage a coop")
    grant.add_argument("username")
    grant.add_argument("email")
    grant.add_argument("--role", choices=[role.value for role in Role], required=True)
    grant.set_defaults(run=cmd_coop_grant, check=_check_email)
    revoke = coop_commands.add_parser("revoke", help="take a coop away from a person")
    revoke.add_argument("username")
    revoke.add_argument("email")
    revoke.set_defaults(run=cmd_coop_revoke, check=_check_email)

    token = commands.add_parser("token", help="access tokens for scripts and bots")
    token_commands = token.add_subparsers(
        dest="token_command", required=True, parser_class=parser_class
    )
    token_create = token_commands.add_parser("create", help="print a new access token")
    token_create.add_argument("username")
    token_create.add_argument("--person", required=True, metavar="EMAIL")
    token_create.add_argument("--scopes", default="read write")
    token_create.set_defaults(run=cmd_token_create, check=check_token_create)


def _check_email(args: argparse.Namespace, settings: Settings) -> None:
    args.email = accounts.check_email(args.email)


def check_person_create(args: argparse.Namespace, settings: Settings) -> None:
    """Validate the email and (with --password-stdin) the password before writing."""
    _check_email(args, settings)
    args.password = None
    if args.password_stdin:
        args.password = sys.stdin.readline().rstrip("\r\n")
        accounts.check_password(args.password)


def check_token_create(args: argparse.Namespace, settings: Settings) -> None:
    """Validate the email and scopes before writing."""
    args.person = accounts.check_email(args.person)
    try:
        args.granted = scopes.parse(args.scopes, default=())
    except scopes.ScopeError as error:
        raise InvalidInput(str(error)) from None
    if not args.granted:
        raise InvalidInput("give at least one scope, e.g. --scopes 'read write'")


async def cmd_person_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Create a person; print the link to set the password when none was given."""
    async with db.begin() as session:
        person, link = await accounts.create_person(session, args.email, args.password)
    if link is None:
        print(f"person {person.email} created")
        return
    print(f"person {person.email} created; set the password once at:")
    print(Uris(settings).password_link(link.token))


async def cmd_person_reset(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print a one-time link to set a new password."""
    async with db.begin() as session:
        link = await accounts.reset_link(session, args.email)
    print(f"password reset for {link.email}; the link works once, for two days:")
    print(Uris(settings).password_link(link.token))


async def cmd_coop_grant(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Let a person manage a coop."""
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        person = await accounts.get_person(session, args.email)
        await memberships.grant(session, person, coop, Role(args.role))
    print(f"{person.email} is now {args.role} of {coop.username}")


async def cmd_coop_revoke(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Take a coop away from a person."""
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        person = await accounts.get_person(session, args.email)
        await memberships.revoke(session, person, coop)
    print(f"{person.email} no longer manages {coop.username}")


async def cmd_token_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print a new access token acting as the coop for the person."""
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        person = await accounts.get_person(session, args.person)
        if await memberships.membership(session, person, coop) is None:
            raise AccountError(f"{person.email} does not manage {coop.username}; grant it first")
        issued = await oauth.issue_token(
            session, None, person.id, coop.id, scopes.text(args.granted), refresh=False
        )
    print(issued.access_token)

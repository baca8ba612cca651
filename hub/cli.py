"""The `hub` command: database, coops, people and the worker (serving lives in web.main)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from hub import accounts, worker
from hub.accounts import AccountError
from hub.actors import local
from hub.actors.documents import actor_json
from hub.actors.local import NotFound
from hub.actors.validation import (
    CoopDraft,
    InvalidInput,
    check_directory_value,
    check_fields,
    check_name,
    check_summary,
    check_username,
    check_website,
)
from hub.bootstrap import open_database, settle_heap
from hub.cli_events import add_event_commands
from hub.cli_moderation import add_moderation_commands
from hub.cli_network import add_network_commands
from hub.cli_people import add_people_commands
from hub.cli_posts import add_post_commands
from hub.config import ConfigError, Settings, load_settings, with_secret_key
from hub.events.validation import EventError
from hub.federation import open_federation
from hub.moderation import ModerationError
from hub.network_members import MemberError
from hub.posts import PostError
from hub.store.db import Database
from hub.uris import Uris

Command = Callable[[argparse.Namespace, Settings, Database], Awaitable[None]]
BAD_INPUT = 2


class UsageError(Exception):
    """The command line itself is wrong."""


class Parser(argparse.ArgumentParser):
    """An argument parser that reports mistakes in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line instead of usage plus error."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser(serve: Command | None = None) -> Parser:
    """The `hub` command line; `serve` is handed in by web.main, the layer that owns HTTP."""
    parser = Parser(prog="hub", description="Coophub: the platform coop network's hub.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    if serve is not None:
        commands.add_parser("serve", help="serve the web app and the worker").set_defaults(
            run=serve
        )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        run=cmd_db_upgrade
    )

    coop = commands.add_parser("coop", help="member coops")
    coop_commands = coop.add_subparsers(dest="coop_command", required=True, parser_class=Parser)
    create = coop_commands.add_parser("create", help="create a member coop")
    create.add_argument("username")
    create.add_argument("--name", required=True)
    _profile_options(create)
    create.set_defaults(run=cmd_coop_create, check=check_create)
    coop_commands.add_parser("list", help="list member coops").set_defaults(run=cmd_coop_list)
    show = coop_commands.add_parser("show", help="show one coop")
    show.add_argument("username")
    show.add_argument("--json", action="store_true", help="print the actor document")
    show.set_defaults(run=cmd_coop_show)
    update = coop_commands.add_parser("update", help="change a coop's profile")
    update.add_argument("username")
    update.add_argument("--name")
    _profile_options(update)
    update.add_argument("--clear-fields", action="store_true", help="remove all profile fields")
    update.set_defaults(run=cmd_coop_update, check=check_update)
    remove = coop_commands.add_parser("delete", help="delete a coop (its URLs answer 410)")
    remove.add_argument("username")
    remove.set_defaults(run=cmd_coop_delete)

    manager = commands.add_parser("manager", help="network managers")
    manager_commands = manager.add_subparsers(
        dest="manager_command", required=True, parser_class=Parser
    )
    manager_create = manager_commands.add_parser("create", help="add a manager")
    manager_create.add_argument("email")
    manager_create.set_defaults(
        run=cmd_manager_create, check=lambda args, _s: accounts.check_email(args.email)
    )

    add_people_commands(commands, coop_commands, Parser)
    add_post_commands(commands, Parser)
    add_network_commands(commands, Parser)
    add_event_commands(commands, Parser)
    add_moderation_commands(commands, Parser)
    commands.add_parser("worker", help="run the background worker").set_defaults(run=cmd_worker)
    return parser


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--summary", help="a few sentences, Markdown allowed")
    parser.add_argument("--website", help="the coop's website (http:// or https://)")
    parser.add_argument(
        "--field", action="append", default=None, metavar="LABEL=VALUE", help="profile field"
    )
    parser.add_argument("--sector", help="directory: the coop's sector, e.g. Mobilität")
    parser.add_argument("--region", help="directory: the coop's region, e.g. Berlin")
    parser.add_argument("--legal-form", help="directory: the legal form, e.g. eG")
    approval = parser.add_mutually_exclusive_group()
    approval.add_argument("--approve-followers", dest="approve", action="store_true", default=None)
    approval.add_argument("--auto-accept-followers", dest="approve", action="store_false")


def draft_from_args(args: argparse.Namespace) -> CoopDraft:
    """Validate the profile options into a draft; raise InvalidInput on the first bad one."""
    fields = check_fields(args.field) if args.field is not None else None
    if getattr(args, "clear_fields", False):
        if fields:
            raise InvalidInput("use either --field or --clear-fields, not both")
        fields = ()
    return CoopDraft(
        name=check_name(args.name) if args.name is not None else None,
        summary=check_summary(args.summary) if args.summary is not None else None,
        website=check_website(args.website) if args.website is not None else None,
        fields=fields,
        manually_approves_followers=args.approve,
        **{
            name: check_directory_value(value, name.replace("_", " "))
            for name in ("sector", "region", "legal_form")
            if (value := getattr(args, name, None)) is not None
        },
    )


def check_create(args: argparse.Namespace, settings: Settings) -> None:
    """Validate `coop create` before anything is written."""
    check_username(args.username, settings.network_username)
    args.draft = draft_from_args(args)


def check_update(args: argparse.Namespace, settings: Settings) -> None:
    """Validate `coop update` before anything is written."""
    args.draft = draft_from_args(args)
    if args.draft == CoopDraft():
        raise InvalidInput("nothing to change: give --name, --summary, --website or --field")


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """The database was migrated while opening it."""
    print("database is at the newest schema")


async def cmd_coop_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Create a coop and print its handle."""
    async with db.begin() as session:
        actor = await local.create_coop(session, settings, args.username, args.draft)
    uris = Uris(settings)
    print(f"created @{actor.username}@{settings.domain} at {uris.actor(actor.username)}")


async def cmd_coop_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print one line per coop."""
    async with db.begin() as session:
        coops = await local.list_coops(session)
    for coop in coops:
        print(f"{coop.username}\t{coop.name}\t{coop.website or ''}")


async def cmd_coop_show(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print a coop's profile, or its actor document with --json."""
    uris = Uris(settings)
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
    if args.json:
        print(json.dumps(actor_json(coop, uris), indent=2, ensure_ascii=False))
        return
    print(f"username: {coop.username}\nhandle:   @{coop.username}@{settings.domain}")
    print(f"name:     {coop.name}\nurl:      {uris.actor(coop.username)}")
    print(f"website:  {coop.website or '-'}\nsummary:  {coop.summary or '-'}")
    for label, value in coop.fields:
        print(f"field:    {label} = {value}")
    approval = "by hand" if coop.manually_approves_followers else "automatically"
    print(f"followers are approved {approval}\ncreated:  {coop.created_at:%Y-%m-%d %H:%M} UTC")


async def cmd_coop_update(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Change a coop's profile."""
    async with db.begin() as session:
        coop = await local.update_coop(session, args.username, args.draft)
    print(f"updated {coop.username}")


async def cmd_coop_delete(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Delete a coop."""
    async with db.begin() as session:
        coop = await local.delete_coop(session, args.username)
    print(f"deleted {coop.username}; its URLs now answer 410 Gone")


async def cmd_manager_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Create a manager and print the one-time link to set their password."""
    async with db.begin() as session:
        link = await accounts.create_manager(session, args.email)
    print(f"manager {link.email} created; set the password once at:")
    print(Uris(settings).password_link(link.token))


async def cmd_worker(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Run the worker until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    federation = await open_federation(settings, db)
    settle_heap()
    print("worker started; stop it with SIGTERM or Ctrl-C", flush=True)
    try:
        await worker.run_forever(federation, stop)
    finally:
        await federation.close()


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Open the database and run the chosen command on it."""

    async def _go() -> None:
        db = await open_database(settings)
        try:
            await args.run(args, settings, db)
        finally:
            await db.dispose()

    asyncio.run(_go())


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print one line to stderr and exit."""
    print(f"hub: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None, parser: Parser | None = None) -> None:
    """Entry point: parse, configure, run; every expected failure is one line on stderr."""
    parser = parser or build_parser()
    try:
        args = parser.parse_args(argv)
        settings = load_settings(os.environ)
        # Validate everything typed before the first byte is written.
        if getattr(args, "check", None) is not None:
            args.check(args, settings)
        run(args, with_secret_key(settings))
    except (
        UsageError,
        ConfigError,
        InvalidInput,
        AccountError,
        NotFound,
        PostError,
        MemberError,
        EventError,
        ModerationError,
    ) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(f"database error: {str(error).splitlines()[0]}", code=1)
    except OSError as error:
        fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), code=1)
    except KeyboardInterrupt:
        raise SystemExit(130) from None

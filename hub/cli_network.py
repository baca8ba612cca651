"""The `hub network ...` commands: remote member coops of the network Group."""

from __future__ import annotations

import argparse
from typing import Any

from hub import network_members
from hub.config import Settings
from hub.federation import open_federation
from hub.store.db import Database
from hub.uris import Uris


def add_network_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `network add`, `network remove` and `network list`."""
    group = commands.add_parser("network", help="member coops on other servers")
    network_commands = group.add_subparsers(
        dest="network_command", required=True, parser_class=parser_class
    )
    add = network_commands.add_parser(
        "add", help="add a coop by its handle; the network follows it"
    )
    add.add_argument("handle", help="e.g. @coop@mastodon.example")
    add.set_defaults(run=cmd_network_add, check=check_handle)
    remove = network_commands.add_parser("remove", help="remove a member; the network unfollows it")
    remove.add_argument("handle")
    remove.set_defaults(run=cmd_network_remove, check=check_handle)
    network_commands.add_parser("list", help="list remote members").set_defaults(
        run=cmd_network_list
    )


def check_handle(args: argparse.Namespace, settings: Settings) -> None:
    """Validate the handle before anything is written."""
    args.handle = network_members.check_handle(args.handle)


async def cmd_network_add(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Resolve the handle, record the member and queue the network's Follow."""
    federation = await open_federation(settings, db)
    try:
        async with db.begin() as session:
            member = await network_members.add_member(
                session, federation.fetcher, federation.uris, args.handle
            )
    finally:
        await federation.close()
    print(f"added {member.handle}; the network follows it once it accepts")


async def cmd_network_remove(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Forget the member and queue the Undo of the network's Follow."""
    async with db.begin() as session:
        member = await network_members.remove_member(session, Uris(settings), args.handle)
    print(f"removed {member.handle}; the network no longer follows or re-shares it")


async def cmd_network_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print one line per remote member: handle, actor, follow state."""
    async with db.read() as session:
        members = await network_members.list_members(session)
    for member in members:
        print(f"{member.handle}\t{member.actor_uri}\t{member.state}")

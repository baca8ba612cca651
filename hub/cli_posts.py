"""The `hub post ...` and `hub deliveries` commands."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from hub import delivery, posts
from hub.actors import local
from hub.config import Settings
from hub.federation import open_federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import Visibility
from hub.uris import Uris


def add_post_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `post create`, `post delete` and `deliveries`."""
    post = commands.add_parser("post", help="posts of member coops")
    post_commands = post.add_subparsers(
        dest="post_command", required=True, parser_class=parser_class
    )
    create = post_commands.add_parser("create", help="publish a post for a coop")
    create.add_argument("username")
    create.add_argument("--text", required=True, help="the post, Markdown allowed")
    create.add_argument(
        "--visibility", choices=[v.value for v in Visibility], default=Visibility.public.value
    )
    create.add_argument("--cw", help="content warning shown before the text")
    create.add_argument("--language", help="language code, e.g. de or en")
    create.set_defaults(run=cmd_post_create, check=check_post)
    remove = post_commands.add_parser("delete", help="delete a post (followers get a Delete)")
    remove.add_argument("id", type=int)
    remove.set_defaults(run=cmd_post_delete)
    commands.add_parser("deliveries", help="the delivery queue's state").set_defaults(
        run=cmd_deliveries
    )


def check_post(args: argparse.Namespace, settings: Settings) -> None:
    """Validate `post create` before anything is written."""
    draft = Draft(args.text, Visibility(args.visibility), args.cw, args.language)
    args.draft = posts.check_draft(draft)


async def cmd_post_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Publish a post (mentions resolved by WebFinger first) and print its URL."""
    uris = Uris(settings)
    async with db.begin() as session:
        await local.get_coop(session, args.username)
    federation = await open_federation(settings, db)
    try:
        mentions = await posts.resolve_mentions(db, federation.fetcher, args.draft.text)
    finally:
        await federation.close()
    draft = dataclasses.replace(args.draft, mentions=mentions)
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        post = await posts.publish(session, uris, coop, draft)
    print(f"posted {post.id}: {uris.note(coop.username, post.id)}")


async def cmd_post_delete(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Delete a post."""
    uris = Uris(settings)
    async with db.begin() as session:
        coop = await posts.owner_of(session, args.id)
        await posts.delete(session, uris, coop, args.id)
    print(f"deleted post {args.id}")


async def cmd_deliveries(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print how many deliveries are in each state."""
    async with db.begin() as session:
        counts = await delivery.queue_counts(session)
    for state, number in counts.items():
        print(f"{state}\t{number}")

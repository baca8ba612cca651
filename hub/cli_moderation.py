"""The `hub moderation ...` commands: domains, remote accounts, reports, coops, the audit log."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.moderation import ModerationError, accounts, applications, audit, coops, domains, replies
from hub.moderation.blocklists import export_csv, import_blocks, parse_csv
from hub.moderation.reports import get_report, list_reports
from hub.moderation.resolutions import ACTIONS, forward, resolve
from hub.store.db import Database
from hub.uris import Uris

MAX_FILE = 10 * 1024 * 1024


def add_moderation_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `moderation domain|actor|report|coop|replies|audit ...`."""
    top = commands.add_parser("moderation", help="blocks, reports, suspensions, audit log")
    groups = top.add_subparsers(dest="moderation_group", required=True, parser_class=parser_class)
    for name, register in (("domain", _domain), ("actor", _actor), ("report", _report),
                           ("coop", _coop), ("replies", _replies), ("audit", _audit)):  # fmt: skip
        group = groups.add_parser(name, help=f"moderation of {name}s")
        register(group.add_subparsers(dest="action", required=True, parser_class=parser_class))
    _applications(groups)


def _applications(groups: Any) -> None:
    listing = _command(groups, "applications", cmd_applications, "membership applications",
                       reason=False)  # fmt: skip
    listing.add_argument("--all", action="store_true", help="also the decided ones")
    approve = _command(groups, "approve-application", cmd_application_approve,
                       "create the coop and mail its owner a link", reason=False)  # fmt: skip
    approve.add_argument("id", type=int)
    approve.add_argument("--reason", default="", help="a note for the audit log")
    declined = _command(groups, "decline-application", cmd_application_decline,
                        "decline and mail the reason", reason=False)  # fmt: skip
    declined.add_argument("id", type=int)
    declined.add_argument("--reason", required=True, help="why; mailed to the contact person")


def _command(sub: Any, name: str, run: Any, help_text: str, reason: bool = True) -> Any:
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("--by", default=None, help="who acts (default: the login name)")
    if reason:
        parser.add_argument("--reason", default="", help="why; shown publicly unless --private")
        parser.add_argument("--private", action="store_true", help="keep the reason private")
    parser.set_defaults(run=run)
    return parser


def _domain(sub: Any) -> None:
    block = _command(sub, "block", cmd_domain_block, "block a server", reason=False)
    block.add_argument("domain")
    block.add_argument("--severity", default="suspend", choices=domains.SEVERITIES)
    for flag in ("--reject-media", "--reject-reports", "--obfuscate"):
        block.add_argument(flag, action="store_true")
    block.add_argument("--public-comment", default="")
    block.add_argument("--private-comment", default="")
    block.set_defaults(check=check_domain_block)
    _command(sub, "unblock", cmd_domain_unblock, "lift a block").add_argument("domain")
    _command(sub, "allow", cmd_domain_allow, "allow-list a server").add_argument("domain")
    _command(sub, "disallow", cmd_domain_allow, "drop from the allow-list").add_argument("domain")
    listing = _command(sub, "list", cmd_domain_list, "list blocks", reason=False)
    listing.add_argument("--allowed", action="store_true", help="list the allow-list instead")
    imported = _command(sub, "import", cmd_domain_import, "import a Mastodon CSV", reason=False)
    imported.add_argument("file", help="a CSV file, or - for stdin")
    imported.set_defaults(check=check_import)
    _command(sub, "export", cmd_domain_export, "print the blocks as CSV", reason=False)


def _actor(sub: Any) -> None:
    for name in ("block", "unblock", "limit", "unlimit"):
        _command(sub, name, cmd_actor, f"{name} a remote account").add_argument(
            "target", help="user@host or the actor URL"
        )


def _report(sub: Any) -> None:
    listing = _command(sub, "list", cmd_report_list, "the open reports", reason=False)
    listing.add_argument("--all", action="store_true")
    _command(sub, "show", cmd_report_show, "one report", reason=False).add_argument("id", type=int)
    _command(sub, "dismiss", cmd_report_resolve, "close without action").add_argument(
        "id", type=int
    )
    resolved = _command(sub, "resolve", cmd_report_resolve, "act on a report and close it")
    resolved.add_argument("id", type=int)
    resolved.add_argument("--action", required=True, choices=ACTIONS[1:])
    resolved.add_argument("--forward", action="store_true", help="also forward it (remote)")
    forwarded = _command(sub, "forward", cmd_report_forward, "send it to the account's server")
    forwarded.add_argument("id", type=int)


def _coop(sub: Any) -> None:
    for name in ("suspend", "unsuspend", "limit", "unlimit"):
        _command(sub, name, cmd_coop, f"{name} a member coop").add_argument("username")


def _replies(sub: Any) -> None:
    setting = _command(sub, "set", cmd_replies_set, "who may reply", reason=False)
    setting.add_argument("username")
    setting.add_argument("policy", choices=replies.POLICIES)
    setting.add_argument("--post", type=int, help="only this post of the coop")
    for name in ("approve", "reject"):
        _command(sub, name, cmd_replies_decide, f"{name} a held reply", reason=False).add_argument(
            "id", type=int
        )


def _audit(sub: Any) -> None:
    listing = _command(sub, "list", cmd_audit_list, "the newest actions", reason=False)
    listing.add_argument("--limit", type=int, default=50)


def _by(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)[:320]
    try:
        return f"cli:{getpass.getuser()}"[:320]
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def check_domain_block(args: argparse.Namespace, settings: Settings) -> None:
    """Validate the block before anything is written."""
    args.draft = domains.check_draft(
        domains.BlockDraft(args.domain, args.severity, args.reject_media, args.reject_reports,
                           args.public_comment, args.private_comment, args.obfuscate)
    )  # fmt: skip


def check_import(args: argparse.Namespace, settings: Settings) -> None:
    """Read and check every line of the blocklist before anything is written."""
    try:
        if args.file == "-":
            raw = sys.stdin.read(MAX_FILE + 1)
        else:
            raw = Path(args.file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ModerationError(f"{args.file} is not UTF-8 text") from None
    if len(raw) > MAX_FILE:
        raise ModerationError(f"{args.file} is larger than 10 MiB")
    args.drafts = parse_csv(raw)


async def cmd_domain_block(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Add or change a domain block."""
    async with db.begin() as session:
        block = await domains.block_domain(session, args.draft, _by(args))
    print(f"{block.domain}: {block.severity}")


async def cmd_domain_unblock(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Lift a domain block."""
    async with db.begin() as session:
        await domains.unblock_domain(session, args.domain, _by(args), args.reason)
    print(f"{args.domain}: unblocked")


async def cmd_domain_allow(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Add a server to the allow-list or remove it."""
    allow = args.action == "allow"
    async with db.begin() as session:
        await domains.allow_domain(session, args.domain, _by(args), allow)
    print(f"{args.domain}: {'allowed' if allow else 'no longer allowed'}")


async def cmd_domain_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """One line per block: domain, severity, flags, public comment."""
    async with db.read() as session:
        blocks = await domains.list_blocks(session, allows=args.allowed)
    for block in blocks:
        flags = [name for name in ("reject_media", "reject_reports", "obfuscate")
                 if getattr(block, name)]  # fmt: skip
        print(f"{block.domain}\t{block.severity}\t{','.join(flags)}\t{block.public_comment}")


async def cmd_domain_import(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Apply a checked blocklist in one transaction."""
    async with db.begin() as session:
        count = await import_blocks(session, args.drafts, _by(args))
    print(f"imported {count} domain blocks")


async def cmd_domain_export(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print the blocks in Mastodon's CSV format."""
    async with db.read() as session:
        blocks = await domains.list_blocks(session)
    sys.stdout.write(export_csv(blocks))


async def cmd_actor(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Suspend (block), limit or lift either for a remote account."""
    action = {"block": "suspend", "unblock": "unsuspend"}.get(args.action, args.action)
    async with db.begin() as session:
        remote = await accounts.find_remote(session, args.target)
        await accounts.moderate_actor(session, remote, action, _by(args), args.reason)
    print(f"{remote.uri}: {args.action} done")


async def cmd_report_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """One line per report: id, state, target, reporter, comment."""
    async with db.read() as session:
        reports = await list_reports(session, None if args.all else "open")
    for report in reports:
        who = report.reporter_uri or report.reporter_name or "?"
        print(f"{report.id}\t{report.state}\t{report.target_uri}\t{who}\t{report.comment[:60]}")


async def cmd_report_show(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """A report with its snapshot."""
    async with db.read() as session:
        report = await get_report(session, args.id)
    print(f"report {report.id} ({report.state}) about {report.target_uri}")
    print(f"from: {report.reporter_uri or report.reporter_name}  {report.reporter_email or ''}")
    print(f"comment: {report.comment}")
    for item in report.snapshot:
        print(f"- {item['uri']}: {item.get('summary') or ''} {item.get('content', '')[:200]}")


async def cmd_report_resolve(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Dismiss a report, or act on it (and forward it if asked)."""
    action = args.action  # "dismiss", or resolve's --action (it shares the dest)
    uris = Uris(settings)
    async with db.begin() as session:
        report = await resolve(session, uris, args.id, action, _by(args), args.reason, args.private)
        if getattr(args, "forward", False):
            await forward(session, uris, args.id, _by(args))
    print(f"report {report.id}: {report.state} ({action})")


async def cmd_report_forward(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Forward a report as a Flag from our instance actor."""
    async with db.begin() as session:
        await forward(session, Uris(settings), args.id, _by(args))
    print(f"report {args.id}: forwarded")


async def cmd_coop(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Suspend, unsuspend, limit or unlimit a coop."""
    uris, by = Uris(settings), _by(args)
    async with db.begin() as session:
        if args.action == "suspend":
            await coops.suspend(session, uris, args.username, by, args.reason, args.private)
        elif args.action == "unsuspend":
            await coops.unsuspend(session, uris, args.username, by, args.reason, args.private)
        else:
            limited = args.action == "limit"
            await coops.limit(session, args.username, by, limited, args.reason, args.private)
    print(f"{args.username.strip().lower()}: {args.action} done")


async def cmd_replies_set(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Set the reply policy of a coop or one post."""
    async with db.begin() as session:
        if args.post is None:
            await replies.set_coop_policy(session, args.username, args.policy, _by(args))
        else:
            await replies.set_post_policy(session, args.username, args.post, args.policy, _by(args))
    print(f"replies: {args.policy}")


async def cmd_replies_decide(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Approve or reject a held reply."""
    async with db.begin() as session:
        note = await replies.decide(session, args.id, args.action == "approve", _by(args))
    print(f"reply {args.id}: {note.state}")


async def cmd_applications(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """One line per application: id, state, username, name, contact, when."""
    async with db.read() as session:
        rows = await applications.list_applications(session, None if args.all else "pending")
    for row in rows:
        when = row.created_at.strftime("%Y-%m-%d %H:%M")
        contact = f"{row.contact_name} <{row.contact_email}>"
        print(f"{row.id}\t{row.state}\t{row.username}\t{row.name}\t{contact}\t{when}")


async def cmd_application_approve(
    args: argparse.Namespace, settings: Settings, db: Database
) -> None:
    """Approve: the coop is created and its owner gets a one-time link by mail."""
    async with db.begin() as session:
        approval = await applications.approve(session, settings, args.id, _by(args), args.reason)
    print(f"application {args.id}: approved; @{approval.coop.username}@{settings.domain} "
          f"is owned by {approval.owner.email}")  # fmt: skip
    if approval.link is not None:
        print(f"setup link (also mailed): {Uris(settings).password_link(approval.link.token)}")


async def cmd_application_decline(
    args: argparse.Namespace, settings: Settings, db: Database
) -> None:
    """Decline with a reason that is mailed to the contact person."""
    async with db.begin() as session:
        await applications.decline(session, args.id, _by(args), args.reason)
    print(f"application {args.id}: declined")


async def cmd_audit_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """The newest audit lines: when, who, what, target, reason."""
    async with db.read() as session:
        rows = await audit.list_actions(session, max(1, min(args.limit, 1000)))
    for row in rows:
        reason = f"{row.reason} (private)" if row.reason_private and row.reason else row.reason
        when = row.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{when}\t{row.moderator}\t{row.action}\t{row.target}\t{reason}")

"""Blocklists in Mastodon's CSV format: export, parse (every line checked first) and import."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.moderation import ModerationError
from hub.moderation.domains import BlockDraft, block_domain, check_draft
from hub.store.models import DomainBlock

HEADER = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment",
          "#obfuscate"]  # fmt: skip
MAX_LINES = 100_000
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


def export_csv(blocks: Iterable[DomainBlock]) -> str:
    """The blocks as Mastodon writes them (public comments only)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for block in blocks:
        writer.writerow([
            block.domain, block.severity, _bool(block.reject_media),
            _bool(block.reject_reports), block.public_comment, _bool(block.obfuscate),
        ])  # fmt: skip
    return out.getvalue()


def parse_csv(text: str) -> list[BlockDraft]:
    """Every line as a draft, or ModerationError naming the first bad line; nothing partial."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ModerationError("the blocklist is empty")
    if len(rows) > MAX_LINES:
        raise ModerationError(f"the blocklist has more than {MAX_LINES} lines")
    header = [name.strip().lower() for name in rows[0]]
    names = header if header and header[0] in ("#domain", "domain") else None
    if names is None:
        names, start = ["#domain", "#severity"], 0  # a bare list of domains, one per line
    else:
        names, start = ["#" + name.lstrip("#") for name in names], 1
    drafts, seen = [], set()
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        try:
            draft = check_draft(_draft(dict(zip(names, row, strict=False))))
        except ModerationError as error:
            raise ModerationError(f"line {number}: {error}") from None
        if draft.domain not in seen:
            seen.add(draft.domain)
            drafts.append(draft)
    return drafts


async def import_blocks(session: AsyncSession, drafts: Sequence[BlockDraft], moderator: str) -> int:
    """Apply parsed drafts; return how many there were."""
    for draft in drafts:
        await block_domain(session, draft, moderator)
    return len(drafts)


def _draft(cells: dict[str, str]) -> BlockDraft:
    return BlockDraft(
        domain=cells.get("#domain", "").strip(),
        severity=(cells.get("#severity") or "suspend").strip().lower(),
        reject_media=_flag(cells.get("#reject_media")),
        reject_reports=_flag(cells.get("#reject_reports")),
        public_comment=(cells.get("#public_comment") or "").strip(),
        obfuscate=_flag(cells.get("#obfuscate")),
    )


def _flag(raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ModerationError(f"{raw!r} is not true or false")


def _bool(value: bool) -> str:
    return "true" if value else "false"

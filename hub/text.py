"""Text to safe HTML: plain text and Markdown rendered with links, remote HTML sanitised."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# Mastodon's allowed subset (FEDERATION.md); everything else is dropped or unwrapped.
ALLOWED_TAGS = {
    "p", "br", "a", "span", "del", "pre", "code", "em", "strong", "b", "i", "u",
    "ul", "ol", "li", "blockquote",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "target"}, "span": {"class"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "xmpp", "matrix", "gemini", "dat", "ipfs"}
_CLASS_ALLOWED = re.compile(
    r"^(h-\S+|p-\S+|u-\S+|dt-\S+|e-\S+|mention|hashtag|invisible|ellipsis)$"
)
_URL = re.compile(r"^https?://[^\s<>\"']+$")
LINK_REL = "nofollow noopener noreferrer"
# Elements removed with everything inside them: scripts, styles and embedded documents (H1).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
_HEADING = re.compile(r"<(/?)h[1-6]>")


def sanitize_html(raw: str) -> str:
    """Reduce HTML to Mastodon's allowed tags, attributes, classes and URL schemes."""
    cleaned = nh3.clean(
        raw,
        tags=ALLOWED_TAGS | {"h1", "h2", "h3", "h4", "h5", "h6"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        url_relative="deny",  # a relative link in remote HTML would point into our site (H2)
        link_rel=LINK_REL,
        attribute_filter=_filter_attribute,
        clean_content_tags=DROPPED_WITH_CONTENT,
    )
    # Headings keep their emphasis as a bold paragraph, as Mastodon shows them (H4).
    return _HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", str(cleaned))


def html_to_text(raw: str) -> str:
    """The text of an HTML fragment, tags and scripts removed; for fields that are plain text."""
    return html.unescape(str(nh3.clean(raw, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)))


def render_markdown(source: str) -> str:
    """Markdown (or plain text) to safe HTML, with bare URLs turned into links."""
    return sanitize_html(_markdown().render(source)).strip()


def plain_text(value: str) -> str:
    """Escape text for HTML; display names and labels are never HTML."""
    return html.escape(value, quote=True)


def field_value_html(value: str) -> str:
    """A profile field's value: a link with rel=me when it is a URL, escaped text otherwise."""
    value = value.strip()
    if _URL.match(value):
        shown = re.sub(r"^https?://(www\.)?", "", value).rstrip("/")
        return (
            f'<a href="{html.escape(value)}" target="_blank" rel="nofollow noopener '
            f'noreferrer me" translate="no">{html.escape(shown)}</a>'
        )
    return html.escape(value)


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL without spaces."""
    return bool(_URL.match(value))


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [name for name in value.split() if _CLASS_ALLOWED.match(name)]
    return " ".join(kept) or None


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"linkify": True, "html": False}).enable("linkify")
    # Mastodon shows no headings: render them as a bold paragraph instead of losing them.
    md.add_render_rule("heading_open", lambda *_args: "<p><strong>")
    md.add_render_rule("heading_close", lambda *_args: "</strong></p>\n")
    return md


HASHTAG = re.compile(r"(?<![\w/#&])#([^\W_][\w]{0,99})", re.UNICODE)
MENTION = re.compile(r"(?<![\w/@])@([a-zA-Z0-9_.-]{1,64})@([a-zA-Z0-9.-]{1,253}\.[a-zA-Z]{2,63})")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class RenderedPost:
    """A post's safe HTML with the hashtags and mentions it links."""

    html: str
    hashtags: list[str]
    mentions: list[tuple[str, str]]


def find_mentions(source: str) -> list[str]:
    """The `user@host` handles mentioned in a text, lowercased, without repeats."""
    found = (f"{user}@{host}".lower() for user, host in MENTION.findall(source))
    return list(dict.fromkeys(found))


def render_post(
    source: str, mentions: Mapping[str, str], tag_url: Callable[[str], str]
) -> RenderedPost:
    """Markdown to HTML, then link #hashtags and the @user@host mentions that were resolved."""
    hashtags: dict[str, None] = {}
    linked: dict[str, str] = {}
    inside_link = False
    parts = _TAG_OR_TEXT.split(render_markdown(source))
    for index, part in enumerate(parts):
        if part.startswith("<"):
            inside_link = part.startswith("<a ") or (inside_link and part != "</a>")
            continue
        if inside_link:
            continue
        part = HASHTAG.sub(lambda m: _hashtag(m, hashtags, tag_url), part)
        parts[index] = MENTION.sub(lambda m: _mention(m, mentions, linked), part)
    return RenderedPost("".join(parts), list(hashtags), list(linked.items()))


def _hashtag(match: re.Match[str], seen: dict[str, None], tag_url: Callable[[str], str]) -> str:
    name = match.group(1)
    seen.setdefault(name.lower())
    href = html.escape(tag_url(name.lower()))
    return f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'


def _mention(match: re.Match[str], mentions: Mapping[str, str], linked: dict[str, str]) -> str:
    handle = f"{match.group(1)}@{match.group(2)}".lower()
    href = mentions.get(handle)
    if href is None:
        return match.group(0)
    linked[handle] = href
    user = html.escape(match.group(1))
    return (
        f'<span class="h-card" translate="no"><a href="{html.escape(href)}" '
        f'class="u-url mention">@<span>{user}</span></a></span>'
    )

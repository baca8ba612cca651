"""German and English pages: complete catalogues, the switch, Accept-Language, <html lang>."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web import hub_messages, i18n

ROOT = Path(__file__).parent.parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"web/templates/**.html": {"trimmed": "true"}}


TEMPLATES = ROOT / "web" / "templates"
# Proper names that read the same in every language; nothing else may stay literal.
PROPER_NAMES = {"Coophub"}
TEXT_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
SHOWN_META = {"description", "og:title", "og:description", "og:site_name", "og:image:alt"}
EXPRESSION = "\ufffc"  # stands for whatever Jinja2 puts there: an expression or a trans block
LETTER = re.compile(r"[^\W\d_]")


def _without_markup_of_jinja(source: str) -> str:
    """The template's own HTML, every expression, tag and {% trans %} block replaced by one mark."""
    lexer_env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    kept: list[str] = []
    translating, previous = 0, ""
    for _, kind, value in lexer_env.lex(source):
        if kind == "data" and not translating:
            kept.append(value)
        elif kind in ("variable_begin", "block_begin", "data"):
            kept.append(EXPRESSION)
        if previous == "block_begin" and kind == "name":
            translating += {"trans": 1, "endtrans": -1}.get(value, 0)
        if kind not in ("whitespace", "comment"):
            previous = kind
    return "".join(kept)


class _LiteralText(HTMLParser):
    """Collects visible text and text attributes that contain letters but no Jinja2 mark."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self._check(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES:
                self._check(value or "")
        meta = values.get("name") or values.get("property")
        if tag == "meta" and meta in SHOWN_META:
            self._check(values.get("content") or "")

    def _check(self, text: str) -> None:
        words = text.replace(EXPRESSION, " ")
        for name in PROPER_NAMES:
            words = words.replace(name, " ")
        if LETTER.search(words):
            self.found.append(" ".join(text.replace(EXPRESSION, "…").split()))


def literal_text(source: str) -> list[str]:
    """User-visible text of a template that is neither an expression nor marked for translation."""
    parser = _LiteralText()
    parser.feed(_without_markup_of_jinja(source))
    parser.close()
    return parser.found


def test_the_literal_text_check_finds_unmarked_words_and_lets_marked_ones_pass() -> None:
    source = (
        '<h1 title="Hallo">Abgesagt</h1><img alt="{{ x }}"> · <b>{{ _("Yes") }}</b>'
        '<meta name="description" content="Ein Treffen">{% if a %}({{ n }} frei){% endif %}'
        "<p>{% trans n=n %}Only {{ n }} left{% endtrans %}</p><a>Coophub</a>"
    )
    assert literal_text(source) == ["Hallo", "Abgesagt", "Ein Treffen", "…(… frei)…"]


@pytest.mark.parametrize(
    "template", sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))
)
def test_templates_show_no_text_outside_translation_markers(template: str) -> None:
    found = literal_text((TEMPLATES / template).read_text())
    assert not found, f"{template} shows untranslated text: {found}"


def _page_strings() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _, _, message, _, _ in extract_from_dir(
        ROOT, METHODS, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_page_string_has_a_translation(language: str) -> None:
    path = ROOT / "web" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    strings = _page_strings()
    assert len(strings) > 50  # the extraction really found the templates
    missing = []
    for message_id in strings:
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        message = catalog.get(key)
        translated = message.string if message is not None else None
        values = translated if isinstance(translated, tuple) else (translated,)
        if not values or not all(values):
            missing.append(key)
    assert not missing, f"untranslated in {language} (run make messages): {sorted(missing)}"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, "", "de"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "fr-FR, en;q=0.5, de;q=0.8", "de"),
        (None, None, "fr, es;q=0.5", "de"),
        (None, None, "en;q=0, de;q=0.1", "de"),
        (None, "en", "de", "en"),
        ("de", "en", "en", "de"),
        ("xx", None, "en", "en"),
    ],
)
def test_language_is_the_switch_then_the_cookie_then_accept_language_then_german(
    query: str | None, cookie: str | None, header: str, expected: str
) -> None:
    assert i18n.choose(query, cookie, header) == expected


async def test_accept_language_english_gets_english_pages(client: Any) -> None:
    response = await client.get("/", headers={"Accept": "text/html", "Accept-Language": "en"})
    html = await response.text()
    assert '<html lang="en">' in html and "News from the network" in html
    assert "Accept-Language" in response.headers.getall("Vary", [""])[-1]
    german = await (await client.get("/", headers={"Accept": "text/html"})).text()
    assert '<html lang="de">' in german and "Neues aus den Coops" in german


async def test_the_switch_sets_a_cookie_that_later_pages_follow(client: Any) -> None:
    switched = await client.get("/about?lang=en", headers={"Accept-Language": "de"})
    assert "About the network" in await switched.text()
    cookie = switched.cookies["lang"]
    assert cookie.value == "en" and cookie["httponly"] and cookie["samesite"] == "Lax"
    later = await client.get("/members", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in await later.text()
    back = await client.get("/members?lang=de")
    assert '<html lang="de">' in await back.text()


async def test_base_page_offers_both_languages_with_their_own_names(client: Any) -> None:
    html = await (await client.get("/members?q=coop")).text()
    assert '<a href="/members?q=coop&amp;lang=en" lang="en" hreflang="en">English</a>' in html
    assert 'lang="de" hreflang="de" aria-current="true">Deutsch</a>' in html


async def test_error_pages_come_in_the_chosen_language(client: Any) -> None:
    response = await client.get("/users/nobody?lang=en", headers={"Accept": "text/html"})
    assert response.status == 404
    assert "There is no such profile." in await response.text()


@pytest.mark.parametrize(
    ("language", "line", "expected"),
    [
        (
            "de",
            "the password needs at least 10 characters",
            "Das Passwort braucht mindestens 10 Zeichen.",
        ),
        (
            "en",
            "the password needs at least 10 characters",
            "The password needs at least 10 characters.",
        ),
        ("de", "invalid email address 'mia@'", "'mia@' ist keine gültige E-Mail-Adresse."),
        ("en", "this link is invalid or has expired", "This link is invalid or has expired."),
        ("de", "a line no page knows", "a line no page knows"),
    ],
)
def test_lines_from_hub_services_are_shown_translated_with_their_values(
    language: str, line: str, expected: str
) -> None:
    token = i18n._current.set(language)
    try:
        assert hub_messages.translate(line) == expected
    finally:
        i18n._current.reset(token)


async def test_setup_link_errors_come_in_the_chosen_language(client: Any) -> None:
    response = await client.get("/setup/not-a-real-token?lang=en", headers={"Accept": "text/html"})
    assert response.status == 404
    assert "This link is invalid or has expired." in await response.text()

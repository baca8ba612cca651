"""German and English pages: complete catalogues, the switch, Accept-Language, <html lang>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web import i18n

ROOT = Path(__file__).parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"web/templates/**.html": {"trimmed": "true"}}


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

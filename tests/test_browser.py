"""The pages in a real Chromium: reading, paging, switching language, and axe-core checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from PIL import Image

from hub import accounts, memberships
from hub.actors.local import find_actor, get_coop
from hub.federation import Federation
from hub.store.models import Post, Role
from tests.apikit import PASSWORD
from tests.helpers import make_coop
from tests.timeline_data import make_post, make_reply
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
AXE = HERE / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
ADDRESS = "127.0.0.70"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)",
)


@dataclass
class Site:
    """A hub served on loopback, its demo post, and a Chromium that reaches it as hub.test."""

    browser: Any
    post: Post

    async def page(self, *, bypass_csp: bool = False, **options: Any) -> Any:
        """A fresh browser context and page, German unless asked otherwise."""
        options.setdefault("locale", "de-DE")
        context = await self.browser.new_context(bypass_csp=bypass_csp, **options)
        return await context.new_page()


async def _seed(federation: Federation) -> Post:
    db, settings = federation.db, federation.settings
    fair = await make_coop(
        db, settings, "fairbnb", name="Fairbnb", sector="Tourismus", region="Bologna",
        legal_form="Coop", summary="Faires Reisen.",
    )  # fmt: skip
    poly = await make_coop(
        db, settings, "polypoly", name="polypoly", sector="Daten", region="Berlin", legal_form="SE"
    )
    for number in range(24):
        coop = fair if number % 2 else poly
        text = f"Neuigkeit Nummer {number:02d} aus der Coop"
        await make_post(db, settings, coop, text, minute=number)
    post = await make_post(
        db, settings, fair, "Wer kommt zum Community Call?", minute=30, summary="Termine"
    )
    picture = {"type": "Image", "url": "https://media.remote.test/a.png", "name": "Gruppenfoto"}
    await make_reply(db, post, "ada", "<p>Ich bin dabei!</p>", attachments=[picture])
    return post


@pytest.fixture
async def site(federation: Federation) -> AsyncIterator[Site]:
    """The seeded hub on 127.0.0.70 and a headless Chromium mapped to it."""
    from playwright.async_api import async_playwright

    post = await _seed(federation)
    server = TestServer(create_app(federation), host=ADDRESS)
    await server.start_server()
    # hub.test goes to our server; every other name fails, so nothing leaves the machine.
    rules = f"MAP hub.test {ADDRESS}:{server.port}, MAP * ~NOTFOUND"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"]
        )
        try:
            yield Site(browser, post)
        finally:
            await browser.close()
            await server.close()


async def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_reader_pages_back_through_the_timeline(site: Site) -> None:
    page = await site.page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security"
            in message.text else None)  # fmt: skip
    await page.goto("http://hub.test/")
    assert await page.locator("h1").inner_text() == "Neues aus den Coops des Netzwerks"
    posts = page.locator("ol.feed > li")
    assert await posts.count() == 20
    assert "Inhaltswarnung: Termine" in await posts.first.inner_text()
    assert not await page.get_by_text("Wer kommt zum Community Call?").is_visible()
    await page.locator("details.cw summary").first.click()  # content warnings open on demand
    assert await page.get_by_text("Wer kommt zum Community Call?").is_visible()
    await _shoot(page, "timeline-de")
    await page.get_by_role("link", name="Ältere Beiträge").click()
    await page.wait_for_url("**/?before=*")
    texts = await page.locator("ol.feed > li").all_inner_texts()
    assert [text.split("Nummer ")[1][:2] for text in texts] == ["04", "03", "02", "01", "00"]
    await page.get_by_role("link", name="Neueste Beiträge").click()
    await page.wait_for_url("http://hub.test/")
    assert violations == []


async def test_language_switch_turns_the_site_english_and_stays(site: Site) -> None:
    page = await site.page()
    await page.goto("http://hub.test/about")
    assert await page.get_attribute("html", "lang") == "de"
    await page.get_by_role("link", name="English").click()
    await page.wait_for_url("**/about?lang=en")
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.locator("h1").inner_text() == "About the network"
    await _shoot(page, "about-en")
    await page.get_by_role("link", name="Members", exact=True).click()
    assert await page.locator("h1").inner_text() == "Member coops"
    assert await page.get_attribute("html", "lang") == "en"


async def test_english_browsers_get_english_and_the_directory_filters_work(site: Site) -> None:
    page = await site.page(locale="en-GB")
    await page.goto("http://hub.test/members")
    assert await page.get_attribute("html", "lang") == "en"
    await page.get_by_label("Region").select_option("Berlin")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**/members?*region=Berlin*")
    assert await page.locator(".directory .p-name").all_inner_texts() == ["polypoly"]
    await _shoot(page, "members-en")


async def test_phone_sized_screens_need_no_sideways_scrolling(site: Site) -> None:
    page = await site.page(viewport={"width": 360, "height": 740})
    for path in ("/", f"/users/fairbnb/statuses/{site.post.id}", "/members"):
        await page.goto("http://hub.test" + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, path
    await _shoot(page, "members-phone-de")


async def test_keyboard_users_get_a_skip_link_and_a_visible_focus(site: Site) -> None:
    page = await site.page()
    await page.goto("http://hub.test/")
    await page.keyboard.press("Tab")
    focused = await page.evaluate(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.textContent, s.outlineStyle, e.getBoundingClientRect().left >= 0]; })()"
    )
    assert focused == ["Zum Inhalt springen", "solid", True]


MAIN_PAGES = (
    "/",
    "/members",
    "/about",
    "/users/fairbnb",
    "/remote-follow?target=fairbnb",
    "/apply",
    "/report?uri=http%3A%2F%2Fhub.test%2Fusers%2Ffairbnb",
)


async def _axe_serious(page: Any) -> list[str]:
    """The serious and critical axe-core violations of the open page (CSP bypassed)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{item['id']}: {item['help']} ({len(item['nodes'])}x)"
        for item in result["violations"]
        if item["impact"] in {"serious", "critical"}
    ]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run `make browser` (npm ci)")
@pytest.mark.parametrize("language", ["de", "en"])
async def test_axe_finds_no_serious_or_critical_violations(site: Site, language: str) -> None:
    page = await site.page(bypass_csp=True)  # only so axe itself can be injected
    paths = (*MAIN_PAGES, f"/users/fairbnb/statuses/{site.post.id}")
    found = {}
    for path in paths:
        separator = "&" if "?" in path else "?"
        await page.goto(f"http://hub.test{path}{separator}lang={language}")
        bad = await _axe_serious(page)
        if bad:
            found[path] = bad
        name = path.strip("/").replace("/", "-").split("?")[0] or "timeline"
        await _shoot(page, f"{name}-{language}")
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)


async def test_open_timeline_offers_new_posts_live_without_breaking_the_csp(
    site: Site, federation: Federation
) -> None:
    page = await site.page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    await page.goto("http://hub.test/")
    live = page.locator("#live")
    assert await live.is_hidden()
    async with federation.db.read() as session:
        coop = await find_actor(session, "polypoly")
    assert coop is not None
    await make_post(federation.db, federation.settings, coop, "Ganz frisch", minute=90)
    await live.get_by_role("link", name="1 neuer Beitrag").wait_for(timeout=15_000)
    await live.get_by_role("link").click()
    await page.wait_for_url("http://hub.test/")
    assert "Ganz frisch" in await page.locator("ol.feed > li").first.inner_text()
    assert not [text for text in refused if "Content Security Policy" in text]


COOP_PERSON = "mia@fairbnb.example"


async def _log_in(page: Any, path: str) -> None:
    await page.goto(f"http://hub.test/login?next={path}")
    await page.get_by_label("E-Mail-Adresse").fill(COOP_PERSON)
    await page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_url(f"http://hub.test{path}")


async def test_coop_person_posts_an_image_with_alt_text_and_sees_it_on_the_timeline(
    site: Site, federation: Federation, tmp_path: Path
) -> None:
    async with federation.db.begin() as session:
        person, _ = await accounts.create_person(session, COOP_PERSON, PASSWORD)
        await memberships.grant(session, person, await get_coop(session, "fairbnb"), Role.editor)
    picture = tmp_path / "buero.png"
    Image.new("RGB", (320, 200), "#1d5c4d").save(picture)
    page = await site.page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    await _log_in(page, "/account")
    await page.get_by_role("link", name="Fairbnb").click()
    await page.wait_for_url("http://hub.test/account/coops/fairbnb")
    compose = page.locator("form.compose")
    await compose.get_by_label("Text", exact=True).fill("Unser neues Büro ist fertig")
    await compose.get_by_label("Bild (freiwillig").set_input_files(str(picture))
    await compose.get_by_label("Bildbeschreibung").fill("Sechs Leute vor einer grünen Tür")
    await _shoot(page, "compose-de")
    await page.get_by_role("button", name="Veröffentlichen").click()
    await page.wait_for_url("http://hub.test/account/coops/fairbnb?done=posted")
    assert "Dein Beitrag ist veröffentlicht." in await page.get_by_role("status").inner_text()
    await page.goto("http://hub.test/")
    first = page.locator("ol.feed > li").first
    assert "Unser neues Büro ist fertig" in await first.inner_text()
    image = first.get_by_role("img", name="Sechs Leute vor einer grünen Tür")
    await image.scroll_into_view_if_needed()
    await page.wait_for_function(
        "document.querySelector('ol.feed img') && document.querySelector('ol.feed img').complete"
    )
    assert await image.evaluate("img => img.naturalWidth") == 320  # loaded under the CSP
    await _shoot(page, "timeline-with-image-de")
    assert not [text for text in refused if "Content Security Policy" in text]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run `make browser` (npm ci)")
async def test_axe_finds_no_serious_or_critical_violations_on_the_compose_page(
    site: Site, federation: Federation
) -> None:
    async with federation.db.begin() as session:
        person, _ = await accounts.create_person(session, COOP_PERSON, PASSWORD)
        await memberships.grant(session, person, await get_coop(session, "fairbnb"), Role.owner)
    page = await site.page(bypass_csp=True)  # only so axe itself can be injected
    await _log_in(page, "/account/coops/fairbnb")
    found = {}
    for language in ("de", "en"):
        await page.goto(f"http://hub.test/account/coops/fairbnb?lang={language}")
        bad = await _axe_serious(page)
        if bad:
            found[language] = bad
        await _shoot(page, f"compose-axe-{language}")
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)
    await page.set_viewport_size({"width": 360, "height": 740})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await _shoot(page, "compose-phone-en")

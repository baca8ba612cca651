"""The report queue in a real Chromium: a manager logs in, resolves by keyboard; axe checks."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub import posts
from hub.actors.local import get_coop
from hub.federation import Federation
from hub.moderation.reports import ReportDraft, file_report
from hub.posts import Draft
from hub.store.models import Report
from tests.apikit import PASSWORD
from tests.helpers import make_coop
from tests.modwebkit import MANAGER_EMAIL, make_person
from tests.test_browser import AXE, CHROMIUM, CHROMIUM_ARGS, Site, _shoot
from web.app import create_app

ADDRESS = "127.0.0.120"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)",
)


@pytest.fixture
async def site(federation: Federation) -> AsyncIterator[Site]:
    """A hub with one open report about a post, served on 127.0.0.120, and a Chromium."""
    from playwright.async_api import async_playwright

    db, uris = federation.db, federation.uris
    await make_coop(db, federation.settings, "fairbnb", name="Fairbnb")
    await make_person(db, MANAGER_EMAIL, manager=True)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post = await posts.publish(session, uris, coop, Draft("Ein gemeldeter Beitrag"))
        draft = ReportDraft("Ada", uris.note("fairbnb", post.id), "Das ist Werbung.")
        await file_report(session, uris, draft)
    server = TestServer(create_app(federation), host=ADDRESS)
    await server.start_server()
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


async def _log_in(page: Any) -> None:
    await page.goto("http://hub.test/moderation/reports")
    await page.wait_for_url(re.compile(r".*/login\?next=.*"))
    await page.get_by_label("E-Mail-Adresse").fill(MANAGER_EMAIL)
    await page.get_by_label("Passwort").fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url("http://hub.test/moderation/reports")


async def _tab_to(page: Any, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element shows `text`, as a keyboard user would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent.trim()")
        if focused == text:
            return
    raise AssertionError(f"{text!r} cannot be reached with the Tab key")


async def test_a_manager_resolves_a_report_with_the_keyboard(
    site: Site, federation: Federation
) -> None:
    page = await site.page()
    await _log_in(page)
    assert await page.locator("h1").inner_text() == "Meldungen"
    await _tab_to(page, "Meldung 1")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/moderation/reports/1")
    assert "Ein gemeldeter Beitrag" in await page.locator(".mod-snapshot").inner_text()
    await _tab_to(page, "")  # the reason field (a textarea shows no text)
    assert await page.evaluate("document.activeElement.id") == "reason"
    await page.keyboard.type("Werbung ist kein Verstoß")
    await _tab_to(page, "Abweisen")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/moderation/reports/1\?done=dismiss$"))
    assert await page.get_by_role("status").inner_text() == "Die Meldung wurde abgewiesen."
    await _shoot(page, "moderation-report-de")
    async with federation.db.read() as session:
        report = await session.get(Report, 1)
    assert report is not None and (report.state, report.outcome) == ("dismissed", "dismiss")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run `make browser` (npm ci)")
@pytest.mark.parametrize("language", ["de", "en"])
async def test_axe_finds_no_serious_violations_on_the_moderation_pages(
    site: Site, language: str
) -> None:
    page = await site.page(bypass_csp=True)  # only so axe itself can be injected
    await _log_in(page)
    found = {}
    for path in ("/moderation/reports", "/moderation/reports/1", "/moderation/domains",
                 "/moderation/accounts", "/moderation/coops", "/moderation/coops/fairbnb",
                 "/moderation/audit"):  # fmt: skip
        await page.goto(f"http://hub.test{path}?lang={language}")
        await page.add_script_tag(path=str(AXE))
        result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{item['id']}: {item['help']} ({len(item['nodes'])}x)"
            for item in result["violations"]
            if item["impact"] in {"serious", "critical"}
        ]
        if bad:
            found[path] = bad
        await _shoot(page, "moderation-" + path.strip("/").replace("/", "-") + f"-{language}")
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)

"""The dashboards in a real Chromium: a manager logs in, axe-core finds nothing serious, no CSP
complaint."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub.federation import Federation
from tests.apikit import PASSWORD
from tests.test_browser import ARTIFACTS, AXE, CHROMIUM, CHROMIUM_ARGS
from tests.test_dashboards import EDITOR, MANAGER, seeded  # noqa: F401 (the fixture)
from web.app import create_app

ADDRESS = "127.0.0.131"
PAGES = ((MANAGER, "/moderation/dashboard"), (EDITOR, "/account/coops/fairbnb/reach"))

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run `make browser` (npm ci)"),
]


@pytest.fixture
async def browser(federation: Federation, seeded: dict[str, Any]) -> AsyncIterator[Any]:  # noqa: F811
    """The seeded hub on 127.0.0.131 and a headless Chromium that reaches it as hub.test."""
    from playwright.async_api import async_playwright

    server = TestServer(create_app(federation), host=ADDRESS)
    await server.start_server()
    rules = f"MAP hub.test {ADDRESS}:{server.port}, MAP * ~NOTFOUND"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()
            await server.close()


async def _logged_in(browser: Any, email: str, bypass_csp: bool) -> Any:
    context = await browser.new_context(bypass_csp=bypass_csp, locale="de-DE")
    page = await context.new_page()
    await page.goto("http://hub.test/login")
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_url("http://hub.test/account")
    return page


@pytest.mark.parametrize("language", ["de", "en"])
async def test_dashboards_pass_axe_and_keep_the_csp(browser: Any, language: str) -> None:
    found, complaints = {}, []
    for email, path in PAGES:
        strict = await _logged_in(browser, email, bypass_csp=False)
        strict.on("console", lambda message: complaints.append(message.text))
        await strict.goto(f"http://hub.test{path}?lang={language}")
        assert await strict.locator("figure.chart svg").count() >= 2
        assert not [c for c in complaints if "Content Security Policy" in c], complaints
        page = await _logged_in(browser, email, bypass_csp=True)  # so axe can be injected
        await page.goto(f"http://hub.test{path}?lang={language}")
        await page.add_script_tag(path=str(AXE))
        result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{item['id']}: {item['help']}" for item in result["violations"]
               if item["impact"] in {"serious", "critical"}]  # fmt: skip
        if bad:
            found[path] = bad
        ARTIFACTS.mkdir(exist_ok=True)
        name = path.strip("/").replace("/", "-")
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{language}.png"), full_page=True)
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)

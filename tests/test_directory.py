"""The member directory: filters by sector, region and legal form, and a text search."""

from __future__ import annotations

import re
from typing import Any

from hub.actors.local import delete_coop
from hub.directory import DirectoryQuery, facets, search_members
from hub.store.db import Database
from tests.helpers import BROWSER_ACCEPT, make_coop


async def _members(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb", sector="Tourismus",
                    region="Bologna", legal_form="Coop", summary="Faires Reisen")  # fmt: skip
    await make_coop(db, settings, "polypoly", name="polypoly", sector="Daten",
                    region="Berlin", legal_form="SE")  # fmt: skip
    await make_coop(db, settings, "wechange", name="WECHANGE", sector="Software",
                    region="Berlin", legal_form="eG")  # fmt: skip
    await make_coop(db, settings, "percent", name="100% Coop", region="Hamburg")


async def _names(db: Database, query: DirectoryQuery) -> list[str]:
    async with db.read() as session:
        return [coop.username for coop in await search_members(session, query)]


async def test_filters_combine_and_search_reads_names_handles_and_summaries(
    db: Database, settings: Any
) -> None:
    await _members(db, settings)
    assert await _names(db, DirectoryQuery(region="Berlin")) == ["polypoly", "wechange"]
    assert await _names(db, DirectoryQuery(region="Berlin", legal_form="eG")) == ["wechange"]
    assert await _names(db, DirectoryQuery(text="reisen")) == ["fairbnb"]
    assert await _names(db, DirectoryQuery(text="WECH")) == ["wechange"]
    assert await _names(db, DirectoryQuery(text="100%")) == ["percent"]
    assert await _names(db, DirectoryQuery(text="%")) == ["percent"]  # % is no wildcard
    assert await _names(db, DirectoryQuery(sector="Nichts")) == []


async def test_filters_offer_the_values_of_live_coops_only(db: Database, settings: Any) -> None:
    await _members(db, settings)
    async with db.begin() as session:
        await delete_coop(session, "fairbnb")
    async with db.read() as session:
        offered = await facets(session)
    assert offered.sectors == ["Daten", "Software"]
    assert offered.regions == ["Berlin", "Hamburg"]
    assert offered.legal_forms == ["eG", "SE"]


async def test_directory_page_has_labelled_filters_and_keeps_the_choice(
    client: Any, db: Database, settings: Any
) -> None:
    await _members(db, settings)
    response = await client.get("/members?region=Berlin&q=poly", headers=BROWSER_ACCEPT)
    html = await response.text()
    assert response.status == 200
    assert re.findall(r'class="p-name u-url" href="[^"]+">([^<]+)</a>', html) == ["polypoly"]
    for control in ("q", "sector", "region", "legal_form"):
        assert f'<label for="{control}">' in html and f'id="{control}"' in html
    assert '<option value="Berlin" selected>Berlin</option>' in html
    assert 'value="poly"' in html
    assert "Daten · Berlin · SE" in html


async def test_directory_without_matches_says_so(client: Any, db: Database, settings: Any) -> None:
    await _members(db, settings)
    html = await (await client.get("/members?q=zzz", headers=BROWSER_ACCEPT)).text()
    assert "Kein Mitglied passt zu diesen Filtern." in html and "0 Mitglieder" in html

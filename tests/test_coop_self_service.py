"""Coop self-service on the web: compose a post with an image, edit the profile, team credit."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from hub import memberships
from hub.config import Settings
from hub.media import media_dir
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    LocalActor,
    MediaAttachment,
    OutgoingActivity,
    Post,
    Role,
    Visibility,
)
from tests.apikit import count, login, person_with_coop
from tests.federation_data import add_follower
from tests.helpers import AP_ACCEPT, csrf_field, make_coop
from tests.test_api_media import jpeg_with_exif, png

MIA = "mia@fairbnb.example"
PAGE = "/account/coops/fairbnb"
FOLLOWER = "http://remote.test/users/ada"


async def _open_page(client: Any, path: str = PAGE) -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return csrf_field(await response.text())


def _post_form(token: str | None, **values: Any) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if token is not None:
        form.add_field("csrf", token)
    image = values.pop("image", None)
    if image is not None:
        form.add_field("file", image, filename="bild.jpg", content_type="image/jpeg")
    for name, value in {"visibility": "public", "language": "de", **values}.items():
        form.add_field(name, value)
    return form


async def _nothing_stored(db: Database, settings: Settings) -> None:
    assert await count(db, Post) == 0
    assert await count(db, MediaAttachment) == 0
    assert await count(db, OutgoingActivity) == 0
    folder = media_dir(settings.data_dir)
    assert not folder.exists() or list(folder.iterdir()) == []


async def _fairbnb(db: Database) -> LocalActor:
    async with db.read() as session:
        query = select(LocalActor).filter_by(username="fairbnb")
        return (await session.execute(query)).scalar_one()


@pytest.fixture
async def mia(client: Any, db: Database, settings: Settings) -> int:
    """Mia, an editor of fairbnb, logged in; fairbnb has a follower. Returns her person id."""
    person, _ = await person_with_coop(db, settings, MIA, "fairbnb")
    await add_follower(db, "fairbnb", FOLLOWER)
    assert (await login(client, MIA)).status == 303
    return person.id


async def test_editor_posts_with_image_and_alt_text_and_it_federates_like_an_api_post(
    client: Any, db: Database, mia: int
) -> None:
    token = await _open_page(client)
    form = _post_form(
        token,
        status="Unser neues Büro #fairbnb",
        spoiler_text="Baustelle",
        image=jpeg_with_exif(),
        description="Sechs Leute vor einer grünen Tür",
    )
    response = await client.post(f"{PAGE}/posts", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == f"{PAGE}?done=posted"
    async with db.read() as session:
        post = (await session.execute(select(Post))).scalar_one()
        item = (await session.execute(select(MediaAttachment))).scalar_one()
    assert post.person_id == mia and post.summary == "Baustelle" and post.language == "de"
    assert post.visibility == Visibility.public and item.post_id == post.id
    assert post.attachments[0]["name"] == "Sechs Leute vor einer grünen Tür"
    assert await count(db, Delivery, Delivery.inbox_uri == f"{FOLLOWER}/inbox") == 1
    note = await (await client.get(f"/users/fairbnb/statuses/{post.id}", headers=AP_ACCEPT)).json()
    assert note["attachment"][0]["name"] == "Sechs Leute vor einer grünen Tür"
    assert note["sensitive"] is True and note["summary"] == "Baustelle"
    timeline = await (await client.get("/")).text()
    assert 'alt="Sechs Leute vor einer grünen Tür"' in timeline
    done = await (await client.get(f"{PAGE}?done=posted")).text()
    assert "Dein Beitrag ist veröffentlicht." in done


async def test_text_only_followers_post_is_published_for_followers(
    client: Any, db: Database, mia: int
) -> None:
    form = _post_form(await _open_page(client), status="Nur für euch", visibility="private")
    assert (await client.post(f"{PAGE}/posts", data=form, allow_redirects=False)).status == 303
    async with db.read() as session:
        post = (await session.execute(select(Post))).scalar_one()
    assert post.visibility == Visibility.private and post.attachments == []
    assert await count(db, Delivery) == 1


@pytest.mark.parametrize(
    ("values", "status", "line"),
    [
        ({"status": "Bild", "image": png(), "description": "  "}, 422, "Bildbeschreibung"),
        ({"status": "Bild", "image": b"%PDF-1.4 kein Bild", "description": "x"}, 422, "kein Bild"),
        ({"status": "x" * 5001}, 422, "länger als 5000 Zeichen"),
        ({"status": "Hallo", "language": "../../"}, 422, "kein Sprachcode"),
        ({"status": "Hallo", "visibility": "bogus"}, 422, "wer den Beitrag sehen kann"),
        ({"status": "   "}, 422, "keinen Text"),
        ({"status": "Riesig", "image": b"\xff" * (10 * 1024 * 1024 + 1), "description": "x"},
         413, "größer als 10 MB"),
    ],
)  # fmt: skip
async def test_bad_post_input_answers_one_line_and_stores_nothing(
    client: Any,
    db: Database,
    settings: Settings,
    mia: int,
    values: dict[str, Any],
    status: int,
    line: str,
) -> None:
    form = _post_form(await _open_page(client), **values)
    response = await client.post(f"{PAGE}/posts", data=form, allow_redirects=False)
    html = await response.text()
    assert response.status == status and line in html
    assert html.count('role="alert"') == (1 if status == 422 else 0)  # 413: the error page
    await _nothing_stored(db, settings)


async def test_posting_without_the_csrf_field_is_403_and_stores_nothing(
    client: Any, db: Database, settings: Settings, mia: int
) -> None:
    token = await _open_page(client)
    form = _post_form(None, status="Ohne Token", image=png(), description="Bild")
    assert (await client.post(f"{PAGE}/posts", data=form)).status == 403
    in_query = _post_form(None, status="Token im Link", image=png(), description="Bild")
    assert (await client.post(f"{PAGE}/posts?csrf={token}", data=in_query)).status == 403
    plain = await client.post(f"{PAGE}/posts", data={"status": "Ohne Token"})
    assert plain.status == 403
    await _nothing_stored(db, settings)


async def test_people_who_do_not_manage_the_coop_get_403(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    await person_with_coop(db, settings, "ela@smart.example", "smart")
    assert (await login(client, "ela@smart.example")).status == 303
    assert (await client.get(PAGE)).status == 403
    token = await _open_page(client, "/account/coops/smart")
    form = _post_form(token, status="Fremd")
    assert (await client.post(f"{PAGE}/posts", data=form)).status == 403
    profile = aiohttp.FormData({"csrf": token, "display_name": "Gekapert"})
    assert (await client.post(f"{PAGE}/profile", data=profile)).status == 403
    await _nothing_stored(db, settings)
    coop = await _fairbnb(db)
    assert coop.name == "Fairbnb"


async def test_visitors_are_sent_to_the_login_and_cannot_post(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await client.get(PAGE, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?next=")
    token = csrf_field(await (await client.get("/login")).text())
    assert (await client.post(f"{PAGE}/posts", data=_post_form(token, status="x"))).status == 401
    await _nothing_stored(db, settings)


async def test_profile_edit_changes_the_actor_and_sends_an_update_to_followers(
    client: Any, db: Database, mia: int
) -> None:
    form = aiohttp.FormData()
    form.add_field("csrf", await _open_page(client))
    form.add_field("display_name", "Fairbnb eG")
    form.add_field("note", "Faires **Reisen**")
    avatar = jpeg_with_exif((800, 600))
    form.add_field("avatar", avatar, filename="a.jpg", content_type="image/jpeg")
    form.add_field("header", b"", filename="", content_type="application/octet-stream")
    form.add_field("fields_attributes[0][name]", "Satzung")
    form.add_field("fields_attributes[0][value]", "https://fairbnb.example/satzung")
    for index in (1, 2, 3):
        form.add_field(f"fields_attributes[{index}][name]", "")
        form.add_field(f"fields_attributes[{index}][value]", "")
    response = await client.post(f"{PAGE}/profile", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    coop = await _fairbnb(db)
    async with db.read() as session:
        sent = (await session.execute(select(OutgoingActivity.ap_json))).scalars().all()
    assert coop.name == "Fairbnb eG" and coop.summary == "Faires **Reisen**"
    assert coop.fields == [["Satzung", "https://fairbnb.example/satzung"]]
    assert coop.avatar_file is not None and coop.header_file is None
    update = next(activity for activity in sent if activity["type"] == "Update")
    assert update["object"]["name"] == "Fairbnb eG"
    assert await count(db, Delivery, Delivery.inbox_uri == f"{FOLLOWER}/inbox") == 1
    page = await (await client.get(PAGE)).text()
    assert 'value="Satzung"' in page and 'value="Fairbnb eG"' in page


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"display_name": "  "}, "Bitte gib den Namen der Coop an."),
        ({"display_name": "x" * 101}, "länger als 100 Zeichen"),
        ({"display_name": "Fairbnb", "fields_attributes[0][value]": "ohne Bezeichnung"},
         "Jedes Profilfeld"),
    ],
)  # fmt: skip
async def test_bad_profile_input_is_422_with_one_line_and_changes_nothing(
    client: Any, db: Database, mia: int, values: dict[str, str], line: str
) -> None:
    form = aiohttp.FormData({"csrf": await _open_page(client), **values})
    response = await client.post(f"{PAGE}/profile", data=form)
    html = await response.text()
    assert response.status == 422 and html.count('role="alert"') == 1 and line in html
    coop = await _fairbnb(db)
    assert coop.name == "Fairbnb" and coop.fields == []
    assert await count(db, OutgoingActivity) == 0


async def test_a_bad_avatar_is_422_and_changes_nothing(
    client: Any, db: Database, settings: Settings, mia: int
) -> None:
    form = aiohttp.FormData()
    form.add_field("csrf", await _open_page(client))
    form.add_field("display_name", "Neuer Name")
    form.add_field("avatar", b"GIF89a kaputt", filename="a.gif", content_type="image/gif")
    response = await client.post(f"{PAGE}/profile", data=form)
    assert response.status == 422 and "kein Bild" in await response.text()
    await _nothing_stored(db, settings)
    coop = await _fairbnb(db)
    assert coop.name == "Fairbnb"


async def test_owners_see_who_posted_editors_visitors_and_the_fediverse_do_not(
    client: Any, db: Database, settings: Settings, mia: int
) -> None:
    form = _post_form(await _open_page(client), status="Von Mia")
    assert (await client.post(f"{PAGE}/posts", data=form, allow_redirects=False)).status == 303
    async with db.read() as session:
        post = (await session.execute(select(Post))).scalar_one()
        sent = (await session.execute(select(OutgoingActivity.ap_json))).scalars().all()
    post_page = f"/users/fairbnb/statuses/{post.id}"
    editor_view = await (await client.get(PAGE)).text()
    assert "Von Mia" in editor_view and MIA not in editor_view
    assert MIA not in await (await client.get(post_page)).text()
    owner, _ = await person_with_coop(db, settings, "olga@fairbnb.example", "otherco", Role.owner)
    async with db.begin() as session:
        await memberships.grant(session, owner, await session.merge(await _fairbnb(db)), Role.owner)
    assert (await login(client, "olga@fairbnb.example")).status == 303
    assert f"von {MIA}" in await (await client.get(PAGE)).text()
    owner_post_page = await client.get(post_page)
    assert f"von {MIA}" in await owner_post_page.text()
    assert "no-store" in owner_post_page.headers["Cache-Control"]
    account = await (await client.get("/account")).text()
    assert 'href="/account/coops/fairbnb"' in account and 'href="/account/coops/otherco"' in account
    note = await (await client.get(post_page, headers=AP_ACCEPT)).text()
    assert "Von Mia" in note and MIA not in note and "person" not in note
    assert all(MIA not in str(activity) for activity in sent)
    client.session.cookie_jar.clear()
    assert MIA not in await (await client.get(post_page)).text()

"""The catalogue's pages: the public list with search in any language, a standard in kk/ru/en, and the
admin's editor posting a new version and showing who changed what, and the authorised bodies' editor."""

from __future__ import annotations

import json

import httpx

from birtereze.catalog.models import Service
from tests.builders import World


async def test_the_catalogue_finds_a_service_in_any_language(
    client: httpx.AsyncClient, vehicle: Service
) -> None:
    for text in ("тіркеу", "транспортного", "Vehicle"):
        page = await client.get("/services", params={"q": text, "lang": "en"})
        assert page.status_code == 200 and "/services/00400001" in page.text, text
    empty = await client.get("/services", params={"q": "nothing like this", "situation": "family"})
    assert empty.status_code == 200 and "/services/00400001" not in empty.text


async def test_a_standard_reads_in_each_language(client: httpx.AsyncClient, vehicle: Service) -> None:
    for locale, word in (
        ("kk", "Көлік құралын тіркеу"),
        ("ru", "Регистрация транспортного средства"),
        ("en", "1 081"),
    ):
        page = await client.get("/services/00400001", params={"lang": locale})
        assert page.status_code == 200 and word in page.text, locale
    assert (await client.get("/services/99999999")).status_code == 404


async def test_the_admin_posts_a_new_version_from_the_editor(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    url = f"/admin/services/{vehicle.id}/standard"
    assert (await client.get(url)).status_code == 401
    token = world.tokens["admin"]
    editor = await client.get(url, params={"access_token": token, "lang": "en"})
    assert editor.status_code == 200 and "Record a new version" in editor.text
    standard = (await client.get(f"/api/v1/services/{vehicle.id}/standard")).json()
    body = {
        "authority_code": "MVD",
        "channels": ["centre", "portal"],
        "term_amount": 2,
        "term_unit": "working_days",
        "form": "paper",
        "result": standard["result"],
        "fee_kind": "mrp",
        "fee_mrp": 0.25,
        "form_schema": standard["form_schema"],
    }
    posted = await client.post(
        url,
        params={"access_token": token, "lang": "en"},
        data={"standard": json.dumps(body), "note": "Two days"},
    )
    assert posted.status_code == 303, posted.text
    current = (await client.get(f"/api/v1/services/{vehicle.id}/standard")).json()
    assert (
        current["version"] == 2
        and current["changed_by"] == world.staff["admin"]
        and current["note"] == "Two days"
    )
    wrong = await client.post(url, params={"access_token": token, "lang": "en"}, data={"standard": "{oops"})
    assert wrong.status_code == 400 and "not valid JSON" in wrong.text and "{oops" in wrong.text
    refused = await client.post(
        url,
        params={"access_token": token},
        data={"standard": json.dumps(body | {"authority_code": "NOBODY"})},
    )
    assert refused.status_code == 400 and "NOBODY" in refused.text
    operator = await client.get(url, params={"access_token": world.tokens["operator"]})
    assert operator.status_code == 403
    # The history says who changed what.
    editor = await client.get(url, params={"access_token": token, "lang": "en"})
    history = editor.text[editor.text.index("What changed") :]
    assert "Admin" in history and "<code>term_amount</code>" in history and "first version" in history


async def test_the_admin_adds_and_changes_authorised_bodies(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    url = "/admin/authorities"
    token = world.tokens["admin"]
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, params={"access_token": world.tokens["manager"]})).status_code == 403
    page = await client.get(url, params={"access_token": token, "lang": "en"})
    assert page.status_code == 200 and 'id="MVD"' in page.text
    names = {"name_kk": "Сот органы", "name_ru": "Судебный орган", "name_en": "Courts"}
    added = await client.post(
        url, params={"access_token": token, "lang": "en"}, data={"code": "courts", **names}
    )
    assert added.status_code == 303 and "saved=COURTS" in added.headers["location"]
    page = await client.get(url, params={"access_token": token, "lang": "en", "saved": "COURTS"})
    assert "Saved: COURTS." in page.text and 'value="Судебный орган"' in page.text
    # The form to add a body never changes one that has the code already.
    again = await client.post(
        url,
        params={"access_token": token, "lang": "en"},
        data={"code": "MVD", "new": "1", "active": "on", **names},
    )
    assert again.status_code == 400 and "already exists" in again.text
    bodies = {a["code"]: a for a in (await client.get("/api/v1/authorities")).json()}
    assert bodies["MVD"]["name"]["ru"] != "Судебный орган"
    # Turning off the body of a standard in force is refused; a wrong code keeps what was typed.
    refused = await client.post(
        url, params={"access_token": token, "lang": "en"}, data={"code": "MVD", **names}
    )
    assert refused.status_code == 400 and "before turning it off" in refused.text
    # … shown in the body's own form, with what was typed in it, the form to add one left empty.
    mvd = refused.text[refused.text.index('id="MVD"') :]
    assert 'aria-describedby="error"' in mvd[: mvd.index("</form>")] and 'value="Судебный орган"' in mvd
    assert (
        'id="new-code" name="code" maxlength="32" required autocapitalize="characters" value=""'
        in refused.text
    )
    wrong = await client.post(
        url, params={"access_token": token, "lang": "ru"}, data={"code": "1X", **names, "name_en": ""}
    )
    assert (
        wrong.status_code == 400 and "заглавных латинских букв" in wrong.text and 'value="1X"' in wrong.text
    )

"""The phone app shell over HTTP: the manifest in the page's language, the service worker's script and
headers (every file of its offline shell served), the offline page in three languages, and the shell
linked from the citizen pages only."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.builders import World


async def test_the_manifest_names_the_app_in_the_pages_language(client: httpx.AsyncClient) -> None:
    answer = await client.get("/manifest.webmanifest", params={"lang": "ru"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    assert manifest["name"] == "Birtereze: центры обслуживания населения"
    assert manifest["lang"] == "ru" and manifest["short_name"] == "Birtereze"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/me?lang=ru",
        "/",
        "standalone",
    )
    assert manifest["theme_color"] == "#00465f" and manifest["background_color"] == "#ffffff"
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    for src in icons.values():
        image = await client.get(src)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    kazakh = (await client.get("/manifest.webmanifest")).json()  # no language asked: Kazakh
    assert kazakh["lang"] == "kk" and kazakh["name"] == "Birtereze: халыққа қызмет көрсету орталықтары"


async def test_the_service_worker_is_served_from_the_root_and_its_shell_exists(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/javascript")
    assert answer.headers["service-worker-allowed"] == "/"
    assert answer.headers["cache-control"] == "no-cache"
    match = re.match(r"const BIRTEREZE = (\{.*\});\n", answer.text)
    assert match is not None
    settings = json.loads(match.group(1))
    assert settings["offline"] == "/offline" and settings["languages"] == ["kk", "ru", "en"]
    assert "/offline?lang=kk" in settings["shell"] and "/static/js/push.js" in settings["shell"]
    assert "/static/icons/icon-192.png" in settings["shell"]
    for url in settings["shell"]:  # cache.addAll fails as a whole if one is missing
        assert (await client.get(url)).status_code == 200, url
    assert not any("/api/" in url for url in settings["shell"])
    for handler in ('"install"', '"fetch"', '"push"', '"notificationclick"'):
        assert f"addEventListener({handler}" in answer.text


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("kk", "Сіз желіден тыссыз"), ("ru", "Нет подключения к сети"), ("en", "You are offline")],
)
async def test_the_offline_page_speaks_each_language(
    client: httpx.AsyncClient, lang: str, heading: str
) -> None:
    answer = await client.get("/offline", params={"lang": lang})
    assert answer.status_code == 200
    assert f'<h1 class="page__title">{heading}</h1>' in answer.text
    assert 'rel="manifest"' in answer.text


async def test_the_shell_is_linked_from_citizen_pages_only(client: httpx.AsyncClient, world: World) -> None:
    sign_in = await client.get("/me/sign-in", params={"lang": "en"})
    assert 'rel="manifest" href="/manifest.webmanifest?lang=en"' in sign_in.text
    assert 'src="/static/js/pwa.js" data-sw="/sw.js"' in sign_in.text
    branch, manager = world.branch.id, world.tokens["manager"]
    for staff_or_hall in (
        "/console",
        f"/stand/{branch}",
        f"/manage/{branch}?access_token={manager}",
    ):
        page = await client.get(staff_or_hall)
        assert page.status_code == 200, staff_or_hall
        assert 'rel="manifest"' not in page.text and "pwa.js" not in page.text, staff_or_hall

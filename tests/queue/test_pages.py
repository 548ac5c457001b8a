"""The citizen's ticket page (``/t/{token}``, the address in the ticket's QR code) over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from birtereze.core import security
from birtereze.core.clock import ManualClock
from birtereze.queue import printing
from tests.builders import World


async def take_ticket(
    client: httpx.AsyncClient, world: World, service: str = "certificate"
) -> dict[str, object]:
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services[service].id},
        headers=world.auth("kiosk"),
    )
    assert response.status_code == 201, response.text
    issued: dict[str, object] = response.json()
    return issued


def page_path(issued: dict[str, object]) -> str:
    return urlparse(str(issued["status_url"])).path


def text_of(html: str) -> str:
    """The page's words, without markup, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def figure(html: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", html, re.S)
    assert match, f"no figure {label!r}"
    return match.group(1)


async def open_window(client: httpx.AsyncClient, world: World, number: int) -> str:
    window = f"/api/v1/windows/{world.windows[number].id}"
    response = await client.post(
        f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=world.auth("operator")
    )
    assert response.status_code == 200, response.text
    return window


async def test_it_points_the_ticket_at_its_page_and_keeps_the_json_status(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await take_ticket(client, world)
    assert page_path(issued) == f"/t/{issued['status_token']}"
    status = await client.get(f"/api/v1/ticket-status/{issued['status_token']}")
    assert status.status_code == 200 and status.json()["number"] == "A001"


async def test_it_shows_a_waiting_ticket_in_kazakh_by_default(
    client: httpx.AsyncClient, world: World
) -> None:
    await take_ticket(client, world)
    issued = await take_ticket(client, world)
    response = await client.get(page_path(issued))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "kk"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    assert '<html lang="kk">' in html
    words = text_of(html)
    assert "Сіздің талоныңыз A002" in words
    assert "Кезегіңізді күтіңіз" in words
    assert "Certificate (kk)" in words and "General (kk)" in words
    assert "A PSC" not in words and "A ХҚО" in words
    assert figure(html, "Алдыңыздағы адамдар") == "1"
    # No window open and no history: (one ahead + the ticket's own turn) × 10 minutes.
    assert figure(html, "Болжамды күту уақыты") == "шамамен 20 мин"
    assert "Талоннан бас тарту" in words


async def test_it_speaks_the_language_asked_for(client: httpx.AsyncClient, world: World) -> None:
    path = page_path(await take_ticket(client, world))
    russian = await client.get(path, params={"lang": "ru"})
    assert '<html lang="ru">' in russian.text
    assert "Ваш талон A001" in text_of(russian.text) and "Certificate (ru)" in russian.text
    assert "Следующим вызовут вас" in text_of(russian.text)
    assert figure(russian.text, "Человек перед вами") == "0"
    english = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"})
    assert '<html lang="en">' in english.text
    assert "Your ticket A001" in text_of(english.text) and "You are next" in english.text
    # An unknown ?lang= is ignored, not an error: the browser's language applies.
    fallback = await client.get(path, params={"lang": "de"}, headers={"Accept-Language": "ru"})
    assert fallback.status_code == 200 and '<html lang="ru">' in fallback.text
    # The language switch keeps the page and changes only the language.
    assert f'href="{path}?lang=en"' in russian.text and 'aria-current="true">Русский' in russian.text


async def test_it_matches_the_json_status_on_people_ahead_and_wait(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(3):
        await take_ticket(client, world)
    issued = await take_ticket(client, world)
    status = (await client.get(f"/api/v1/ticket-status/{issued['status_token']}")).json()
    html = (await client.get(page_path(issued), params={"lang": "en"})).text
    assert figure(html, "People ahead of you") == str(status["people_ahead"]) == "3"
    assert figure(html, "Estimated wait") == f"about {status['estimated_wait_s'] // 60} min" == "about 40 min"


async def test_it_tells_a_called_citizen_which_window_to_go_to(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await take_ticket(client, world)
    window = await open_window(client, world, 2)
    called = await client.post(f"{window}/call-next", headers=world.auth("operator"))
    assert called.json()["visit"]["number"] == "A001"
    kazakh = await client.get(page_path(issued))
    assert "2-терезеге өтіңіз" in text_of(kazakh.text) and "Талоныңыз шақырылды" in kazakh.text
    english = await client.get(page_path(issued), params={"lang": "en"})
    assert "Please go to window 2" in text_of(english.text)
    assert '<section id="ticket-cancel" class="cancel" hidden>' in english.text
    await client.post(f"{window}/confirm", headers=world.auth("operator"))
    serving = await client.get(page_path(issued), params={"lang": "ru"})
    assert "Вас обслуживают в окне 2" in text_of(serving.text)


async def test_it_serves_the_changing_part_for_the_page_to_poll(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await take_ticket(client, world)
    live = await client.get(f"{page_path(issued)}/live", params={"lang": "en"})
    assert live.status_code == 200 and "<html" not in live.text
    assert 'data-status="waiting"' in live.text and "You are next" in live.text
    key = re.search(r'data-key="([^"]+)"', live.text)
    window = await open_window(client, world, 3)
    await client.post(f"{window}/call-next", headers=world.auth("operator"))
    after = await client.get(f"{page_path(issued)}/live", params={"lang": "en"})
    assert 'data-status="called"' in after.text and "Please go to window 3" in after.text
    assert key and f'data-key="{key.group(1)}"' not in after.text
    assert 'data-title="A001 · Please go to window 3"' in after.text


async def test_it_says_when_a_delayed_transfer_returns_in_local_time(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await take_ticket(client, world)
    window = await open_window(client, world, 2)
    await client.post(f"{window}/call-next", headers=world.auth("operator"))
    await client.post(f"{window}/confirm", headers=world.auth("operator"))
    moved = await client.post(
        f"{window}/transfer",
        json={"queue_id": world.queues["B"].id, "delay_s": 600},
        headers=world.auth("operator"),
    )
    assert moved.status_code == 200, moved.text
    html = (await client.get(page_path(issued), params={"lang": "en"})).text
    # The tests' clock stands at 10:00 in Almaty; the ticket returns ten minutes later, local time.
    assert "Back in the queue at 10:10" in html and "Social" in html


async def test_it_cancels_a_waiting_ticket_when_the_citizen_confirms(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await take_ticket(client, world)
    path = page_path(issued)
    page = await client.get(path, params={"lang": "en"})
    assert f'action="{path}/cancel?lang=en"' in page.text and 'method="post"' in page.text
    assert "Are you sure? Your place in the queue will be lost." in page.text
    cancelled = await client.post(f"{path}/cancel", params={"lang": "en"})
    assert cancelled.status_code == 303 and cancelled.headers["location"] == f"{path}?lang=en"
    after = await client.get(cancelled.headers["location"])
    assert "This ticket has been cancelled." in after.text
    assert "data-final" in after.text and "Cancel my ticket" in after.text
    assert '<section id="ticket-cancel" class="cancel" hidden>' in after.text
    status = await client.get(f"/api/v1/ticket-status/{issued['status_token']}")
    assert status.json()["status"] == "cancelled"
    again = await client.post(f"{path}/cancel", params={"lang": "ru"})
    assert again.status_code == 409 and "От этого талона уже нельзя отказаться." in again.text
    assert "Этот талон отменён." in again.text


async def test_it_answers_a_bad_link_with_a_friendly_page(client: httpx.AsyncClient, world: World) -> None:
    forged = security.sign_ticket("another-secret", 1, datetime.now(UTC))
    missing = security.sign_ticket("test-secret", 987654, datetime.now(UTC))
    for token in ("not-a-token", forged, missing):
        for suffix in ("", "/live"):
            response = await client.get(f"/t/{token}{suffix}", params={"lang": "ru"})
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("text/html")
            assert "Талон не найден" in response.text
            assert "Ссылка на талон недействительна или устарела." in response.text
    english = await client.post("/t/not-a-token/cancel", headers={"Accept-Language": "en"})
    assert english.status_code == 404 and "Ticket not found" in english.text


async def test_it_serves_the_pages_static_files(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/css/birtereze.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = await client.get("/static/js/ticket-status.js")
    assert script.status_code == 200 and "ticket-live" in script.text


async def test_it_gives_the_ticket_as_an_80_mm_pdf(client: httpx.AsyncClient, world: World) -> None:
    path = page_path(await take_ticket(client, world))
    pdf = await client.get(f"{path}/ticket.pdf", params={"lang": "ru"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and b"/MediaBox [0 0 226.77" in pdf.content
    assert (await client.get("/t/not-a-token/ticket.pdf")).status_code == 404


async def test_without_fonts_the_pdf_is_a_clear_503(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(printing, "FONT_DIR", Path("/nonexistent"))
    path = page_path(await take_ticket(client, world))
    refused = await client.get(f"{path}/ticket.pdf", headers={"Accept-Language": "ru"})
    assert refused.status_code == 503 and refused.json()["code"] == "fonts_missing"
    assert "шрифтов" in refused.json()["detail"]


async def test_the_board_starts_from_the_calls_on_now_latest_first(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await take_ticket(client, world)
    await take_ticket(client, world)
    first = await open_window(client, world, 2)
    assert (await client.post(f"{first}/call-next", headers=world.auth("operator"))).status_code == 200
    clock.advance(30)
    second = await client.post(
        f"/api/v1/windows/{world.windows[3].id}/open",
        json={"work_profile_id": world.profiles["all"].id},
        headers=world.auth("operator2"),
    )
    assert second.status_code == 200
    called = await client.post(
        f"/api/v1/windows/{world.windows[3].id}/call-next", headers=world.auth("operator2")
    )
    assert called.status_code == 200
    board = await client.get(f"/board/{world.branch.id}", params={"access_token": world.tokens["kiosk"]})
    assert board.status_code == 200
    rows = re.findall(r'<tr data-number="([^"]+)" data-window="(\d+)">', board.text)
    assert rows == [("A002", "3"), ("A001", "2")]


async def test_a_zones_board_shows_its_own_windows_and_queues(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("manager")
    names = {"kk": "Жайлы (kk)", "ru": "Комфорт (ru)", "en": "Comfort"}
    zone = (
        await client.post(
            f"/api/v1/branches/{world.branch.id}/zones", json={"code": "comfort", "name": names}, headers=auth
        )
    ).json()
    await client.post(
        f"/api/v1/branches/{world.branch.id}/windows", json={"number": 4, "zone_id": zone["id"]}, headers=auth
    )
    await take_ticket(client, world)
    window = await open_window(client, world, 2)  # a window of the reception zone
    assert (await client.post(f"{window}/call-next", headers=world.auth("operator"))).status_code == 200
    kiosk = {"access_token": world.tokens["kiosk"], "lang": "en"}
    hall = await client.get(f"/board/{world.branch.id}", params=kiosk)
    comfort = await client.get(f"/board/{world.branch.id}", params={**kiosk, "zone": zone["id"]})
    assert re.findall(r'<tr data-number="([^"]+)"', hall.text) == ["A001"]
    assert comfort.status_code == 200
    assert re.findall(r'<tr data-number="([^"]+)"', comfort.text) == []  # window 2 is not the zone's
    assert 'data-windows="4"' in comfort.text and "· Comfort</h1>" in comfort.text
    assert 'data-prefix="A"' in hall.text and 'data-prefix="A"' not in comfort.text  # its queues only
    queues = await client.get(f"/board/{world.branch.id}/queues", params={**kiosk, "zone": zone["id"]})
    assert queues.status_code == 200 and "data-prefix" not in queues.text
    elsewhere = await client.get(f"/board/{world.branch.id}", params={**kiosk, "zone": 10**6})
    assert elsewhere.status_code == 404

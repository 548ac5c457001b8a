"""The least crowded centre near a citizen: the arithmetic, and the API on live loads."""

from __future__ import annotations

import httpx
import pytest

from birtereze.branches import finder
from tests.builders import World
from tests.queue.test_pages import take_ticket

ALMATY = (43.2389, 76.8897)
ASTANA = (51.1694, 71.4491)


def test_it_measures_great_circle_distances() -> None:
    assert finder.distance_km(*ALMATY, *ALMATY) == 0.0
    assert 960 < finder.distance_km(*ALMATY, *ASTANA) < 980  # about 970 km as the crow flies


def test_it_prefers_the_shortest_total_time_and_says_why() -> None:
    near = finder.Option(finder.Centre(1, "Near", *ALMATY), 1.0, finder.travel_s(1.0), wait_s=40 * 60)
    farther = finder.Option(finder.Centre(2, "Farther", *ALMATY), 4.0, finder.travel_s(4.0), wait_s=5 * 60)
    chosen = finder.best([near, farther])
    assert chosen is farther
    text = finder.reason(farther, [near, farther], "en")
    assert text.startswith("Farther: about 17 min to get there and 5 min of waiting — 22 min in all.")
    assert "26 min sooner than the nearest centre, Near, where the queue is longer." in text
    alone = finder.reason(near, [near], "ru")
    assert alone.endswith("Это также ближайший центр.")


def test_equal_totals_go_to_the_nearer() -> None:
    a = finder.Option(finder.Centre(1, "A", *ALMATY), 2.0, 600, wait_s=600)
    b = finder.Option(finder.Centre(2, "B", *ALMATY), 3.0, 600, wait_s=600)
    assert finder.best([b, a]) is a and finder.best([]) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_api_recommends_the_quieter_centre_a_little_further(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    # Centre A next to the citizen, with a queue and no window open; centre B 3 km away, empty.
    for branch, (lat, lon) in ((world.branch, (43.2389, 76.8897)), (world.other_branch, (43.2389, 76.9267))):
        patched = await client.patch(
            f"/api/v1/branches/{branch.id}", json={"latitude": lat, "longitude": lon}, headers=admin
        )
        assert patched.status_code == 200, patched.text
    for _ in range(6):
        await take_ticket(client, world)
    service = world.services["certificate"].id
    answer = await client.get(
        "/api/v1/nearby-branches",
        params={"lat": 43.2390, "lon": 76.8900, "service_id": service, "lang": "en"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [b["code"] for b in body["branches"]] == ["A", "B"]  # nearest first
    near, far = body["branches"]
    assert near["estimated_wait_s"] > far["estimated_wait_s"]  # six waiting at A, nobody at B
    assert body["recommended"] == world.other_branch.id
    assert body["reason"].startswith("B PSC: about")
    assert "sooner than the nearest centre, A PSC" in body["reason"]
    # A service that only A offers: B is left out, and A is the answer.
    only_a = await client.get(
        "/api/v1/nearby-branches",
        params={"lat": 43.2390, "lon": 76.8900, "service_id": world.services["benefit"].id},
    )
    assert [b["code"] for b in only_a.json()["branches"]] == ["A"]
    # Far from every centre: nothing near.
    nowhere = await client.get("/api/v1/nearby-branches", params={"lat": 51.17, "lon": 71.45})
    assert nowhere.json() == {"branches": [], "recommended": None, "reason": None}
    refused = await client.get("/api/v1/nearby-branches", params={"lat": 100, "lon": 0})
    assert refused.status_code == 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_finder_page_lists_the_centres_with_their_hours(
    client: httpx.AsyncClient, world: World
) -> None:
    page = await client.get("/branches", params={"lang": "ru"})
    assert page.status_code == 200
    assert '<html lang="ru">' in page.text
    assert "ЦОН A" in page.text and "ЦОН B" in page.text
    assert "Сейчас открыто" in page.text and "Сегодня 09:00–20:00" in page.text
    assert f'<option value="{world.services["certificate"].id}">Certificate (ru)</option>' in page.text

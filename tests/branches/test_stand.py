"""The centre's information stand (``/stand/{branch_id}``) over HTTP, on SQLite and PostgreSQL: Kazakh
and Russian side by side (English beside Kazakh on request), the services with their standards, the
hours, today's substitution scheme from the stored roster, and the video-surveillance notice by the
centre's flag."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from birtereze.branches.models import Window
from birtereze.catalog.models import Service
from birtereze.core.clock import ManualClock
from birtereze.core.i18n import gettext
from birtereze.staffing.models import RosterShift
from tests.builders import World
from tests.conftest import ALMATY, Database
from tests.staffing.history import NEXT_MONDAY, add_history


def text_of(html: str) -> str:
    """The page's words, without markup, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_of(html: str, label: str) -> str:
    """The words of the table row whose text holds ``label``."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S):
        if label in text_of(row):
            return text_of(row)
    raise AssertionError(f"no row with {label!r}")


async def stand(client: httpx.AsyncClient, world: World, **params: str) -> str:
    response = await client.get(f"/stand/{world.branch.id}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    return response.text


async def test_it_shows_the_stand_in_kazakh_and_russian_side_by_side(
    client: httpx.AsyncClient, world: World
) -> None:
    html = await stand(client, world)
    words = text_of(html)
    assert '<html lang="kk">' in html and "<script>" not in html and "style=" not in html
    assert "A ХҚО" in words and "ЦОН A" in words and "A PSC" not in words
    # Every section heading in Kazakh, then Russian.
    for heading in (
        "Opening hours",
        "Services and their standards",
        "Workplace substitution scheme",
        "Rules for visitors",
        "Video surveillance",
    ):
        kk, ru = gettext(heading, "kk"), gettext(heading, "ru")
        assert kk != heading and ru != heading
        assert f"{kk} {ru}" in words, heading
    # The hours: Monday to Saturday 09:00–20:00, Sunday a day off; today (Friday) marked.
    assert row_of(html, "Дүйсенбі") == "Дүйсенбі Понедельник 09:00–20:00"
    assert (
        row_of(html, "Жексенбі")
        == f"Жексенбі Воскресенье {gettext('Day off', 'kk')} {gettext('Day off', 'ru')}"
    )
    assert re.search(r'<tr class="stand__today">\s*<th scope="row">[^<]*<span[^>]*lang="kk">Жұма', html)
    # The rules, as two lists: one in each language.
    assert len(re.findall(r'<ol class="stand__rules bi--\d" lang="(kk|ru)">', html)) == 2
    assert gettext("Smoking and drinking alcohol are not allowed in the centre.", "kk") in words
    assert gettext("Smoking and drinking alcohol are not allowed in the centre.", "ru") in words
    # No roster for this week yet: said plainly.
    assert 'id="stand-no-roster"' in html
    assert (
        gettext("No roster has been made for this week yet. Please ask the administrator in the hall.", "ru")
        in words
    )


async def test_it_lists_the_services_with_their_standards(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    async with db.sessions() as session:
        benefit = await session.get(Service, world.services["benefit"].id)
        assert benefit is not None
        benefit.max_wait_s, benefit.max_service_s, benefit.life_situation = 10 * 60, 25 * 60, "family"
        await session.commit()
    html = await stand(client, world)
    # The catalogue's norm where it has one, the branch's (15 min) where it does not.
    assert row_of(html, "Benefit (kk)") == "Benefit (kk) Benefit (ru) 10000002 10 мин 25 мин"
    assert row_of(html, "Certificate (kk)") == "Certificate (kk) Certificate (ru) 10000001 15 мин 15 мин"
    assert "Consultation (ru)" in text_of(html)
    # Grouped by life situation, named in both languages; a service without one is under "other".
    family = row_of(html, gettext("Family and children", "kk"))
    assert gettext("Family and children", "ru") in family
    assert gettext("Other services", "kk") in text_of(html)
    assert (
        html.index("Benefit (kk)")
        < html.index(gettext("Other services", "kk"))
        < html.index("Certificate (kk)")
    )


async def test_it_posts_the_coming_special_days(client: httpx.AsyncClient, world: World) -> None:
    branch = f"/api/v1/branches/{world.branch.id}"
    for body in (
        {"day": "2026-12-16", "kind": "holiday", "note": "Тәуелсіздік күні"},
        {"day": "2026-12-15", "kind": "exception", "opens": "10:00", "closes": "16:00"},
        {"day": "2026-11-20", "kind": "holiday"},  # past: not posted
    ):
        response = await client.post(f"{branch}/special-days", json=body, headers=world.auth("manager"))
        assert response.status_code == 201, response.text
    html = await stand(client, world)
    assert (
        row_of(html, "16.12.2026")
        == f"16.12.2026 {gettext('Closed', 'kk')} {gettext('Closed', 'ru')} Тәуелсіздік күні"
    )
    assert row_of(html, "15.12.2026") == "15.12.2026 10:00–16:00"
    assert "20.11.2026" not in html


async def test_it_shows_the_surveillance_notice_by_the_centres_flag(
    client: httpx.AsyncClient, world: World
) -> None:
    notice = "Video surveillance is in operation in this centre."
    html = await stand(client, world)
    assert 'id="stand-surveillance"' in html
    assert gettext(
        "Video surveillance is in operation in this centre. The recordings protect visitors and staff and "
        "are used only as the law provides.",
        "kk",
    ) in text_of(html)

    branch = f"/api/v1/branches/{world.branch.id}"
    assert (await client.get(branch)).json()["video_surveillance"] is True
    refused = await client.patch(branch, json={"video_surveillance": False}, headers=world.auth("operator"))
    assert refused.status_code == 403
    changed = await client.patch(branch, json={"video_surveillance": False}, headers=world.auth("manager"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["video_surveillance"] is False
    html = await stand(client, world, lang="en")
    assert 'id="stand-surveillance"' not in html and notice not in html

    # Another change to the branch leaves the flag as it is.
    kept = await client.patch(branch, json={"phone": "+7 7252 000000"}, headers=world.auth("manager"))
    assert kept.json()["video_surveillance"] is False
    back = await client.patch(branch, json={"video_surveillance": True}, headers=world.auth("manager"))
    assert back.json()["video_surveillance"] is True
    assert 'id="stand-surveillance"' in await stand(client, world)


async def test_it_shows_english_beside_kazakh_on_request(client: httpx.AsyncClient, world: World) -> None:
    html = await stand(client, world, lang="en")
    words = text_of(html)
    assert f"{gettext('Opening hours', 'kk')} Opening hours" in words
    assert "Rules for visitors" in words and "Wait for your number on the display board" in words
    assert gettext("Opening hours", "ru") not in words and "ЦОН A" not in words
    assert "A ХҚО" in words and "A PSC" in words
    assert 'hreflang="en" aria-current="true"' in html
    # Russian is the default companion whatever the browser asks for.
    response = await client.get(f"/stand/{world.branch.id}", headers={"Accept-Language": "en"})
    assert gettext("Opening hours", "ru") in text_of(response.text)


async def test_it_answers_404_for_an_unknown_centre(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/stand/999999", params={"lang": "ru"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert gettext("Centre not found", "ru") in response.text


async def roster(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/roster",
        json={"week": NEXT_MONDAY.isoformat(), "time_limit_s": 3},
        headers=world.auth("manager"),
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def test_it_posts_todays_substitution_scheme_from_the_weeks_roster(
    client: httpx.AsyncClient, world: World, db: Database, clock: ManualClock
) -> None:
    await add_history(db, world)
    made = await roster(client, world)
    # The roster numbers the zone's windows 1, 2, 3; the hall knows them as 11, 12, 13. And one shift of
    # the day is a long one, with a lunch (the solver's shifts for this small need are short).
    async with db.sessions() as session:
        last = max(
            (await session.execute(select(RosterShift).where(RosterShift.day == 0))).scalars(),
            key=lambda row: (row.starts, row.staff_id),
        )
        last.starts, last.ends, last.lunch_starts, last.lunch_ends = 10 * 60, 19 * 60, 12 * 60, 13 * 60
        for number in (3, 2, 1):
            window = await session.get(Window, world.windows[number].id)
            assert window is not None
            window.number = number + 10
            await session.flush()
        await session.commit()
    # Monday of the roster's week: today's seats, lunch reliefs and replacements, by the people's names.
    clock.set(datetime.combine(NEXT_MONDAY, datetime.min.time(), ALMATY) + timedelta(hours=8))
    html = await stand(client, world)
    words = text_of(html)
    assert 'id="stand-no-roster"' not in html
    assert "30.11.2026" in words
    names = {person["id"]: person["full_name"] for person in made["staff"]}
    made = (
        await client.get(
            f"/api/v1/branches/{world.branch.id}/roster",
            params={"week": NEXT_MONDAY.isoformat()},
            headers=world.auth("manager"),
        )
    ).json()
    assert [s for s in made["shifts"] if s["lunch_start"] == "12:00" and s["day"] == NEXT_MONDAY.isoformat()]
    today = [s for s in made["shifts"] if s["day"] == NEXT_MONDAY.isoformat()]
    assert today
    scheme = html.split('id="stand-scheme"')[1].split("</section>")[0]
    rows = [text_of(row) for row in re.findall(r"<tr>.*?</tr>", scheme.split("<tbody>")[1], re.S)]
    assert len(rows) == len(today)  # the staff off today are not seated
    for shift in today:
        seat = f"{shift['window'] + 10} {names[shift['staff_id']]} {shift['start']}–{shift['end']} "
        line = next(row for row in rows if row.startswith(seat))
        replacement = next(
            r
            for r in made["replacements"]
            if r["day"] == shift["day"] and r["absent_staff_id"] == shift["staff_id"]
        )
        others = " ".join(names[p] for p in replacement["replacement_staff_ids"])
        assert line.endswith(others)
        if shift["lunch_start"]:
            relief = next(
                r
                for r in made["lunch_reliefs"]
                if r["day"] == shift["day"] and r["staff_id"] == shift["staff_id"]
            )
            covered = (
                names[relief["relief_staff_id"]]
                if relief["relief_staff_id"]
                else " ".join(gettext("the window closes for the hour", lang) for lang in ("kk", "ru"))
            )
            assert f"{shift['lunch_start']}–{shift['lunch_end']} → {covered}" in line
    # Sunday: the roster has nobody on.
    clock.set(
        datetime.combine(NEXT_MONDAY + timedelta(days=6), datetime.min.time(), ALMATY) + timedelta(hours=10)
    )
    sunday = text_of(await stand(client, world))
    assert gettext("Nobody is on the roster today.", "kk") in sunday
    # The week after has no roster.
    clock.set(
        datetime.combine(NEXT_MONDAY + timedelta(days=7), datetime.min.time(), ALMATY) + timedelta(hours=10)
    )
    assert 'id="stand-no-roster"' in await stand(client, world)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_it_is_public(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/stand/{world.branch.id}", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200

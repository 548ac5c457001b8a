"""What the browser tests do through the API around the pages they drive: take a ticket at the kiosk,
open a window."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import World


async def take_ticket(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """A ticket for the certificate service, taken with the kiosk's token: the whole answer."""
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services["certificate"].id},
        headers=world.auth("kiosk"),
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


async def open_window(client: httpx.AsyncClient, world: World, number: int, persona: str = "operator") -> str:
    """Window ``number`` opened by ``persona`` with the profile serving every queue; its API path."""
    window = f"/api/v1/windows/{world.windows[number].id}"
    opened = await client.post(
        f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=world.auth(persona)
    )
    assert opened.status_code == 200, opened.text
    return window

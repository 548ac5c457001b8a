"""The operator's intake and issue screens in a real browser (Chromium, 1366×768) against a real server on
SQLite: a draft taken, a mistake in the form shown beside its field with the answers kept, the document
uploaded by the page's script without leaving it, the application submitted; then its result put in a
cell and issued against the IIN shown, and the back office's timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from birtereze.applications import service
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.applications.support import APPLICANT, PDF, with_standards
from tests.builders import World
from tests.conftest import Database

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

DESK: ViewportSize = {"width": 1366, "height": 768}


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key="test-secret",
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        documents_dir=tmp_path / "documents",
    )


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESK, locale="en-US")
    page = await context.new_page()
    yield page
    await context.close()


async def test_an_operator_takes_an_application_and_issues_its_result(
    live_server: str,
    db: Database,
    world: World,
    clock: ManualClock,
    client: httpx.AsyncClient,
    desk: Page,
    tmp_path: Path,
) -> None:
    async with db.sessions() as setup:
        await with_standards(setup, world, clock.now())
        await setup.commit()
    token = world.tokens["operator"]
    await desk.goto(f"{live_server}/applications/intake?lang=en&access_token={token}")
    await expect(desk.get_by_role("heading", level=1)).to_have_text("New application")
    await desk.get_by_label("Service").select_option(str(world.services["certificate"].id))
    await desk.get_by_label("Applicant's IIN").fill(APPLICANT)
    await desk.get_by_role("button", name="Start the application").click()

    await expect(desk.get_by_text("Fetched from the population registry at submission")).to_be_visible()
    await desk.get_by_label("Child's name").fill("Aruzhan")
    await desk.get_by_label("Copies").fill("two")
    await desk.get_by_role("button", name="Submit the application").click()
    await expect(desk.locator("#e-copies")).to_have_text("Enter a whole number.")
    await expect(desk.locator("#e-birth_date")).to_have_text("This field is required.")
    await expect(desk.get_by_label("Child's name")).to_have_value("Aruzhan")

    await desk.get_by_label("Copies").fill("2")
    await desk.get_by_label("Date of birth").fill("2026-08-01")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    await desk.get_by_label("Upload: Signed application").set_input_files(str(scan))
    await expect(desk.locator('[data-code="application_scan"] .apps__upload-state')).to_have_text("Uploaded.")
    await expect(desk.get_by_label("Copies")).to_have_value("2")  # still on the page, nothing lost
    await desk.get_by_role("button", name="Submit the application").click()
    await expect(desk.get_by_role("status")).to_contain_text("is submitted; the deadline is")
    number = (await desk.get_by_role("heading", level=1).text_content() or "").split()[-1]

    application = await _by_number(db, number)
    async with db.sessions() as session:
        await service.mark_delivered(session, application, now=clock.now())
        await service.record_body_answer(session, application, kind="result_ready", now=clock.now())
        await session.commit()

    await desk.get_by_role("link", name="Issue of results").click()
    row = desk.locator(f'tr[data-number="{number}"]')
    await row.get_by_label("Storage cell").fill("C-12")
    await row.get_by_role("button", name="Put in the cell").click()
    await expect(desk.get_by_role("status")).to_contain_text("is in cell C-12")
    row = desk.locator(f'tr[data-number="{number}"]')
    await row.get_by_label("IIN on the identity document").fill("850615400026")
    await row.get_by_role("button", name="Check and issue").click()
    await expect(desk.get_by_role("alert")).to_contain_text("does not match the applicant")
    row = desk.locator(f'tr[data-number="{number}"]')
    await row.get_by_label("IIN on the identity document").fill(APPLICANT)
    await row.get_by_role("button", name="Check and issue").click()
    await expect(desk.get_by_role("status")).to_have_text(f"The result of {number} is issued.")

    await desk.get_by_role("link", name="Back office").click()
    await desk.get_by_label("Status").select_option("issued")
    await desk.get_by_role("button", name="Filter").click()
    await desk.get_by_role("link", name=number).click()
    timeline = desk.locator(".apps__timeline li")
    await expect(timeline.first).to_contain_text("taken as a draft")
    await expect(timeline.last).to_contain_text("issued")
    width = await desk.evaluate("document.documentElement.scrollWidth")
    assert width <= DESK["width"]


async def _by_number(db: Database, number: str) -> int:
    async with db.sessions() as session:
        return (await service.get_by_number(session, number)).id

"""Helpers of the applications tests: a service standard with a form and documents, the seeded applicants,
a document store in the test's temporary folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications.documents import DocumentStore
from birtereze.applications.registries import LocalRegistries
from birtereze.catalog import service as catalog_service
from birtereze.catalog.service import StandardDraft
from tests.builders import World, names

APPLICANT = "900101300017"  # seeded: registered in Turkestan, owns a car and a flat
ALMATY_APPLICANT = "850615400026"  # seeded: registered in Almaty
UNKNOWN_APPLICANT = "950920400075"  # valid, but no registry knows them
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

FORM = {
    "type": "object",
    "properties": {
        "child_name": {
            "type": "string",
            "title": "Child's name",
            "x-title": names("Child's name"),
            "maxLength": 20,
        },
        "birth_date": {
            "type": "string",
            "format": "date",
            "title": "Date of birth",
            "x-title": names("Date of birth"),
        },
        "copies": {"type": "integer", "title": "Copies", "x-title": names("Copies"), "minimum": 1},
        "delivery": {
            "type": "string",
            "title": "Delivery",
            "x-title": names("Delivery"),
            "enum": ["centre", "post"],
            "x-enum-titles": {"centre": names("At the centre"), "post": names("By post")},
        },
        "urgent": {"type": "boolean", "title": "Urgent", "x-title": names("Urgent")},
    },
    "required": ["child_name", "birth_date"],
}
ANSWERS = {"child_name": "Aruzhan", "birth_date": "2026-08-01", "copies": 1, "delivery": "centre"}


def draft(
    *, extraterritorial: bool = False, channels: tuple[str, ...] = ("centre", "portal")
) -> StandardDraft:
    return StandardDraft(
        authority_code="MTSZN",
        channels=list(channels),
        term_amount=5,
        term_unit="working_days",
        form="paper",
        result=names("Certificate"),
        documents=[
            {"code": "identity", "name": names("Identity document"), "registry": "population"},
            {"code": "application_scan", "name": names("Signed application"), "registry": None},
        ],
        refusal_grounds=[names("Incomplete documents")],
        extraterritorial=extraterritorial,
        form_schema=FORM,
    )


async def with_standards(session: AsyncSession, world: World, now: datetime) -> None:
    await catalog_service.create_authority(session, code="MTSZN", names=names("Ministry of Labour"))
    await catalog_service.add_standard(
        session, service_id=world.services["certificate"].id, draft=draft(), now=now
    )
    await catalog_service.add_standard(
        session, service_id=world.services["benefit"].id, draft=draft(extraterritorial=True), now=now
    )


def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "documents", max_bytes=1024 * 1024)


def registries() -> LocalRegistries:
    return LocalRegistries()

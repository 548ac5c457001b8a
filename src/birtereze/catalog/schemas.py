"""API shapes of the catalogue: service standards (read and written as a new version) and the authorised
bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from birtereze.catalog.models import Authority, Service, ServiceStandard
from birtereze.catalog.service import StandardDraft
from birtereze.core.schemas import Input, Names, NamesIn, Output

Channel = Literal["centre", "portal", "app", "video", "bank"]
TermUnit = Literal["working_days", "working_hours", "calendar_days"]
Registry = Literal["population", "vehicle", "real_estate", "civil"]


class AuthorityRead(Output):
    code: str
    name: Names
    active: bool

    @classmethod
    def of(cls, authority: Authority) -> AuthorityRead:
        return cls(code=authority.code, name=Names.of(authority), active=authority.active)


class AuthorityWrite(Input):
    """An authorised body's names, and whether new standards may name it."""

    name: NamesIn
    active: bool = True


class DocumentRead(Output):
    code: str
    name: Names
    registry: Registry | None = Field(
        description="The government registry the centre fetches this document from instead of asking for it"
    )


class TermRead(Output):
    amount: int
    unit: TermUnit


class FeeRead(Output):
    kind: Literal["free", "mrp", "kzt"]
    mrp: float | None = Field(description="The fee as a multiple of the monthly calculation index (MRP)")
    fixed_kzt: int | None = Field(description="A fee fixed in tenge")
    amount_kzt: int | None = Field(
        description="What it costs in tenge if paid on `paid_on` (the MRP of that day); null while that "
        "day's MRP is not known"
    )
    paid_on: date
    payment: Names = Field(description="How the fee is paid")


class StandardRead(Output):
    service_id: int
    service_code: str
    service_name: Names
    version: int
    changed_at: datetime
    changed_by: int | None
    note: str
    changed_fields: list[str] | None = Field(
        default=None,
        description="In a list of versions: the fields of StandardWrite (e.g. term_amount) that this "
        "version changed from the one before it, none for the first; absent outside such a list",
    )
    authority: AuthorityRead
    channels: list[Channel]
    term: TermRead
    form: Literal["electronic", "paper"]
    result: Names
    fee: FeeRead
    documents: list[DocumentRead]
    refusal_grounds: list[Names]
    hours: Names
    extraterritorial: bool
    max_wait_s: int | None
    max_service_s: int | None
    life_situation: str
    form_schema: dict[str, Any] = Field(description="The application form: a JSON Schema (2020-12) object")

    @classmethod
    def of(
        cls,
        service: Service,
        standard: ServiceStandard,
        authority: Authority,
        *,
        fee_kzt: int | None,
        paid_on: date,
    ) -> StandardRead:
        return cls(
            service_id=service.id,
            service_code=service.code,
            service_name=Names.of(service),
            version=standard.version,
            changed_at=standard.changed_at,
            changed_by=standard.changed_by,
            note=standard.note,
            authority=AuthorityRead.of(authority),
            channels=list(standard.channels),
            term=TermRead(amount=standard.term_amount, unit=standard.term_unit),
            form=standard.form,
            result=Names.of(standard, "result"),
            fee=FeeRead(
                kind=standard.fee_kind,
                mrp=float(standard.fee_mrp) if standard.fee_mrp is not None else None,
                fixed_kzt=standard.fee_kzt,
                amount_kzt=fee_kzt,
                paid_on=paid_on,
                payment=Names.of(standard, "fee_payment"),
            ),
            documents=[
                DocumentRead(code=d["code"], name=Names(**d["name"]), registry=d.get("registry"))
                for d in standard.documents
            ],
            refusal_grounds=[Names(**ground) for ground in standard.refusal_grounds],
            hours=Names.of(standard, "hours"),
            extraterritorial=standard.extraterritorial,
            max_wait_s=service.max_wait_s,
            max_service_s=service.max_service_s,
            life_situation=service.life_situation,
            form_schema=standard.form_schema,
        )


class StandardVersions(Output):
    service_id: int
    current_version: int | None
    versions: list[StandardRead]


class TextIn(Input):
    """A text in Kazakh, Russian and English."""

    kk: str = Field(min_length=1, max_length=1000)
    ru: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)


class OptionalTextIn(Input):
    """A text in Kazakh, Russian and English that may be left empty."""

    kk: str = Field(default="", max_length=500)
    ru: str = Field(default="", max_length=500)
    en: str = Field(default="", max_length=500)


class DocumentIn(Input):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: TextIn
    registry: Registry | None = None


class StandardWrite(Input):
    """A new version of a service's standard (the whole standard, not a patch)."""

    authority_code: str = Field(min_length=1, max_length=32)
    channels: list[Channel] = Field(min_length=1, max_length=5)
    term_amount: int = Field(ge=1, le=10_000)
    term_unit: TermUnit
    form: Literal["electronic", "paper"]
    result: TextIn
    fee_kind: Literal["free", "mrp", "kzt"]
    # A number in the document (a JSON client sends one); kept as a Decimal of at most three decimals, a
    # finer multiple refused by the service's check with a clear error.
    fee_mrp: float | None = Field(default=None, gt=0, le=10_000, description="At most three decimals")
    fee_kzt: int | None = Field(default=None, gt=0, le=100_000_000)
    fee_payment: OptionalTextIn = Field(default_factory=OptionalTextIn)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    refusal_grounds: list[TextIn] = Field(default_factory=list, max_length=50)
    hours: OptionalTextIn = Field(default_factory=OptionalTextIn)
    extraterritorial: bool = False
    form_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="The application form: a JSON Schema object whose properties carry x-title {kk, ru, en}",
    )
    note: str = Field(default="", max_length=500, description="What changed and why")

    def draft(self) -> StandardDraft:
        return StandardDraft(
            authority_code=self.authority_code,
            channels=list(self.channels),
            term_amount=self.term_amount,
            term_unit=self.term_unit,
            form=self.form,
            result=self.result.model_dump(),
            fee_kind=self.fee_kind,
            fee_mrp=None if self.fee_mrp is None else Decimal(repr(self.fee_mrp)),
            fee_kzt=self.fee_kzt,
            fee_payment=self.fee_payment.model_dump(),
            documents=[document.model_dump() for document in self.documents],
            refusal_grounds=[ground.model_dump() for ground in self.refusal_grounds],
            hours=self.hours.model_dump(),
            extraterritorial=self.extraterritorial,
            form_schema=self.form_schema,
        )

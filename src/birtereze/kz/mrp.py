"""The monthly calculation index (МРП / АЕК, "MRP") and fees stated as multiples of it.

Data: ``kz/data/mrp.csv`` (2018-2026, each row with its legal basis and source; see ``kz/data/SOURCES.md``).

Which value applies: state duties and fees use the MRP in force **on the date of payment** (Tax Code 2026
art. 664 p.2; art. 615 p.1 for registration fees). In 2022 the index split: 3,063 KZT stayed in force all
year for penalties, taxes, state duties and other payments, while benefits and social payments used 3,180
KZT from 1 April (Ministry of Finance, atpress.kz 2022-05-15). ``applies_to="fees"`` takes the first,
``applies_to="benefits"`` the second; in the other years they are the same.

Rounding (:func:`fee_kzt`): payments to the budget are computed in whole tenge - amounts in tiyn are
rounded to 1 tenge (Tax Code 2026 art. 204 as the State Revenue Committee applies it, zakon.kz
2026-02-10). The rounding is to the nearest tenge with 50 tiyn and more going up (ROUND_HALF_UP): it is
the rule that reproduces the published 2022 vehicle fees - 0.25 x 3,063 = 765.75 -> 766, 1.25 x 3,063 =
3,828.75 -> 3,829, 2.8 x 3,063 = 8,576.40 -> 8,576 (rounding up would give 8,577, cutting the tiyn 765).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Final

__all__ = ["MrpNotKnownError", "fee_kzt", "known_until", "mrp_on"]

_APPLIES: Final = {
    "fees": ("all", "fines_taxes_fees"),
    "benefits": ("all", "benefits_social_payments"),
}


class MrpNotKnownError(LookupError):
    """No MRP is recorded for the day asked (before 2018 or after the last year in the data)."""


@dataclass(frozen=True, slots=True)
class _Row:
    valid_from: date
    valid_to: date
    applies_to: str
    mrp_kzt: int


@cache
def _rows() -> tuple[_Row, ...]:
    text = resources.files("birtereze.kz").joinpath("data/mrp.csv").read_text(encoding="utf-8")
    return tuple(
        _Row(
            valid_from=date.fromisoformat(raw["valid_from"]),
            valid_to=date.fromisoformat(raw["valid_to"]),
            applies_to=raw["applies_to"],
            mrp_kzt=int(raw["mrp_kzt"]),
        )
        for raw in csv.DictReader(text.splitlines())
    )


def known_until() -> date:
    """The last day an MRP is recorded for."""
    return max(row.valid_to for row in _rows())


def mrp_on(day: date, *, applies_to: str = "fees") -> int:
    """The MRP in KZT in force on ``day`` for "fees" (state duties, fees, fines, taxes) or "benefits"
    (benefits and social payments). Raises :class:`MrpNotKnownError` outside the recorded years."""
    if applies_to not in _APPLIES:
        raise ValueError(f"applies_to must be 'fees' or 'benefits', not {applies_to!r}")
    kinds = _APPLIES[applies_to]
    for row in _rows():
        if row.applies_to in kinds and row.valid_from <= day <= row.valid_to:
            return row.mrp_kzt
    raise MrpNotKnownError(f"no MRP recorded for {day.isoformat()}")


def fee_kzt(multiple: Decimal, *, paid_on: date) -> int:
    """A fee of ``multiple`` MRP paid on ``paid_on``, in whole tenge (half up; see the module's notes)."""
    try:
        exact = Decimal(str(multiple)) if not isinstance(multiple, Decimal) else multiple
    except InvalidOperation as exc:
        raise ValueError(f"multiple must be a number, not {multiple!r}") from exc
    if not exact.is_finite() or exact < 0:
        raise ValueError(f"multiple must be a finite number of at least 0, not {multiple!r}")
    amount = exact * mrp_on(paid_on, applies_to="fees")
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))

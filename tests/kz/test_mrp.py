"""The MRP by date and fees in tenge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from birtereze.kz import mrp


@pytest.mark.parametrize(
    ("multiple", "kzt"),
    [("0.25", 766), ("1.25", 3829), ("2.8", 8576)],
    ids=["registration", "technical passport", "plate"],
)
def test_the_missions_2022_vehicle_fees(multiple: str, kzt: int) -> None:
    for paid_on in (date(2022, 1, 10), date(2022, 6, 1), date(2022, 12, 31)):
        assert mrp.fee_kzt(Decimal(multiple), paid_on=paid_on) == kzt


def test_mrp_by_year() -> None:
    assert mrp.mrp_on(date(2022, 5, 1)) == 3063
    assert mrp.mrp_on(date(2026, 11, 27)) == 4325
    assert mrp.mrp_on(date(2026, 1, 1)) == 4325
    assert mrp.mrp_on(date(2025, 12, 31)) == 3932
    assert mrp.mrp_on(date(2024, 6, 1)) == 3692
    assert mrp.mrp_on(date(2023, 6, 1)) == 3450


def test_2022_split_fees_and_benefits() -> None:
    assert mrp.mrp_on(date(2022, 3, 31), applies_to="benefits") == 3063
    assert mrp.mrp_on(date(2022, 4, 1), applies_to="benefits") == 3180
    assert mrp.mrp_on(date(2022, 4, 1), applies_to="fees") == 3063


def test_2020_mid_year_change() -> None:
    assert mrp.mrp_on(date(2020, 3, 31)) == 2651
    assert mrp.mrp_on(date(2020, 4, 1)) == 2778
    assert mrp.fee_kzt(Decimal(5), paid_on=date(2020, 6, 1)) == 13890  # kolesa.kz's 2020 fine


def test_the_mrp_of_the_payment_date_applies() -> None:
    assert mrp.fee_kzt(Decimal(1), paid_on=date(2025, 12, 31)) == 3932
    assert mrp.fee_kzt(Decimal(1), paid_on=date(2026, 1, 1)) == 4325
    assert mrp.fee_kzt(Decimal("0.5"), paid_on=date(2026, 3, 1)) == 2163  # 2162.5, half up
    assert mrp.fee_kzt(Decimal(0), paid_on=date(2026, 3, 1)) == 0


def test_unknown_days_and_bad_input() -> None:
    assert mrp.known_until() == date(2026, 12, 31)
    with pytest.raises(mrp.MrpNotKnownError):
        mrp.mrp_on(date(2027, 1, 1))
    with pytest.raises(LookupError):
        mrp.mrp_on(date(2017, 12, 31))
    with pytest.raises(ValueError, match="applies_to"):
        mrp.mrp_on(date(2026, 1, 1), applies_to="pensions")
    with pytest.raises(ValueError, match="multiple"):
        mrp.fee_kzt(Decimal(-1), paid_on=date(2026, 1, 1))
    with pytest.raises(ValueError, match="multiple"):
        mrp.fee_kzt(Decimal("NaN"), paid_on=date(2026, 1, 1))


@given(
    multiple=st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    paid_on=st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 12, 31)),
)
def test_fee_is_the_nearest_tenge(multiple: Decimal, paid_on: date) -> None:
    exact = multiple * mrp.mrp_on(paid_on)
    fee = mrp.fee_kzt(multiple, paid_on=paid_on)
    assert abs(Decimal(fee) - exact) <= Decimal("0.5")
    assert fee >= 0

"""Kazakhstan's identifiers: the individual identification number (IIN) and mobile phone numbers.

IIN (ЖСН / ИИН), 12 digits: positions 1–6 the birth date ``YYMMDD``; 7 the century and sex (1/2 the
1800s, 3/4 the 1900s, 5/6 the 2000s; odd male, even female); 8–11 a serial number; 12 the check digit.
The check digit: ``c = Σ aᵢ·i mod 11`` over the first 11 digits (weights 1…11); when ``c`` is 10, again
with the weights 3…11, 1, 2; when that is 10 too, the number is never issued.
Any one changed digit is caught, except where one of the two numbers needs the second pass, and except
the 11th digit when the first pass decides (its weight 11 is 0 modulo 11): ``tests/citizens/test_ids.py``.

Sources (see the project's ``data/kz/iin.md``): the Government rules for forming identification numbers
(Decree No. 406 of 22 May 2007, adilet.zan.kz P070000406_), as implemented by valery1707/kaz-person-id
(``PersonIdUtils.java``: ``CRC_WEIGHTS``, ``YEAR_PREFIXES``), identique/idnumbers
(``nationalid/kaz/individual_id.py``) and ZhymabekRoman/kz-iin-validator, all MIT. The public test vectors
of those projects are in ``tests/core/test_ids.py``.

Product decisions: a 7th digit outside 1–6 is refused (the three libraries above refuse it; no source says
what 0 or 7–9 would mean), and so is a 5th digit of 4–6, which makes the number a business BIN.
A valid IIN proves only that it is well formed: whether it was issued, only the state registry knows.

Phone numbers: Kazakhstan shares the country code +7 with Russia; its numbers are ``+7 7xx xxx xx xx``.
People write them as ``8 701 …``, ``+7 (701) …``, ``7701…`` or ``701…``: all become ``+77011234567``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

WEIGHTS_FIRST: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
WEIGHTS_SECOND: Final = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# The 7th digit: (century, sex).
CENTURY_AND_SEX: Final[dict[str, tuple[int, Literal["male", "female"]]]] = {
    "1": (1800, "male"),
    "2": (1800, "female"),
    "3": (1900, "male"),
    "4": (1900, "female"),
    "5": (2000, "male"),
    "6": (2000, "female"),
}

IinProblem = Literal["format", "checksum", "not_issuable", "century", "birth_date", "business"]


class InvalidIIN(ValueError):
    """Why a text is not an IIN: ``problem`` names the rule it breaks."""

    def __init__(self, problem: IinProblem) -> None:
        super().__init__(problem)
        self.problem: IinProblem = problem


@dataclass(frozen=True, slots=True)
class IIN:
    number: str
    birth_date: date
    sex: Literal["male", "female"]

    @property
    def masked(self) -> str:
        """For the logs: the birth date's year and the check digit only (``90••••••••13``)."""
        return mask_iin(self.number)


def check_digit(first11: str) -> int | None:
    """The check digit of an IIN or BIN's first 11 digits; None when none exists (never issued)."""
    digits = [int(character) for character in first11]
    total = sum(digit * weight for digit, weight in zip(digits, WEIGHTS_FIRST, strict=True)) % 11
    if total == 10:
        total = sum(digit * weight for digit, weight in zip(digits, WEIGHTS_SECOND, strict=True)) % 11
    return None if total == 10 else total


def first_pass(first11: str) -> int:
    """The first pass's remainder alone (10 means the second weights decide)."""
    return sum(int(c) * w for c, w in zip(first11, WEIGHTS_FIRST, strict=True)) % 11


def parse_iin(text: str) -> IIN:
    """The IIN in ``text`` (spaces around it ignored), or ``InvalidIIN`` saying what is wrong."""
    number = text.strip()
    if len(number) != 12 or not (number.isascii() and number.isdigit()):
        raise InvalidIIN("format")
    expected = check_digit(number[:11])
    if expected is None:
        raise InvalidIIN("not_issuable")
    if expected != int(number[11]):
        raise InvalidIIN("checksum")
    if number[4] in "456":
        raise InvalidIIN("business")
    century_sex = CENTURY_AND_SEX.get(number[6])
    if century_sex is None:
        raise InvalidIIN("century")
    century, sex = century_sex
    try:
        born = date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        raise InvalidIIN("birth_date") from None
    return IIN(number=number, birth_date=born, sex=sex)


def is_valid_iin(text: str) -> bool:
    try:
        parse_iin(text)
    except InvalidIIN:
        return False
    return True


def make_iin(born: date, sex: Literal["male", "female"], serial: int) -> str | None:
    """The IIN of a birth date, sex and serial (0–9999); None when that serial has no check digit."""
    digit = next(
        d for d, (century, s) in CENTURY_AND_SEX.items() if s == sex and century <= born.year < century + 100
    )
    first11 = f"{born:%y%m%d}{digit}{serial:04d}"
    check = check_digit(first11)
    return None if check is None else f"{first11}{check}"


def mask_iin(number: str) -> str:
    if len(number) != 12:
        return "•" * len(number)
    return f"{number[:2]}{'•' * 8}{number[10:]}"


class InvalidPhone(ValueError):
    pass


_SEPARATORS: Final = re.compile(r"[\s\-().]")


def normalise_phone(text: str) -> str:
    """A Kazakhstan number as ``+77xxxxxxxxx``, from the ways people write it; ``InvalidPhone`` if not one."""
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.startswith("7"):
            raise InvalidPhone(text)
    else:
        digits = compact
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]  # the domestic trunk prefix
        elif len(digits) == 10:
            digits = "7" + digits
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 11 or not digits.startswith("77"):
        raise InvalidPhone(text)
    return "+" + digits


def mask_phone(phone: str) -> str:
    """For the logs and the screen: ``+7 701 ••• •• 67``."""
    if len(phone) != 12:
        return "•" * len(phone)
    return f"+7 {phone[2:5]} ••• •• {phone[10:]}"

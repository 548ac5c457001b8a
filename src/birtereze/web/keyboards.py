"""The on-screen keyboards of the hall's kiosks and tablets, which have no keyboard of their own.

A kiosk page shows the letters of its language first: Kazakh adds its nine letters above the Russian
rows, and a switch goes over to the Latin letters (Kazakh vehicle plates, e-mail addresses and foreign
names are written in them) and back. The digits and the punctuation that names, addresses and document
numbers use are always there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_RUSSIAN_ROWS: Final = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё")
_LATIN_ROWS: Final = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# The letter rows of a page's language (the queue kiosk's service search shows these alone).
LETTERS: Final[dict[str, tuple[str, ...]]] = {
    "kk": ("әіңғүұқөһ", *_RUSSIAN_ROWS),
    "ru": _RUSSIAN_ROWS,
    "en": _LATIN_ROWS,
}
DIGITS: Final = "1234567890"
PUNCTUATION: Final = "-_.,/№'\"()@+"


@dataclass(frozen=True, slots=True)
class Layout:
    """One set of letter rows; ``label`` names it on the switch that leads to it."""

    name: str
    label: str
    rows: tuple[str, ...]


_LATIN: Final = Layout("latin", "ABC", _LATIN_ROWS)
_KAZAKH: Final = Layout("cyrillic", "АӘБ", LETTERS["kk"])
LAYOUTS: Final[dict[str, tuple[Layout, ...]]] = {
    "kk": (_KAZAKH, _LATIN),
    "ru": (Layout("cyrillic", "АБВ", LETTERS["ru"]), _LATIN),
    "en": (_LATIN, _KAZAKH),
}

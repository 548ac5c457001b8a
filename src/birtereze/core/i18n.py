"""Translations: gettext catalogs (kk, ru; English is the source language) and locale negotiation."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

LOCALES: Final = ("kk", "ru", "en")
DEFAULT_LOCALE: Final = "kk"
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"

# Every message marked with ``_l`` at import time, for the meta-test that each has kk and ru text.
MARKED: set[str] = set()


class LazyText(str):
    """A source-language message id; translated when rendered for a locale."""

    __slots__ = ()

    def render(self, locale: str, **params: object) -> str:
        return gettext(str(self), locale, **params)


def _l(message: str) -> LazyText:
    MARKED.add(message)
    return LazyText(message)


@lru_cache(maxsize=len(LOCALES))
def catalog(locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def gettext(message: str, locale: str, **params: object) -> str:
    text = message if locale == "en" else catalog(locale).get(message, message)
    return text.format(**params) if params else text


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick kk, ru or en from an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return default
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LOCALES and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else default

"""Life situations: how a visitor thinks of what they came for ("a child was born"), which the kiosk
and the catalogue use to group services besides their zones. A service names one by its code
(``Service.life_situation``); an empty code is "other"."""

from __future__ import annotations

from typing import Final

from birtereze.core.i18n import LazyText, _l

LIFE_SITUATIONS: Final[dict[str, LazyText]] = {
    "family": _l("Family and children"),
    "work": _l("Work and social support"),
    "pension": _l("Pension and old age"),
    "documents": _l("Identity documents and certificates"),
    "home": _l("Home and property"),
    "vehicle": _l("Cars and driving"),
    "business": _l("Business"),
    "education": _l("Education"),
}
OTHER: Final = _l("Other services")


def situation_name(code: str, locale: str) -> str:
    situation = LIFE_SITUATIONS.get(code)
    return (situation or OTHER).render(locale)

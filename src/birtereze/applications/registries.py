"""Government registries the centre fetches documents from instead of asking for them: population
(identity and registered address), vehicles, real estate, civil registry (births, marriages).

``Registries`` is the adapters' interface; ``LocalRegistries`` the local fake used by the tests and the
demo, holding seeded records of a few people (their IINs are valid; every other IIN has no record, as a
person the registry does not know). A production installation plugs in adapters to the state's shared
data bus (ШЭП) here: the rest of the domain sees only ``fetch``.
"""

from __future__ import annotations

import copy
from typing import Any, Final, Protocol

REGISTRIES: Final = ("population", "vehicle", "real_estate", "civil")

# Regions by the names a centre's address may carry (kk/ru/en), for the registered-address rule of the
# services that are not extraterritorial.
REGION_NAMES: Final = {
    "turkestan": ("Turkestan", "Туркестан", "Түркістан"),
    "almaty": ("Almaty", "Алматы"),
    "astana": ("Astana", "Астана"),
    "shymkent": ("Shymkent", "Шымкент"),
}

SEED: Final[dict[str, dict[str, Any]]] = {
    "900101300017": {
        "population": {
            "iin": "900101300017",
            "surname": "Сейткали",
            "name": "Ерлан",
            "patronymic": "Маратұлы",
            "birth_date": "1990-01-01",
            "sex": "male",
            "citizenship": "KZ",
            "address": {"region": "turkestan", "city": "Туркестан", "street": "ул. Тауке хана, 12"},
            "identity_document": {"kind": "id_card", "number": "046512345", "valid_until": "2031-05-14"},
        },
        "vehicle": {
            "vehicles": [
                {
                    "plate": "123ABC13",
                    "make": "Toyota",
                    "model": "Camry",
                    "year": 2019,
                    "vin": "JTNB11HK903012345",
                    "registration_certificate": "AB00123456",
                }
            ]
        },
        "real_estate": {
            "properties": [
                {
                    "cadastral_number": "19:310:041:123",
                    "kind": "apartment",
                    "address": "Туркестан, мкр. Жаңа қала, 5-17",
                    "area_m2": 64.5,
                    "encumbrances": [],
                }
            ]
        },
        "civil": {
            "births": [{"child_iin": "150312500017", "record": "1503-2015", "registered": "2015-03-20"}],
            "marriages": [{"spouse_iin": "920707400018", "record": "0908-2013", "registered": "2013-08-09"}],
        },
    },
    "850615400026": {
        "population": {
            "iin": "850615400026",
            "surname": "Абенова",
            "name": "Айгерим",
            "patronymic": "Сериковна",
            "birth_date": "1985-06-15",
            "sex": "female",
            "citizenship": "KZ",
            "address": {"region": "almaty", "city": "Алматы", "street": "пр. Абая, 150, кв. 8"},
            "identity_document": {"kind": "id_card", "number": "043298765", "valid_until": "2029-11-02"},
        },
        "civil": {
            "births": [{"child_iin": "260801600012", "record": "0801-2026", "registered": "2026-08-10"}],
            "marriages": [],
        },
    },
    "770303300036": {
        "population": {
            "iin": "770303300036",
            "surname": "Жумабаев",
            "name": "Болат",
            "patronymic": "Кайратович",
            "birth_date": "1977-03-03",
            "sex": "male",
            "citizenship": "KZ",
            "address": {"region": "shymkent", "city": "Шымкент", "street": "ул. Байтурсынова, 4"},
            "identity_document": {"kind": "passport", "number": "N12345678", "valid_until": "2030-01-20"},
        },
        "real_estate": {
            "properties": [
                {
                    "cadastral_number": "22:330:017:456",
                    "kind": "house",
                    "address": "Шымкент, ул. Байтурсынова, 4",
                    "area_m2": 142.0,
                    "encumbrances": ["mortgage"],
                }
            ]
        },
    },
}


class Registries(Protocol):
    async def fetch(self, registry: str, iin: str) -> dict[str, Any] | None:
        """The registry's record of the person, or None when it holds none."""
        ...


class LocalRegistries:
    """The seeded fake of the four registries (a copy of the seed, which tests may extend)."""

    def __init__(self, records: dict[str, dict[str, Any]] | None = None) -> None:
        self.records = copy.deepcopy(SEED if records is None else records)

    async def fetch(self, registry: str, iin: str) -> dict[str, Any] | None:
        if registry not in REGISTRIES:
            raise ValueError(registry)
        record = self.records.get(iin, {}).get(registry)
        return copy.deepcopy(record) if record is not None else None


def region_of_address(*texts: str) -> str | None:
    """The region a centre's address names, None when it names none of those known."""
    for region, names in REGION_NAMES.items():
        if any(name.lower() in text.lower() for name in names for text in texts if text):
            return region
    return None

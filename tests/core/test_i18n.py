"""Every message a person reads exists in Kazakh and Russian (English is the source)."""

from __future__ import annotations

import importlib
import pkgutil

import birtereze
from birtereze.core.i18n import MARKED, catalog, gettext, negotiate


def _import_everything() -> None:
    for module in pkgutil.walk_packages(birtereze.__path__, "birtereze."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


def test_it_has_every_marked_message_in_kazakh_and_russian() -> None:
    _import_everything()
    assert MARKED, "no message was marked for translation"
    for locale in ("kk", "ru"):
        missing = sorted(message for message in MARKED if not catalog(locale).get(message))
        assert not missing, f"{locale} lacks: {missing}"


def test_it_keeps_the_placeholders_of_each_message() -> None:
    for locale in ("kk", "ru"):
        for message, translated in catalog(locale).items():
            placeholders = {part.split("}")[0] for part in message.split("{")[1:]}
            assert placeholders == {part.split("}")[0] for part in translated.split("{")[1:]}, message


def test_it_negotiates_the_language_from_the_header() -> None:
    assert negotiate(None) == "kk"
    assert negotiate("ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert negotiate("de, en;q=0.5, ru;q=0.7") == "ru"
    assert negotiate("fr") == "kk"
    assert negotiate("en;q=0") == "kk"


def test_it_formats_translated_messages() -> None:
    assert gettext("Unknown role: {role}.", "ru", role="x") == "Неизвестная роль: x."

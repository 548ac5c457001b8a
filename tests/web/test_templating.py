"""Conventions of the server-rendered pages: every sentence in a template is translated."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from birtereze.core.i18n import catalog
from birtereze.web.templating import SHARED_TEMPLATES, create_environment, template_dirs, template_messages


def test_it_finds_the_shared_and_the_domain_templates() -> None:
    names = {path.parent.name for path in template_dirs()}
    assert template_dirs()[0] == SHARED_TEMPLATES and "queue" in names


def test_it_has_every_template_sentence_in_kazakh_and_russian() -> None:
    messages = list(template_messages())
    assert any(message == "Please go to window {number}" for _name, _line, message in messages)
    for locale in ("kk", "ru"):
        missing = sorted(
            f"{name}:{line}: {message}"
            for name, line, message in messages
            if not catalog(locale).get(message)
        )
        assert not missing, f"{locale} lacks: {missing}"


def test_it_uses_brace_placeholders_like_the_python_code() -> None:
    # The catalogs are python-brace-format; a %-style {% trans %} block would never be filled in.
    for name, line, message in template_messages():
        assert "%(" not in message, f"{name}:{line}"


@pytest.mark.parametrize(("locale", "expected"), [("kk", "3-терезеге өтіңіз"), ("ru", "Пройдите к окну 3")])
def test_it_translates_at_render_time_and_escapes_the_result(locale: str, expected: str) -> None:
    environment: Environment = create_environment()
    template = environment.from_string('{{ _("Please go to window {number}", number=n) }}')
    assert template.render(locale=locale, n=3) == expected
    assert template.render(locale="en", n="<b>") == "Please go to window &lt;b&gt;"


def test_it_refuses_plural_forms_the_catalogs_do_not_have() -> None:
    template = create_environment().from_string('{{ ngettext("{n} person", "{n} people", 2, n=2) }}')
    with pytest.raises(TypeError, match="no plural forms"):
        template.render(locale="ru")

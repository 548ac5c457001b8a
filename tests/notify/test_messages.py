"""The message templates: each rendered in Kazakh, Russian and English with its parameters."""

from __future__ import annotations

import pytest

from birtereze.notify import messages
from birtereze.notify.errors import TemplateParametersWrong, UnknownLanguage, UnknownTemplate

NEAR = {"number": "A-017", "ahead": 2, "centre": "Turkestan PSC"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your ticket A-017: 2 people ahead of you at Turkestan PSC. Please come to the hall."),
        ("ru", "Ваш талон A-017: перед вами 2 чел., Turkestan PSC. Пожалуйста, пройдите в зал."),
        ("kk", "A-017 талоныңыз: Turkestan PSC — алдыңызда 2 адам бар. Залға келіңіз."),
    ],
)
def test_it_renders_the_near_notice_in_the_recipients_language(language: str, expected: str) -> None:
    assert messages.render("ticket_near", language=language, params=NEAR).text == expected


@pytest.mark.parametrize("name", sorted(messages.TEMPLATES))
def test_it_has_every_template_in_three_languages(name: str) -> None:
    template = messages.get(name)
    params: dict[str, object] = {key: f"<{key}>" for key in template.parameters}
    rendered = {lang: messages.render(name, language=lang, params=params) for lang in ("kk", "ru", "en")}
    assert len({r.text for r in rendered.values()}) == 3, "each language has its own text"
    assert len({r.subject for r in rendered.values()}) == 3
    for result in rendered.values():
        assert all(f"<{key}>" in result.text for key in template.parameters)


def test_it_says_window_and_code_in_russian_and_kazakh() -> None:
    called = {"number": "B-104", "window": 7}
    assert messages.render("ticket_called", language="ru", params=called).text == (
        "Талон B-104: пройдите к окну 7."
    )
    assert messages.render("ticket_called", language="kk", params=called).text == (
        "B-104 талоны: 7-терезеге өтіңіз."
    )
    otp = messages.render("otp", language="en", params={"code": "482913", "minutes": 5})
    assert otp.text == "Birtereze code: 482913. Do not tell anyone. Valid 5 min."
    assert messages.get("otp").secret


def test_it_refuses_an_unknown_template_language_or_wrong_parameters() -> None:
    with pytest.raises(UnknownTemplate):
        messages.render("nope", language="kk", params={})
    with pytest.raises(UnknownLanguage):
        messages.render("otp", language="de", params={"code": "1", "minutes": 5})
    with pytest.raises(TemplateParametersWrong) as missing:
        messages.render("otp", language="kk", params={"code": "1"})
    assert "code, minutes" in missing.value.detail("en")
    with pytest.raises(TemplateParametersWrong):
        messages.render("otp", language="kk", params={"code": "1", "minutes": 5, "extra": 1})

"""Server-rendered pages: one Jinja2 environment wired to the project's gettext catalogs, and static files.

Templates live in ``web/templates`` (the shared chrome: ``base.html``) and in each domain's ``templates``
folder, named by domain (``queue/ticket.html``). Every sentence goes through ``_("English text", name=...)``
with ``{name}`` placeholders, as in the Python code; the catalogs have no plural forms, so a template puts
a count beside its label instead of inside a sentence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.ext import extract_from_ast
from jinja2.runtime import Context
from starlette.responses import HTMLResponse

from birtereze.core.i18n import LOCALES, gettext, negotiate

PACKAGE_DIR: Final = Path(__file__).resolve().parent.parent
SHARED_TEMPLATES: Final = PACKAGE_DIR / "web" / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "web" / "static"
# Each language named in itself, in the order the hall shows them: Kazakh first.
LANGUAGES: Final = (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English"))
GETTEXT_FUNCTIONS: Final = ("_", "gettext")
PAGE_HEADERS: Final = {
    # Citizens' pages carry a secret in their address (the ticket token): never hand it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


def template_dirs() -> list[Path]:
    domains = sorted(path for path in PACKAGE_DIR.glob("*/templates") if path != SHARED_TEMPLATES)
    return [SHARED_TEMPLATES, *domains]


@pass_context
def _gettext(context: Context, message: str, **params: object) -> str:
    return gettext(message, str(context["locale"]), **params)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, **params: object) -> str:
    # Kazakh and Russian plurals differ from English; the catalogs keep none, so refuse loudly.
    raise TypeError(f"no plural forms in the catalogs: rephrase {singular!r} with the count beside it")


@pass_context
def _path_for(context: Context, name: str, /, **params: Any) -> str:
    """A route's path on this site (relative, so it stays right behind a TLS-terminating proxy)."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


def create_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(template_dirs()),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Added to the environment by the i18n extension; the callables read the locale of each render.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=False
    )
    environment.globals["LANGUAGES"] = LANGUAGES
    environment.globals["language_url"] = language_url
    environment.globals["path_for"] = _path_for
    return environment


def local_time(moment: datetime | None, timezone: str, locale: str) -> str:
    """A moment as people read it where it happened: "4 December 2026, 18:00" (day and month in the
    page's language, the time in ``timezone``); "" for none."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{format_date(local.date(), 'd MMMM y', locale=locale)}, {local:%H:%M}"


def page_locale(request: Request) -> str:
    """``?lang=kk|ru|en``, else the browser's Accept-Language, else the default (Kazakh)."""
    lang = request.query_params.get("lang")
    if lang in LOCALES:
        return lang
    default: str = request.app.state.settings.default_locale
    return negotiate(request.headers.get("accept-language"), default)


def language_url(request: Request, locale: str) -> str:
    """This page's address in another language (path and query only)."""
    url = request.url.remove_query_params("lang").include_query_params(lang=locale)
    return f"{url.path}?{url.query}"


templates = Jinja2Templates(env=create_environment())


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    locale: str,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {"locale": locale, **context},
        status_code=status_code,
        headers={**PAGE_HEADERS, "Content-Language": locale},
    )


def template_messages() -> Iterator[tuple[str, int, str]]:
    """(template, line, message) of every translatable sentence, for the meta-test of the catalogs."""
    environment = templates.env
    for name in environment.list_templates(extensions=("html", "txt", "js")):
        source, _filename, _uptodate = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
        for line, _function, strings in extract_from_ast(
            environment.parse(source), gettext_functions=GETTEXT_FUNCTIONS, babel_style=False
        ):
            for message in strings if isinstance(strings, tuple) else (strings,):
                if message:
                    yield name, line, message

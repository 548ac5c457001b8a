"""Meta-tests that guard the project's conventions: routes declare permissions, migrations are numbered
and match the models, errors are typed and translated, periodic jobs are named.

(That every marked message has Kazakh and Russian text is tests/core/test_i18n.py.)
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import create_engine

import birtereze
from birtereze.core.db import normalise_url
from birtereze.core.errors import DomainError
from birtereze.core.i18n import MARKED, LazyText
from birtereze.core.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from birtereze.core.settings import Settings
from birtereze.models import Base
from birtereze.web.app import create_app
from birtereze.web.deps import current_principal
from birtereze.worker import schedule

# Routes anyone may call. Everything else must require a signed-in staff user or a role.
PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/static/{path}"),  # stylesheets, scripts and fonts of the pages
    ("POST", "/api/v1/auth/token"),  # signing in
    # The branch directory and load, and the public catalogue: no personal data.
    ("GET", "/api/v1/branches"),
    ("GET", "/api/v1/branches/{branch_id}"),
    ("GET", "/api/v1/branches/{branch_id}/load"),
    ("GET", "/api/v1/load"),
    ("GET", "/api/v1/nearby-branches"),  # the point given is not stored
    ("GET", "/api/v1/services"),
    # The catalogue: services' standards, their versions and the authorised bodies, as API and pages.
    ("GET", "/api/v1/services/{service_id}/standard"),
    ("GET", "/api/v1/services/{service_id}/standard/versions"),
    ("GET", "/api/v1/authorities"),
    ("GET", "/services"),
    ("GET", "/services/{code}"),
    ("GET", "/api/v1/priority-categories"),
    # The citizen's own ticket, reached with the signed token printed in its QR code.
    ("GET", "/api/v1/ticket-status/{token}"),
    ("POST", "/api/v1/ticket-status/{token}/cancel"),
    ("GET", "/t/{token}"),
    ("GET", "/t/{token}/live"),
    ("GET", "/t/{token}/ticket.pdf"),
    ("POST", "/t/{token}/cancel"),
    # The centre's information stand: posted in the hall; names only the staff of the substitution scheme.
    ("GET", "/stand/{branch_id}"),
    # The citizens' branch finder: the public directory and load, as a page.
    ("GET", "/branches"),
    # The operator console's shell: the sign-in form and empty places; its parts need a signed-in operator.
    ("GET", "/console"),
    # The citizens' sign-in: asking for a code and entering it, the sign-in pages, the Digital ID redirect
    # and callback, and the local fake Digital ID provider (404 unless BIRTEREZE_FAKE_IDP is on). /me and
    # signing out answer without a session too (they send the browser to /me/sign-in).
    ("POST", "/api/v1/citizens/sign-in/sms"),
    ("POST", "/api/v1/citizens/sign-in/sms/verify"),
    ("GET", "/me/sign-in"),
    ("POST", "/me/sign-in/sms"),
    ("POST", "/me/sign-in/sms/code"),
    ("GET", "/me/sign-in/digital-id"),
    ("GET", "/me/sign-in/digital-id/callback"),
    ("GET", "/me"),
    ("POST", "/me/sign-out"),
    ("GET", "/fake-idp/.well-known/openid-configuration"),
    ("GET", "/fake-idp/jwks"),
    ("GET", "/fake-idp/authorize"),
    ("POST", "/fake-idp/authorize"),
    ("POST", "/fake-idp/token"),
    # A service's free appointment slots at a centre: counts of places only, no personal data.
    ("GET", "/api/v1/branches/{branch_id}/services/{service_id}/slots"),
    # The citizen's appointment pages: like /me, without a session they send the browser to /me/sign-in
    # (each page reads the session itself, and its forms check the CSRF token).
    ("GET", "/me/appointments"),
    ("POST", "/me/appointments"),
    ("GET", "/me/appointments/new"),
    ("GET", "/me/appointments/{booking_id}"),
    ("GET", "/me/appointments/{booking_id}/move"),
    ("POST", "/me/appointments/{booking_id}/move"),
    ("POST", "/me/appointments/{booking_id}/cancel"),
    # Web push and the phone app's shell: the server's public VAPID key, the web app manifest, the service
    # worker and the offline page (nothing personal in any).
    ("GET", "/api/v1/push/key"),
    ("GET", "/manifest.webmanifest"),
    ("GET", "/sw.js"),
    ("GET", "/offline"),
    # Remote tickets: checking in by location with the ticket's signed token (as the other /ticket-status
    # routes); the citizen's ticket pages and the kiosk's arrival QR page, which like /me send the browser
    # to /me/sign-in without a session (the form checks the CSRF token).
    ("POST", "/api/v1/ticket-status/{token}/arrive"),
    ("GET", "/me/tickets"),
    ("POST", "/me/tickets"),
    ("GET", "/me/tickets/new"),
    ("GET", "/arrive/{branch_id}/{key}"),
    ("POST", "/arrive/{branch_id}/{key}"),
    # The authorised bodies' API: no staff sign-in, each request HMAC-signed by the body
    # (applications.adapters) and refused (401) unless its signature is valid and recent.
    ("POST", "/api/v1/bodies/{authority_code}/answers"),
    ("GET", "/api/v1/bodies/{authority_code}/inbox"),
    ("POST", "/api/v1/bodies/{authority_code}/inbox/{delivery_id}/ack"),
    # The GovStack facade's catalogue (applications.govstack): the public catalogue again, in GovStack's
    # shapes; each request still names its caller in the Information-Mediator-Client header.
    ("GET", "/govstack/services"),
    ("GET", "/govstack/services/{serviceId}"),
    ("GET", "/govstack/services/{serviceId}/eForms"),
    ("GET", "/govstack/eForms/{eFormId}"),
    # The citizen's application wizard and "my applications" (applications.citizen_pages): like /me,
    # they send the browser to /me/sign-in without a session (the forms check the CSRF token).
    ("GET", "/me/apply"),
    ("GET", "/me/apply/service/{code}"),
    ("POST", "/me/apply/service/{code}"),
    ("GET", "/me/apply/{application_id}/step/{index}"),
    ("POST", "/me/apply/{application_id}/step/{index}"),
    ("GET", "/me/applications"),
    ("GET", "/me/applications/{application_id}"),
    ("POST", "/me/applications/{application_id}/centre"),
}
MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.py$")
DOTTED_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}"))


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _declares_permission(dependant: Dependant) -> bool:
    """A role dependency (QueueOperate, BranchManage...) or at least a signed-in staff user."""
    return any(call is current_principal or hasattr(call, "roles") for call in _calls(dependant))


def _routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(method, path, declares a permission) of every route and mount of the app."""
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        path = str(route.path_format if route.path_format is not None else route.path)
        if isinstance(original, APIRoute):
            for method in sorted(route.methods or ()):
                yield method, path, _declares_permission(route.dependant)
        elif route.methods:
            for method in sorted(set(route.methods) - {"HEAD"}):
                yield method, path, False
        else:
            yield "GET", path, False  # a mount


def test_it_requires_a_permission_on_every_route_not_listed_as_public(tmp_path: Path) -> None:
    routes = list(_routes(_app(tmp_path)))
    unguarded = {(method, path) for method, path, guarded in routes if not guarded}
    assert unguarded - PUBLIC_ROUTES == set(), "add a permission dependency (or list the route as public)"
    guarded_but_listed = {(method, path) for method, path, guarded in routes if guarded} & PUBLIC_ROUTES
    assert guarded_but_listed == set(), "a public route now requires sign-in: drop it from PUBLIC_ROUTES"
    gone = PUBLIC_ROUTES - {(method, path) for method, path, _ in routes}
    assert gone == set(), "PUBLIC_ROUTES lists a route that is gone"


def test_it_counts_a_role_dependency_as_a_permission(tmp_path: Path) -> None:
    guarded = {(method, path): flag for method, path, flag in _routes(_app(tmp_path))}
    assert guarded[("POST", "/api/v1/windows/{window_id}/call-next")]
    assert guarded[("GET", "/api/v1/me")]
    assert not guarded[("GET", "/api/v1/load")]


def _migration_modules() -> list[tuple[Path, ModuleType]]:
    modules = []
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append((path, module))
    return modules


def test_it_numbers_migrations_in_one_readable_chain() -> None:
    modules = _migration_modules()
    assert modules, "no migrations found"
    previous: str | None = None
    for index, (path, module) in enumerate(modules, start=1):
        match = MIGRATION_NAME.match(path.name)
        assert match, f"{path.name}: name migrations NNNN_words.py"
        number, words = match.groups()
        assert int(number) == index, f"{path.name}: migrations are numbered 0001, 0002... without gaps"
        assert module.revision == number, f"{path.name}: revision id must be {number!r}"
        assert module.down_revision == previous, f"{path.name}: must revise {previous!r}"
        title = (module.__doc__ or "").strip().splitlines()[0]
        assert title == words.replace("_", " "), f"{path.name}: the docstring's first line names it"
        previous = number
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [previous], "one head, the last numbered migration"


def test_it_migrates_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
    assert _schema_differences(url) == []


def _schema_differences(url: str) -> list[Any]:
    engine = create_engine(normalise_url(url, async_driver=False))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_it_builds_by_migration_exactly_the_schema_of_the_models(
    database: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(f"{database}_url")  # migrated to head for this test session
    assert _schema_differences(url) == [], "write a migration for the model change (alembic autogenerate)"


def _domain_errors() -> list[type[DomainError]]:
    for module in pkgutil.walk_packages(birtereze.__path__, "birtereze."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    pending = [DomainError]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def test_it_gives_every_domain_error_its_own_code_status_and_translated_message() -> None:
    errors = _domain_errors()
    assert len(errors) > 10
    codes: dict[str, str] = {}
    for error in errors:
        name = f"{error.__module__}.{error.__qualname__}"
        assert "code" in vars(error) and "message" in vars(error), f"{name}: set its own code and message"
        assert SNAKE_CASE.match(error.code), f"{name}: code {error.code!r} is not snake_case"
        assert error.code not in codes, f"{name}: code {error.code!r} is taken by {codes.get(error.code)}"
        codes[error.code] = name
        assert 400 <= error.status < 600, f"{name}: status {error.status} is not an error"
        # Marked with _l(), so tests/core/test_i18n.py holds it to a Kazakh and a Russian translation.
        assert isinstance(error.message, LazyText) and str(error.message) in MARKED, f"{name}: use _l()"


def test_it_names_every_periodic_job_once_with_a_dotted_name() -> None:
    jobs = schedule()
    assert jobs, "the worker has no periodic job"
    names = [job.name for job in jobs]
    assert len(names) == len(set(names)), f"duplicate job names: {names}"
    for job in jobs:
        assert DOTTED_NAME.match(job.name), f"{job.name!r}: name jobs domain.verb_object"
        assert inspect.iscoroutinefunction(job.run), f"{job.name}: the job must be an async function"
        assert job.interval_s(Settings()) > 0, f"{job.name}: the interval must be positive"

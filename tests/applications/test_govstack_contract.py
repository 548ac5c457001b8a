"""The GovStack facade's contract: schemathesis, with GovStack's own OpenAPI files (the Registration BB API
and its statistics API, joined) as the schema, sends generated requests, valid and invalid, to /govstack as
an operator: no answer may be a server error, and no answer of a status the standard describes may break
its schema. (Statuses the standard does not list, such as 400 for a missing header or 401, are allowed:
the standard lists few.)"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import GenerationMode, HookContext
from schemathesis.python.asgi import shutdown_lifespans

from birtereze.applications import govstack, service
from birtereze.applications.documents import DocumentStore
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.web.app import create_app
from tests.applications.support import ANSWERS, APPLICANT, PDF, registries, with_standards
from tests.builders import World
from tests.conftest import Database

HERE = Path(__file__).parent / "govstack"
CLIENT = "KZ/GOV/940140000385/egov-portal"
MAX_EXAMPLES = 15
# Statuses answered, by operation: proof that the run met real rows.
ANSWERS_SEEN: dict[str, set[int]] = defaultdict(set)


def govstack_schema() -> dict[str, Any]:
    """The two OpenAPI files as one document, served under /govstack."""
    main = json.loads((HERE / "GovStack_Registration_BB_API.json").read_text())
    statistics = json.loads((HERE / "GovStack_Registration_BB_API_statistics.json").read_text())
    main["paths"].update(statistics["paths"])
    main["components"]["schemas"].update(statistics["components"]["schemas"])
    main["servers"] = [{"url": govstack.PREFIX}]
    return main


@pytest.fixture
async def known(db: Database, world: World, clock: ManualClock, settings: Settings) -> dict[str, list[str]]:
    """Applications in several states, so that generated ids meet real rows."""
    now = clock.now()
    store = DocumentStore.from_settings(settings)
    numbers = []
    async with db.sessions() as session:
        await with_standards(session, world, now)
        for answer in (None, "result_ready", "returned"):
            application = await service.create(
                session,
                service_id=world.services["certificate"].id,
                intake_branch_id=world.branch.id,
                applicant_iin=APPLICANT,
                channel="operator",
                language="en",
                now=now,
                registries=registries(),
                form=ANSWERS,
            )
            await service.add_document(
                session, application, code="application_scan", content=PDF, store=store, now=now
            )
            if answer is not None:
                await service.submit(session, application.id, registries=registries(), store=store, now=now)
                await service.record_body_answer(session, application.id, kind=answer, now=now, store=store)
            numbers.append(application.number)
        await session.commit()
    services = [govstack.service_uuid(s.id) for s in world.services.values()]
    steps = {0: "review", 1: "receive", 2: "review"}
    return {
        "serviceId": services,
        "eFormId": [
            f"{govstack.service_uuid(world.services[key].id)}:1" for key in ("certificate", "benefit")
        ],
        "fileId": numbers,
        "taskId": [f"{n}:{steps[i]}" for i, n in enumerate(numbers)],
    }


def _known(ids: dict[str, list[str]], name: str, value: Any) -> Any:
    """Two generated values in three become a real row's id; the third stays as drawn."""
    choices = ids.get(name)
    if not choices or not isinstance(value, str) or len(value) % 3 == 0:
        return value
    return choices[len(value) % len(choices)]


@pytest.fixture
def contract(
    settings: Settings, clock: ManualClock, world: World, known: dict[str, list[str]]
) -> Iterator[schemathesis.BaseSchema]:
    app: FastAPI = create_app(settings, clock)
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {world.tokens['operator']}", govstack.HEADER: CLIENT},
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
            },
        }
    )
    schema = schemathesis.openapi.from_dict(govstack_schema(), config=config)
    schema.app = app

    @schema.hook
    def map_path_parameters(context: HookContext, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return path_parameters
        return {name: _known(known, name, value) for name, value in path_parameters.items()}

    @schema.hook
    def map_query(context: HookContext, query: dict[str, Any] | None) -> Any:
        if not isinstance(query, dict):
            return query
        return {name: _known(known, name, value) for name, value in query.items()}

    @schema.hook
    def map_headers(context: HookContext, headers: dict[str, Any] | None) -> Any:
        # The header's own checks are in test_govstack; here the caller is always named.
        return {**(headers or {}), govstack.HEADER: CLIENT}

    @schema.hook
    def after_call(context: HookContext, case: schemathesis.Case, response: schemathesis.Response) -> None:
        ANSWERS_SEEN[case.operation.label].add(response.status_code)

    ANSWERS_SEEN.clear()
    yield schema
    shutdown_lifespans()


def test_the_facade_answers_as_the_govstack_schema_says(contract: schemathesis.BaseSchema) -> None:
    failures = []
    operations = [result.ok() for result in contract.get_all_operations()]
    assert len(operations) == 13  # GET and PUT /applications/{fileId} are two
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode, hooks=contract.hooks))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(timeout=10.0)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                continue
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    succeeded = {label for label, codes in ANSWERS_SEEN.items() if any(200 <= c < 300 for c in codes)}
    assert len(succeeded) >= 9, f"too few requests met real rows: {dict(ANSWERS_SEEN)}"

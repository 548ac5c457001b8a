"""The API contract: schemathesis drives every operation of /openapi.json through the ASGI app.

Each run starts from a busy hall (tickets waiting, windows open and calling) and sends generated
requests, valid and invalid, as an admin and as an operator of one branch, on SQLite and PostgreSQL:
no answer may be a server error, and every answer (status, content type, body) must be one the
document describes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from schemathesis import APIOperation, BaseSchema, GenerationMode, HookContext
from schemathesis.python.asgi import shutdown_lifespans

from birtereze.core import security
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
from birtereze.web.app import create_app
from tests.builders import World
from tests.conftest import Database

# The operationIds are part of the contract: clients generated from the document use them as names.
OPERATION_IDS = [
    "acknowledgeBodyDelivery",
    "addSpecialDay",
    "announceCall",
    "answerAssistCall",
    "arriveWithTicket",
    "bookAppointment",
    "callNext",
    "callTicket",
    "cancelAppointment",
    "cancelOwnTicket",
    "cancelTicket",
    "changeMyIssuingBranch",
    "changeWorkProfile",
    "checkInAppointment",
    "closeWindow",
    "confirmArrival",
    "createApplication",
    "createBranch",
    "createQueue",
    "createRoster",
    "createRoutingRule",
    "createStaff",
    "createToken",
    "createWindow",
    "createWorkProfile",
    "createZone",
    "deleteRoutingRule",
    "downloadApplicationDocument",
    "endBreak",
    "endWrapUp",
    "exportKpisCsv",
    "exportRosterCsv",
    "fileMyApplication",
    "findNearbyBranches",
    "finishService",
    "getApplication",
    "getApplicationTimeline",
    "getBranch",
    "getBranchLoad",
    "getCitizenMe",
    "getDemandForecast",
    "getKpis",
    "getMe",
    "getMyApplication",
    "getPushKey",
    "getRoster",
    "getServiceStandard",
    "getStaffingRequirement",
    "getTicket",
    "getTicketStatus",
    "health",
    "issueApplicationResult",
    "issueTicket",
    "listAlerts",
    "listApplications",
    "listAppointmentSlots",
    "listAssistCalls",
    "listAuthorities",
    "listBranchLoads",
    "listBranches",
    "listDeliveries",
    "listMyApplications",
    "listMyAppointments",
    "listMyRemoteTickets",
    "listNotifications",
    "listPriorityCategories",
    "listQueues",
    "listRoutingRules",
    "listServiceStandardVersions",
    "listServices",
    "listStaff",
    "listWaitingTickets",
    "listWindows",
    "listWorkProfiles",
    "markNoShow",
    "offerService",
    "openWindow",
    "parkTicket",
    "putAuthority",
    "raiseAssistCall",
    "recallTicket",
    "receiveApplicationResult",
    "recordBodyAnswer",
    "recordService",
    "removeSpecialDay",
    "requestSignInCode",
    "requeueDelivery",
    "rescheduleAppointment",
    "runWhatIf",
    "setOpeningHours",
    "signOutCitizen",
    "startBreak",
    "streamBranchEvents",
    "submitApplication",
    "subscribePush",
    "takeBodyInbox",
    "takeRemoteTicket",
    "transferTicket",
    "unsubscribePush",
    "updateApplicationForm",
    "updateBranch",
    "updateQueue",
    "updateRosterShift",
    "updateServiceStandard",
    "updateStaff",
    "updateWindow",
    "updateWorkProfile",
    "uploadApplicationDocument",
    "verifySignInCode",
    "withdrawService",
]
MAX_EXAMPLES = 10


def test_it_names_every_operation_with_a_stable_operation_id(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}"))
    implicit = [
        route.path_format
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and route.include_in_schema and not route.operation_id
    ]
    assert not implicit, f"routes without an explicit operation_id: {implicit}"
    ids = [
        operation["operationId"]
        for methods in app.openapi()["paths"].values()
        for operation in methods.values()
    ]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert sorted(ids) == OPERATION_IDS, "a changed operationId breaks generated clients: update the list"


def test_it_declares_each_routes_problem_answers(tmp_path: Path) -> None:
    document = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}")).openapi()
    issue = document["paths"]["/api/v1/branches/{branch_id}/tickets"]["post"]["responses"]
    assert set(issue) == {"201", "400", "401", "403", "404", "409", "422", "503"}
    assert issue["403"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    public = document["paths"]["/api/v1/branches/{branch_id}/load"]["get"]["responses"]
    assert "401" not in public and "403" not in public and "404" in public
    assert "401" in document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_it_finds_no_row_for_an_id_beyond_64_bits(client: httpx.AsyncClient, world: World) -> None:
    huge = 2**70
    for path in (f"/api/v1/branches/{huge}", f"/api/v1/branches/{huge}/load"):
        response = await client.get(path)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    response = await client.post(f"/api/v1/windows/{huge}/call-next", headers=world.auth("operator"))
    assert response.status_code == 404


async def test_it_names_the_allowed_methods_when_refusing_one(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/load")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET"


async def test_it_takes_opening_hours_as_local_times_only(client: httpx.AsyncClient, world: World) -> None:
    url = f"/api/v1/branches/{world.branch.id}/hours"
    offset = [{"weekday": 1, "opens": "09:00Z", "closes": "18:00"}]
    response = await client.put(url, json=offset, headers=world.auth("manager"))
    assert response.status_code == 422, response.text
    local = [{"weekday": 1, "opens": "09:00", "closes": "18:00"}]
    response = await client.put(url, json=local, headers=world.auth("manager"))
    assert response.status_code == 200, response.text
    branch = (await client.get(f"/api/v1/branches/{world.branch.id}")).json()
    assert branch["hours"] == [{"weekday": 1, "opens": "09:00:00", "closes": "18:00:00"}]


async def test_it_takes_days_only_as_iso_dates(client: httpx.AsyncClient, world: World) -> None:
    # Pydantic alone would read a number as a Unix time: "0" would be 1 January 1970.
    kpis = f"/api/v1/branches/{world.branch.id}/kpis"
    assert (await client.get(kpis, params={"day": "0"}, headers=world.auth("manager"))).status_code == 422
    assert (await client.get(kpis, params={"day": "2026-11-27"}, headers=world.auth("manager"))).is_success
    special_days = f"/api/v1/branches/{world.branch.id}/special-days"
    refused = await client.post(
        special_days, json={"day": 0, "kind": "holiday"}, headers=world.auth("manager")
    )
    assert refused.status_code == 422
    added = await client.post(
        special_days, json={"day": "2026-12-16", "kind": "holiday"}, headers=world.auth("manager")
    )
    assert added.status_code == 201, added.text
    removed = await client.delete(f"{special_days}/86400", headers=world.auth("manager"))
    assert removed.status_code == 422


async def test_it_refuses_a_boolean_or_text_where_a_number_goes(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/branches/{world.branch.id}/tickets"
    service_id = world.services["certificate"].id
    for body in (
        {"service_id": True},
        {"service_id": str(service_id)},
        {"service_id": service_id, "extra_service_ids": [str(service_id)]},
        {"service_id": service_id, "appointment": 1},
    ):
        response = await client.post(url, json=body, headers=world.auth("kiosk"))
        assert response.status_code == 422, body
    accepted = await client.post(url, json={"service_id": float(service_id)}, headers=world.auth("kiosk"))
    assert accepted.status_code == 201  # 3.0 is the integer 3 in JSON


async def _busy_hall(db: Database, world: World, clock: ManualClock) -> dict[str, list[int]]:
    """Tickets waiting and windows in several states, so that generated calls meet real rows."""
    now = clock.now()
    async with db.sessions() as session:
        visits = [
            await queue_service.issue_ticket(
                session, branch_id=world.branch.id, service_id=world.services[key].id, now=now
            )
            for key in ("certificate", "benefit", "consultation", "certificate", "certificate")
        ]
        operator, operator2 = world.staff["operator"], world.staff["operator2"]
        await queue_service.open_window(
            session,
            window_id=world.windows[2].id,
            staff_id=operator,
            work_profile_id=world.profiles["all"].id,
            now=now,
        )
        await queue_service.open_window(
            session,
            window_id=world.windows[3].id,
            staff_id=operator2,
            work_profile_id=world.profiles["all"].id,
            now=now,
        )
        await queue_service.call_next(session, window_id=world.windows[3].id, now=now)
        await session.commit()
    return {
        "branch": [world.branch.id, world.other_branch.id],
        "window": [w.id for w in world.windows.values()],
        "visit": [v.id for v in visits],
        "queue": [q.id for q in world.queues.values()],
        "service": [s.id for s in world.services.values()],
        "profile": [p.id for p in world.profiles.values()],
        "staff": list(world.staff.values()),
    }


# Which known rows a generated integer may stand for, by parameter or field name.
KINDS = {
    "branch_id": "branch",
    "window_id": "window",
    "visit_id": "visit",
    "queue_id": "queue",
    "service_id": "service",
    "profile_id": "profile",
    "work_profile_id": "profile",
    "staff_id": "staff",
}


def _known(ids: dict[str, list[int]], name: str, value: Any) -> Any:
    """Two generated integers in three become a real row's id; the third stays as drawn."""
    kind = KINDS.get(name)
    # Only ids the schema allows are replaced, so that a negative case stays invalid.
    if kind is None or not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value % 3 == 0:
        return value
    choices = ids[kind]
    return choices[value % len(choices)]


@pytest.fixture(params=["admin", "operator"])
def persona(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def hall(db: Database, world: World, clock: ManualClock) -> dict[str, list[int]]:
    return await _busy_hall(db, world, clock)


@dataclass
class Contract:
    schema: BaseSchema
    # Statuses answered, by operation ("POST /api/v1/..."): proof that the run met real rows.
    answers: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


@pytest.fixture
def contract(
    settings: Settings, clock: ManualClock, world: World, persona: str, hall: dict[str, list[int]]
) -> Iterator[Contract]:
    app: FastAPI = create_app(settings, clock)
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {world.tokens[persona]}"},
            # A schema-valid request may still be refused by a domain rule (a service not offered: 400).
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", 400, 401, 403, 404, 409]}},
            "operations": [
                {
                    # Cross-field rules JSON Schema cannot state (closing after opening, exactly one
                    # transfer target) answer 422 to some schema-valid bodies.
                    "include-operation-id": ["setOpeningHours", "addSpecialDay", "transferTicket"],
                    "checks": {"positive_data_acceptance": {"enabled": False}},
                }
            ],
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    result = Contract(schema)
    statuses = [
        security.sign_ticket(settings.secret_key, visit_id, datetime.now(UTC)) for visit_id in hall["visit"]
    ]
    # The caller does not edit their own account, so that one deactivation does not end the run.
    known = {**hall, "staff": [staff_id for staff_id in hall["staff"] if staff_id != world.staff[persona]]}

    @schema.hook
    def map_path_parameters(context: HookContext, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return path_parameters
        mapped = {name: _known(known, name, value) for name, value in path_parameters.items()}
        token = mapped.get("token")
        if isinstance(token, str) and len(token) % 2 == 0:
            mapped["token"] = statuses[len(token) % len(statuses)]
        return mapped

    @schema.hook
    def map_body(context: HookContext, body: Any) -> Any:
        if isinstance(body, dict):
            return {name: _known(known, name, value) for name, value in body.items()}
        return body

    @schema.hook
    def map_query(context: HookContext, query: dict[str, Any] | None) -> Any:
        if not isinstance(query, dict):
            return query
        return {name: _known(known, name, value) for name, value in query.items()}

    @schema.hook
    def map_headers(context: HookContext, headers: dict[str, Any] | None) -> Any:
        # A header has no null (schemathesis would send the text "null"): a nullable header is left out.
        if not isinstance(headers, dict):
            return headers
        return {name: value for name, value in headers.items() if value not in (None, "null")}

    @schema.hook
    def after_call(context: HookContext, case: schemathesis.Case, response: schemathesis.Response) -> None:
        result.answers[case.operation.label].add(response.status_code)

    yield result
    shutdown_lifespans()


def _exercise(schema: BaseSchema, operation: APIOperation, mode: GenerationMode) -> None:
    """Send generated requests of one mode to one operation; hypothesis shrinks a failure."""
    stream = operation.path.endswith("/events")  # never ends on its own: cut after a moment

    @hypothesis.settings(
        max_examples=3 if stream else MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode, hooks=schema.hooks))
    def run(case: schemathesis.Case) -> None:
        # A stream is cut after a second; an answer that is not a stream (an error) must come before then,
        # even from a cold process on a busy machine.
        case.call_and_validate(timeout=1.0 if stream else 10.0)

    run()


def test_it_answers_every_generated_request_as_documented(contract: Contract, persona: str) -> None:
    failures = []
    operations = [result.ok() for result in contract.schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(contract.schema, operation, mode)
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing invalid can be sent to an operation without inputs
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup is a BaseExceptionGroup
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    succeeded = [label for label, codes in contract.answers.items() if any(200 <= c < 300 for c in codes)]
    assert len(succeeded) >= len(operations) // 4, f"too few requests met real rows: {succeeded}"

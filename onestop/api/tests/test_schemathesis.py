"""Schemathesis holds the API to the OpenAPI document it serves at ``/api/v1/openapi.json``.

For every operation it generates requests from the document — valid ones, invalid ones, and
boundary values of every parameter and body field — sends them to the real application in
process (Django's WSGI handler, the full middleware stack, real CSRF), and checks each answer:
no 5xx, no status the operation does not document, a body that matches the documented schema
and the documented content type.

The requests get past the 404s and 422s that random ids and strings alone would meet: the
database holds two one-stop centers, staff of every role, open cases, a police agency with a
referral key and a referral it already sent. Generated case, staff and report ids are mostly
swapped for real ones; the caller is a signed-in staff member of varying role (or a partner
key) chosen from the generated request; and a valid police referral body is kept as generated
wherever the referral parser accepts it, its broken fields replaced by the contract's example,
so that referrals are received (201), replayed (200) and refused as duplicates (409) as well.
Each example runs in a savepoint that is rolled back: every request meets the same world.

Under ``CI`` Hypothesis's own ci profile makes the run deterministic; elsewhere each run draws
new examples (the boundary values of the coverage phase are the same every time)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onestop.accounts.models import Role, Staff
from onestop.accounts.services import agency_add, apikey_issue
from onestop.api.tests.helpers import API, CSRF_SECRET, client_for
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.intake.referrals import parse_police_referral
from onestop.intake.services import police_referral_receive, request_digest

# The application as a server runs it, not Django's test client: CSRF is enforced for real.
APP = WSGIHandler()
CONFIG = schemathesis.Config.from_dict({"generation": {"max-examples": 15, "database": "none"}})
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", APP, config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

KNOWN_PHONE = "010-1234-5678"  # the phone of the victim of the `open_case` fixture
KNOWN_REPORT_ID = "SMPA-2026-000001"


def referral_example(
    *, phone: str = KNOWN_PHONE, report_id: str = KNOWN_REPORT_ID
) -> dict[str, Any]:
    """The contract's example body, its times an hour ago."""
    reported = clock.now() - dt.timedelta(hours=1)
    return {
        "police_report_id": report_id,
        "reported_at": reported.isoformat(),
        "station": "마포경찰서",
        "officer": {"name": "경사 박○○", "phone": "02-3149-0000"},
        "victim": {
            "name": "김○○",
            "phone": phone,
            "birth_year": 1995,
            "gender": "female",
            "address": "서울특별시 마포구 ...",
            "safe_contact": {"method": "sms", "from": "18:00", "to": "21:00", "note": "문자만"},
        },
        "perpetrator": {
            "name": "이○○",
            "relationship": "former_partner",
            "phone": "010-9876-5432",
            "address": None,
        },
        "behaviours": ["communication", "watching_waiting"],
        "summary": "이별 후 하루 50통 이상의 전화, 집 앞에서 기다림.",
        "police_risk_grade": "high",
        "protection_recommended": True,
        "protective_measures": [
            {"kind": "urgent_emergency", "from": reported.date().isoformat(), "to": None}
        ],
        "consent": {
            "given": True,
            "given_at": (reported + dt.timedelta(minutes=20)).isoformat(),
            "method": "signed_form",
            "purposes": ["support_services", "share_with_police"],
            "data_categories": ["identity", "contact", "incident", "risk", "address"],
            "officer_id": "A-1234",
        },
    }


@dataclass
class World:
    """What a request may name, and who may send it."""

    case_ids: list[UUID]  # an open case, a referred case, another center's case
    victim_ids: list[UUID]
    staff_ids: list[UUID]  # on the open case's team, off it, at another center
    sessions: list[str]  # session keys of staff of several roles and both centers
    keys: list[str]  # partner keys: the referring police, another police agency, a shelter


@pytest.fixture
def world(db, settings, agency, other_agency, staff, make_staff, open_case) -> Iterator[World]:
    # Deeper paths than 429: the contract tests cover the rate limit itself.
    settings.ONESTOP_REFERRAL_RATE_LIMIT = "1000000/60"
    police = agency_add(actor=None, code="police-mapo", kind="police", name="마포", region="seoul")
    agency_add(actor=None, code="police-busan", kind="police", name="부산", region="busan")
    agency_add(actor=None, code="shelter-seoul", kind="shelter", name="쉼터", region="seoul")
    keys = {
        code: apikey_issue(actor=None, agency_code=code, scope=scope)
        for code, scope in (
            ("police-mapo", "police_referral"),
            ("police-busan", "police_referral"),
            ("shelter-seoul", "provider"),
        )
    }
    case = open_case(staff[Role.CASE_MANAGER])
    other_manager = make_staff(other_agency, Role.CASE_MANAGER)
    other_case = open_case(other_manager, phone="010-2222-3333")
    body = referral_example(phone="010-5555-6666")
    referred = police_referral_receive(
        api_key=keys[police.code][0],
        idempotency_key="world-referral-1",
        body_digest=request_digest(body),
        data=parse_police_referral(body),
    ).referral.case
    callers = [
        staff[Role.SUPERVISOR],
        staff[Role.SUPERVISOR],
        staff[Role.SUPERVISOR],
        staff[Role.SUPERVISOR],
        staff[Role.CASE_MANAGER],
        staff[Role.CASE_MANAGER],
        staff[Role.HOTLINE_COUNSELOR],
        make_staff(other_agency, Role.SUPERVISOR),
    ]
    world = World(
        case_ids=[case.pk, case.pk, referred.pk, other_case.pk],
        victim_ids=[case.victim_id, referred.victim_id, other_case.victim_id],
        staff_ids=[
            staff[Role.CASE_MANAGER].pk,
            staff[Role.HOTLINE_COUNSELOR].pk,
            staff[Role.EXPERT].pk,
            staff[Role.SUPERVISOR].pk,
            staff[Role.STATISTICIAN].pk,
            other_manager.pk,
        ],
        sessions=[session_of(user) for user in callers],
        keys=[*[keys["police-mapo"][1]] * 6, keys["police-busan"][1], keys["shelter-seoul"][1]],
    )
    # The WSGI handler closes "old" connections around each request, which would close the
    # test's transaction; Django's test client disconnects the same receiver.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def session_of(user: Staff) -> str:
    return str(client_for(user).cookies["sessionid"].value)


# --- steering generated requests into the world ----------------------------------------------
# Choices are derived from the generated request itself, so that Hypothesis can replay and
# shrink an example exactly.


def pick(options: list[Any], *seeds: Any) -> Any:
    """One of ``options``, the same one whenever the seeds are the same."""
    try:
        text = json.dumps(seeds, sort_keys=True, default=repr)
    except TypeError:  # a negative body may mix key types
        text = repr(seeds)
    return options[zlib.crc32(text.encode("utf-8", "surrogatepass")) % len(options)]


def is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def is_positive(case: schemathesis.Case[Any]) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def steer(case: schemathesis.Case[Any], world: World) -> None:
    """Swap generated ids for ones that exist, sometimes (never a malformed one: that stays)."""
    path = case.path_parameters or {}
    for name, ids in (("case_id", world.case_ids), ("staff_id", world.staff_ids)):
        if name in path and is_uuid(path[name]):
            path[name] = str(pick([path[name], *ids], name, path[name]))
    if "police_report_id" in path:
        path["police_report_id"] = pick([path["police_report_id"], KNOWN_REPORT_ID], path)
    body = case.body
    if not isinstance(body, dict) or not is_positive(case):
        return
    body = copy.deepcopy(body)
    if case.path.endswith("/team") and is_uuid(body.get("staff_id")):
        body["staff_id"] = str(pick([body["staff_id"], *world.staff_ids], body))
    if case.path.endswith("/intake") or case.path.endswith("/intake/matches"):
        body["phone"] = pick([body.get("phone", ""), KNOWN_PHONE], body)
        for name, ids in (
            ("attach_to_case_id", world.case_ids),
            ("existing_victim_id", world.victim_ids),
        ):
            if is_uuid(body.get(name)):
                body[name] = str(pick([body[name], *ids], name, body))
    if case.path.endswith("/referrals/police") and pick([True, False, False], body):
        body = referral_repaired(body)
        # Now and then a report the police agency sent before: 409 duplicate_report.
        body["police_report_id"] = pick([body["police_report_id"]] * 5 + [KNOWN_REPORT_ID], body)
    case.body = body


def referral_repaired(body: dict[str, Any]) -> dict[str, Any]:
    """The generated body with each field the referral parser refuses (a phone that is no
    Korean number, a time in the future, missing consent, …) replaced by the example's."""
    example = referral_example(
        phone=pick(["010-3333-4444", "+82 10 7777 8888", KNOWN_PHONE], body),
        report_id=pick([str(body.get("police_report_id")), KNOWN_REPORT_ID], body),
    )
    for _attempt in range(4):
        try:
            parse_police_referral(body)
        except ValidationFailed as exc:
            for error in exc.errors:
                body = replaced(body, example, error.field.split(".") if error.field else [])
        else:
            break
    return body


def replaced(node: Any, example: Any, path: list[str]) -> Any:
    """``node`` with the value at ``path`` taken from ``example`` (from the first item where
    the example has fewer), or dropped where the example has none."""
    if not path:
        return copy.deepcopy(example)
    head, rest = path[0], path[1:]
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        index = int(head)
        model = example[min(index, len(example) - 1)] if example else None
        if model is None:
            return node[:index] + node[index + 1 :]
        return [*node[:index], replaced(node[index], model, rest), *node[index + 1 :]]
    if isinstance(node, dict) and isinstance(example, dict):
        if head not in example:
            return {key: value for key, value in node.items() if key != head}
        child = node.get(head)
        model = example[head]
        fixed = replaced(child, model, rest) if child is not None and rest else model
        return {**node, head: copy.deepcopy(fixed)}
    return copy.deepcopy(example)


def credentials(case: schemathesis.Case[Any], world: World) -> dict[str, Any]:
    seed = (case.path_parameters, case.query, case.body)
    if case.path.startswith((f"{API}/referrals/", f"{API}/partner/")):
        return {"headers": {"Authorization": f"Bearer {pick(world.keys, 'key', seed)}"}}
    session = pick(world.sessions, "session", seed)
    return {
        "headers": {"X-CSRFToken": CSRF_SECRET},
        "cookies": {"sessionid": session, "csrftoken": CSRF_SECRET},
    }


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    # The world is built once per operation and each example rolls back to it.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_answer_is_documented(case, world):
    steer(case, world)
    savepoint = transaction.savepoint_create()
    try:
        response = case.call_and_validate(checks=CHECKS, **credentials(case, world))
        if case.path == f"{API}/referrals/police" and response.status_code == 201:
            # The same key and body again: the first answer, as 200.
            again = case.call_and_validate(checks=CHECKS, **credentials(case, world))
            assert (again.status_code, again.json()) == (200, response.json())
    finally:
        transaction.savepoint_rollback(savepoint)

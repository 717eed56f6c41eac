"""Two people recording the same request's next step at the same moment, or the same URL on the
same case, are ordered by the case's lock: one step wins, the other sees the new status and is
refused; one URL is one request. Real parallel transactions on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case, TeamRole
from onestop.cases.services import case_team_assign
from onestop.core.errors import ValidationFailed
from onestop.takedown import tracking
from onestop.takedown.models import (
    PlatformKind,
    ProofKind,
    Relation,
    TakedownRequest,
    TakedownStatus,
    TakedownStep,
)
from onestop.takedown.tracking import FoundInput, MandateInput, PlatformInput, StepInput

HOLD = 0.5


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")


def in_thread(target: Callable[[], object], results: dict[str, Any], name: str) -> threading.Thread:
    def body() -> None:
        try:
            results[name] = target()
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


@pytest.fixture
def world(
    manager: Staff, supervisor: Staff, staff: dict[str, Staff], open_case: Callable[..., Case]
) -> dict[str, Any]:
    case = open_case(manager)
    deletion = staff[Role.DELETION_STAFF]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=deletion.pk, role=TeamRole.DELETION)
    tracking.platform_save(
        actor=supervisor,
        data=PlatformInput(
            name="웹하드 예시",
            kind=PlatformKind.FILE_SHARING,
            country="KR",
            domains="webhard.example",
            report_channel="https://webhard.example/report",
            response_hours=24,
        ),
    )
    tracking.mandate_record(
        actor=manager,
        case_id=case.pk,
        data=MandateInput(relation=Relation.VICTIM, proof_kind=ProofKind.ID_CHECKED),
    )
    return {"case": case, "manager": manager, "deletion": deletion}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_to_one_request_one_wins(world: dict[str, Any]) -> None:
    needs_postgres()
    case, manager, deletion = world["case"], world["manager"], world["deletion"]
    request = tracking.takedown_request_open(
        actor=manager, case_id=case.pk, data=FoundInput(url="https://webhard.example/v/1")
    )
    tracking.takedown_evidence_preserve(
        actor=manager, case_id=case.pk, request_id=request.pk, name="c.txt",
        data=b"captured page", captured_at=None, keep_file=False,
    )  # fmt: skip
    tracking.takedown_request_step(
        actor=manager, case_id=case.pk, request_id=request.pk,
        data=StepInput(to_status=TakedownStatus.REQUESTED),
    )  # fmt: skip
    locked = threading.Event()
    results: dict[str, Any] = {}

    def removed() -> object:
        with transaction.atomic():
            done = tracking.takedown_request_step(
                actor=manager, case_id=case.pk, request_id=request.pk,
                data=StepInput(to_status=TakedownStatus.REMOVED),
            )  # fmt: skip
            locked.set()
            time.sleep(HOLD)
            return done

    def refused() -> object:
        locked.wait(5)
        return tracking.takedown_request_step(
            actor=deletion, case_id=case.pk, request_id=request.pk,
            data=StepInput(to_status=TakedownStatus.REFUSED, note="거부 회신"),
        )  # fmt: skip

    threads = [in_thread(removed, results, "removed"), in_thread(refused, results, "refused")]
    for thread in threads:
        thread.join(10)
    assert isinstance(results["removed"], TakedownRequest)
    assert isinstance(results["refused"], ValidationFailed)  # it saw "removed" and stopped
    assert TakedownRequest.objects.get(pk=request.pk).status == TakedownStatus.REMOVED
    assert list(
        TakedownStep.objects.filter(request=request).values_list("status_to", flat=True)
    ) == [TakedownStatus.FOUND, TakedownStatus.REQUESTED, TakedownStatus.REMOVED]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_url_found_twice_at_once_is_one_request(world: dict[str, Any]) -> None:
    needs_postgres()
    case, manager, deletion = world["case"], world["manager"], world["deletion"]
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def open_as(actor: Staff) -> Callable[[], object]:
        def body() -> object:
            start.wait(5)
            return tracking.takedown_request_open(
                actor=actor, case_id=case.pk, data=FoundInput(url="https://webhard.example/v/7")
            )

        return body

    threads = [
        in_thread(open_as(manager), results, "a"),
        in_thread(open_as(deletion), results, "b"),
    ]
    for thread in threads:
        thread.join(10)
    outcomes = sorted(type(results[k]).__name__ for k in ("a", "b"))
    assert outcomes == ["TakedownRequest", "ValidationFailed"]
    assert TakedownRequest.objects.filter(case=case).count() == 1

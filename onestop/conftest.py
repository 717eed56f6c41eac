"""Shared fixtures: two agencies of the same kind, staff of every role in each, and a way to open
a case through the real intake service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add, staff_add
from onestop.intake.services import IntakeInput, intake_submit

PASSWORD = "correct-horse-battery-staple"  # noqa: S105  (test accounts only)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _evidence_files_in_a_temporary_directory(settings: Any, tmp_path_factory: Any) -> None:
    """Sealed evidence files that tests (and the demo they load) write never land in var/."""
    settings.ONESTOP_EVIDENCE_DIR = tmp_path_factory.mktemp("evidence")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (Korean): a request made through the test client
    runs in the test's thread, and the language it activated would otherwise stay for the next
    test."""
    translation.deactivate()
    yield
    translation.deactivate()


def run_pending_tasks() -> int:
    """Work the task queue with ``db_worker``'s own claim-and-run code until it is empty.
    (The command itself closes "old" connections between tasks, which would close the test's
    transaction on PostgreSQL, so the loop is driven here.) Returns how many tasks ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().get_locked()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        if result.status != "SUCCESSFUL":
            raise AssertionError(f"task {result.task_path} failed: {result.traceback}")
        ran += 1
    return ran


@pytest.fixture
def agency() -> Agency:
    return agency_add(
        actor=None, code="seoul-onestop", kind="onestop_center", name="서울 원스톱", region="seoul"
    )


@pytest.fixture
def other_agency() -> Agency:
    return agency_add(
        actor=None, code="busan-onestop", kind="onestop_center", name="부산 원스톱", region="busan"
    )


@pytest.fixture
def make_staff() -> Callable[..., Staff]:
    def make(agency: Agency, role: str, username: str | None = None) -> Staff:
        return staff_add(
            actor=None,
            agency_code=agency.code,
            username=username or f"{agency.code}-{role}".replace("_", "-"),
            role=role,
            password=PASSWORD,
        )

    return make


@pytest.fixture
def staff(agency: Agency, make_staff: Callable[..., Staff]) -> dict[str, Staff]:
    """One account of every role at ``agency``, keyed by role."""
    return {role: make_staff(agency, role) for role in Role.values}


@pytest.fixture
def counselor(staff: dict[str, Staff]) -> Staff:
    return staff[Role.HOTLINE_COUNSELOR]


@pytest.fixture
def manager(staff: dict[str, Staff]) -> Staff:
    return staff[Role.CASE_MANAGER]


@pytest.fixture
def supervisor(staff: dict[str, Staff]) -> Staff:
    return staff[Role.SUPERVISOR]


@pytest.fixture
def open_case() -> Callable[..., Any]:
    """Open a case through intake as ``actor``; returns the Case."""

    def make(actor: Staff, **fields: Any) -> Any:
        data: dict[str, Any] = {
            "channel": "hotline",
            "name": "김지영",
            "phone": "010-1234-5678",
            "birth_year": 1995,
            "relationship": "former_partner",
            "stalking_behaviours": ["communication", "watching_waiting"],
            "summary": "헤어진 뒤 하루 50통 넘게 전화가 옴",
        }
        data.update(fields)
        return intake_submit(actor=actor, data=IntakeInput(**data), confirmed_new_person=True).case

    return make

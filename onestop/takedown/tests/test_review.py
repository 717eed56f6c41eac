"""The review queue's decisions (``candidate_decide``): what monitoring was not sure of waits
for the desk of the banked item's case's agency; a match opens a request found by review with
the capture kept when it was found; not a match is recorded and never asked again; a decision
is made once; the platform (and, for a dropped file, the URL) must be known; and the queue
names a case only to those who may see it, never the victim."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.core.errors import ValidationFailed
from onestop.takedown.errors import TakedownActionForbidden, TakedownNotFound
from onestop.takedown.models import (
    BankItem,
    CandidateDecision,
    FoundBy,
    MatchCandidate,
    Platform,
    TakedownRequest,
    TakedownStatus,
)
from onestop.takedown.monitoring import candidate_decide, monitoring_run
from onestop.takedown.selectors import review_queue_for_user
from onestop.takedown.services import bank_add
from onestop.takedown.tests.monitoring_world import (  # noqa: F401 (fixtures, found by pytest)
    fixture_board,
    fixture_case,
    fixture_desk,
    fixture_item,
    fixture_monitoring_settings,
    fixture_site,
    fixture_waiting,
    folder_source,
    picture,
    sha,
    stickered,
    url_source,
)
from onestop.takedown.tests.test_crawl import Site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_settings")]


def written() -> tuple[int, ...]:
    return (
        TakedownRequest.objects.count(),
        MatchCandidate.objects.exclude(decision=CandidateDecision.PENDING).count(),
        CaseEvent.objects.filter(kind=EventKind.TAKEDOWN_FOUND).count(),
        AuditEntry.objects.count(),
    )


def fields(exc: ValidationFailed) -> set[str]:
    return {e.field or "" for e in exc.errors}


def test_a_person_says_match_and_a_request_is_opened_found_by_review(
    waiting: MatchCandidate, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    decided = candidate_decide(
        actor=desk, candidate_id=waiting.pk, is_match=True, note="스티커로 가린 같은 사진"
    )
    assert decided.decision == CandidateDecision.MATCH
    assert decided.decided_by == desk
    assert decided.decided_at is not None
    request = TakedownRequest.objects.get()
    assert decided.request_id == request.pk
    assert (request.case_id, request.bank_item_id, request.platform_id) == (
        case.pk,
        item.pk,
        board.pk,
    )
    assert request.url == waiting.url
    assert request.found_by == FoundBy.REVIEW
    assert request.distance == waiting.distance
    assert request.status == TakedownStatus.FOUND
    # the evidence is what monitoring captured when it found it
    assert request.evidence_preserved
    assert request.captured_at == waiting.found_at
    assert request.capture_sha256 == waiting.capture_sha256
    (step,) = request.steps.all()
    assert (step.actor_id, step.note) == (desk.pk, "스티커로 가린 같은 사진")
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TAKEDOWN_FOUND).count() == 1
    entry = AuditEntry.objects.get(action="takedown.candidate_decide")
    assert entry.actor_id == desk.pk
    assert entry.data == {
        "candidate": str(waiting.pk),
        "item": str(item.pk),
        "decision": "match",
        "request": str(request.pk),
        "note": "스티커로 가린 같은 사진",
    }
    # the queue no longer lists it
    assert [r.candidate_id for r in review_queue_for_user(user=desk)] == []


def test_not_a_match_is_recorded_once_and_not_asked_again(
    waiting: MatchCandidate, desk: Staff, site: Site
) -> None:
    candidate_decide(actor=desk, candidate_id=waiting.pk, is_match=False)
    waiting.refresh_from_db()
    assert waiting.decision == CandidateDecision.NOT_MATCH
    assert waiting.request_id is None
    assert TakedownRequest.objects.count() == 0
    assert AuditEntry.objects.get(action="takedown.candidate_decide").data["decision"] == (
        "not_match"
    )
    # decided: it cannot be decided again
    before = written()
    for is_match in (True, False):
        with pytest.raises(ValidationFailed) as refused:
            candidate_decide(actor=desk, candidate_id=waiting.pk, is_match=is_match)
        assert fields(refused.value) == {"decision"}
    assert written() == before
    # found again by the next run: the person's answer stands
    monitoring_run(source_id=waiting.source_id)  # type: ignore[arg-type]
    assert MatchCandidate.objects.count() == 1
    assert MatchCandidate.objects.get().decision == CandidateDecision.NOT_MATCH


def test_only_the_desk_of_the_case_s_agency_decides(
    waiting: MatchCandidate,
    staff: dict[str, Staff],
    make_staff: Callable[..., Staff],
    other_agency: Any,
) -> None:
    others = [make_staff(other_agency, r) for r in (Role.DELETION_STAFF, Role.SUPERVISOR)]
    before = written()
    for role, user in staff.items():
        if role in (Role.DELETION_STAFF, Role.SUPERVISOR):
            continue
        with pytest.raises(TakedownActionForbidden):
            candidate_decide(actor=user, candidate_id=waiting.pk, is_match=True)
    for elsewhere in others:
        with pytest.raises(TakedownNotFound):
            candidate_decide(actor=elsewhere, candidate_id=waiting.pk, is_match=True)
        assert review_queue_for_user(user=elsewhere) == []
    assert written() == before
    waiting.refresh_from_db()
    assert waiting.decision == CandidateDecision.PENDING
    # the agency's supervisor is of the desk too
    candidate_decide(actor=staff[Role.SUPERVISOR], candidate_id=waiting.pk, is_match=False)


def test_a_url_of_no_known_platform_needs_one_chosen(
    site: Site, desk: Staff, item: BankItem, board: Platform
) -> None:
    site.add("/img/same.jpg", picture("sample-b.jpg"))
    url = site.url("/img/same.jpg", host="127.0.0.1")
    monitoring_run(source_id=url_source(desk, "게시판 C", url).pk)
    candidate = MatchCandidate.objects.get()
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        candidate_decide(actor=desk, candidate_id=candidate.pk, is_match=True)
    assert fields(refused.value) == {"platform"}
    with pytest.raises(ValidationFailed) as refused:
        candidate_decide(actor=desk, candidate_id=candidate.pk, is_match=True, platform_id=item.pk)
    assert fields(refused.value) == {"platform"}
    assert written() == before
    candidate_decide(actor=desk, candidate_id=candidate.pk, is_match=True, platform_id=board.pk)
    request = TakedownRequest.objects.get()
    assert (request.url, request.platform_id) == (url, board.pk)


def test_a_dropped_file_without_its_url_needs_one(
    desk: Staff, item: BankItem, board: Platform, settings: Any
) -> None:
    dropped = stickered("sample-b.jpg")
    (Path(settings.TAKEDOWN_DROP_ROOT) / "crawler" / "x.jpg").write_bytes(dropped)
    monitoring_run(source_id=folder_source(desk).pk)
    candidate = MatchCandidate.objects.get()
    assert candidate.url == ""
    before = written()
    for url in ("", "javascript:alert(1)"):
        with pytest.raises(ValidationFailed) as refused:
            candidate_decide(
                actor=desk, candidate_id=candidate.pk, is_match=True, platform_id=board.pk, url=url
            )
        assert fields(refused.value) == {"url"}
    assert written() == before
    candidate_decide(
        actor=desk,
        candidate_id=candidate.pk,
        is_match=True,
        url="http://localhost/board/9",
    )
    request = TakedownRequest.objects.get()
    assert request.url == "http://localhost/board/9"
    assert request.platform_id == board.pk  # (from the URL given)
    assert request.capture_sha256 == sha(dropped)
    candidate.refresh_from_db()
    assert candidate.url == "http://localhost/board/9"


def test_a_withdrawn_item_s_candidate_cannot_be_a_match(
    waiting: MatchCandidate, desk: Staff, manager: Staff, case: Case, item: BankItem
) -> None:
    from onestop.takedown.tracking import bank_item_withdraw

    bank_item_withdraw(actor=manager, case_id=case.pk, item_id=item.pk, note="오등록")
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        candidate_decide(actor=desk, candidate_id=waiting.pk, is_match=True)
    assert fields(refused.value) == {"decision"}
    assert written() == before
    candidate_decide(actor=desk, candidate_id=waiting.pk, is_match=False)


def test_the_queue_names_a_case_only_to_those_who_see_it(
    waiting: MatchCandidate,
    desk: Staff,
    staff: dict[str, Staff],
    case: Case,
    item: BankItem,
) -> None:
    faint = bank_add(case=case, data=picture("I16.png"), actor=None, actor_label="test")
    # the deletion-support member is not on the case's team: no reference for her
    rows = review_queue_for_user(user=desk)
    assert [(r.kind, r.case_reference, r.case_id) for r in rows] == [
        ("candidate", "", None),
        ("low_quality", "", None),
    ]
    assert rows[0].item_id == item.pk
    assert rows[1].item_id == faint.pk
    # the agency's supervisor sees the case
    rows = review_queue_for_user(user=staff[Role.SUPERVISOR])
    assert {(r.kind, r.case_reference) for r in rows} == {
        ("candidate", case.reference),
        ("low_quality", case.reference),
    }
    # nobody off the desk sees the queue
    assert review_queue_for_user(user=staff[Role.CASE_MANAGER]) == []

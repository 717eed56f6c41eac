"""Takedown tracking's rules (``takedown/tracking.py``): who may ask for deletion and with what
proof; one request per URL per case; the lifecycle and its dated steps; evidence preserved and a
request in force before a platform is asked; "no response" only after the platform's expected
time; overdue; re-uploads; who may work a case's deletion support. Every refusal writes
nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind, TeamRole
from onestop.cases.services import case_team_assign
from onestop.core import clock
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.evidence.models import EvidenceFile
from onestop.takedown import tracking
from onestop.takedown.models import (
    BankItem,
    DeletionMandate,
    FoundBy,
    Platform,
    PlatformKind,
    ProofKind,
    Relation,
    TakedownRequest,
    TakedownStatus,
    TakedownStep,
)
from onestop.takedown.services import bank_add
from onestop.takedown.tracking import (
    NEXT,
    FoundInput,
    MandateInput,
    PlatformInput,
    StepInput,
)

pytestmark = pytest.mark.django_db
S = TakedownStatus


def png(seed: int = 1) -> bytes:
    image = Image.new("RGB", (96, 64), (seed * 40 % 255, 90, 160))
    for x in range(0, 96, 8):
        for y in range(0, 64, 8):
            image.putpixel((x, y), ((x * seed) % 255, (y * 7) % 255, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def field_errors(exc: ValidationFailed) -> set[str]:
    return {e.field or "" for e in exc.errors}


@pytest.fixture
def platforms(supervisor: Staff) -> dict[str, Platform]:
    board = tracking.platform_save(
        actor=supervisor,
        data=PlatformInput(
            name="웹하드 예시",
            kind=PlatformKind.FILE_SHARING,
            country="kr",
            domains="webhard.example\ncdn.webhard.example",
            report_channel="https://webhard.example/report",
            response_hours=24,
        ),
    )
    foreign = tracking.platform_save(
        actor=supervisor,
        data=PlatformInput(
            name="Foreign tube",
            kind=PlatformKind.ADULT_SITE,
            country="US",
            domains="tube.example",
            report_channel="abuse@tube.example",
            response_hours=72,
        ),
    )
    return {"domestic": board, "foreign": foreign}


@pytest.fixture
def case(manager: Staff, open_case: Callable[..., Case]) -> Case:
    return open_case(manager)


def mandate(actor: Staff, case: Case) -> DeletionMandate:
    return tracking.mandate_record(
        actor=actor,
        case_id=case.pk,
        data=MandateInput(relation=Relation.VICTIM, proof_kind=ProofKind.ID_CHECKED),
    )


def found(actor: Staff, case: Case, url: str = "https://webhard.example/v/123") -> TakedownRequest:
    return tracking.takedown_request_open(actor=actor, case_id=case.pk, data=FoundInput(url=url))


def preserve(actor: Staff, case: Case, request: TakedownRequest, *, keep: bool = False) -> None:
    tracking.takedown_evidence_preserve(
        actor=actor,
        case_id=case.pk,
        request_id=request.pk,
        name="capture.png",
        data=png(3),
        captured_at=None,
        keep_file=keep,
    )


def step(actor: Staff, case: Case, request: TakedownRequest, to: str, **kw: Any) -> TakedownRequest:
    return tracking.takedown_request_step(
        actor=actor, case_id=case.pk, request_id=request.pk, data=StepInput(to_status=to, **kw)
    )


def counts() -> tuple[int, int, int, int]:
    return (
        TakedownRequest.objects.count(),
        TakedownStep.objects.count(),
        DeletionMandate.objects.count(),
        AuditEntry.objects.filter(action__startswith="takedown.").count(),
    )


# --- who asked ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relation", "proof", "name", "note", "bad"),
    [
        (Relation.VICTIM, ProofKind.ID_CHECKED, "", "", set()),
        (
            Relation.SPOUSE,
            ProofKind.FAMILY_CERTIFICATE,
            "박민수",
            "가족관계증명서 2026-11-20 발급",
            set(),
        ),
        (Relation.SIBLING, ProofKind.FAMILY_CERTIFICATE, "김하나", "증명서 확인", set()),
        (Relation.AGENT, ProofKind.POWER_OF_ATTORNEY, "법무법인 예시", "위임장 원본 확인", set()),
        (Relation.AGENT, ProofKind.FAMILY_CERTIFICATE, "누군가", "서류", {"proof_kind"}),
        (Relation.CHILD, ProofKind.FAMILY_CERTIFICATE, "", "", {"requester_name", "proof_note"}),
        (Relation.VICTIM, ProofKind.POWER_OF_ATTORNEY, "", "", {"proof_kind"}),
        ("friend", ProofKind.ID_CHECKED, "친구", "", {"relation"}),
    ],
)
def test_who_may_ask_and_the_proof_each_needs(
    manager: Staff, case: Case, relation: str, proof: str, name: str, note: str, bad: set[str]
) -> None:
    data = MandateInput(relation=relation, requester_name=name, proof_kind=proof, proof_note=note)
    before = counts()
    if bad:
        with pytest.raises(ValidationFailed) as caught:
            tracking.mandate_record(actor=manager, case_id=case.pk, data=data)
        assert field_errors(caught.value) == bad
        assert counts() == before
        return
    made = tracking.mandate_record(actor=manager, case_id=case.pk, data=data)
    made.refresh_from_db()
    assert made.relation == relation
    assert made.requester_name == name  # sealed at rest, read back
    assert tracking.has_mandate(case)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DELETION_MANDATE).count() == 1


def test_a_revoked_mandate_stops_new_requests(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    given_by = mandate(manager, case)
    tracking.mandate_revoke(
        actor=manager, case_id=case.pk, mandate_id=given_by.pk, note="본인 요청"
    )
    assert not tracking.has_mandate(case)
    request = found(manager, case)
    preserve(manager, case, request)
    with pytest.raises(ValidationFailed) as caught:
        step(manager, case, request, S.REQUESTED)
    assert field_errors(caught.value) == {"mandate"}
    request.refresh_from_db()
    assert request.status == S.FOUND
    assert request.times_requested == 0


# --- permissions ----------------------------------------------------------------------------


def test_who_may_work_a_cases_deletion_support(
    staff: dict[str, Staff],
    manager: Staff,
    supervisor: Staff,
    case: Case,
    make_staff: Callable[..., Staff],
    other_agency: Any,
    platforms: dict[str, Platform],
) -> None:
    deletion = staff[Role.DELETION_STAFF]
    counselor = staff[Role.HOTLINE_COUNSELOR]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=deletion.pk, role=TeamRole.DELETION)
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role=TeamRole.COUNSELOR)
    outsider = make_staff(other_agency, Role.SUPERVISOR)
    not_on_team = make_staff(case.agency, Role.DELETION_STAFF, username="deletion-2")
    for actor, refusal in [
        (manager, None),  # the lead
        (supervisor, None),
        (deletion, None),  # on the team as deletion support
        (counselor, PermissionDenied),  # on the team, reads only
        (not_on_team, NotFound),  # deletion staff of the agency, not on this case
        (outsider, NotFound),  # another agency: does not learn the case exists
    ]:
        before = counts()
        url = f"https://webhard.example/v/{actor.username}"
        if refusal is None:
            assert found(actor, case, url).status == S.FOUND
        else:
            with pytest.raises(refusal):
                found(actor, case, url)
            assert counts() == before


def test_platforms_are_the_desks_to_keep(staff: dict[str, Staff]) -> None:
    data = PlatformInput(
        name="검색 예시",
        kind=PlatformKind.SEARCH_ENGINE,
        country="KR",
        domains="search.example",
        report_channel="https://search.example/legal",
        response_hours=48,
    )
    with pytest.raises(PermissionDenied):
        tracking.platform_save(actor=staff[Role.CASE_MANAGER], data=data)
    assert not Platform.objects.exists()
    made = tracking.platform_save(actor=staff[Role.DELETION_STAFF], data=data)
    assert made.country == "KR"
    assert not made.is_foreign


def test_a_platform_with_bad_fields_is_refused_field_by_field(supervisor: Staff) -> None:
    with pytest.raises(ValidationFailed) as caught:
        tracking.platform_save(
            actor=supervisor,
            data=PlatformInput(
                name="",
                kind="blog",
                country="Korea",
                domains="not a domain!",
                report_channel="",
                response_hours=0,
            ),
        )
    assert field_errors(caught.value) == {
        "name", "kind", "country", "domains", "report_channel", "response_hours",
    }  # fmt: skip
    assert not Platform.objects.exists()


# --- found URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("HTTPS://WebHard.Example:443/v/1#top", "https://webhard.example/v/1"),
        ("http://cdn.webhard.example/a?b=1", "http://cdn.webhard.example/a?b=1"),
        ("https://webhard.example:8443/x", "https://webhard.example:8443/x"),
    ],
)
def test_urls_are_kept_in_one_form(url: str, kept: str) -> None:
    assert tracking.normalized_url(url) == kept


@pytest.mark.parametrize("url", ["", "ftp://webhard.example/x", "webhard.example/x", "https://"])
def test_urls_that_are_not_web_addresses_are_refused(
    manager: Staff, case: Case, platforms: dict[str, Platform], url: str
) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        found(manager, case, url)
    assert "url" in field_errors(caught.value)
    assert counts() == before


def test_one_request_per_url_per_case_and_the_url_is_sealed(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    from django.db import connection

    request = found(manager, case, "https://cdn.webhard.example/v/9")
    assert request.platform == platforms["domestic"]  # the parent domain's platform
    with pytest.raises(ValidationFailed) as caught:
        found(manager, case, "HTTPS://cdn.webhard.example/v/9#again")
    assert field_errors(caught.value) == {"url"}
    assert TakedownRequest.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("select url from takedown_takedownrequest")
        (stored,) = cursor.fetchone()
    assert "webhard" not in stored


def test_an_unknown_site_needs_a_platform(manager: Staff, case: Case) -> None:
    with pytest.raises(ValidationFailed) as caught:
        found(manager, case, "https://unknown.example/x")
    assert field_errors(caught.value) == {"platform"}
    assert not TakedownRequest.objects.exists()


# --- the lifecycle --------------------------------------------------------------------------


def test_a_platform_is_asked_only_after_the_evidence_is_preserved(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    mandate(manager, case)
    request = found(manager, case)
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        step(manager, case, request, S.REQUESTED)
    assert field_errors(caught.value) == {"evidence"}
    assert counts() == before
    preserve(manager, case, request, keep=True)
    request.refresh_from_db()
    assert request.evidence_preserved
    assert len(request.capture_sha256) == 64
    assert len(request.capture_pdq) == 64
    assert request.evidence_file_id is not None
    kept = EvidenceFile.objects.get(pk=request.evidence_file_id)
    assert kept.case_id == case.pk
    requested = step(manager, case, request, S.REQUESTED)
    assert requested.status == S.REQUESTED
    assert requested.times_requested == 1
    assert requested.requested_at is not None
    assert requested.due_at == requested.requested_at + dt.timedelta(hours=24)


def test_the_whole_road_with_dated_steps(
    manager: Staff, case: Case, platforms: dict[str, Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    mandate(manager, case)
    request = found(manager, case, "https://tube.example/watch/1")
    preserve(manager, case, request)
    start = clock.now()
    step(manager, case, request, S.REQUESTED)
    with pytest.raises(ValidationFailed) as caught:  # the 72 hours have not passed
        step(manager, case, request, S.NO_RESPONSE)
    assert field_errors(caught.value) == {"to_status"}
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(hours=80))
    assert tracking.is_overdue(TakedownRequest.objects.get(pk=request.pk), now=clock.now())
    step(manager, case, request, S.NO_RESPONSE)
    step(manager, case, request, S.ESCALATED, note="방심위 접수 2026-1234")
    escalated = TakedownRequest.objects.get(pk=request.pk)
    assert escalated.escalated_at is not None
    assert escalated.due_at == escalated.escalated_at + dt.timedelta(hours=tracking.REGULATOR_HOURS)
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(hours=120))
    yesterday = start + dt.timedelta(hours=96)  # recorded a day after it happened
    step(manager, case, request, S.BLOCKED, at=yesterday)
    done = TakedownRequest.objects.get(pk=request.pk)
    assert done.status == S.BLOCKED
    assert done.closed_at == yesterday
    assert done.due_at is None
    assert list(done.steps.values_list("status_to", flat=True)) == [
        S.FOUND, S.REQUESTED, S.NO_RESPONSE, S.ESCALATED, S.BLOCKED,
    ]  # fmt: skip
    events = CaseEvent.objects.filter(case=case, kind=EventKind.TAKEDOWN_STEP)
    assert events.count() == 4
    assert all("tube.example" not in str(e.data) for e in events)  # the URL stays sealed


def test_a_step_cannot_be_dated_in_the_future_or_before_the_last_one(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    mandate(manager, case)
    request = found(manager, case)
    preserve(manager, case, request)
    step(manager, case, request, S.REQUESTED)
    before = counts()
    for at in (clock.now() + dt.timedelta(days=1), clock.now() - dt.timedelta(days=3)):
        with pytest.raises(ValidationFailed) as caught:
            step(manager, case, request, S.REMOVED, at=at)
        assert field_errors(caught.value) == {"at"}
    assert counts() == before


def test_refusals_and_escalations_say_why(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    mandate(manager, case)
    request = found(manager, case)
    preserve(manager, case, request)
    step(manager, case, request, S.REQUESTED)
    with pytest.raises(ValidationFailed) as caught:
        step(manager, case, request, S.REFUSED)
    assert field_errors(caught.value) == {"note"}
    step(manager, case, request, S.REFUSED, note="저작권 문제 아님이라며 거부")
    asked_again = step(manager, case, request, S.REQUESTED)
    assert asked_again.times_requested == 2


@pytest.mark.parametrize("status", list(S.values))
def test_only_the_fields_transitions_are_allowed(status: str) -> None:
    for to in S.values:
        allowed = to in NEXT.get(status, frozenset())
        # the lifecycle never goes back to "found", and "re-uploaded" comes only after removal
        if to == S.FOUND:
            assert not allowed
        if to == S.REUPLOADED:
            assert allowed == (status in (S.REMOVED, S.BLOCKED))
        if to == S.ESCALATED:
            assert allowed == (status in (S.REFUSED, S.NO_RESPONSE))


def test_content_found_again_at_a_removed_url_is_reuploaded(
    manager: Staff, case: Case, platforms: dict[str, Platform]
) -> None:
    mandate(manager, case)
    item = bank_add(case=case, data=png(5), actor=manager, actor_label="")
    request = tracking.takedown_request_open(
        actor=manager,
        case_id=case.pk,
        data=FoundInput(url="https://webhard.example/v/1", bank_item_id=item.pk),
    )
    preserve(manager, case, request)
    step(manager, case, request, S.REQUESTED)
    step(manager, case, request, S.REMOVED)
    locked = Case.objects.get(pk=case.pk)
    again, new = tracking.request_open_found(
        case=locked,
        url="https://webhard.example/v/1",
        platform=platforms["domestic"],
        bank_item=item,
        distance=0,
        found_by=FoundBy.MONITORING,
        capture=tracking.capture_of(png(5), at=clock.now()),
        actor=None,
        actor_label="monitoring",
    )
    assert not new
    assert again.pk == request.pk
    assert TakedownRequest.objects.get(pk=request.pk).status == S.REUPLOADED
    elsewhere, new = tracking.request_open_found(
        case=locked,
        url="https://tube.example/w/2",
        platform=platforms["foreign"],
        bank_item=item,
        distance=3,
        found_by=FoundBy.MONITORING,
        capture=tracking.capture_of(png(5), at=clock.now()),
        actor=None,
        actor_label="monitoring",
    )
    assert new
    assert elsewhere.is_reupload  # the same content, taken down before, somewhere new
    assert elsewhere.evidence_preserved  # monitoring preserves what it captured


def test_banking_from_staff_pages_keeps_the_file_only_when_asked(
    manager: Staff, case: Case
) -> None:
    let_go = tracking.bank_item_add_by_staff(
        actor=manager, case_id=case.pk, name="a.png", data=png(1), label="synthetic",
        keep_as_evidence=False,
    )  # fmt: skip
    assert let_go.evidence_file_id is None
    assert not EvidenceFile.objects.exists()
    kept = tracking.bank_item_add_by_staff(
        actor=manager, case_id=case.pk, name="b.png", data=png(2), label="illegal_recording",
        keep_as_evidence=True,
    )  # fmt: skip
    assert EvidenceFile.objects.get().pk == kept.evidence_file_id
    assert kept.label == "illegal_recording"
    assert len(kept.sha256) == 64
    assert len(kept.md5) == 32
    before = (BankItem.objects.count(), EvidenceFile.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        tracking.bank_item_add_by_staff(
            actor=manager, case_id=case.pk, name="c.txt", data=b"not a picture",
            label="illegal_recording", keep_as_evidence=True,
        )  # fmt: skip
    assert "file" in field_errors(caught.value)
    assert (BankItem.objects.count(), EvidenceFile.objects.count()) == before


# --- a property of the due dates ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    hours=st.integers(min_value=1, max_value=24 * 90),
    after=st.integers(min_value=-24 * 100, max_value=24 * 100),
)
def test_overdue_is_exactly_past_the_expected_response(hours: int, after: int) -> None:
    at = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    request = TakedownRequest(
        status=S.REQUESTED, requested_at=at, due_at=at + dt.timedelta(hours=hours)
    )
    now = at + dt.timedelta(hours=after)
    assert tracking.is_overdue(request, now=now) == (after > hours)
    for other in (S.FOUND, S.REMOVED, S.REFUSED, S.NO_RESPONSE, S.BLOCKED):
        request.status = other
        assert not tracking.is_overdue(request, now=now)


# --- overdue reminders ----------------------------------------------------------------------


def test_an_overdue_request_reminds_the_team_once_per_due_time(
    manager: Staff,
    staff: dict[str, Staff],
    case: Case,
    platforms: dict[str, Platform],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onestop.cases.models import Notification
    from onestop.cases.services import reminders_send

    deletion = staff[Role.DELETION_STAFF]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=deletion.pk, role=TeamRole.DELETION)
    mandate(manager, case)
    request = found(manager, case)  # the domestic webhard: 24 hours
    preserve(manager, case, request)
    start = clock.now()
    step(manager, case, request, S.REQUESTED)

    def overdue_notices() -> list[str]:
        return sorted(
            Notification.objects.filter(kind="takedown_overdue").values_list(
                "recipient__username", flat=True
            )
        )

    reminders_send(now=start + dt.timedelta(hours=23))
    assert overdue_notices() == []  # not yet due
    reminders_send(now=start + dt.timedelta(hours=25))
    reminders_send(now=start + dt.timedelta(hours=26))  # a second sweep sends nothing twice
    assert overdue_notices() == sorted([manager.username, deletion.username])
    notice = Notification.objects.filter(kind="takedown_overdue").first()
    assert notice is not None
    assert "webhard" not in str(notice.__dict__)  # the platform by name; never the URL
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(hours=30))
    step(manager, case, request, S.NO_RESPONSE)
    step(manager, case, request, S.REQUESTED)  # asked again: a new due time
    reminders_send(now=start + dt.timedelta(hours=31))
    assert len(overdue_notices()) == 2  # not overdue again yet
    reminders_send(now=start + dt.timedelta(hours=55))
    assert len(overdue_notices()) == 4

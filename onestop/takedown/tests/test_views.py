"""Deletion support's staff pages through the real views: a permission matrix (the case's lead,
a deletion-support member of its team, a counselor of its team who may only read, the agency's
supervisor, the desk off the team, another agency's staff), a takedown's whole lifecycle through
the forms with every refusal beside its field and nothing written, banking with and without
keeping the file, the desk's overdue flag as the clock passes a due date, the regulator's route
for a platform abroad, the panels, the platforms, the timeline's lines — and never the victim's
name on these pages. The clock is frozen at 2026-11-20 09:00 in Seoul (``at`` moves it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image, ImageDraw

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind, TeamRole
from onestop.cases.panels import registered_event_detail
from onestop.cases.services import case_team_assign
from onestop.core import clock
from onestop.evidence.models import EvidenceFile
from onestop.takedown import tracking
from onestop.takedown.models import (
    BankHash,
    BankItem,
    DeletionMandate,
    Platform,
    PlatformKind,
    ProofKind,
    Relation,
    TakedownRequest,
    TakedownStatus,
    TakedownStep,
)
from onestop.takedown.tracking import FoundInput, MandateInput, PlatformInput, StepInput

pytestmark = pytest.mark.django_db
S = TakedownStatus
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
VICTIM_NAME = "김지영"  # the name ``open_case`` gives her


@pytest.fixture(autouse=True)
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


def picture(seed: int) -> bytes:
    """A made-up picture (coloured shapes, never a person), as PNG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (200, 160), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(180), rng.randrange(140)
        box = (x, y, x + rng.randrange(10, 80), y + rng.randrange(10, 60))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload(seed: int, name: str = "capture.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, picture(seed), content_type="image/png")


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> tuple[int, ...]:
    """Every row deletion support's services (or what they call) could write; audit entries
    other than readings of a page (a refusal shows the page again, and showing it is audited)."""
    return (
        DeletionMandate.objects.count(),
        BankItem.objects.count(),
        BankHash.objects.count(),
        TakedownRequest.objects.count(),
        TakedownStep.objects.count(),
        EvidenceFile.objects.count(),
        Platform.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.exclude(action__startswith="case.view").count(),
    )


def seoul(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.SEOUL)


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)  # the case manager who opens it is its lead


@pytest.fixture
def deletion_member(staff: dict[str, Staff], case: Case, manager: Staff) -> Staff:
    member = staff[Role.DELETION_STAFF]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=member.pk, role=TeamRole.DELETION)
    return member


@pytest.fixture
def team_counselor(staff: dict[str, Staff], case: Case, manager: Staff) -> Staff:
    member = staff[Role.HOTLINE_COUNSELOR]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=member.pk, role=TeamRole.COUNSELOR)
    return member


@pytest.fixture
def platform(supervisor: Staff) -> Platform:
    return tracking.platform_save(
        actor=supervisor,
        data=PlatformInput(
            name="예시튜브",
            kind=PlatformKind.SOCIAL_MEDIA,
            country="US",
            domains="example.com",
            report_channel="https://example.com/legal/report",
            response_hours=24,
        ),
    )


@pytest.fixture
def domestic(supervisor: Staff) -> Platform:
    return tracking.platform_save(
        actor=supervisor,
        data=PlatformInput(
            name="웹하드 예시",
            kind=PlatformKind.FILE_SHARING,
            country="KR",
            domains="webhard.example",
            report_channel="신고 메일 report@webhard.example",
            response_hours=48,
        ),
    )


@pytest.fixture
def people(
    manager: Staff,
    deletion_member: Staff,
    team_counselor: Staff,
    supervisor: Staff,
    staff: dict[str, Staff],
    make_staff: Callable[..., Staff],
    agency: Any,
    other_agency: Any,
) -> dict[str, Staff]:
    """Everyone of the matrix, by a label."""
    return {
        "lead": manager,
        "deletion": deletion_member,
        "counselor": team_counselor,
        "supervisor": supervisor,
        "desk-off-team": make_staff(agency, Role.DELETION_STAFF, username="seoul-deletion-2"),
        "expert-off-team": staff[Role.EXPERT],
        "other-supervisor": make_staff(other_agency, Role.SUPERVISOR, username="busan-sv"),
        "other-deletion": make_staff(other_agency, Role.DELETION_STAFF, username="busan-del"),
    }


SEES_CASE = {"lead", "deletion", "counselor", "supervisor"}
WORKS_CASE = {"lead", "deletion", "supervisor"}
DESK = {"deletion", "supervisor", "desk-off-team", "other-supervisor", "other-deletion"}


def record_mandate(case: Case, actor: Staff, **fields: str) -> DeletionMandate:
    data = {"relation": Relation.VICTIM, "proof_kind": ProofKind.ID_CHECKED, **fields}
    return tracking.mandate_record(actor=actor, case_id=case.pk, data=MandateInput(**data))


def found(case: Case, actor: Staff, url: str, **fields: Any) -> TakedownRequest:
    return tracking.takedown_request_open(
        actor=actor, case_id=case.pk, data=FoundInput(url=url, **fields)
    )


def preserve(case: Case, actor: Staff, request: TakedownRequest, seed: int = 9) -> None:
    tracking.takedown_evidence_preserve(
        actor=actor,
        case_id=case.pk,
        request_id=request.pk,
        name="capture.png",
        data=picture(seed),
        captured_at=None,
        keep_file=False,
    )


def requested(case: Case, actor: Staff, request: TakedownRequest) -> TakedownRequest:
    """Found → evidence preserved → asked (the case must hold a mandate)."""
    preserve(case, actor, request)
    return tracking.takedown_request_step(
        actor=actor, case_id=case.pk, request_id=request.pk, data=StepInput(to_status=S.REQUESTED)
    )


# --- the permission matrix ----------------------------------------------------------------------


def test_pages_matrix(people: dict[str, Staff], case: Case, platform: Platform) -> None:
    record_mandate(case, people["lead"])
    request = found(case, people["lead"], "https://example.com/v/1")
    page = reverse("takedown:case", args=[case.pk])
    mounted = [
        reverse(name)
        for name in (
            "takedown_monitoring:sources",
            "takedown_monitoring:review",
            "takedown_export:download",
        )
    ]
    for label, user in people.items():
        client = logged_in(user)
        shown = client.get(page)
        assert shown.status_code == (200 if label in SEES_CASE else 404), label
        if shown.status_code == 200:
            html = shown.content.decode()
            assert shown["Cache-Control"] == "no-store"
            assert "https://example.com/v/1" in html
            works = label in WORKS_CASE
            assert (reverse("takedown:request_open", args=[case.pk]) in html) is works, label
            step = reverse("takedown:request_step", args=[case.pk, request.pk])
            assert (step in html) is works, label
            assert (reverse("takedown:mandate_record", args=[case.pk]) in html) is works, label
        desk = client.get(reverse("takedown:desk"))
        assert desk.status_code == 200, label
        assert desk["Cache-Control"] == "no-store"
        assert (case.reference in desk.content.decode()) is (label in SEES_CASE), label
        assert (reverse("takedown:platforms") in desk.content.decode()) is (label in DESK), label
        for other in mounted:  # the review queue and the export, once their pages exist
            assert (f'href="{other}"' in desk.content.decode()) is (label in DESK), label
        dashboard = client.get(reverse("cases:dashboard")).content.decode()
        nav = f'href="{reverse("takedown:desk")}"'  # the menu's link, for the desk's roles
        assert (nav in dashboard) is (label in DESK), label
        detail = client.get(reverse("cases:detail", args=[case.pk]))
        if label in SEES_CASE:  # the case page's panel, for all who see the case
            assert page in detail.content.decode(), label
        for name in ("takedown:platforms", "takedown:platform_new"):
            answer = client.get(reverse(name))
            assert answer.status_code == (200 if label in DESK else 403), (label, name)
        edit = client.get(reverse("takedown:platform_edit", args=[platform.pk]))
        assert edit.status_code == (200 if label in DESK else 403), label


def test_every_form_is_refused_to_those_who_may_only_read_or_not_see(
    people: dict[str, Staff], case: Case, platform: Platform
) -> None:
    mandate = record_mandate(case, people["lead"])
    item = tracking.bank_item_add_by_staff(
        actor=people["lead"],
        case_id=case.pk,
        name="a.png",
        data=picture(1),
        label="illegal_recording",
        keep_as_evidence=False,
    )
    request = found(case, people["lead"], "https://example.com/v/2")
    posts: list[tuple[str, dict[str, Any]]] = [
        (
            reverse("takedown:mandate_record", args=[case.pk]),
            {"relation": "victim", "proof_kind": "id_checked"},
        ),
        (
            reverse("takedown:mandate_revoke", args=[case.pk, mandate.pk]),
            {"note": "본인이 원하지 않음"},
        ),
        (reverse("takedown:bank_add", args=[case.pk]), {"label": "illegal_recording"}),
        (reverse("takedown:bank_withdraw", args=[case.pk, item.pk]), {"note": "잘못 올림"}),
        (reverse("takedown:request_open", args=[case.pk]), {"url": "https://example.com/v/3"}),
        (reverse("takedown:evidence_preserve", args=[case.pk, request.pk]), {}),
        (
            reverse("takedown:request_step", args=[case.pk, request.pk]),
            {"to_status": "requested"},
        ),
    ]
    before = counts()
    for label in ("counselor", "expert-off-team", "other-supervisor", "other-deletion"):
        client = logged_in(people[label])
        for url, data in posts:
            if "bank" in url and "withdraw" not in url:
                data = {**data, "file": upload(5)}
            if "evidence" in url:
                data = {**data, "file": upload(6)}
            answer = client.post(url, data)
            assert answer.status_code == (403 if label == "counselor" else 404), (label, url)
            assert counts() == before, (label, url)
    assert TakedownRequest.objects.get().status == S.FOUND
    assert DeletionMandate.objects.get().revoked_at is None
    assert BankItem.objects.get().withdrawn_at is None


def test_the_case_panel_shows_for_work_or_for_who_may_start_it(
    case: Case, manager: Staff, team_counselor: Staff, platform: Platform
) -> None:
    page = reverse("takedown:case", args=[case.pk])
    detail = reverse("cases:detail", args=[case.pk])
    # no deletion work yet: the lead may start it, the counselor sees nothing of it
    assert page in logged_in(manager).get(detail).content.decode()
    assert page not in logged_in(team_counselor).get(detail).content.decode()
    record_mandate(case, manager)
    requested(case, manager, found(case, manager, "https://example.com/v/4"))
    html = logged_in(team_counselor).get(detail).content.decode()
    panel = html[html.index('id="takedown"') :]
    panel = panel[: panel.index("</section>")]
    assert page in panel
    assert "삭제 지원 보기" in panel
    assert re.search(r"요청인 기록</dt><dd>있음", panel)
    assert re.search(r"진행 중인 요청</dt><dd>1<", panel)


# --- the lifecycle through the forms ------------------------------------------------------------


def test_a_takedown_from_mandate_to_removed_through_the_forms(
    case: Case, deletion_member: Staff, platform: Platform, at: Callable[[dt.datetime], None]
) -> None:
    client = logged_in(deletion_member)
    page = reverse("takedown:case", args=[case.pk])

    # who asked: her sister, with the family certificate checked
    answer = client.post(
        reverse("takedown:mandate_record", args=[case.pk]),
        {
            "relation": "sibling",
            "requester_name": "김민지",
            "proof_kind": "family_certificate",
            "proof_note": "2026-11-19 발급 가족관계증명서 확인",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == page + "#mandates"
    mandate = DeletionMandate.objects.get()
    assert (mandate.relation, mandate.recorded_by) == (Relation.SIBLING, deletion_member)

    # a URL found on the platform (recognised by its domain)
    answer = client.post(
        reverse("takedown:request_open", args=[case.pk]),
        {"url": "HTTPS://www.Example.com/v/77?t=1#top", "note": "검색으로 발견"},
    )
    assert answer.status_code == 302
    request = TakedownRequest.objects.get()
    assert (request.url, request.platform, request.status) == (
        "https://www.example.com/v/77?t=1",
        platform,
        S.FOUND,
    )

    # asking before the evidence is preserved: refused above the step form, nothing written
    step_url = reverse("takedown:request_step", args=[case.pk, request.pk])
    before = counts()
    answer = client.post(step_url, {"to_status": "requested"})
    assert answer.status_code == 422
    form = next(v.step_form for v in answer.context["requests"] if v.row.request.pk == request.pk)
    assert form.non_field_errors() == [
        "삭제를 요청하기 전에 증거(캡처와 해시)를 먼저 보전해 주세요."
    ]
    assert "증거(캡처와 해시)를 먼저 보전해 주세요" in answer.content.decode()
    assert counts() == before
    request.refresh_from_db()
    assert (request.status, request.requested_at) == (S.FOUND, None)

    # the evidence: a capture, kept as case evidence
    answer = client.post(
        reverse("takedown:evidence_preserve", args=[case.pk, request.pk]),
        {"file": upload(3), "captured_at": "2026-11-20T08:30", "keep": "on"},
    )
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.evidence_preserved
    assert request.captured_at == seoul("2026-11-20T08:30")
    kept = EvidenceFile.objects.get()
    assert request.evidence_file_id == kept.pk
    assert kept.case_id == case.pk

    # asked, the date left as the page showed it: dated when recorded
    shown = client.get(page)
    form = next(v.step_form for v in shown.context["requests"])
    assert 'value="2026-11-20T09:00"' in str(form["at"])
    assert 'value="2026-11-20T09:00"' in str(form["at_shown"])
    at(T0 + dt.timedelta(seconds=40))
    answer = client.post(
        step_url,
        {"to_status": "requested", "at": "2026-11-20T09:00", "at_shown": "2026-11-20T09:00"},
    )
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.status == S.REQUESTED
    assert request.requested_at == T0 + dt.timedelta(seconds=40)
    assert request.due_at == T0 + dt.timedelta(hours=24, seconds=40)

    # two days later: removed, recorded with the day the platform said it was done
    at(T0 + dt.timedelta(days=2))
    answer = client.post(
        step_url,
        {
            "to_status": "removed",
            "at": "2026-11-21T10:15",
            "at_shown": "2026-11-22T09:00",
            "note": "플랫폼 회신 메일",
        },
    )
    assert answer.status_code == 302
    request = TakedownRequest.objects.get(pk=request.pk)  # (read afresh: due_at was set)
    assert request.status == S.REMOVED
    assert request.closed_at == seoul("2026-11-21T10:15")
    assert request.due_at is None
    steps = list(request.steps.values_list("status_from", "status_to", "at"))
    assert steps == [
        ("", S.FOUND, T0),
        (S.FOUND, S.REQUESTED, T0 + dt.timedelta(seconds=40)),
        (S.REQUESTED, S.REMOVED, seoul("2026-11-21T10:15")),
    ]

    html = client.get(page).content.decode()
    assert "2026-11-21 10:15" in html  # the dated history
    assert "삭제 요청 → 삭제 완료" in html
    assert "김민지" in html  # the requester, to those who work the case
    assert VICTIM_NAME not in html


def test_a_refused_form_keeps_its_input_and_shows_each_error_beside_its_field(
    case: Case, manager: Staff, platform: Platform
) -> None:
    client = logged_in(manager)
    before = counts()
    answer = client.post(
        reverse("takedown:request_open", args=[case.pk]),
        {"url": "ftp://example.com/x", "note": "메모"},
    )
    assert answer.status_code == 422
    form = answer.context["open_form"]
    assert form.errors["url"] == ["http:// 또는 https:// 로 시작하는 전체 주소를 적어 주세요."]
    assert form["url"].value() == "ftp://example.com/x"
    answer = client.post(
        reverse("takedown:request_open", args=[case.pk]), {"url": "https://unknown.example/a"}
    )
    assert answer.status_code == 422
    assert list(answer.context["open_form"].errors) == ["platform"]
    answer = client.post(
        reverse("takedown:mandate_record", args=[case.pk]),
        {"relation": "agent", "proof_kind": "id_checked"},
    )
    assert answer.status_code == 422
    assert set(answer.context["mandate_form"].errors) == {
        "requester_name",
        "proof_kind",
        "proof_note",
    }
    answer = client.post(reverse("takedown:bank_add", args=[case.pk]), {"label": "synthetic"})
    assert answer.status_code == 422
    assert answer.context["bank_form"].errors["file"] == ["파일을 골라 주세요."]
    assert counts() == before

    request = found(case, manager, "https://example.com/v/5")
    before = counts()
    answer = client.post(
        reverse("takedown:request_step", args=[case.pk, request.pk]),
        {"to_status": "removed"},
    )
    assert answer.status_code == 422
    form = next(v.step_form for v in answer.context["requests"])
    assert list(form.errors) == ["to_status"]
    answer = client.post(
        reverse("takedown:evidence_preserve", args=[case.pk, request.pk]),
        {"file": upload(4), "captured_at": "2026-11-21T09:00"},
    )
    assert answer.status_code == 422
    form = next(v.preserve_form for v in answer.context["requests"])
    assert form.errors["captured_at"] == ["캡처 시각이 미래일 수 없습니다."]
    assert counts() == before


def test_a_step_needs_a_mandate_in_force(case: Case, manager: Staff, platform: Platform) -> None:
    request = found(case, manager, "https://example.com/v/6")
    preserve(case, manager, request)
    before = counts()
    answer = logged_in(manager).post(
        reverse("takedown:request_step", args=[case.pk, request.pk]), {"to_status": "requested"}
    )
    assert answer.status_code == 422
    form = next(v.step_form for v in answer.context["requests"])
    assert form.non_field_errors() == [
        "삭제 지원 요청인(피해자 본인, 가족 또는 대리인) 기록이 필요합니다."
    ]
    assert counts() == before


def test_revoking_a_mandate_and_withdrawing_an_item_through_the_forms(
    case: Case, manager: Staff
) -> None:
    client = logged_in(manager)
    mandate = record_mandate(case, manager)
    item = tracking.bank_item_add_by_staff(
        actor=manager,
        case_id=case.pk,
        name="a.png",
        data=picture(2),
        label="synthetic",
        keep_as_evidence=False,
    )
    revoke = reverse("takedown:mandate_revoke", args=[case.pk, mandate.pk])
    before = counts()
    answer = client.post(revoke, {"note": ""})
    assert answer.status_code == 422
    assert answer.context["mandates"][0].revoke_form.errors["note"] == ["철회 사유를 적어 주세요."]
    assert counts() == before
    assert client.post(revoke, {"note": "본인이 철회"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_by == manager
    answer = client.post(revoke, {"note": "다시"})  # already revoked: no form, a message
    assert answer.status_code == 422
    withdraw = reverse("takedown:bank_withdraw", args=[case.pk, item.pk])
    assert client.post(withdraw, {"note": "다른 사람의 사진"}).status_code == 302
    item.refresh_from_db()
    assert item.withdrawn_by == manager
    html = client.get(reverse("takedown:case", args=[case.pk])).content.decode()
    assert "목록에서 뺌" in html
    assert withdraw not in html  # nothing left to withdraw
    assert revoke not in html


# --- the bank -----------------------------------------------------------------------------------


def test_banking_keeps_the_file_only_when_asked(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    url = reverse("takedown:bank_add", args=[case.pk])

    answer = client.post(url, {"file": upload(10), "label": "nonconsensual_sharing"})
    assert answer.status_code == 302
    item = BankItem.objects.get()
    assert (item.label, item.evidence_file_id, item.banked_by) == (
        "nonconsensual_sharing",
        None,
        manager,
    )
    assert item.hashes.count() > 0
    assert EvidenceFile.objects.count() == 0

    answer = client.post(
        url, {"file": upload(11), "label": "illegal_recording", "keep_as_evidence": "on"}
    )
    assert answer.status_code == 302
    kept = BankItem.objects.exclude(pk=item.pk).get()
    evidence = EvidenceFile.objects.get()
    assert kept.evidence_file_id == evidence.pk
    assert evidence.sha256 == hashlib.sha256(picture(11)).hexdigest()

    html = client.get(reverse("takedown:case", args=[case.pk])).content.decode()
    assert str(item.pk)[:8] in html
    assert str(kept.pk)[:8] in html
    assert "체크하지 않으면 원본은 해시만 남기고 저장하지 않습니다" in html
    assert "해시만" in html
    assert "증거로 보관" in html


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_kept(
    case: Case, manager: Staff
) -> None:
    before = counts()
    answer = logged_in(manager).post(
        reverse("takedown:bank_add", args=[case.pk]),
        {
            "file": SimpleUploadedFile("notes.txt", b"not a picture at all\n" * 40),
            "label": "other",
            "keep_as_evidence": "on",
        },
    )
    assert answer.status_code == 422
    assert answer.context["bank_form"].errors["file"]
    assert counts() == before


# --- the desk -----------------------------------------------------------------------------------


def test_the_desk_flags_overdue_requests_once_the_clock_passes_their_due_date(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    platform: Platform,
    at: Callable[[dt.datetime], None],
) -> None:
    record_mandate(case, manager)
    late = requested(case, manager, found(case, manager, "https://example.com/v/late"))
    waiting = found(case, manager, "https://example.com/v/new")
    client = logged_in(manager)
    desk = reverse("takedown:desk")

    at(T0 + dt.timedelta(hours=23))
    html = client.get(desk).content.decode()
    assert "https://example.com/v/late" in html
    assert "badge-overdue" not in html
    assert "삭제 요청 기한 초과" not in client.get(reverse("cases:dashboard")).content.decode()

    at(T0 + dt.timedelta(hours=30))
    answer = client.get(desk)
    rows = answer.context["rows"]
    assert [(row.request.pk, row.overdue) for row in rows] == [(late.pk, True), (waiting.pk, False)]
    html = answer.content.decode()
    assert '<span class="badge badge-breach badge-overdue">기한 초과 · 6' in html  # six hours
    assert html.index("https://example.com/v/late") < html.index("https://example.com/v/new")
    assert [(c.case, c.open_count, c.overdue_count) for c in answer.context["cases"]] == [
        (case, 2, 1)
    ]

    only = client.get(desk, {"overdue": "1"})
    assert [row.request.pk for row in only.context["rows"]] == [late.pk]
    assert "https://example.com/v/new" not in only.content.decode()

    dashboard = client.get(reverse("cases:dashboard")).content.decode()
    assert "삭제 요청 기한 초과" in dashboard
    assert reverse("takedown:desk") + "?overdue=1" in dashboard
    case_page = client.get(reverse("takedown:case", args=[case.pk])).content.decode()
    assert '<span class="badge badge-breach badge-overdue">기한 초과 · 6' in case_page


def test_a_platform_abroad_that_refuses_points_to_the_regulator(
    case: Case, manager: Staff, platform: Platform, domestic: Platform
) -> None:
    record_mandate(case, manager)
    abroad = requested(case, manager, found(case, manager, "https://example.com/v/8"))
    home = requested(case, manager, found(case, manager, "https://webhard.example/f/8"))
    for request in (abroad, home):
        tracking.takedown_request_step(
            actor=manager,
            case_id=case.pk,
            request_id=request.pk,
            data=StepInput(to_status=S.REFUSED, note="정책 위반 아님이라는 회신"),
        )
    answer = logged_in(manager).get(reverse("takedown:desk"))
    flags = {row.request.pk: row.regulator for row in answer.context["rows"]}
    assert flags == {abroad.pk: True, home.pk: False}
    assert answer.content.decode().count("방송통신심의위원회 차단 요청 권장") == 1
    page = logged_in(manager).get(reverse("takedown:case", args=[case.pk]))
    assert page.content.decode().count("방송통신심의위원회 차단 요청 권장") == 1


def test_the_desk_reads_in_the_same_number_of_queries_for_more_requests(
    case: Case, manager: Staff, platform: Platform, open_case: Callable[..., Case]
) -> None:
    record_mandate(case, manager)
    found(case, manager, "https://example.com/v/q1")
    client = logged_in(manager)
    client.get(reverse("takedown:desk"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("takedown:desk"))
    second = open_case(manager, phone="010-2222-3333", name="다른사람")
    for n in range(4):
        found(second, manager, f"https://example.com/v/q{n + 2}")
    with CaptureQueriesContext(connection) as five:
        answer = client.get(reverse("takedown:desk"))
    assert len(answer.context["rows"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_case_page_reads_in_the_same_number_of_queries_for_more_requests(
    case: Case, manager: Staff, platform: Platform
) -> None:
    record_mandate(case, manager)
    requested(case, manager, found(case, manager, "https://example.com/v/p1"))
    client = logged_in(manager)
    page = reverse("takedown:case", args=[case.pk])
    client.get(page)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for n in range(3):
        requested(case, manager, found(case, manager, f"https://example.com/v/p{n + 2}"))
    with CaptureQueriesContext(connection) as four:
        answer = client.get(page)
    assert len(answer.context["requests"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


# --- nobody's name ------------------------------------------------------------------------------


def test_the_victim_is_never_named_on_deletion_pages(
    case: Case,
    manager: Staff,
    team_counselor: Staff,
    supervisor: Staff,
    platform: Platform,
    at: Callable[[dt.datetime], None],
) -> None:
    # a mandate of her own, where someone typed her name anyway, and one of her brother's
    record_mandate(case, manager, requester_name=VICTIM_NAME)
    record_mandate(
        case,
        manager,
        relation=Relation.SIBLING,
        requester_name="김오빠",
        proof_kind=ProofKind.FAMILY_CERTIFICATE,
        proof_note="가족관계증명서",
    )
    requested(case, manager, found(case, manager, "https://example.com/v/9"))
    at(T0 + dt.timedelta(days=3))
    for user in (manager, team_counselor, supervisor):
        client = logged_in(user)
        for url in (reverse("takedown:desk"), reverse("takedown:case", args=[case.pk])):
            html = client.get(url).content.decode()
            assert VICTIM_NAME not in html, (user.username, url)
            assert "010-1234-5678" not in html
            assert case.reference in html
    counselor_page = logged_in(team_counselor).get(reverse("takedown:case", args=[case.pk]))
    assert "김오빠" not in counselor_page.content.decode()  # only to those who work the case
    lead_page = logged_in(manager).get(reverse("takedown:case", args=[case.pk]))
    assert "김오빠" in lead_page.content.decode()


# --- platforms ----------------------------------------------------------------------------------


def test_the_desk_adds_and_changes_platforms_and_others_cannot(
    people: dict[str, Staff], platform: Platform
) -> None:
    new = {
        "name": "예시 커뮤니티",
        "kind": "community",
        "country": "kr",
        "domains": "community.example\nm.community.example",
        "report_channel": "게시판 신고 메뉴",
        "response_hours": "72",
        "active": "on",
    }
    for label in ("lead", "counselor", "expert-off-team"):
        before = counts()
        answer = logged_in(people[label]).post(reverse("takedown:platform_new"), new)
        assert answer.status_code == 403, label
        answer = logged_in(people[label]).post(
            reverse("takedown:platform_edit", args=[platform.pk]), {**new, "name": "바뀜"}
        )
        assert answer.status_code == 403, label
        assert counts() == before

    client = logged_in(people["desk-off-team"])
    before = counts()
    answer = client.post(reverse("takedown:platform_new"), {**new, "country": "KOR"})
    assert answer.status_code == 422
    assert list(answer.context["form"].errors) == ["country"]
    assert answer.context["form"]["name"].value() == "예시 커뮤니티"
    assert counts() == before

    answer = client.post(reverse("takedown:platform_new"), new)
    assert answer.status_code == 302
    made = Platform.objects.get(name="예시 커뮤니티")
    assert (made.country, made.domain_list(), made.response_hours) == (
        "KR",
        ["community.example", "m.community.example"],
        72,
    )
    edit = reverse("takedown:platform_edit", args=[platform.pk])
    assert client.get(edit).context["form"]["report_channel"].value() == platform.report_channel
    answer = client.post(edit, {**new, "name": "예시튜브", "country": "US", "domains": ""})
    assert answer.status_code == 302
    platform.refresh_from_db()
    assert (platform.response_hours, platform.domains, platform.active) == (72, "", True)
    listing = client.get(reverse("takedown:platforms")).content.decode()
    assert "community.example" in listing
    assert "예시튜브" in listing


# --- the timeline -------------------------------------------------------------------------------


def test_every_deletion_entry_has_its_line(case: Case, manager: Staff, platform: Platform) -> None:
    mandate = record_mandate(case, manager)
    item = tracking.bank_item_add_by_staff(
        actor=manager,
        case_id=case.pk,
        name="a.png",
        data=picture(12),
        label="illegal_recording",
        keep_as_evidence=False,
    )
    first = found(case, manager, "https://example.com/v/10", bank_item_id=item.pk)
    requested(case, manager, first)
    tracking.takedown_request_step(
        actor=manager, case_id=case.pk, request_id=first.pk, data=StepInput(to_status=S.REMOVED)
    )
    found(case, manager, "https://example.com/v/11", bank_item_id=item.pk)  # found again
    tracking.mandate_revoke(actor=manager, case_id=case.pk, mandate_id=mandate.pk, note="철회")
    kinds = (EventKind.DELETION_MANDATE, EventKind.TAKEDOWN_FOUND, EventKind.TAKEDOWN_STEP)
    events = CaseEvent.objects.filter(case=case, kind__in=kinds).order_by("at", "created_at")
    lines = [registered_event_detail(event) for event in events]
    assert lines == [
        "삭제 지원 요청 기록 · 피해자 본인 · 신분증 확인",
        "유포물 발견 · 예시튜브 · 직원 검색",
        "예시튜브 · 발견 → 삭제 요청 · 2026-11-20 09:00",
        "예시튜브 · 삭제 요청 → 삭제 완료 · 2026-11-20 09:00",
        "유포물 발견 · 예시튜브 · 직원 검색 · 재유포",
        "삭제 지원 요청 철회",
    ]
    html = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "예시튜브 · 발견 → 삭제 요청" in html
    assert "https://example.com/v/10" not in html  # the timeline names no URL

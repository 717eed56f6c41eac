"""The case pages: who gets which answer, what a page view writes to the audit log, and the
workflow forms (allowed and refused, with JavaScript and without)."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseStatus, CaseTeamMember, Notification
from onestop.cases.services import case_team_assign
from onestop.cases.tasks import notify_case_event
from onestop.conftest import PASSWORD

TEAM_ROLE_OF: dict[str, str] = {
    Role.CASE_MANAGER: "case_manager",
    Role.SUPERVISOR: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}
MATRIX = [
    (role, own, team)
    for role in Role.values
    for own in (True, False)
    for team in (True, False)
    if not (team and (not own or role not in TEAM_ROLE_OF))
]


@pytest.fixture
def world(agency, other_agency, make_staff, open_case):
    lead = make_staff(agency, Role.CASE_MANAGER, "lead-manager")
    case = open_case(lead)
    return {"case": case, "lead": lead}


def login(client: Client, user: Staff) -> Client:
    client.force_login(user)
    return client


def matrix_user(
    world: dict[str, Any],
    agency: Agency,
    other_agency: Agency,
    make_staff: Callable[..., Staff],
    role: str,
    own_agency: bool,
    in_team: bool,
) -> Staff:
    user = make_staff(agency if own_agency else other_agency, role, f"u-{role}".replace("_", "-"))
    if in_team:
        case_team_assign(
            case_id=world["case"].pk,
            actor=world["lead"],
            staff_id=user.pk,
            role=TEAM_ROLE_OF[role],
        )
    return user


def audit_actions_since(seq: int) -> list[str]:
    return list(AuditEntry.objects.filter(seq__gt=seq).values_list("action", flat=True))


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["cases:dashboard", "cases:search", "cases:detail", "intake:new"]
)
def test_anonymous_is_sent_to_login(client, world, url_name):
    args = [world["case"].pk] if url_name == "cases:detail" else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["cases:transition", "cases:note", "cases:team_assign"])
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, world, url_name):
    before = (CaseEvent.objects.count(), last_seq())
    response = client.post(reverse(url_name, args=[world["case"].pk]), {"note": "x"})
    assert response.status_code == 302
    assert (CaseEvent.objects.count(), last_seq()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_page_matrix(client, world, agency, other_agency, make_staff, role, own_agency, in_team):
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    case = world["case"]
    login(client, user)
    visible = own_agency and (role == Role.SUPERVISOR or in_team)

    assert client.get(reverse("cases:dashboard")).status_code == 200
    assert client.get(reverse("cases:search"), {"q": case.reference}).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == (
        200 if visible else 404
    )
    may_open = role in (Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR)
    assert client.get(reverse("intake:new")).status_code == (200 if may_open else 403)
    assert client.get(reverse("intake:matches"), {"phone": "010-1234-5678"}).status_code == (
        200 if may_open else 403
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_search_finds_only_visible_cases(
    client, world, agency, other_agency, make_staff, role, own_agency, in_team
):
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    case = world["case"]
    login(client, user)
    visible = own_agency and (role == Role.SUPERVISOR or in_team)
    html = client.get(reverse("cases:search"), {"q": "010 1234 5678"}).content.decode()
    assert (case.reference in html) is visible


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_write_matrix(client, world, agency, other_agency, make_staff, role, own_agency, in_team):
    """Workflow: supervisors and case managers on the team. Team: supervisors and the lead.
    Timeline: anyone who sees the case. Everyone else: 403 if they see it, 404 if not."""
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    case = world["case"]
    login(client, user)
    visible = own_agency and (role == Role.SUPERVISOR or in_team)
    hidden = 404
    workflow = role == Role.SUPERVISOR or (role == Role.CASE_MANAGER and in_team)
    team = role == Role.SUPERVISOR

    response = client.post(reverse("cases:transition", args=[case.pk]), {"to_status": "assessing"})
    assert response.status_code == ((302 if workflow else 403) if visible else hidden)
    response = client.post(reverse("cases:note", args=[case.pk]), {"note": "메모"})
    assert response.status_code == (302 if visible else hidden)
    response = client.post(
        reverse("cases:complaint_withdrawn", args=[case.pk]), {"note": "취하서 제출"}
    )
    assert response.status_code == (302 if visible else hidden)
    response = client.post(
        reverse("cases:team_assign", args=[case.pk]),
        {"staff": str(world["lead"].pk), "role": "lead"},
    )
    assert response.status_code == ((302 if team else 403) if visible else hidden)
    case.refresh_from_db()
    assert case.status == (CaseStatus.ASSESSING if visible and workflow else CaseStatus.RECEIVED)


@pytest.mark.django_db
def test_unknown_case_is_404_with_the_error_page(client, supervisor):
    login(client, supervisor)
    response = client.get(reverse("cases:detail", args=[uuid4()]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "페이지를 찾을 수 없습니다" in html
    assert "Traceback" not in html


# --- the case page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_page_shows_the_case_and_audits_the_view(client, world):
    case, lead = world["case"], world["lead"]
    seq = last_seq()
    response = login(client, lead).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (case.reference, "김지영", "010-1234-5678", "1995", "전 연인", "접수"):
        assert text in html
    assert "전화·문자·SNS 등으로 연락" in html
    assert "헤어진 뒤 하루 50통 넘게 전화가 옴" in html
    entry = AuditEntry.objects.get(seq__gt=seq)
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "case.view.case",
        lead.pk,
        str(case.pk),
    )


@pytest.mark.django_db
def test_case_page_offers_only_the_allowed_next_statuses(client, world):
    html = login(client, world["lead"]).get(reverse("cases:detail", args=[world["case"].pk]))
    text = html.content.decode()
    assert 'value="assessing"' in text
    assert 'value="closed"' in text
    assert 'value="monitoring"' not in text
    assert 'name="close_reason"' in text


@pytest.mark.django_db
def test_case_page_hides_forms_the_user_may_not_use(client, world, agency, make_staff):
    expert = make_staff(agency, Role.EXPERT, "expert-1")
    case_team_assign(
        case_id=world["case"].pk, actor=world["lead"], staff_id=expert.pk, role="expert"
    )
    text = login(client, expert).get(reverse("cases:detail", args=[world["case"].pk]))
    html = text.content.decode()
    assert reverse("cases:transition", args=[world["case"].pk]) not in html
    assert reverse("cases:team_assign", args=[world["case"].pk]) not in html
    assert reverse("cases:note", args=[world["case"].pk]) in html


# --- workflow through the page -----------------------------------------------------------------


@pytest.mark.django_db
def test_allowed_transition_moves_the_case(client, world):
    case, lead = world["case"], world["lead"]
    response = login(client, lead).post(
        reverse("cases:transition", args=[case.pk]), {"to_status": "assessing", "note": "평가"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING
    event = CaseEvent.objects.filter(case=case).order_by("-at", "-created_at")[0]
    assert (event.kind, event.data, event.note) == (
        "status_changed",
        {"from": "received", "to": "assessing", "close_reason": ""},
        "평가",
    )


@pytest.mark.django_db
def test_refused_transition_writes_nothing_but_the_view(client, world):
    case, lead = world["case"], world["lead"]
    events, seq = CaseEvent.objects.count(), last_seq()
    response = login(client, lead).post(
        reverse("cases:transition", args=[case.pk]), {"to_status": "monitoring"}
    )
    assert response.status_code == 409
    assert "&#x27;접수&#x27;에서 &#x27;사후 관리&#x27;(으)로 바꿀 수 없습니다." in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED
    assert CaseEvent.objects.count() == events
    assert audit_actions_since(seq) == ["case.view.case"]


@pytest.mark.django_db
def test_closing_needs_a_reason(client, world):
    case = world["case"]
    events = CaseEvent.objects.count()
    response = login(client, world["lead"]).post(
        reverse("cases:transition", args=[case.pk]), {"to_status": "closed"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="transition-close_reason_error"' in html
    assert "종결 사유를 선택하세요." in html
    assert 'aria-invalid="true"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_close_then_reopen_needs_a_note(client, world):
    case = world["case"]
    login(client, world["lead"])
    url = reverse("cases:transition", args=[case.pk])
    assert client.post(url, {"to_status": "closed", "close_reason": "victim_request"}).status_code
    case.refresh_from_db()
    assert (case.status, case.close_reason) == ("closed", "victim_request")
    response = client.post(url, {"to_status": "assessing"})
    assert response.status_code == 422
    assert "재개 사유를 적어 주세요." in response.content.decode()
    response = client.post(url, {"to_status": "assessing", "note": "다시 연락 옴"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.close_reason, case.closed_at) == ("assessing", "", None)


@pytest.mark.django_db
def test_htmx_transition_follows_the_redirect_and_refusal_is_swappable(client, world):
    case = world["case"]
    login(client, world["lead"])
    url = reverse("cases:transition", args=[case.pk])
    response = client.post(url, {"to_status": "closed"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="case-page"' in response.content.decode()
    response = client.post(
        url, {"to_status": "assessing"}, headers={"HX-Request": "true"}, follow=True
    )
    assert response.status_code == 200
    assert "단계를 &#x27;위험 평가&#x27;(으)로 바꿨습니다." in response.content.decode()


@pytest.mark.django_db
def test_complaint_withdrawn_keeps_the_case_open(client, world):
    case = world["case"]
    response = login(client, world["lead"]).post(
        reverse("cases:complaint_withdrawn", args=[case.pk]), {"note": "가해자 회유"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "고소 취하를 기록했습니다. 사례는 종결되지 않고 계속 진행됩니다." in html
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED
    event = CaseEvent.objects.get(case=case, kind="complaint_withdrawn")
    assert (event.note, event.data) == ("가해자 회유", {"status_unchanged": "received"})


@pytest.mark.django_db
def test_note_is_added_and_an_empty_note_is_refused(client, world):
    case = world["case"]
    login(client, world["lead"])
    url = reverse("cases:note", args=[case.pk])
    response = client.post(url, {"note": "   "})
    assert response.status_code == 422
    assert "메모를 입력하세요." in response.content.decode()
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
    assert client.post(url, {"note": "경찰서 동행 예정"}).status_code == 302
    assert CaseEvent.objects.get(case=case, kind="note").note == "경찰서 동행 예정"
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "경찰서 동행 예정" in html
    assert "메모" in html


@pytest.mark.django_db
def test_supervisor_assigns_and_removes_team_members(client, world, supervisor, counselor):
    case = world["case"]
    login(client, supervisor)
    response = client.post(
        reverse("cases:team_assign", args=[case.pk]),
        {"staff": str(counselor.pk), "role": "counselor"},
    )
    assert response.status_code == 302
    assert CaseTeamMember.objects.get(case=case, staff=counselor).role == "counselor"
    # a counselor cannot lead: refused, shown next to the role field
    response = client.post(
        reverse("cases:team_assign", args=[case.pk]),
        {"staff": str(counselor.pk), "role": "lead"},
    )
    assert response.status_code == 422
    assert "이 직원의 직무로는 이 역할을 맡을 수 없습니다." in response.content.decode()
    assert CaseTeamMember.objects.get(case=case, staff=counselor).role == "counselor"
    response = client.post(
        reverse("cases:team_remove", args=[case.pk]), {"staff": str(counselor.pk)}
    )
    assert response.status_code == 302
    assert not CaseTeamMember.objects.filter(case=case, staff=counselor).exists()


# --- dashboard, search, notifications ------------------------------------------------------------


@pytest.fixture
def busy_world(world, agency, make_staff, open_case, supervisor, counselor):
    """A supervisor leading six new cases, two cases without a lead (a counselor opened them),
    and unread notices of the four cases others opened."""
    for number in range(6):
        open_case(supervisor, phone=f"010-2000-{number:04d}", name=f"피해자{number}")
    open_case(world["lead"], phone="010-3000-0000", name="다른사람")
    for number in range(2):
        open_case(counselor, phone=f"010-4000-{number:04d}", name=f"상담{number}")
    # Work the notices here rather than through db_worker, which closes the test's connection
    # on PostgreSQL (see the lead's note on run_pending_tasks).
    for event in CaseEvent.objects.filter(kind="opened"):
        notify_case_event.call(event_id=str(event.pk))
    return world


@pytest.mark.django_db
def test_dashboard_lists_without_names_and_without_n_plus_one(
    client, busy_world, supervisor, django_assert_max_num_queries
):
    login(client, supervisor)
    # (+2: the conferences panel's open actions and upcoming meetings; +1: the support approvals
    # waiting for this supervisor; +1: whether her agency runs shelters; +1 each: applications
    # from the portal nobody took, cases with unread messages from victims, the survey summary;
    # +1: overdue takedown requests)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="case-item"') == 6 + 2  # six new intakes, two without a lead
    assert html.count('class="notice"') == 4  # cases the others opened
    assert "김지영" not in html
    assert "피해자0" not in html
    assert "다른사람" not in html
    assert reverse("intake:new") in html


@pytest.mark.django_db
def test_search_by_reference_and_query_count(
    client, busy_world, supervisor, django_assert_max_num_queries
):
    case = busy_world["case"]
    login(client, supervisor)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("cases:search"), {"q": "010-2000"})
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        response = client.get(reverse("cases:search"), {"q": case.reference.lower()})
    html = response.content.decode()
    assert html.count('class="case-item"') == 1
    assert case.reference in html
    assert "김지영" not in html


@pytest.mark.django_db
def test_notifications_are_marked_read(client, busy_world, supervisor):
    login(client, supervisor)
    notices = list(Notification.objects.filter(recipient=supervisor, read_at__isnull=True))
    assert len(notices) == 4
    response = client.post(
        reverse("cases:notifications_read"),
        {"notification": [str(notices[0].pk)]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="notifications"')
    assert "<html" not in html
    assert html.count('class="notice"') == 3
    response = client.post(
        reverse("cases:notifications_read"), {"notification": [str(n.pk) for n in notices]}
    )
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=supervisor, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_notifications_of_someone_else_are_not_touched(client, busy_world, supervisor, counselor):
    notice = Notification.objects.filter(recipient=supervisor)[0]
    login(client, counselor).post(
        reverse("cases:notifications_read"), {"notification": [str(notice.pk), "not-a-uuid"]}
    )
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.django_db
def test_case_count_unchanged_by_page_views(client, world):
    before = Case.objects.count()
    login(client, world["lead"]).get(reverse("cases:detail", args=[world["case"].pk]))
    assert Case.objects.count() == before


def test_password_constant_is_shared():
    assert PASSWORD

"""The intake page: a new case with every field, the duplicate flow (shown, attach, same victim,
different person), and bad input that is shown next to its field and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseTeamMember
from onestop.intake.forms import sign_started_at
from onestop.intake.models import Intake
from onestop.people.models import Perpetrator, Victim

FORM = {
    "channel": "hotline",
    "name": "박서연",
    "phone": "010 9876 5432",
    "birth_year": "1990",
    "gender": "female",
    "safe_contact_method": "sms",
    "safe_contact_times": "평일 오후 6시 이후",
    "perpetrator_name": "최민수",
    "perpetrator_gender": "male",
    "relationship": "former_partner",
    "stalking_behaviours": ["approaching_following", "communication"],
    "further_harms": ["threats"],
    "summary": "퇴근길에 계속 따라옴",
}


def counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Victim.objects.count(),
        Perpetrator.objects.count(),
        Intake.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_form_renders_with_a_signed_start_time(client, counselor):
    client.force_login(counselor)
    response = client.get(reverse("intake:new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="started_at"' in html
    assert "주민등록번호는 묻지도 적지도 않습니다." in html
    assert 'for="id_phone"' in html
    assert 'aria-describedby="id_birth_year_helptext"' in html


@pytest.mark.django_db
def test_new_case_is_opened_with_every_field(client, counselor):
    client.force_login(counselor)
    started = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    response = client.post(reverse("intake:new"), {**FORM, "started_at": sign_started_at(started)})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert (
        case.channel,
        case.relationship,
        case.stalking_behaviours,
        case.further_harms,
        case.summary,
        case.status,
        case.opened_by_id,
        case.agency_id,
    ) == (
        "hotline",
        "former_partner",
        ["approaching_following", "communication"],
        ["threats"],
        "퇴근길에 계속 따라옴",
        "received",
        counselor.pk,
        counselor.agency_id,
    )
    victim = case.victim
    assert (
        victim.name,
        victim.phone,
        victim.birth_year,
        victim.gender,
        victim.safe_contact_method,
        victim.safe_contact_times,
    ) == ("박서연", "+821098765432", 1990, "female", "sms", "평일 오후 6시 이후")
    assert case.perpetrator is not None
    assert (case.perpetrator.name, case.perpetrator.gender) == ("최민수", "male")
    member = CaseTeamMember.objects.get(case=case)
    assert (member.staff_id, member.role) == (counselor.pk, "counselor")
    intake = Intake.objects.get()
    assert (intake.outcome, intake.started_at, intake.taken_by_id) == (
        "new_case",
        started,
        counselor.pk,
    )


@pytest.mark.django_db
def test_tampered_start_time_is_ignored(client, counselor):
    client.force_login(counselor)
    response = client.post(reverse("intake:new"), {**FORM, "started_at": "2020-01-01:forged"})
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.started_at == intake.submitted_at


@pytest.mark.django_db
def test_possible_duplicate_is_shown_instead_of_creating(client, counselor, manager, open_case):
    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    client.force_login(counselor)
    before = Case.objects.count()
    response = client.post(reverse("intake:new"), FORM)
    assert response.status_code == 409
    assert Case.objects.count() == before
    html = response.content.decode()
    assert existing.reference in html
    assert "박*연" in html
    assert "***-****-5432" in html
    assert "이 사례에 상담 연결" in html
    assert "다른 사람입니다 — 새 사례" in html
    # everything she typed is still there
    assert "퇴근길에 계속 따라옴" in html
    assert 'value="최민수"' in html
    assert 'value="approaching_following" id="id_stalking_behaviours_2" checked' in html
    assert AuditEntry.objects.filter(action="intake.matches_shown").count() == 1


@pytest.mark.django_db
def test_attach_to_open_case_logs_a_contact_and_opens_nothing(
    client, counselor, manager, open_case
):
    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    client.force_login(counselor)
    before = Case.objects.count()
    response = client.post(
        reverse("intake:new"), {**FORM, "attach_to_case_id": str(existing.pk)}, follow=True
    )
    assert Case.objects.count() == before
    contact = CaseEvent.objects.get(case=existing, kind="contact")
    assert (contact.actor_id, contact.data, contact.note) == (
        counselor.pk,
        {"channel": "hotline"},
        "퇴근길에 계속 따라옴",
    )
    # she is not on that case's team: back to the dashboard, told only the reference
    assert response.redirect_chain == [(reverse("cases:dashboard"), 302)]
    html = response.content.decode()
    assert f"상담을 사례 {existing.reference}에 연결했습니다." in html
    assert "박서연" not in html
    assert Intake.objects.get(taken_by=counselor).outcome == "attached"


@pytest.mark.django_db
def test_attach_to_a_closed_case_is_refused(client, counselor, manager, open_case):
    from onestop.cases.services import case_transition

    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    case_transition(
        case_id=existing.pk, actor=manager, to_status="closed", close_reason="victim_request"
    )
    client.force_login(counselor)
    before = counts()
    response = client.post(reverse("intake:new"), {**FORM, "attach_to_case_id": str(existing.pk)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "연결할 수 있는 사례가 아닙니다." in html
    assert "이 피해자의 새 사례" in html
    assert 'name="attach_to_case_id"' not in html  # a closed case offers no attach button
    assert counts()[:5] == before[:5]


@pytest.mark.django_db
def test_new_case_for_a_known_victim(client, counselor, manager, open_case):
    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    client.force_login(counselor)
    response = client.post(
        reverse("intake:new"), {**FORM, "existing_victim_id": str(existing.victim_id)}
    )
    case = Case.objects.exclude(pk=existing.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.victim_id == existing.victim_id
    assert Victim.objects.count() == 1


@pytest.mark.django_db
def test_different_person_gets_a_new_victim(client, counselor, manager, open_case):
    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    client.force_login(counselor)
    response = client.post(reverse("intake:new"), {**FORM, "confirmed_new_person": "1"})
    assert response.status_code == 302
    case = Case.objects.exclude(pk=existing.pk).get()
    assert case.victim_id != existing.victim_id
    assert Victim.objects.count() == 2


@pytest.mark.django_db
def test_bad_input_is_shown_by_field_and_writes_nothing(client, counselor):
    client.force_login(counselor)
    before = counts()
    response = client.post(
        reverse("intake:new"),
        {**FORM, "name": " ", "phone": "12345", "birth_year": "1890", "channel": "fax"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field, message in (
        ("name", "이름을 입력하세요."),
        ("phone", "올바른 한국 전화번호가 아닙니다 (예: 010-1234-5678)."),
        ("birth_year", "출생연도는 1900년부터 올해 사이여야 합니다."),
        ("channel", "접수 경로를 선택하세요."),
    ):
        assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in html
        assert f'aria-describedby="id_{field}' in html
    assert 'value="12345"' in html
    assert "퇴근길에 계속 따라옴" in html
    assert counts() == before


@pytest.mark.django_db
def test_unparseable_birth_year_is_shown_with_the_other_errors(client, counselor):
    client.force_login(counselor)
    before = counts()
    response = client.post(reverse("intake:new"), {**FORM, "birth_year": "구공", "phone": "x"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_birth_year_error"' in html
    assert "전화번호에는 숫자만 쓸 수 있습니다." in html
    assert counts() == before


@pytest.mark.django_db
def test_matches_fragment_shows_masked_matches(client, counselor, manager, open_case):
    existing = open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)
    client.force_login(counselor)
    response = client.get(
        reverse("intake:matches"), {"phone": "01098765432"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<div id="matches"')
    assert existing.reference in html
    assert "박*연" in html
    assert "박서연" not in html
    response = client.get(reverse("intake:matches"), {"name": "박서연", "birth_year": "abc"})
    assert existing.reference not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_intake_submit_matrix(client, agency, make_staff, role):
    user = make_staff(agency, role, f"u-{role}".replace("_", "-"))
    client.force_login(user)
    before = counts()
    response = client.post(reverse("intake:new"), FORM)
    may_open = role in (Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR)
    assert response.status_code == (302 if may_open else 403)
    if not may_open:
        assert counts() == before

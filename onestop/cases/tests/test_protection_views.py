"""The case page's protective-measure and incident panel, through the real views: who may use
its forms (everyone else gets 404, as for the case), what a refusal shows, that it writes
nothing, and what the page shows of a measure's term, extensions and breaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onestop.accounts.models import Role
from onestop.cases.models import CaseEvent, Incident, ProtectiveMeasure
from onestop.cases.services import (
    MeasureInput,
    case_team_assign,
    protective_measure_extend,
    protective_measure_record,
)
from onestop.core import clock

pytestmark = pytest.mark.django_db

TEAM_ROLES = {
    Role.CASE_MANAGER: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(open_case, manager):
    return open_case(manager)


def today() -> dt.date:
    return clock.today_in_seoul()


def measure_form(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "provisional_100m",
        "issued_by": "서울서부지방법원",
        "decision_ref": "2026초기1234",
        "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=60)).isoformat(),
        "covers": "",
        "note": "",
    }
    data.update(changes)
    return data


def record_measure(case, actor, **changes) -> ProtectiveMeasure:
    data: dict[str, Any] = {
        "kind": "provisional_100m",
        "issued_by": "서울서부지방법원",
        "starts_on": today() - dt.timedelta(days=80),
        "ends_on": today() + dt.timedelta(days=5),
    }
    data.update(changes)
    return protective_measure_record(case_id=case.pk, actor=actor, data=MeasureInput(**data))


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("on_team", [True, False])
def test_who_may_record_a_measure(
    case, manager, make_staff, agency, other_agency, role, where, on_team
):
    home = agency if where == "own" else other_agency
    user = make_staff(home, role, username=f"{where}-{role}".replace("_", "-"))
    if on_team and where == "own" and role in TEAM_ROLES:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=user.pk, role=TEAM_ROLES[role])
    may = where == "own" and (role == Role.SUPERVISOR or (on_team and role in TEAM_ROLES))

    response = logged_in(user).post(reverse("cases:measure", args=[case.pk]), measure_form())

    if may:
        assert response.status_code == 302
        assert ProtectiveMeasure.objects.filter(case=case).count() == 1
    else:
        assert response.status_code == 404
        assert ProtectiveMeasure.objects.filter(case=case).count() == 0


@pytest.mark.parametrize(
    "name", ["incident", "measure", "measure_extend", "measure_end", "measure_breach"]
)
def test_every_form_is_a_404_off_the_team_and_a_sign_in_for_nobody(case, make_staff, agency, name):
    outsider = make_staff(agency, Role.CASE_MANAGER, username="off-team")
    url = reverse(f"cases:{name}", args=[case.pk])
    before = (ProtectiveMeasure.objects.count(), Incident.objects.count())
    assert logged_in(outsider).post(url, {}).status_code == 404
    anonymous = Client().post(url, {})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert (ProtectiveMeasure.objects.count(), Incident.objects.count()) == before


def test_a_measure_longer_than_the_law_allows_is_refused_at_its_field(case, manager):
    before = CaseEvent.objects.filter(case=case).count()
    start = dt.date(2026, 11, 20)
    response = logged_in(manager).post(
        reverse("cases:measure", args=[case.pk]),
        measure_form(
            starts_on=start.isoformat(), ends_on="2027-02-20", issued_by="", note="법원 결정문 사본"
        ),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "한 번에 3개월을 넘을 수 없습니다" in page
    assert "늦어도 2027-02-19에 끝납니다" in page
    assert "조치한 기관(경찰서·법원)을 적어 주세요." in page
    assert "법원 결정문 사본" in page  # the input is kept
    assert ProtectiveMeasure.objects.count() == 0
    assert CaseEvent.objects.filter(case=case).count() == before


def test_the_panel_shows_the_term_the_extensions_and_the_days_left(case, manager):
    measure = record_measure(case, manager)
    protective_measure_extend(
        case_id=case.pk,
        actor=manager,
        measure_id=measure.pk,
        ends_on=today() + dt.timedelta(days=35),
        decided_on=today(),
        decision_ref="2026초기1300",
    )
    urgent = record_measure(
        case,
        manager,
        kind="urgent_emergency",
        issued_by="마포경찰서",
        starts_on=today() - dt.timedelta(days=25),
        ends_on=today() + dt.timedelta(days=3),
    )
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "잠정조치 2호: 100m 이내 접근금지" in page
    assert "1차 연장" in page
    assert "2026초기1300" in page
    assert "3일 뒤 종료" in page  # the urgent measure, within a week of its end
    # the urgent emergency measure cannot be extended: no extension form for it
    assert f'id="extend-end-{urgent.pk}"' not in page
    assert f'id="extend-end-{measure.pk}"' in page


def test_a_breach_through_the_page_is_an_incident_and_an_alert(case, manager, supervisor):
    measure = record_measure(case, manager)
    moment = clock.now().astimezone(clock.SEOUL) - dt.timedelta(hours=2)
    response = logged_in(manager).post(
        reverse("cases:measure_breach", args=[case.pk]),
        {
            "measure": str(measure.pk),
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "source": "victim",
            "note": "집 앞 50m에서 기다림",
        },
    )
    assert response.status_code == 302
    [breach] = Incident.objects.filter(case=case, measure=measure)
    assert breach.note == "집 앞 50m에서 기다림"
    assert breach.occurred_at == moment.replace(second=0, microsecond=0)
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "위반 1건" in page
    assert "보호조치 위반" in page


def test_an_incident_form_with_nothing_chosen_is_refused_and_writes_nothing(case, manager):
    response = logged_in(manager).post(
        reverse("cases:incident", args=[case.pk]),
        {"occurred_at": "", "behaviours": [], "count": "1", "source": "", "note": "메모"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "어떤 행동이었는지 하나 이상 고르세요." in page
    assert "누가 알려 왔는지 고르세요." in page
    assert Incident.objects.filter(case=case).count() == 0


def test_the_panel_reads_in_english(case, manager):
    record_measure(case, manager)
    client = logged_in(manager)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Protective measures" in page


def test_a_refused_extension_shows_its_message_and_reopens_that_measure_with_the_input(
    case, manager
):
    measure = record_measure(case, manager)
    too_far = (today() + dt.timedelta(days=200)).isoformat()
    response = logged_in(manager).post(
        reverse("cases:measure_extend", args=[case.pk]),
        {
            "measure": str(measure.pk),
            "ends_on": too_far,
            "decided_on": today().isoformat(),
            "decision_ref": "2026초기9999",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "한 번에 3개월, 모두 9개월을 넘을 수 없습니다" in page
    assert f'value="{too_far}"' in page
    assert 'value="2026초기9999"' in page
    assert measure.extensions.count() == 0

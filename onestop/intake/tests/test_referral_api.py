"""Contract tests of the police referral API (shared/contracts/police-referral.md): every field
rule, every status code, idempotency, duplicate reports, the 1 MiB limit, unknown fields, the
per-agency rate limit, routing to the right center, and the status endpoint. No error stores
anything."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add, apikey_issue, apikey_revoke, staff_set_on_duty
from onestop.audit.models import AuditEntry
from onestop.audit.selectors import audit_chain_verify
from onestop.cases.models import Case, CaseEvent, Incident, Notification, ProtectiveMeasure
from onestop.cases.services import case_transition
from onestop.conftest import run_pending_tasks
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.consent.services import consent_withdraw
from onestop.core import clock
from onestop.intake.models import PoliceReferral
from onestop.people.models import Perpetrator, SealedLocation, Victim

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/police"

EXAMPLE: dict[str, Any] = {
    "police_report_id": "SMPA-2026-004213",
    "reported_at": "2026-11-20T14:05:00+09:00",
    "station": "마포경찰서",
    "officer": {"name": "경사 박○○", "phone": "02-3149-0000"},
    "victim": {
        "name": "김○○",
        "phone": "010-1234-5678",
        "birth_year": 1995,
        "gender": "female",
        "address": "서울특별시 마포구 ...",
        "safe_contact": {"method": "sms", "from": "18:00", "to": "21:00", "note": "문자만 가능"},
    },
    "perpetrator": {
        "name": "이○○",
        "relationship": "former_partner",
        "phone": "010-9876-5432",
        "address": None,
    },
    "behaviours": ["communication", "watching_waiting"],
    "summary": "이별 후 하루 50통 이상의 전화와 1,000건의 메시지, 집 앞에서 기다림.",
    "police_risk_grade": "high",
    "protection_recommended": True,
    "protective_measures": [{"kind": "urgent_emergency", "from": "2026-11-20", "to": "2026-11-21"}],
    "consent": {
        "given": True,
        "given_at": "2026-11-20T14:30:00+09:00",
        "method": "signed_form",
        "purposes": ["support_services"],
        "data_categories": ["identity", "contact", "incident", "risk", "address"],
        "officer_id": "A-1234",
    },
}


def body(**changes: Any) -> dict[str, Any]:
    """The contract's example with dotted-path changes; a value of ``...`` removes the field."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return data


def police_agency(code: str, name: str, region: str = "seoul") -> Agency:
    return agency_add(actor=None, code=code, kind="police", name=name, region=region)


def police_key(code: str) -> str:
    return apikey_issue(actor=None, agency_code=code, scope="police_referral")[1]


@pytest.fixture
def police() -> Agency:
    return police_agency("police-mapo", "마포경찰서")


@pytest.fixture
def key(police) -> str:
    return apikey_issue(actor=None, agency_code=police.code, scope="police_referral")[1]


def send(key: str | None, payload: Any = None, *, idem: str | None = "idem-0001", **headers: str):
    extra: dict[str, Any] = {}
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if idem is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = idem
    for name, value in headers.items():
        extra[f"HTTP_{name.upper()}"] = value
    if not isinstance(payload, (bytes, str)):
        payload = json.dumps(body() if payload is None else payload)
    content_type = extra.pop("HTTP_CONTENT_TYPE", "application/json")
    return Client().post(URL, data=payload, content_type=content_type, **extra)


def status_of(key: str | None, report_id: str = EXAMPLE["police_report_id"]):
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().get(f"{URL}/{report_id}", **extra)


def stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            PoliceReferral,
            Case,
            CaseEvent,
            Victim,
            Perpetrator,
            SealedLocation,
            ConsentGrant,
            Disclosure,
            AuditEntry,
        )
    }


def errors_of(response) -> list[tuple[str | None, str]]:
    payload = response.json()
    assert set(payload) == {"errors"}
    for item in payload["errors"]:
        assert set(item) == {"field", "code", "message"}
        assert item["message"]
    return [(item["field"], item["code"]) for item in payload["errors"]]


def refused(response_factory, status: int) -> list[tuple[str | None, str]]:
    before = stored()
    response = response_factory()
    assert response.status_code == status, response.content
    assert stored() == before, "a refused referral stored something"
    return errors_of(response)


# --- 201: what a referral does ------------------------------------------------------------------


def test_a_referral_opens_a_case_at_the_center_of_its_region(agency, key, police, supervisor):
    response = send(key)

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"case_reference", "status", "received_at"}
    assert answer["status"] == "received"
    assert dt.datetime.fromisoformat(answer["received_at"]).utcoffset() is not None
    case = Case.objects.get(reference=answer["case_reference"])
    assert case.agency == agency
    assert (case.channel, case.status, case.opened_by) == ("police", "received", None)
    assert case.relationship == "former_partner"
    assert case.stalking_behaviours == ["communication", "watching_waiting"]
    assert case.summary == EXAMPLE["summary"]
    assert list(case.team.all()) == []  # whoever takes the alert joins it
    victim = case.victim
    assert (victim.agency, victim.name, victim.phone, victim.birth_year, victim.gender) == (
        agency,
        "김○○",
        "+821012345678",
        1995,
        "female",
    )
    assert (victim.safe_contact_method, victim.safe_contact_times) == (
        "sms",
        "18:00~21:00 · 문자만 가능",
    )
    assert case.perpetrator is not None
    assert (case.perpetrator.name, case.perpetrator.phone) == ("이○○", "+821098765432")
    [place] = SealedLocation.objects.filter(victim=victim)
    assert (place.kind, place.address, place.source) == (
        "home",
        "서울특별시 마포구 ...",
        "police_referral",
    )
    [consent] = ConsentGrant.objects.filter(case=case)
    assert (consent.purpose, consent.recipient_agency, consent.method) == (
        "support_services",
        agency,
        "signed_form",
    )
    assert consent.data_categories == ["identity", "contact", "incident", "risk", "address"]
    assert consent.given_at == dt.datetime.fromisoformat("2026-11-20T14:30:00+09:00")
    assert (consent.source, consent.witness) == ("police_referral", "A-1234")
    referral = PoliceReferral.objects.get()
    assert (referral.referring_agency, referral.receiving_agency, referral.case) == (
        police,
        agency,
        case,
    )
    assert referral.protective_measures == [
        {"kind": "urgent_emergency", "from": "2026-11-20", "to": "2026-11-21"}
    ]
    assert (referral.risk_grade, referral.protection_recommended) == ("high", True)
    assert referral.officer_phone == "+82231490000"
    event = CaseEvent.objects.get(case=case, kind="police_referral")
    assert (event.data["station"], event.data["risk_grade"]) == ("마포경찰서", "high")
    actions = list(
        AuditEntry.objects.filter(target_id=str(case.pk)).values_list("action", flat=True)
    )
    assert actions == ["case.open", "case.measure_record", "consent.record", "referral.receive"]
    # the report is an incident of the case, and its measure is tracked as reported
    [incident] = Incident.objects.filter(case=case)
    assert (incident.source, incident.behaviours, incident.occurred_at) == (
        "police",
        ["communication", "watching_waiting"],
        dt.datetime.fromisoformat("2026-11-20T14:05:00+09:00"),
    )
    [measure] = ProtectiveMeasure.objects.filter(case=case)
    assert (measure.kind, measure.issued_by, measure.starts_on, measure.ends_on) == (
        "urgent_emergency",
        "마포경찰서",
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 21),
    )
    assert set(
        AuditEntry.objects.filter(target_id=str(case.pk)).values_list("actor_label", flat=True)
    ) == {f"apikey:{referral.api_key_id} (police-mapo)"}
    assert audit_chain_verify().ok


def test_the_alert_is_a_notice_to_supervisors_and_on_duty_takers_only(
    agency, key, staff, supervisor, counselor, manager
):
    staff_set_on_duty(actor=counselor, on_duty=True)
    send(key)
    run_pending_tasks()
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {supervisor.username, counselor.username}  # manager is off duty
    assert set(Notification.objects.values_list("kind", flat=True)) == {"police_referral"}


def test_a_region_without_a_center_goes_to_the_default_center(agency):
    default = agency_add(
        actor=None,
        code="national-onestop",
        kind="onestop_center",
        name="중앙 원스톱",
        region="sejong",
        default_center=True,
    )
    police_agency("police-jeju", "제주경찰서", region="jeju")
    jeju_key = police_key("police-jeju")
    response = send(jeju_key)
    assert response.status_code == 201
    assert Case.objects.get().agency == default


def test_with_no_center_anywhere_it_is_503_and_stores_nothing(key):
    assert refused(lambda: send(key), 503) == [(None, "unavailable")]


def test_a_victim_with_an_open_case_gets_the_report_on_that_case(agency, key, manager, open_case):
    existing = open_case(
        manager, phone="01012345678", name="김지영", stalking_behaviours=["threats"]
    )
    case_transition(case_id=existing.pk, actor=manager, to_status="assessing")
    before = Case.objects.count(), Victim.objects.count()

    response = send(key)

    assert response.status_code == 201
    assert response.json()["case_reference"] == existing.reference
    assert response.json()["status"] == "in_support"
    assert (Case.objects.count(), Victim.objects.count()) == before
    existing.refresh_from_db()
    assert existing.stalking_behaviours == ["threats", "communication", "watching_waiting"]
    event = CaseEvent.objects.get(case=existing, kind="police_referral")
    assert event.note == EXAMPLE["summary"]
    assert PoliceReferral.objects.get().outcome == "attached"


def test_a_known_victim_whose_cases_are_closed_gets_a_new_case(agency, key, manager, open_case):
    old = open_case(manager, phone="+82 10 1234 5678")
    case_transition(
        case_id=old.pk, actor=manager, to_status="closed", close_reason="support_completed"
    )
    response = send(key)
    assert response.status_code == 201
    new = Case.objects.get(reference=response.json()["case_reference"])
    assert new.pk != old.pk
    assert new.victim_id == old.victim_id
    assert Victim.objects.count() == 1
    assert PoliceReferral.objects.get().outcome == "new_case_known_victim"


def test_a_victim_of_another_center_is_not_looked_at(
    agency, other_agency, key, make_staff, open_case
):
    busan = make_staff(other_agency, Role.CASE_MANAGER)
    open_case(busan)  # same phone, but at the Busan center
    send(key)
    assert Victim.objects.filter(agency=agency).count() == 1
    assert Case.objects.filter(agency=agency).count() == 1


def test_identity_is_not_in_a_raw_dump(agency, key):
    send(key)
    dump = raw_dump()
    for secret in (
        "김○○",
        "+821012345678",
        "서울특별시 마포구",
        "이○○",
        "+821098765432",
        "하루 50통",
    ):
        assert secret not in dump, secret


def raw_dump() -> str:
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


# --- 200 and 409: idempotency and duplicates ----------------------------------------------------


def test_the_same_key_and_body_again_is_answered_as_the_first_time(agency, key):
    first = send(key)
    before = stored()
    again = send(key, json.dumps(body(), indent=2, sort_keys=True, ensure_ascii=True))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert stored() == before


def test_the_same_key_with_another_body_is_409(agency, key):
    send(key)
    changed = body(summary="다른 내용")
    assert refused(lambda: send(key, changed), 409) == [("Idempotency-Key", "idempotency_conflict")]


def test_the_same_key_with_another_body_is_409_even_if_that_body_is_invalid(agency, key):
    send(key)
    assert refused(lambda: send(key, {"nonsense": True}), 409) == [
        ("Idempotency-Key", "idempotency_conflict")
    ]


def test_the_same_report_under_another_key_is_a_duplicate(agency, key):
    send(key)
    assert refused(lambda: send(key, idem="idem-0002"), 409) == [
        ("police_report_id", "duplicate_report")
    ]


def test_report_ids_are_unique_per_police_agency_only(agency, key):
    send(key)
    police_agency("police-seodaemun", "서대문경찰서")
    other = police_key("police-seodaemun")
    assert send(other, body(victim__phone="010-5555-6666")).status_code == 201


def test_idempotency_keys_are_per_agency(agency, key):
    send(key)
    police_agency("police-seodaemun", "서대문경찰서")
    other = police_key("police-seodaemun")
    assert send(other, body(police_report_id="SDM-1")).status_code == 201


# --- 400, 401, 403, 413, 415 --------------------------------------------------------------------


@pytest.mark.parametrize("idem", [None, "", "1234567", "x" * 129, "abc\x01defgh"])
def test_a_missing_or_bad_idempotency_key_is_400(agency, key, idem):
    assert refused(lambda: send(key, idem=idem), 400) == [("Idempotency-Key", "bad_request")]


@pytest.mark.parametrize("idem", ["12345678", "y" * 128])
def test_idempotency_keys_of_8_and_128_characters_are_accepted(agency, key, idem):
    assert send(key, idem=idem).status_code == 201


def test_no_key_an_unknown_key_or_a_revoked_key_is_401(agency, police):
    issued, revoked_key = apikey_issue(actor=None, agency_code=police.code, scope="police_referral")
    apikey_revoke(actor=None, key_id=str(issued.pk))
    for candidate in (None, "osk_unknown", revoked_key, "Basic abc"):
        assert refused(lambda c=candidate: send(c), 401) == [(None, "not_authenticated")]


def test_an_expired_key_is_401(agency, police):
    issued, raw = apikey_issue(
        actor=None,
        agency_code=police.code,
        scope="police_referral",
        expires_at=clock.now() + dt.timedelta(days=1),
    )
    type(issued).objects.filter(pk=issued.pk).update(
        expires_at=clock.now() - dt.timedelta(seconds=1)
    )
    assert refused(lambda: send(raw), 401) == [(None, "not_authenticated")]


def test_a_key_of_an_agency_that_may_not_refer_is_403(agency):
    agency_add(
        actor=None, code="counseling-maeum", kind="counseling", name="마음쉼", region="seoul"
    )
    provider_key = apikey_issue(actor=None, agency_code="counseling-maeum", scope="provider")[1]
    assert refused(lambda: send(provider_key), 403) == [(None, "forbidden")]


def test_a_police_agency_key_of_another_scope_is_403(agency, police):
    other_scope = apikey_issue(actor=None, agency_code=police.code, scope="provider")[1]
    assert refused(lambda: send(other_scope), 403) == [(None, "forbidden")]


def test_a_body_over_1_mib_is_413(agency, key):
    raw = json.dumps(body()).encode()
    too_big = raw[:-1] + b" " * (1024 * 1024 + 1 - len(raw)) + b"}"
    assert len(too_big) == 1024 * 1024 + 1
    assert refused(lambda: send(key, too_big), 413) == [(None, "payload_too_large")]


def test_a_body_of_exactly_1_mib_is_accepted(agency, key):
    raw = json.dumps(body()).encode()
    exact = raw[:-1] + b" " * (1024 * 1024 - len(raw)) + b"}"
    assert len(exact) == 1024 * 1024
    assert send(key, exact).status_code == 201


def test_not_json_is_415(agency, key):
    assert refused(lambda: send(key, "police_report_id=1", content_type="text/plain"), 415) == [
        (None, "unsupported_media_type")
    ]
    assert refused(lambda: send(key, "{not json"), 415) == [(None, "not_json")]


# --- 422: every field rule ----------------------------------------------------------------------

NEXT_YEAR = clock.today_in_seoul().year + 1
RRN = "resident_registration_number"
FUTURE = (clock.now() + dt.timedelta(hours=1)).isoformat()

FIELD_RULES = [
    ({"police_report_id": ...}, ("police_report_id", "required")),
    ({"police_report_id": ""}, ("police_report_id", "required")),
    ({"police_report_id": "x" * 65}, ("police_report_id", "too_long")),
    ({"police_report_id": 4213}, ("police_report_id", "invalid")),
    ({"reported_at": ...}, ("reported_at", "required")),
    ({"reported_at": "2026-11-20T14:05:00"}, ("reported_at", "invalid")),
    ({"reported_at": "20 Nov 2026"}, ("reported_at", "invalid")),
    ({"reported_at": FUTURE}, ("reported_at", "invalid")),
    ({"station": ""}, ("station", "required")),
    ({"station": "   "}, ("station", "required")),
    ({"officer__name": ...}, ("officer.name", "required")),
    ({"officer__name": ""}, ("officer.name", "required")),
    ({"officer__phone": "12"}, ("officer.phone", "invalid")),
    ({"victim__name": ...}, ("victim.name", "required")),
    ({"victim__name": ""}, ("victim.name", "required")),
    ({"victim__phone": ...}, ("victim.phone", "required")),
    ({"victim__phone": "010-12"}, ("victim.phone", "invalid")),
    ({"victim__phone": "+1 202 555 0100"}, ("victim.phone", "invalid")),
    ({"victim__birth_year": 1899}, ("victim.birth_year", "invalid")),
    ({"victim__birth_year": NEXT_YEAR}, ("victim.birth_year", "invalid")),
    ({"victim__birth_year": "1995"}, ("victim.birth_year", "invalid")),
    ({"victim__birth_year": True}, ("victim.birth_year", "invalid")),
    (
        {"victim__birth_year": "950101-2234567"},
        ("victim.birth_year", "resident_registration_number"),
    ),
    ({"victim__name": "김○○ 950101-2234567"}, ("victim.name", "resident_registration_number")),
    ({"summary": "주민번호 9501012234567 확인"}, ("summary", "resident_registration_number")),
    (
        {"victim__resident_number": "950101-2234567"},
        ("victim.resident_number", "resident_registration_number"),
    ),
    ({"victim__rrn": "none"}, ("victim.rrn", "unknown_field")),
    ({"victim__gender": ...}, ("victim.gender", "required")),
    ({"victim__gender": "woman"}, ("victim.gender", "invalid_choice")),
    ({"victim__address": 12}, ("victim.address", "invalid")),
    ({"victim__safe_contact__method": "email"}, ("victim.safe_contact.method", "invalid_choice")),
    ({"victim__safe_contact__from": "25:00"}, ("victim.safe_contact.from", "invalid")),
    ({"victim__safe_contact__to": "9pm"}, ("victim.safe_contact.to", "invalid")),
    ({"perpetrator": ...}, ("perpetrator", "required")),
    ({"perpetrator__relationship": ...}, ("perpetrator.relationship", "required")),
    ({"perpetrator__relationship": "ex"}, ("perpetrator.relationship", "invalid_choice")),
    ({"perpetrator__phone": "nope"}, ("perpetrator.phone", "invalid")),
    ({"behaviours": []}, ("behaviours", "invalid")),
    ({"behaviours": "communication"}, ("behaviours", "invalid")),
    ({"behaviours": ["communication", "stalking"]}, ("behaviours.1", "invalid_choice")),
    ({"summary": ...}, ("summary", "required")),
    ({"summary": ""}, ("summary", "required")),
    ({"summary": "가" * 10_001}, ("summary", "too_long")),
    ({"summary": "줄\x00바꿈"}, ("summary", "invalid")),
    ({"police_risk_grade": "extreme"}, ("police_risk_grade", "invalid_choice")),
    ({"protection_recommended": "yes"}, ("protection_recommended", "invalid")),
    (
        {"protective_measures__0__kind": "restraining"},
        ("protective_measures.0.kind", "invalid_choice"),
    ),
    ({"protective_measures__0__from": "tomorrow"}, ("protective_measures.0.from", "invalid")),
    ({"consent": ...}, ("consent.given", "consent_required")),
    ({"consent": None}, ("consent.given", "consent_required")),
    ({"consent__given": ...}, ("consent.given", "consent_required")),
    ({"consent__given": False}, ("consent.given", "consent_required")),
    ({"consent__given": "true"}, ("consent.given", "consent_required")),
    ({"consent__given_at": ...}, ("consent.given_at", "required")),
    ({"consent__given_at": FUTURE}, ("consent.given_at", "invalid")),
    ({"consent__given_at": "2026-11-20"}, ("consent.given_at", "invalid")),
    ({"consent__method": "oral"}, ("consent.method", "invalid_choice")),
    ({"consent__purposes": ["share_with_police"]}, ("consent.purposes", "invalid")),
    ({"consent__purposes": []}, ("consent.purposes", "invalid")),
    (
        {"consent__data_categories": ["counseling_notes"]},
        ("consent.data_categories.0", "invalid_choice"),
    ),
    ({"hotline": "1366"}, ("hotline", "unknown_field")),
]


@pytest.mark.parametrize(("changes", "expected"), FIELD_RULES)
def test_every_field_rule(agency, key, changes, expected):
    assert refused(lambda: send(key, body(**changes)), 422) == [expected]


def test_every_broken_field_is_listed(agency, key):
    broken = body(victim__phone="010", consent__given=False, behaviours=[], extra=1)
    assert sorted(refused(lambda: send(key, broken), 422)) == sorted(
        [
            ("victim.phone", "invalid"),
            ("consent.given", "consent_required"),
            ("behaviours", "invalid"),
            ("extra", "unknown_field"),
        ]
    )


def test_a_body_that_is_not_an_object_is_422(agency, key):
    assert refused(lambda: send(key, [1, 2]), 422) == [(None, "invalid")]


@pytest.mark.parametrize(
    ("notation", "e164"),
    [
        ("01012345678", "+821012345678"),
        ("+82 10 1234 5678", "+821012345678"),
        ("+82 (0)10-1234-5678", "+821012345678"),
        ("\uff10\uff11\uff10-\uff11\uff12\uff13\uff14-\uff15\uff16\uff17\uff18", "+821012345678"),
    ],
)
def test_every_korean_notation_of_the_phone_is_stored_as_e164(agency, key, notation, e164):
    assert send(key, body(victim__phone=notation)).status_code == 201
    assert Victim.objects.get().phone == e164


def test_optional_fields_may_be_left_out(agency, key):
    minimal = body(
        victim__birth_year=...,
        victim__address=...,
        victim__safe_contact=...,
        perpetrator__name=...,
        perpetrator__phone=...,
        perpetrator__address=...,
        police_risk_grade=...,
        protection_recommended=...,
        protective_measures=...,
        consent__officer_id=...,
        officer__phone=...,
    )
    assert send(key, minimal).status_code == 201
    case = Case.objects.get()
    assert case.perpetrator is None
    assert SealedLocation.objects.count() == 0


def test_a_summary_of_10000_characters_is_accepted(agency, key):
    assert send(key, body(summary="가" * 10_000)).status_code == 201


# --- 429 ----------------------------------------------------------------------------------------


def test_the_rate_limit_is_per_agency_with_retry_after(agency, key, settings):
    settings.ONESTOP_REFERRAL_RATE_LIMIT = "2/60"
    for n in range(2):
        payload = body(police_report_id=f"R-{n}", victim__phone=f"010-1111-000{n}")
        assert send(key, payload, idem=f"idem-rate-{n}").status_code == 201
    before = stored()
    response = send(key, body(police_report_id="R-3"), idem="idem-rate-3")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert errors_of(response) == [(None, "throttled")]
    assert stored() == before
    police_agency("police-seodaemun", "서대문경찰서")
    other = police_key("police-seodaemun")
    assert send(other, body(police_report_id="R-3")).status_code == 201


# --- the status, back to the police -------------------------------------------------------------


def test_the_status_goes_back_to_the_agency_that_sent_it(agency, key, manager, supervisor):
    reference = send(key).json()["case_reference"]
    answer = status_of(key)
    assert answer.status_code == 200
    assert set(answer.json()) == {"case_reference", "status", "updated_at"}
    assert (answer.json()["case_reference"], answer.json()["status"]) == (reference, "received")
    case = Case.objects.get(reference=reference)
    case_transition(case_id=case.pk, actor=supervisor, to_status="assessing")
    moved = status_of(key).json()
    assert moved["status"] == "in_support"
    assert moved["updated_at"] > answer.json()["updated_at"]
    case_transition(
        case_id=case.pk, actor=supervisor, to_status="closed", close_reason="victim_request"
    )
    assert status_of(key).json()["status"] == "closed"
    assert AuditEntry.objects.filter(action="referral.status_read").count() == 3


def test_anyone_else_gets_404(agency, key):
    send(key)
    police_agency("police-seodaemun", "서대문경찰서")
    other = police_key("police-seodaemun")
    for response in (status_of(other), status_of(key, "SMPA-UNKNOWN")):
        assert response.status_code == 404
        assert errors_of(response) == [(None, "not_found")]
    assert status_of(None).status_code == 401


def test_nothing_beyond_the_status_without_the_victims_consent_to_share_back(agency, key):
    send(key)
    assert "shared" not in status_of(key).json()
    assert Disclosure.objects.count() == 0


def test_what_she_agreed_to_share_back_goes_through_the_gate(agency, key, police, manager):
    send(
        key,
        body(
            consent__purposes=["support_services", "share_with_police"],
            consent__data_categories=["contact", "incident"],
        ),
    )
    answer = status_of(key).json()
    assert answer["shared"] == {
        "contact": {
            "phone": "+821012345678",
            "safe_contact_method": "sms",
            "safe_contact_times": "18:00~21:00 · 문자만 가능",
        },
        "incident": {"behaviours": ["communication", "watching_waiting"], "further_harms": []},
    }
    disclosures = Disclosure.objects.filter(recipient_agency=police)
    assert sorted(d.data_categories[0] for d in disclosures) == ["contact", "incident"]
    assert {d.basis for d in disclosures} == {"consent"}

    share_back = ConsentGrant.objects.get(purpose="share_with_police")
    assert share_back.recipient_agency == police
    case = Case.objects.get()
    consent_withdraw(case_id=case.pk, grant_id=share_back.pk, actor=_supervisor_of(agency), note="")
    assert "shared" not in status_of(key).json()  # at once


def _supervisor_of(agency: Agency) -> Staff:
    from onestop.accounts.services import staff_add

    return staff_add(
        actor=None, agency_code=agency.code, username="sv-consent", role="supervisor", password=None
    )


def test_polling_unchanged_data_is_one_disclosure_and_a_change_is_a_new_one(agency, key, police):
    send(
        key,
        body(
            consent__purposes=["support_services", "share_with_police"],
            consent__data_categories=["contact"],
        ),
    )
    for _ in range(3):
        assert "contact" in status_of(key).json()["shared"]
    assert Disclosure.objects.count() == 1
    assert CaseEvent.objects.filter(kind="disclosed").count() == 1
    assert AuditEntry.objects.filter(action="referral.status_read").count() == 3  # every read

    victim = Victim.objects.get()
    victim.safe_contact_times = "평일 저녁만"
    victim.save()
    assert status_of(key).json()["shared"]["contact"]["safe_contact_times"] == "평일 저녁만"
    assert Disclosure.objects.count() == 2


def test_a_report_on_a_case_that_names_its_perpetrator_stores_no_second_copy(
    agency, key, manager, open_case
):
    existing = open_case(manager, phone="010-1234-5678", perpetrator_name="이가해")
    before = Perpetrator.objects.count()
    assert send(key).status_code == 201
    assert Perpetrator.objects.count() == before
    existing.refresh_from_db()
    assert existing.perpetrator is not None
    assert existing.perpetrator.name == "이가해"

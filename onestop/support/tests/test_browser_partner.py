"""A security partner on a phone, in a real browser: signs in, lands on the referrals sent to
her company, opens one (meeting point, schedule and risk — never the victim's name), accepts it,
records a guard shift, and is refused a second shift that would pass 10 hours that day.
Screenshots at 360 px go to ``test-artifacts/``."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.urls import reverse

from onestop.accounts.models import AgencyKind, Staff
from onestop.cases.models import Case
from onestop.cases.services import case_risk_level_set
from onestop.conftest import PASSWORD
from onestop.core import clock
from onestop.support.models import Delivery, Program, ReferralStatus, ServicePolicy
from onestop.support.published import load_published_programs
from onestop.support.services import (
    provider_referral_send,
    service_request_create,
    service_request_decide,
)
from onestop.tests.browsing import ARTIFACTS, NEEDS_CHROMIUM, launched_chromium

from .conftest import partner_agency

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = NEEDS_CHROMIUM

MEETING_POINT = "합정역 3번 출구 앞"


@pytest.fixture
def browser() -> Iterator[Any]:
    yield from launched_chromium()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_guard_accepts_and_records_shifts_on_a_phone(
    django_db_setup: Any,
    browser: Any,
    live_server: Any,
    case: Case,
    manager: Staff,
    supervisor: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
) -> None:
    load_published_programs(Program, ServicePolicy)  # (a transactional test starts flushed)
    case_risk_level_set(case=case, level="very_high", assessed_at=clock.now())
    share_all()
    start = clock.today_in_seoul() + dt.timedelta(days=1)
    request = service_request_create(
        actor=manager,
        case_id=case.pk,
        service_kind="security",
        quantity=7,
        starts_on=start,
        hours_per_day=10,
        guards_per_shift=2,
    )
    service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    referral = provider_referral_send(
        actor=manager,
        request_id=request.pk,
        provider_id=partner_agency(partners, AgencyKind.SECURITY).pk,
        meeting_point=MEETING_POINT,
        schedule="출근길 07:00부터",
    )
    guard = partners[AgencyKind.SECURITY]
    victim_name = case.victim.name
    connections.close_all()

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 360, "height": 800}, locale="ko-KR")
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("아이디").fill(guard.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/partner/$"))
    page.screenshot(path=ARTIFACTS / "partner-list-360.png", full_page=True, caret="initial")
    assert victim_name not in page.content()

    page.locator(f"a[href*='{referral.pk}']").first.click()
    page.wait_for_url(re.compile(str(referral.pk)))
    text = page.content()
    assert MEETING_POINT in text
    assert victim_name not in text
    page.get_by_role("button", name="수락").click()
    page.wait_for_load_state()

    day = start.isoformat()
    page.get_by_label("근무 시작").fill(f"{day}T07:00")
    page.get_by_label("근무 끝").fill(f"{day}T15:00")
    page.get_by_label("경호원 수").fill("2")
    page.get_by_role("button", name="기록하기").click()
    page.wait_for_load_state()
    page.get_by_label("근무 시작").fill(f"{day}T17:00")
    page.get_by_label("근무 끝").fill(f"{day}T21:00")
    page.get_by_label("경호원 수").fill("2")
    page.get_by_role("button", name="기록하기").click()
    page.wait_for_load_state()
    assert "10시간" in page.content()  # the second shift would make 12 hours that day
    page.screenshot(path=ARTIFACTS / "partner-shift-refused-360.png", full_page=True)
    assert problems == []

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert Delivery.objects.filter(referral=referral).count() == 1
    connections.close_all()

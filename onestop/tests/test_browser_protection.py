"""A case manager, in a real browser on a phone-sized screen, assesses a case's risk with the
bundled screening instrument, records a court's 100 m ban, is refused an extension past the
3-month step, and reports a breach. Screenshots go to ``test-artifacts/``.

Runs Debian's Chromium through Playwright (never ``playwright install``); skipped without it."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from onestop.cases.models import Case, Incident, ProtectiveMeasure
from onestop.cases.protection import add_months
from onestop.conftest import PASSWORD
from onestop.core import clock
from onestop.risk.models import Assessment, Instrument, InstrumentOrigin
from onestop.risk.services import instrument_import_file
from onestop.tests.browsing import ARTIFACTS, NEEDS_CHROMIUM
from onestop.tests.test_browser import browser  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = NEEDS_CHROMIUM
BUNDLED = Path(__file__).resolve().parents[1] / "risk/instruments/onestop-stalking-screen-v1.json"


@pytest.mark.django_db(transaction=True)
def test_a_manager_assesses_records_a_ban_and_a_breach(
    django_db_setup,
    browser,  # noqa: F811
    live_server,
    manager,
    open_case,
):
    case = open_case(manager)
    if not Instrument.objects.exists():  # a transactional test's flush removed the migration's
        instrument_import_file(path=BUNDLED, origin=InstrumentOrigin.BUNDLED)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 360, "height": 800}, locale="ko-KR")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # (the refused extension answers 422 on purpose; Chromium logs that status as an error)
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error"
            and "status of 422" not in message.text
            # (Django's live server speaks no WebSocket: the chat socket is proven against the
            # ASGI server in test_browser_portal)
            and "/ws/cases/" not in message.text
            else None
        ),
    )
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("아이디").fill(manager.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/cases/$"))
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))

    # a risk assessment: a threat to kill (a red flag) and the victim's fear
    codes = [item["code"] for item in Instrument.objects.get().definition["items"]]
    page.get_by_text("(으)로 평가하기").first.click()
    for code in codes:
        yes = code in ("threat_kill_harm", "victim_fear", "contact_escalating")
        page.check(f'input[name="answers.{code}.answer"][value="{"yes" if yes else "no"}"]')
        page.select_option(f'select[name="answers.{code}.source"]', "victim")
    page.get_by_role("button", name="평가 기록").click()
    page.get_by_text("고위험 사례").first.wait_for()
    page.screenshot(path=ARTIFACTS / "risk-360.png", full_page=True, caret="initial")

    # a 100 m ban for 3 months, then an extension one day past the 3-month step: refused
    today = clock.today_in_seoul()
    page.get_by_text("보호조치 기록하기").click()
    page.get_by_label("종류", exact=True).select_option("provisional_100m")
    page.get_by_label("조치한 기관").fill("서울서부지방법원")
    page.get_by_label("시작일", exact=True).fill(today.isoformat())
    page.get_by_label("종료일", exact=True).fill(
        (add_months(today, 3) - dt.timedelta(days=1)).isoformat()
    )
    page.get_by_role("button", name="보호조치 저장").click()
    page.get_by_text("잠정조치 2호: 100m 이내 접근금지을(를) 기록했습니다.").wait_for()

    page.locator("summary", has_text="연장 기록").click()
    page.get_by_label("연장 후 종료일").fill(add_months(today, 6).isoformat())
    page.get_by_label("연장 결정일").fill(today.isoformat())
    page.get_by_role("button", name="연장 기록").click()
    page.get_by_text("한 번에 3개월, 모두 9개월을 넘을 수 없습니다", exact=False).wait_for()
    page.screenshot(path=ARTIFACTS / "measure-refused-360.png", full_page=True, caret="initial")

    # a breach
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    page.locator("summary", has_text="위반 기록").click()
    page.get_by_label("위반 일시").fill(
        (clock.now().astimezone(clock.SEOUL) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="위반 기록하고 알리기").click()
    page.get_by_text("보호조치 위반을 기록했습니다.").wait_for()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=ARTIFACTS / "protection-1280.png", full_page=True, caret="initial")

    [assessment] = Assessment.objects.filter(case=case)
    assert (assessment.computed_level, assessment.final_level) == ("high", "high")
    assert Case.objects.get(pk=case.pk).risk_level == "high"
    [measure] = ProtectiveMeasure.objects.filter(case=case)
    assert measure.extensions.count() == 0  # the refused extension wrote nothing
    assert Incident.objects.filter(case=case, measure=measure).count() == 1
    # Playwright runs this body in its own context, where Django opened a connection of its
    # own (the queries above): close it, or the test database cannot be dropped on PostgreSQL.
    connections.close_all()
    assert problems == []

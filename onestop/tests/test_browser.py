"""One real browser through the main path: a counselor signs in, takes an intake and lands on the
new case. Screenshots at phone and desktop width go to ``test-artifacts/`` for a human to look at.

Runs Debian's Chromium through Playwright (never ``playwright install``); skipped without it."""

import os
import re
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse

from onestop.cases.models import Case
from onestop.conftest import PASSWORD
from onestop.tests.browsing import ARTIFACTS, NEEDS_CHROMIUM, launched_chromium

# Playwright's sync API runs an event loop in this thread; Django must still allow the ORM here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def browser():
    yield from launched_chromium()  # the browser is closed when this returns
    # The live server answers each browser connection in its own thread, which closes its
    # database connection when the browser hangs up; wait for them, or the test database cannot
    # be dropped on PostgreSQL.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)


# ``django_db_setup`` comes before ``live_server``: the server must start after the in-memory test
# database exists, so that it shares that connection instead of opening (and leaking) its own.
@pytest.mark.django_db(transaction=True)
def test_counselor_takes_an_intake_and_lands_on_the_case(
    django_db_setup, browser, live_server, counselor
):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 360, "height": 800}, locale="ko-KR")
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    # sign in
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("아이디").fill(counselor.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/cases/$"))
    page.screenshot(path=ARTIFACTS / "dashboard-360.png", full_page=True, caret="initial")

    # the intake form
    page.get_by_role("link", name="새 상담 접수").first.click()
    page.wait_for_url(re.compile(r"/intake/new/$"))
    page.get_by_label("접수 경로").select_option("hotline")
    page.get_by_label("피해자 이름").fill("이하늘")
    page.get_by_label("전화번호").fill("010-5555-0101")
    page.get_by_label("출생연도").fill("1998")
    page.get_by_label("안전한 연락 방법").select_option("sms")
    page.get_by_label("연락해도 되는 시간").fill("평일 저녁")
    page.get_by_label("가해자와의 관계").select_option("former_partner")
    page.get_by_label("전화·문자·SNS 등으로 연락").check()
    page.get_by_label("협박").check()
    page.get_by_label("상담 요약").fill("헤어진 뒤 매일 연락하고 집 앞에서 기다림")
    page.screenshot(path=ARTIFACTS / "intake-360.png", full_page=True, caret="initial")
    page.get_by_role("button", name="접수하기").last.click()

    # the new case
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get()
    # Playwright runs this body in its own context, where Django opened a connection of its own.
    connections.close_all()
    assert page.url.endswith(reverse("cases:detail", args=[case.pk]))
    assert page.get_by_role("heading", name=case.reference).is_visible()
    assert page.get_by_text("010-5555-0101").is_visible()
    page.screenshot(path=ARTIFACTS / "case-360.png", full_page=True, caret="initial")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=ARTIFACTS / "case-1280.png", full_page=True, caret="initial")

    # a note through htmx: the page body is swapped in place, no reload
    page.get_by_label("메모", exact=True).last.fill("내일 다시 통화하기로 함")
    page.get_by_role("button", name="메모 저장").click()
    page.get_by_text("메모를 남겼습니다.").wait_for()
    assert page.get_by_text("내일 다시 통화하기로 함").is_visible()
    page.screenshot(path=ARTIFACTS / "case-note-1280.png", full_page=True, caret="initial")

    # (Django's live server speaks no WebSocket: the case page's chat socket is refused here and
    # proven against the ASGI server in test_browser_portal)
    problems = [p for p in problems if "/ws/cases/" not in p]
    assert problems == []  # no CSP violation, no script error

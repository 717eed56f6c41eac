"""One real browser through the live referral alert: a counselor starts her shift, a police
system sends a referral, and the alert appears on her dashboard within a second, without a
reload and without the victim's name; opening it takes her to the case, which names the victim.
Screenshots go to ``test-artifacts/``.

Channels' websockets do not go through Django's ``live_server`` (WSGI), so the real ASGI server
(uvicorn) runs in a subprocess against a database of its own: a temporary SQLite file, or a
temporary PostgreSQL database next to the test database when ``DATABASE_URL`` is set. It is set
up with the operations commands (``onestop migrate``, ``agency add``, ``staff add``, ``apikey
issue``), with keys and files in a temporary folder. The test's own database is not used.

Runs Debian's Chromium through Playwright (never ``playwright install``); skipped without it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import pytest

from onestop.conftest import PASSWORD
from onestop.tests.browsing import ARTIFACTS, NEEDS_CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
SEOUL = ZoneInfo("Asia/Seoul")
VICTIM_NAME = "윤서하"
COUNSELOR = "duty.counselor"

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def browser(chromium):
    return chromium


# --- the server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    api_key: str


@pytest.fixture
def server_env(tmp_path) -> Iterator[dict[str, str]]:
    """The environment of the server and its commands: files and keys under ``tmp_path``, and a
    database of their own, dropped afterwards."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "ONESTOP_SQLITE_PATH", "PYTEST_XDIST_WORKER"}
        and not name.startswith("PYTEST_")
    }
    env.update(
        {
            "ONESTOP_VAR_DIR": str(tmp_path / "var"),
            "ONESTOP_KEY_DIR": str(tmp_path / "keys"),
            "ONESTOP_KEY_FILE": str(tmp_path / "keys" / "keyring.json"),
            "ONESTOP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ONESTOP_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        env["ONESTOP_SQLITE_PATH"] = str(tmp_path / "onestop.sqlite3")
        yield env
        return
    psycopg = pytest.importorskip("psycopg")
    parsed = urlparse(database_url)
    name = f"{unquote(parsed.path.lstrip('/'))}_browser_{os.getpid()}"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def onestop(env: dict[str, str], *commands: tuple[list[str], str | None]) -> list[str]:
    """Run ``onestop`` commands side by side (each ``(arguments, stdin)``); their outputs."""
    running = [
        subprocess.Popen(  # noqa: S603  (our own command, fixed arguments)
            [sys.executable, "-m", "onestop", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for args, _stdin in commands
    ]
    outputs = []
    for process, (args, stdin) in zip(running, commands, strict=True):
        out, err = process.communicate(stdin, timeout=120)
        assert process.returncode == 0, (args, out, err)
        outputs.append(out)
    return outputs


@pytest.fixture
def server(server_env, tmp_path) -> Iterator[Server]:
    """uvicorn serving ``onestop.config.asgi:application`` on a free port, set up with a Seoul
    police agency and its referral key, the default one-stop center and one counselor."""
    env = server_env
    onestop(env, (["migrate", "--no-input"], None))
    # The test binds the port and hands the socket over, so no other process can take it between
    # choosing it and the server listening on it.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log = (tmp_path / "server.log").open("w")
    web = [sys.executable, "-m", "uvicorn", "onestop.config.asgi:application",
           "--fd", str(listener.fileno()), "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        web,
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=[listener.fileno()],
    )
    listener.close()
    try:
        # (the server starts while the operations commands set the deployment up; the first
        # one alone, as it writes the audit log's first entry)
        onestop(
            env,
            (["agency", "add", "--code", "police-mapo", "--kind", "police",
              "--name", "마포경찰서", "--region", "seoul"], None),
        )  # fmt: skip
        _added, issued = onestop(
            env,
            (["agency", "add", "--code", "seoul-onestop", "--kind", "onestop_center",
              "--name", "서울 원스톱 지원센터", "--region", "seoul", "--default-center"], None),
            (["apikey", "issue", "--agency", "police-mapo", "--scope", "police_referral"], None),
        )  # fmt: skip
        onestop(
            env,
            (["staff", "add", "--agency", "seoul-onestop", "--username", COUNSELOR,
              "--role", "hotline_counselor", "--display-name", "김상담", "--password-stdin"],
             PASSWORD + "\n"),
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                with urllib.request.urlopen(url + "/accounts/login/", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "the server did not come up within 20 s"
            time.sleep(0.1)
        yield Server(url=url, api_key=json.loads(issued)["key"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def post_referral(server: Server) -> tuple[int, dict[str, Any]]:
    now = dt.datetime.now(SEOUL)
    body = {
        "police_report_id": "SMPA-2026-004213",
        "reported_at": (now - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
        "station": "마포경찰서",
        "officer": {"name": "경사 박○○", "phone": "02-3149-0000"},
        "victim": {
            "name": VICTIM_NAME,
            "phone": "010-3141-5926",
            "birth_year": 1996,
            "gender": "female",
            "address": "서울특별시 마포구 성산로 12길 3",
        },
        "perpetrator": {"name": "이○○", "relationship": "former_partner"},
        "behaviours": ["communication", "watching_waiting"],
        "summary": "이별 후 하루 50통 이상의 전화, 집 앞에서 기다림.",
        "police_risk_grade": "high",
        "protection_recommended": True,
        "consent": {
            "given": True,
            "given_at": (now - dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
            "method": "signed_form",
            "purposes": ["support_services"],
            "data_categories": ["identity", "contact", "incident", "risk", "address"],
        },
    }
    request = urllib.request.Request(  # noqa: S310  (a local test server)
        server.url + "/api/v1/referrals/police",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {server.api_key}",
            "Idempotency-Key": "browser-test-0001",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return answer.status, json.loads(answer.read())


def settle_fonts(page: Any) -> None:
    """Wait for the bundled Korean font (``font-display: swap``): a screenshot taken while its
    bold face still loads shows boxes where this machine has no Korean fallback."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_function("document.fonts.status === 'loaded'")


# --- the test -------------------------------------------------------------------------------------


def test_an_on_duty_counselor_sees_a_referral_arrive_live_and_takes_it(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ko-KR")
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    # sign in
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("아이디").fill(COUNSELOR)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/cases/$"))

    # start the shift: the dashboard connects to the live channel
    page.get_by_role("button", name="근무 시작").click()
    page.get_by_text("근무를 시작했습니다.").wait_for()
    page.get_by_text("실시간 알림 연결됨").wait_for(timeout=5000)
    items = page.locator("[data-referral-list] [data-referral-id]")
    assert items.count() == 0
    page.evaluate("window.__notReloaded = true")

    # a police system sends a referral
    status, answer = post_referral(server)
    sent = time.monotonic()
    assert status == 201
    assert answer["status"] == "received"

    # the alert appears within a second, without a reload, naming no one
    items.first.wait_for(timeout=1000)
    assert time.monotonic() - sent < 1.0
    assert page.evaluate("window.__notReloaded") is True
    item = items.first
    text = item.inner_text()
    assert "마포경찰서" in text
    assert "위험도 높음" in text
    assert "경찰이 신변보호를 권고함" in text
    assert page.locator("[data-referral-count]").inner_text() == "1"
    assert VICTIM_NAME not in page.content()
    settle_fonts(page)
    page.screenshot(path=ARTIFACTS / "alert-1280.png", full_page=True, caret="initial")

    # opening it takes her to the case, which names the victim
    page.set_viewport_size({"width": 360, "height": 800})
    item.get_by_role("button", name="열어서 맡기").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name=answer["case_reference"]).is_visible()
    assert page.get_by_text(VICTIM_NAME).first.is_visible()
    assert page.get_by_text(f"경찰 연계 {answer['case_reference']}을(를) 맡았습니다.").is_visible()
    settle_fonts(page)
    page.screenshot(path=ARTIFACTS / "referral-case-360.png", full_page=True, caret="initial")

    assert problems == []  # no CSP violation, no script error

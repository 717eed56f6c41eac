"""The portal's pages: neutral titles, a quick exit on every page, nothing cached, no referrer;
signing in with the case code and passphrase shows her case in plain words; a failed sign-in
looks the same whatever was wrong; 15 minutes idle ends the session; staff pages stay closed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.portal.services import portal_access_open_for_case
from onestop.portal.views import SEEN_KEY

pytestmark = pytest.mark.django_db

PASSPHRASE = "봄날의 벚꽃길 2024"


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def code(case: Case, manager: Staff) -> str:
    return portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
    )[1]


def sign_in(client: Client, code: str, passphrase: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        reverse("portal:sign_in"),
        {"code": code, "passphrase": passphrase},
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize("name", ["portal:home", "portal:sign_in"])
def test_every_page_is_neutral_private_and_can_be_left_at_once(name: str) -> None:
    answer = Client().get(reverse(name))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Referrer-Policy"] == "same-origin"
    assert "<title>생활 안내</title>" in text  # nothing on a tab says what this is
    assert "data-quick-exit" in text
    assert "portal.js" in text
    assert "스토킹" not in text.split("<body", 1)[0]


def test_sign_in_and_see_the_case_in_plain_words(case: Case, code: str) -> None:
    client = Client()
    answer = sign_in(client, code, PASSPHRASE)
    assert answer.status_code == 302
    page = client.get(reverse("portal:case"))
    text = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert case.status == "received"
    assert "접수되었습니다" in text
    assert "담당자가 곧 안전한 방법으로 연락합니다" in text
    assert case.reference not in text  # her page needs no internal number
    assert client.post(reverse("portal:sign_out")).status_code == 302
    assert client.get(reverse("portal:case")).status_code == 302


def test_a_failed_sign_in_looks_the_same_whatever_was_wrong(code: str) -> None:
    unknown = sign_in(Client(), "ZZZZZZZZZZ", PASSPHRASE, "10.0.0.2")
    wrong = sign_in(Client(), code, "틀린 비밀 문구입니다", "10.0.0.3")
    assert unknown.status_code == wrong.status_code == 401

    def body(answer: Any) -> str:
        text = str(answer.content.decode())
        for typed in ("ZZZZZZZZZZ", code):
            text = text.replace(f'value="{typed}"', "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)

    assert body(unknown) == body(wrong)


def test_fifteen_idle_minutes_end_the_session(code: str) -> None:
    client = Client()
    sign_in(client, code, PASSPHRASE)
    session = client.session
    session[SEEN_KEY] = time.time() - 16 * 60
    session.save()
    assert client.get(reverse("portal:case")).status_code == 302


def test_a_portal_session_opens_no_staff_page(case: Case, code: str) -> None:
    client = Client()
    sign_in(client, code, PASSPHRASE)
    answer = client.get(reverse("cases:detail", args=[case.pk]))
    assert answer.status_code == 302
    assert reverse("accounts:login") in answer["Location"]

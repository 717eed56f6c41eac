from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.portal.services import portal_access_open
from onestop.portal.views import SEEN_KEY, SESSION_KEY

CODE_WORD = "노란 우산 챙겼어?"
FRIEND = "박수진"
FRIEND_PHONE = "010-9876-5432"


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def a_plan(**answers: str) -> dict[str, Any]:
    """A plan as the services take it: a few answers, ticks and one trusted person."""
    return {
        "answers": {
            "signals_call_112": "집 앞에서 기다리면 바로 112",
            "routes_home": "버스 대신 큰길로, 7시 전에",
            **answers,
        },
        "checks": ["sos_setting", "location_sharing_off", "two_step"],
        "people": [
            {"name": FRIEND, "contact": FRIEND_PHONE, "knows": "지금 상황", "signal": CODE_WORD}
        ],
    }


def signed_in_victim(case: Case) -> Client:
    """A client signed in to the portal as the victim of ``case``."""
    access, _code = portal_access_open(
        actor=None, case=case, passphrase="봄날의 벚꽃길 2024", code_word="해바라기"
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time()
    session.save()
    return client

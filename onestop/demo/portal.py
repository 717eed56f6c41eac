"""Demo: the high-risk case that keeps evidence also uses the victim portal — her access (with a
fixed case code so the README can give it), a message to her counselor and his answer, and a
safety plan she started."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.demo.evidence import evidence_case
from onestop.messaging.services import message_send_by_staff, message_send_by_victim
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_access_open_for_case
from onestop.safety.services import safety_plan_save_by_victim

DEMO_CODE = "SAFE2HAVEN"  # shown as SAFE2-HAVEN
DEMO_PASSPHRASE = "onestop-demo-1366"  # noqa: S105  (the demo's published password)


class Loader(Protocol):
    now: dt.datetime

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None: ...


class PortalSeries:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def schedule(self) -> None:
        self.loader.at(self.loader.now - dt.timedelta(days=2, hours=20), self._open)
        self.loader.at(self.loader.now - dt.timedelta(days=1, hours=22), self._talk)

    def _found(self) -> tuple[Case, Staff] | None:
        found = evidence_case()
        if found is None:
            return None
        case_id, lead = found
        return Case.objects.get(pk=case_id), lead

    def _open(self) -> None:
        found = self._found()
        if found is None:
            return
        case, lead = found
        access, _code = portal_access_open_for_case(
            actor=lead,
            case_id=case.pk,
            passphrase=DEMO_PASSPHRASE,
            code_word="해바라기",
        )
        # Demo only: a known code, so that anyone can try the portal from the README.
        PortalAccess.objects.filter(pk=access.pk).update(code=DEMO_CODE)
        safety_plan_save_by_victim(
            case=case,
            data={
                "answers": {},
                "checks": [],
                "people": [{"name": "언니", "contact": "010-2000-3000", "knows": "전부",
                            "signal": "'우산 챙겨'라고 문자하면 바로 전화"}],
            },
        )  # fmt: skip

    def _talk(self) -> None:
        found = self._found()
        if found is None:
            return
        case, lead = found
        message_send_by_victim(
            case=case, body="어젯밤에도 회사 앞에서 기다리고 있었어요. 무서워요."
        )
        message_send_by_staff(
            actor=lead,
            case_id=case.pk,
            body="많이 놀라셨겠어요. 오늘 퇴근길 동행을 준비할게요. 위험하면 바로 112에 전화하세요",
        )

"""The staff side of the portal, on the case page: whether she uses the portal, opening it for
her on the phone (she chooses the passphrase and the code word; staff read her the case code),
and a new passphrase when she forgot hers — after she says her code word."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_move_workflow
from onestop.cases.views import case_form_action
from onestop.core import clock
from onestop.portal.selectors import portal_access_for_case
from onestop.portal.services import (
    display_code,
    portal_access_open_for_case,
    portal_passphrase_reset,
)


class PortalOpenForm(forms.Form):
    passphrase = forms.CharField(
        label=gettext_lazy("비밀 문구 (피해자가 정함, 8자 이상)"), max_length=200, required=False
    )
    code_word = forms.CharField(
        label=gettext_lazy("확인용 암호 단어 (피해자가 정함)"), max_length=50, required=False
    )


class PortalResetForm(forms.Form):
    code_word = forms.CharField(
        label=gettext_lazy("피해자가 말한 확인용 암호 단어"), max_length=50, required=False
    )
    new_passphrase = forms.CharField(
        label=gettext_lazy("새 비밀 문구 (피해자가 정함, 8자 이상)"), max_length=200, required=False
    )


def portal_staff_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    access = portal_access_for_case(case=case)
    may_act = can_move_workflow(user, case)
    locked = access is not None and access.locked_until is not None
    locked = (
        locked
        and access is not None
        and access.locked_until is not None
        and (access.locked_until > clock.now())
    )
    return CasePanel(
        "portal/staff_panel.html",
        {
            "access": access,
            "locked": locked,
            "open_form": (bound.get("portal_open") or PortalOpenForm())
            if may_act and access is None
            else None,
            "reset_form": (bound.get("portal_reset") or PortalResetForm())
            if may_act and access is not None
            else None,
        },
    )


@login_required
@require_POST
def portal_open_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        _access, code = portal_access_open_for_case(
            actor=user, case_id=case.pk, passphrase=data["passphrase"], code_word=data["code_word"]
        )
        return _(
            "포털을 열었습니다. 피해자에게 사례 코드를 읽어 주세요: %s (다시 보여 주지 않습니다)"
        ) % (display_code(code))

    return case_form_action(
        request,
        case_id,
        name="portal_open",
        make_form=lambda case, user, data: PortalOpenForm(data),
        perform=perform,
    )


@login_required
@require_POST
def portal_reset_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        portal_passphrase_reset(
            actor=user,
            case_id=case.pk,
            code_word=data["code_word"],
            new_passphrase=data["new_passphrase"],
        )
        return _("새 비밀 문구를 정했습니다. 잠금도 풀렸습니다.")

    return case_form_action(
        request,
        case_id,
        name="portal_reset",
        make_form=lambda case, user, data: PortalResetForm(data),
        perform=perform,
    )

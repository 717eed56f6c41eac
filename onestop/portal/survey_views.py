"""The satisfaction survey's pages: in the portal, the survey offered to a victim whose case is
closed (and the thanks after); on the staff side, the case page's panel with her answer and the
supervisors' dashboard panel with the last 90 days of answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onestop.accounts.models import Staff
from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.core.errors import DomainError
from onestop.portal.survey import (
    MAX_COMMENT,
    SUMMARY_DAYS,
    SurveyAlreadyAnswered,
    SurveyNotOpen,
    SurveyState,
    can_read_survey_summary,
    survey_answer,
    survey_for_case,
    survey_state,
    survey_summary_recent,
)
from onestop.portal.views import portal_access_of, portal_page

SCORE_WORDS: dict[int, Promise] = {
    1: gettext_lazy("매우 불만족"),
    2: gettext_lazy("불만족"),
    3: gettext_lazy("보통"),
    4: gettext_lazy("만족"),
    5: gettext_lazy("매우 만족"),
}


class SurveyForm(forms.Form):
    # The service holds the rules (score 1 to 5, comment length); the form only reads the input.
    score = forms.IntegerField(
        label=gettext_lazy("도움을 받으며 얼마나 만족하셨나요?"),
        required=False,
        widget=forms.RadioSelect(
            choices=[(score, f"{score} — {word}") for score, word in SCORE_WORDS.items()]
        ),
    )
    comment = forms.CharField(
        label=gettext_lazy("남기고 싶은 말 (선택)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = _(
            "%(max)d자까지 쓸 수 있습니다. 이름이나 연락처는 쓰지 마세요."
        ) % {"max": MAX_COMMENT}


@portal_page
@require_http_methods(["GET", "POST"])
def survey_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        return redirect("portal:sign_in")
    case = access.case
    state = survey_state(case=case)
    if state == SurveyState.NOT_OFFERED:
        messages.info(request, _("만족도 조사는 지원이 끝난 뒤에 답할 수 있습니다."))
        return redirect("portal:case")
    if state == SurveyState.ANSWERED:
        return render(request, "portal/survey_thanks.html")
    form = SurveyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                survey_answer(
                    case=case,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except SurveyNotOpen as refused:
                messages.info(request, refused.message)
                return redirect("portal:case")
            except SurveyAlreadyAnswered:
                return redirect("portal:survey")
            except DomainError as refused:
                add_domain_errors(form, refused)
                status = refused.status_code
            else:
                return redirect("portal:survey")
    return render(request, "portal/survey.html", {"form": form}, status=status)


# --- staff side --------------------------------------------------------------------------------


def survey_case_panel(case: Case, user: Staff, bound: Mapping[str, forms.Form]) -> CasePanel | None:
    """Her answer, once she gave it, on the case page (which only its team and the agency's
    supervisors can open)."""
    survey = survey_for_case(case=case)
    if survey is None:
        return None
    return CasePanel(
        "portal/survey_case_panel.html",
        {"survey": survey, "word": SCORE_WORDS[survey.score]},
        column="side",
    )


def survey_dashboard_panel(user: Staff) -> CasePanel | None:
    """The agency's last 90 days of answers, for its supervisors."""
    if not can_read_survey_summary(user):
        return None
    summary = survey_summary_recent(user=user)
    rows = [(score, SCORE_WORDS[score], answers) for score, answers in summary.rows]
    return CasePanel(
        "portal/survey_dashboard_panel.html",
        {"summary": summary, "rows": rows, "days": SUMMARY_DAYS},
    )

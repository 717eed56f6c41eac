"""Reading deletion support, filtered by who asks (``permissions``). Nothing here returns a
victim's name or contact: deletion work is done by case reference, bank item and URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.permissions import visible_cases_filter
from onestop.cases.reminders import DueReminder
from onestop.takedown.errors import TakedownNotFound
from onestop.takedown.models import (
    BankItem,
    CandidateDecision,
    DeletionMandate,
    MatchCandidate,
    Platform,
    TakedownRequest,
    TakedownStep,
)
from onestop.takedown.permissions import is_desk
from onestop.takedown.tracking import (
    GONE_STATUSES,
    NEXT,
    OPEN_STATUSES,
    WAITING_STATUSES,
    is_overdue,
)


def deletion_cases_for_user(*, user: Staff) -> QuerySet[Case]:
    """Cases the user may see that have deletion support: a request for it, banked content or a
    URL found."""
    has_work = (
        Exists(DeletionMandate.objects.filter(case=OuterRef("pk")))
        | Exists(BankItem.objects.filter(case=OuterRef("pk")))
        | Exists(TakedownRequest.objects.filter(case=OuterRef("pk")))
    )
    visible = Case.objects.filter(visible_cases_filter(user)).values("pk")
    return Case.objects.filter(pk__in=visible).filter(has_work).order_by("-opened_at")


@dataclass(frozen=True)
class RequestRow:
    request: TakedownRequest
    overdue: bool
    next_statuses: list[str]
    steps: list[TakedownStep]


@dataclass(frozen=True)
class CaseDeletion:
    mandates: list[DeletionMandate]
    has_mandate: bool
    items: Sequence[BankItem]
    requests: list[RequestRow]
    open_count: int
    overdue_count: int


def case_deletion(*, case: Case, now: dt.datetime) -> CaseDeletion:
    """Everything of one case's deletion support (the caller fetched ``case`` for the user)."""
    mandates = list(DeletionMandate.objects.filter(case=case).select_related("recorded_by"))
    items = list(
        BankItem.objects.filter(case=case)
        .annotate(hash_count=Count("hashes", distinct=True))
        .order_by("-banked_at")
    )
    requests = list(
        TakedownRequest.objects.filter(case=case)
        .select_related("platform", "bank_item")
        .prefetch_related("steps__actor")
        .order_by("-found_at")
    )
    rows = [
        RequestRow(
            request=r,
            overdue=is_overdue(r, now=now),
            next_statuses=sorted(NEXT.get(r.status, frozenset())),
            steps=list(r.steps.all()),
        )
        for r in requests
    ]
    return CaseDeletion(
        mandates=mandates,
        has_mandate=any(m.revoked_at is None for m in mandates),
        items=items,
        requests=rows,
        open_count=sum(1 for r in requests if r.status in OPEN_STATUSES),
        overdue_count=sum(1 for row in rows if row.overdue),
    )


def requests_for_user(
    *, user: Staff, now: dt.datetime, overdue_only: bool = False, open_only: bool = True
) -> QuerySet[TakedownRequest]:
    """Requests on cases the user may see, the most urgent first (overdue, then by due date)."""
    visible = Case.objects.filter(visible_cases_filter(user)).values("pk")
    requests = TakedownRequest.objects.filter(case__in=visible).select_related("case", "platform")
    if open_only:
        requests = requests.filter(status__in=OPEN_STATUSES)
    if overdue_only:
        requests = requests.filter(status__in=WAITING_STATUSES, due_at__lt=now)
    return requests.order_by("due_at", "found_at")


def overdue_count_for_user(*, user: Staff, now: dt.datetime) -> int:
    return requests_for_user(user=user, now=now, overdue_only=True).count()


def request_get_for_case(*, case: Case, request_id: UUID | str) -> TakedownRequest:
    try:
        return TakedownRequest.objects.select_related("platform", "bank_item").get(
            case=case, pk=request_id
        )
    except (TakedownRequest.DoesNotExist, ValueError) as exc:
        raise TakedownNotFound(_("삭제 요청을 찾을 수 없습니다.")) from exc


def platforms_all(*, active_only: bool = False) -> QuerySet[Platform]:
    """Platforms are reference data (sites and how to reach them), not victim data."""
    platforms = Platform.objects.annotate(
        open_requests=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES))
    )
    return platforms.filter(active=True) if active_only else platforms


def platform_get(*, platform_id: UUID | str) -> Platform:
    try:
        return Platform.objects.get(pk=platform_id)
    except (Platform.DoesNotExist, ValueError) as exc:
        raise TakedownNotFound(_("플랫폼을 찾을 수 없습니다.")) from exc


@dataclass(frozen=True)
class ReviewRow:
    """One thing waiting for a person. ``case_reference`` is empty unless the reviewer may see
    that case; the victim is never named."""

    kind: str  # "candidate" or "low_quality"
    item_id: UUID
    case_reference: str
    case_id: UUID | None
    distance: int | None
    quality: int
    url: str
    candidate_id: UUID | None
    found_at: dt.datetime


def review_queue_for_user(*, user: Staff, limit: int = 200) -> list[ReviewRow]:
    """Candidates in the review band and low-quality banked items of the user's agency, oldest
    first. Only the desk reviews."""
    if not is_desk(user):
        return []
    visible = set(Case.objects.filter(visible_cases_filter(user)).values_list("pk", flat=True))
    rows: list[ReviewRow] = []
    candidates = (
        MatchCandidate.objects.filter(
            decision=CandidateDecision.PENDING, bank_item__case__agency_id=user.agency_id
        )
        .select_related("bank_item__case")
        .order_by("found_at")[:limit]
    )
    for c in candidates:
        case = c.bank_item.case
        seen = case.pk in visible
        rows.append(
            ReviewRow(
                kind="candidate",
                item_id=c.bank_item_id,
                case_reference=case.reference if seen else "",
                case_id=case.pk if seen else None,
                distance=c.distance,
                quality=c.bank_item.quality,
                url=c.url,
                candidate_id=c.pk,
                found_at=c.found_at,
            )
        )
    items = (
        BankItem.objects.filter(
            needs_review=True,
            reviewed_at__isnull=True,
            withdrawn_at__isnull=True,
            case__agency_id=user.agency_id,
        )
        .select_related("case")
        .order_by("banked_at")[:limit]
    )
    for item in items:
        seen = item.case_id in visible
        rows.append(
            ReviewRow(
                kind="low_quality",
                item_id=item.pk,
                case_reference=item.case.reference if seen else "",
                case_id=item.case_id if seen else None,
                distance=None,
                quality=item.quality,
                url="",
                candidate_id=None,
                found_at=item.banked_at,
            )
        )
    return sorted(rows, key=lambda r: r.found_at)


@dataclass(frozen=True)
class DeletionSummary:
    """Her deletion support in numbers, for her own portal page: no URL, no platform (a page
    someone else reads over her shoulder says as little as possible)."""

    banked: int
    found: int
    gone: int  # removed or blocked
    in_progress: int

    @property
    def any(self) -> bool:
        return bool(self.banked or self.found)


def deletion_summary_for_case(*, case: Case) -> DeletionSummary:
    statuses = list(TakedownRequest.objects.filter(case=case).values_list("status", flat=True))
    return DeletionSummary(
        banked=BankItem.objects.filter(case=case, withdrawn_at__isnull=True).count(),
        found=len(statuses),
        gone=sum(1 for s in statuses if s in GONE_STATUSES),
        in_progress=sum(1 for s in statuses if s in OPEN_STATUSES),
    )


REMINDER_LABELS = {"takedown_overdue": gettext_noop("삭제 요청 응답 기한 초과")}


def takedown_overdue_due(now: dt.datetime) -> Iterator[DueReminder]:
    """A reminder source (``cases.reminders``): each request still waiting past its due time —
    the platform's, or the regulator's — tells the case team once per due time (asking again or
    escalating sets a new one, and brings a new reminder). Names the case reference and the
    platform, never the URL."""
    overdue = (
        TakedownRequest.objects.filter(status__in=WAITING_STATUSES, due_at__lt=now)
        .select_related("case", "platform")
        .order_by("due_at")
    )
    for request in overdue.iterator(chunk_size=500):
        assert request.due_at is not None  # noqa: S101 — the filter says so
        yield DueReminder(
            key=f"takedown_overdue:{request.pk}:{request.due_at.isoformat()}",
            kind="takedown_overdue",
            due_at=request.due_at,
            text=gettext_noop(
                "%(reference)s: %(platform)s 삭제 요청의 응답 기한(%(due)s)이 지났습니다."
            ),
            link=reverse("takedown:case", args=[request.case_id]) + f"#request-{request.pk}",
            case_id=request.case_id,
            team_of_case=True,
            data={
                "reference": request.case.reference,
                "platform": request.platform.name,
                "due": timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )

"""Takedown tracking: who asked for deletion, the platforms, and one request per URL found, with
every step dated (the writers; ``selectors`` reads).

A request's lifecycle, modelled on the field's (ADR 24)::

    found → requested → removed | refused | no response
    refused | no response → requested (asked again) | escalated (the regulator's blocking route)
    escalated → blocked | removed | refused
    removed | blocked → re-uploaded → requested

A platform is asked only after the evidence is preserved (URL, capture time, the capture's
hashes) and while the case holds a deletion mandate (the victim, her spouse, children or
siblings, or an agent she authorised, with the proof checked). "No response" can be recorded only
once the platform's expected response time has passed."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.services import case_event_add
from onestop.core import clock
from onestop.core.crypto import key_ring
from onestop.core.errors import DomainError, ValidationFailed
from onestop.evidence.services import evidence_file_add
from onestop.takedown.errors import (
    InvalidTakedownInput,
    TakedownActionForbidden,
    TakedownNotFound,
)
from onestop.takedown.hashing import MediaError, is_video, pdq_of_image, prepared
from onestop.takedown.models import (
    BankItem,
    ContentLabel,
    DeletionMandate,
    FoundBy,
    Platform,
    PlatformKind,
    ProofKind,
    Relation,
    TakedownRequest,
    TakedownStatus,
    TakedownStep,
)
from onestop.takedown.permissions import can_work_deletion, is_desk

S = TakedownStatus
NEXT: dict[str, frozenset[str]] = {
    S.FOUND: frozenset({S.REQUESTED}),
    S.REQUESTED: frozenset({S.REMOVED, S.REFUSED, S.NO_RESPONSE}),
    S.REFUSED: frozenset({S.REQUESTED, S.ESCALATED}),
    S.NO_RESPONSE: frozenset({S.REQUESTED, S.ESCALATED}),
    S.ESCALATED: frozenset({S.BLOCKED, S.REMOVED, S.REFUSED}),
    S.REMOVED: frozenset({S.REUPLOADED}),
    S.BLOCKED: frozenset({S.REUPLOADED}),
    S.REUPLOADED: frozenset({S.REQUESTED}),
}
OPEN_STATUSES = frozenset(
    {S.FOUND, S.REQUESTED, S.REFUSED, S.NO_RESPONSE, S.ESCALATED, S.REUPLOADED}
)
WAITING_STATUSES = frozenset({S.REQUESTED, S.ESCALATED})  # a due date runs
GONE_STATUSES = frozenset({S.REMOVED, S.BLOCKED})
# The regulator (방송통신심의위원회) reviews digital sex crime content on a fast track.
REGULATOR_HOURS = 72
PROOF_FOR: dict[str, frozenset[str]] = {
    Relation.VICTIM: frozenset({ProofKind.ID_CHECKED}),
    Relation.SPOUSE: frozenset({ProofKind.FAMILY_CERTIFICATE}),
    Relation.CHILD: frozenset({ProofKind.FAMILY_CERTIFICATE}),
    Relation.SIBLING: frozenset({ProofKind.FAMILY_CERTIFICATE}),
    Relation.AGENT: frozenset({ProofKind.POWER_OF_ATTORNEY}),
}
MAX_NOTE = 2000
MAX_URL = 2000
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLOCK_SKEW = dt.timedelta(minutes=5)


def _bad(message: str, field: str) -> InvalidTakedownInput:
    return InvalidTakedownInput(message, field=field)


# --- URLs -------------------------------------------------------------------------------------


def normalized_url(raw: str) -> str:
    """The URL as kept: scheme and host lower-cased, no fragment, no default port. Raises
    ``InvalidTakedownInput`` (field ``url``) for anything but an absolute http(s) URL."""
    text = (raw or "").strip()
    if not text:
        raise _bad(_("발견한 주소(URL)를 적어 주세요."), "url")
    if len(text) > MAX_URL:
        raise _bad(_("주소가 너무 깁니다 (%(max)d자까지).") % {"max": MAX_URL}, "url")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise _bad(_("주소 형식이 올바르지 않습니다."), "url") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _bad(_("http:// 또는 https:// 로 시작하는 전체 주소를 적어 주세요."), "url")
    host = parts.hostname.lower()
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def url_index(url: str) -> str:
    return key_ring().blind_index(url, purpose="takedown-url")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def platform_for_url(url: str) -> Platform | None:
    """The active platform whose domain is the URL's host or a parent of it (the longest wins)."""
    host = host_of(url)
    best: tuple[int, Platform] | None = None
    for platform in Platform.objects.filter(active=True):
        for domain in platform.domain_list():
            if (host == domain or host.endswith("." + domain)) and (
                best is None or len(domain) > best[0]
            ):
                best = (len(domain), platform)
    return best[1] if best else None


# --- who asked --------------------------------------------------------------------------------


def _case_for_deletion(*, actor: Staff, case_id: UUID) -> Case:
    """The case, locked, if the actor may work its deletion support; else 404 (cannot see it) or
    forbidden (sees it, may not work it)."""
    from onestop.cases.services import case_lock_visible

    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_work_deletion(actor, case):
        raise TakedownActionForbidden(_("이 사례의 삭제 지원을 진행할 권한이 없습니다."))
    return case


def has_mandate(case: Case) -> bool:
    return DeletionMandate.objects.filter(case=case, revoked_at__isnull=True).exists()


@dataclass(frozen=True)
class MandateInput:
    relation: str
    requester_name: str = ""
    proof_kind: str = ""
    proof_note: str = ""


def _mandate_problems(data: MandateInput) -> list[DomainError]:
    problems: list[DomainError] = []
    if data.relation not in Relation.values:
        return [_bad(_("요청한 사람이 피해자와 어떤 관계인지 골라 주세요."), "relation")]
    if data.relation != Relation.VICTIM and not data.requester_name.strip():
        problems.append(_bad(_("요청한 사람의 이름을 적어 주세요."), "requester_name"))
    if data.proof_kind not in PROOF_FOR[data.relation]:
        allowed = ", ".join(str(ProofKind(k).label) for k in sorted(PROOF_FOR[data.relation]))
        problems.append(
            _bad(
                _("이 관계에서는 다음 확인 서류가 필요합니다: %(proof)s") % {"proof": allowed},
                "proof_kind",
            )
        )
    if data.relation != Relation.VICTIM and not data.proof_note.strip():
        problems.append(_bad(_("확인한 서류(발급일, 확인한 사람 등)를 적어 주세요."), "proof_note"))
    if len(data.proof_note) > MAX_NOTE or len(data.requester_name) > 200:
        problems.append(_bad(_("내용이 너무 깁니다."), "proof_note"))
    return problems


@transaction.atomic
def mandate_record(*, actor: Staff, case_id: UUID, data: MandateInput) -> DeletionMandate:
    """Record who asked for deletion support, and the proof checked for anyone but her."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    problems = _mandate_problems(data)
    if problems:
        raise ValidationFailed(problems)
    mandate = DeletionMandate.objects.create(
        case=case,
        relation=data.relation,
        requester_name=data.requester_name.strip(),
        proof_kind=data.proof_kind,
        proof_note=data.proof_note.strip(),
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    facts = {"mandate": str(mandate.pk), "relation": data.relation, "proof": data.proof_kind}
    case_event_add(case=case, actor=actor, kind=EventKind.DELETION_MANDATE, data=facts)
    audit_record(actor=actor, action="takedown.mandate_record", target=case, data=facts)
    return mandate


@transaction.atomic
def mandate_revoke(*, actor: Staff, case_id: UUID, mandate_id: UUID, note: str) -> DeletionMandate:
    """The request is withdrawn (she no longer wants it, or the agent's authority ended)."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    mandate = DeletionMandate.objects.select_for_update().filter(case=case, pk=mandate_id).first()
    if mandate is None:
        raise TakedownNotFound(_("삭제 지원 요청 기록을 찾을 수 없습니다."))
    if mandate.revoked_at is not None:
        raise ValidationFailed([_bad(_("이미 철회된 요청입니다."), "mandate")])
    if not note.strip() or len(note) > MAX_NOTE:
        raise ValidationFailed([_bad(_("철회 사유를 적어 주세요."), "note")])
    mandate.revoked_at = clock.now()
    mandate.revoked_by = actor
    mandate.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    facts = {"mandate": str(mandate.pk), "revoked": True}
    case_event_add(
        case=case, actor=actor, kind=EventKind.DELETION_MANDATE, data=facts, note=note.strip()
    )
    audit_record(actor=actor, action="takedown.mandate_revoke", target=case, data=facts)
    return mandate


# --- platforms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformInput:
    name: str
    kind: str
    country: str
    domains: str
    report_channel: str
    response_hours: int | None
    active: bool = True


def _platform_problems(data: PlatformInput, *, platform_id: UUID | None) -> list[DomainError]:
    problems: list[DomainError] = []
    name = data.name.strip()
    if not name or len(name) > 200:
        problems.append(_bad(_("플랫폼 이름을 적어 주세요 (200자까지)."), "name"))
    elif (
        Platform.objects.filter(name__iexact=name)
        .exclude(pk__in=[platform_id] if platform_id else [])
        .exists()
    ):
        problems.append(_bad(_("같은 이름의 플랫폼이 이미 있습니다."), "name"))
    if data.kind not in PlatformKind.values:
        problems.append(_bad(_("플랫폼 종류를 골라 주세요."), "kind"))
    if not COUNTRY_RE.match(data.country.strip().upper()):
        problems.append(_bad(_("국가는 두 글자 국가 코드로 적어 주세요 (예: KR, US)."), "country"))
    bad = [d for d in data.domains.split() if not HOST_RE.match(d.strip().lower())]
    if bad:
        problems.append(
            _bad(
                _("도메인 형식이 올바르지 않습니다: %(bad)s") % {"bad": ", ".join(bad[:3])},
                "domains",
            )
        )
    if not data.report_channel.strip() or len(data.report_channel) > MAX_NOTE:
        problems.append(
            _bad(_("삭제 요청 창구(신고 페이지, 이메일 등)를 적어 주세요."), "report_channel")
        )
    if data.response_hours is None or not 1 <= data.response_hours <= 24 * 90:
        problems.append(
            _bad(
                _("예상 응답 시간은 1시간에서 90일(2160시간) 사이로 적어 주세요."), "response_hours"
            )
        )
    return problems


@transaction.atomic
def platform_save(
    *, actor: Staff, data: PlatformInput, platform_id: UUID | None = None
) -> Platform:
    """Add a platform, or change one (the deletion desk only)."""
    if not is_desk(actor):
        raise TakedownActionForbidden(_("플랫폼을 관리할 권한이 없습니다."))
    platform = None
    if platform_id is not None:
        platform = Platform.objects.select_for_update().filter(pk=platform_id).first()
        if platform is None:
            raise TakedownNotFound(_("플랫폼을 찾을 수 없습니다."))
    problems = _platform_problems(data, platform_id=platform_id)
    if problems:
        raise ValidationFailed(problems)
    platform = platform or Platform()
    platform.name = data.name.strip()
    platform.kind = data.kind
    platform.country = data.country.strip().upper()
    platform.domains = "\n".join(d.strip().lower() for d in data.domains.split())
    platform.report_channel = data.report_channel.strip()
    platform.response_hours = data.response_hours or 0
    platform.active = data.active
    platform.save()
    audit_record(
        actor=actor,
        action="takedown.platform_save",
        target=platform,
        data={"name": platform.name, "new": platform_id is None},
    )
    return platform


# --- requests ---------------------------------------------------------------------------------


def _step_add(
    *,
    request: TakedownRequest,
    to: str,
    at: dt.datetime,
    actor: Staff | None,
    actor_label: str,
    note: str,
) -> TakedownStep:
    step = TakedownStep.objects.create(
        request=request,
        status_from=request.status if request.pk and to != S.FOUND else "",
        status_to=to,
        at=at,
        recorded_at=clock.now(),
        actor=actor,
        actor_label=actor_label if actor is None else "",
        note=note,
    )
    return step


def _reupload_of_item(item: BankItem | None, *, case: Case) -> bool:
    """Whether this item was taken down somewhere before: content found again is a re-upload."""
    if item is None:
        return False
    return TakedownRequest.objects.filter(
        case=case, bank_item=item, status__in=[*GONE_STATUSES, S.REUPLOADED]
    ).exists()


@dataclass(frozen=True)
class Capture:
    """What was preserved of found content before anyone asks for it to be deleted."""

    captured_at: dt.datetime
    sha256: str
    pdq: str = ""


def capture_of(data: bytes, *, at: dt.datetime) -> Capture:
    """The capture's hashes: SHA-256 always, PDQ when it is an image we can read."""
    pdq = ""
    if not is_video(data):
        try:
            pdq = pdq_of_image(prepared(data)).hex
        except MediaError:
            pdq = ""  # a screenshot of a page that is not an image: the digest is kept
    return Capture(captured_at=at, sha256=hashlib.sha256(data).hexdigest(), pdq=pdq)


def request_open_found(
    *,
    case: Case,
    url: str,
    platform: Platform,
    bank_item: BankItem | None,
    distance: int | None,
    found_by: str,
    capture: Capture | None,
    actor: Staff | None,
    actor_label: str,
    note: str = "",
) -> tuple[TakedownRequest, bool]:
    """Write a found URL for a case that is already locked and checked (callers: the services
    here, monitoring, review). Returns the request and whether it is new. A URL already on the
    case is that request; if its content had been taken down, it is now re-uploaded."""
    index = url_index(url)
    existing = TakedownRequest.objects.select_for_update().filter(case=case, url_index=index)
    request = existing.first()
    now = clock.now()
    if request is not None:
        if request.status in GONE_STATUSES:
            _move(
                request=request,
                to=S.REUPLOADED,
                at=now,
                actor=actor,
                actor_label=actor_label,
                note=note,
            )
            if capture is not None:
                _keep_capture(request, capture)
        return request, False
    request = TakedownRequest(
        case=case,
        platform=platform,
        url=url,
        url_index=index,
        bank_item=bank_item,
        distance=distance,
        status=S.FOUND,
        found_by=found_by,
        found_at=now,
        is_reupload=_reupload_of_item(bank_item, case=case),
    )
    if capture is not None:
        request.captured_at = capture.captured_at
        request.capture_sha256 = capture.sha256
        request.capture_pdq = capture.pdq
    request.save()
    _step_add(request=request, to=S.FOUND, at=now, actor=actor, actor_label=actor_label, note=note)
    facts = {
        "request": str(request.pk),
        "platform": platform.name,
        "found_by": found_by,
        "reupload": request.is_reupload,
        "item": str(bank_item.pk) if bank_item else "",
    }
    case_event_add(case=case, actor=actor, kind=EventKind.TAKEDOWN_FOUND, data=facts)
    audit_record(
        actor=actor,
        actor_label=actor_label if actor is None else None,
        action="takedown.request_found",
        target=case,
        data=facts,
    )
    return request, True


def _keep_capture(request: TakedownRequest, capture: Capture) -> None:
    request.captured_at = capture.captured_at
    request.capture_sha256 = capture.sha256
    request.capture_pdq = capture.pdq
    request.save(update_fields=["captured_at", "capture_sha256", "capture_pdq", "updated_at"])


@dataclass(frozen=True)
class FoundInput:
    url: str
    platform_id: UUID | None = None
    bank_item_id: UUID | None = None
    note: str = ""


@transaction.atomic
def takedown_request_open(*, actor: Staff, case_id: UUID, data: FoundInput) -> TakedownRequest:
    """Staff found her content at a URL: one request for that URL on the case (the platform is
    the one chosen, or the one whose domain the URL is on)."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    problems: list[DomainError] = []
    url = ""
    try:
        url = normalized_url(data.url)
    except InvalidTakedownInput as exc:
        problems.append(exc)
    platform: Platform | None = None
    if data.platform_id is not None:
        platform = Platform.objects.filter(pk=data.platform_id, active=True).first()
        if platform is None:
            problems.append(_bad(_("플랫폼을 찾을 수 없습니다."), "platform"))
    elif url:
        platform = platform_for_url(url)
        if platform is None:
            problems.append(
                _bad(
                    _(
                        "이 주소의 플랫폼이 등록되어 있지 않습니다. "
                        "플랫폼을 고르거나 먼저 등록해 주세요."
                    ),
                    "platform",
                )
            )
    item = None
    if data.bank_item_id is not None:
        item = BankItem.objects.filter(
            case=case, pk=data.bank_item_id, withdrawn_at__isnull=True
        ).first()
        if item is None:
            problems.append(_bad(_("이 사례의 해시 등록 항목이 아닙니다."), "bank_item"))
    if url and TakedownRequest.objects.filter(case=case, url_index=url_index(url)).exists():
        problems.append(_bad(_("이 주소는 이미 이 사례에 기록되어 있습니다."), "url"))
    if len(data.note) > MAX_NOTE:
        problems.append(_bad(_("메모가 너무 깁니다."), "note"))
    if problems:
        raise ValidationFailed(problems)
    assert platform is not None  # noqa: S101 — a problem was raised otherwise
    request, _new = request_open_found(
        case=case,
        url=url,
        platform=platform,
        bank_item=item,
        distance=None,
        found_by=FoundBy.STAFF,
        capture=None,
        actor=actor,
        actor_label="",
        note=data.note.strip(),
    )
    return request


def _request_for(*, case: Case, request_id: UUID) -> TakedownRequest:
    request = (
        TakedownRequest.objects.select_for_update()
        .select_related("platform")
        .filter(case=case, pk=request_id)
        .first()
    )
    if request is None:
        raise TakedownNotFound(_("삭제 요청을 찾을 수 없습니다."))
    return request


@transaction.atomic
def takedown_evidence_preserve(
    *,
    actor: Staff,
    case_id: UUID,
    request_id: UUID,
    name: str,
    data: bytes,
    captured_at: dt.datetime | None,
    keep_file: bool,
) -> TakedownRequest:
    """Preserve what was found before asking for its deletion: the capture's time and hashes,
    and — when ``keep_file`` — the capture itself as case evidence (sealed, custody-logged)."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    request = _request_for(case=case, request_id=request_id)
    now = clock.now()
    problems: list[DomainError] = []
    if not data:
        problems.append(_bad(_("화면 캡처나 내려받은 파일을 올려 주세요."), "file"))
    at = captured_at or now
    if at > now + CLOCK_SKEW:
        problems.append(_bad(_("캡처 시각이 미래일 수 없습니다."), "captured_at"))
    if at < request.found_at - dt.timedelta(days=3650):
        problems.append(_bad(_("캡처 시각을 확인해 주세요."), "captured_at"))
    if problems:
        raise ValidationFailed(problems)
    capture = capture_of(data, at=at)
    if keep_file:
        kept = evidence_file_add(
            actor=actor,
            case_id=case.pk,
            name=name or "capture",
            data=data,
            description=_("삭제 요청 전 증거 보전 (%(platform)s)")
            % {"platform": request.platform.name},
        )
        request.evidence_file_id = kept.pk
        request.save(update_fields=["evidence_file_id", "updated_at"])
    _keep_capture(request, capture)
    audit_record(
        actor=actor,
        action="takedown.evidence_preserve",
        target=case,
        data={
            "request": str(request.pk),
            "sha256": capture.sha256,
            "kept": keep_file,
            "captured_at": capture.captured_at.isoformat(),
        },
    )
    return request


@dataclass(frozen=True)
class StepInput:
    to_status: str
    at: dt.datetime | None = None
    note: str = ""


def _move(
    *,
    request: TakedownRequest,
    to: str,
    at: dt.datetime,
    actor: Staff | None,
    actor_label: str,
    note: str,
) -> TakedownStep:
    """Apply a checked transition: dates, the step, the timeline and the audit."""
    before = request.status
    step = _step_add(request=request, to=to, at=at, actor=actor, actor_label=actor_label, note=note)
    fields = ["status", "updated_at"]
    if to == S.REQUESTED:
        request.requested_at = at
        request.due_at = at + dt.timedelta(hours=request.platform.response_hours)
        request.times_requested += 1
        request.closed_at = None
        fields += ["requested_at", "due_at", "times_requested", "closed_at"]
    elif to == S.ESCALATED:
        request.escalated_at = at
        request.due_at = at + dt.timedelta(hours=REGULATOR_HOURS)
        fields += ["escalated_at", "due_at"]
    elif to in GONE_STATUSES:
        request.closed_at = at
        request.due_at = None
        fields += ["closed_at", "due_at"]
    elif to in (S.REFUSED, S.NO_RESPONSE, S.REUPLOADED):
        request.due_at = None
        fields += ["due_at"]
        if to == S.REUPLOADED:
            request.closed_at = None
            fields += ["closed_at"]
    request.status = to
    request.save(update_fields=fields)
    facts = {
        "request": str(request.pk),
        "platform": request.platform.name,
        "from": before,
        "to": to,
        "at": at.isoformat(),
    }
    case_event_add(
        case=request.case, actor=actor, kind=EventKind.TAKEDOWN_STEP, data=facts, note=note
    )
    audit_record(
        actor=actor,
        actor_label=actor_label if actor is None else None,
        action="takedown.step",
        target=request.case,
        data=facts,
    )
    return step


def _step_problems(
    *, request: TakedownRequest, data: StepInput, at: dt.datetime, now: dt.datetime
) -> list[DomainError]:
    problems: list[DomainError] = []
    to = data.to_status
    if to not in NEXT.get(request.status, frozenset()):
        return [
            _bad(
                _("'%(now)s' 상태에서 '%(to)s'(으)로 바꿀 수 없습니다.")
                % {"now": S(request.status).label, "to": S(to).label if to in S.values else to},
                "to_status",
            )
        ]
    if at > now + CLOCK_SKEW:
        problems.append(_bad(_("날짜가 미래일 수 없습니다."), "at"))
    last = request.steps.order_by("-at").values_list("at", flat=True).first()
    if last is not None and at < last:
        problems.append(
            _bad(
                _("앞 단계(%(last)s)보다 이른 날짜입니다.") % {"last": last.date().isoformat()},
                "at",
            )
        )
    if to == S.REQUESTED:
        if not request.evidence_preserved:
            problems.append(
                _bad(_("삭제를 요청하기 전에 증거(캡처와 해시)를 먼저 보전해 주세요."), "evidence")
            )
        if not has_mandate(request.case):
            problems.append(
                _bad(
                    _("삭제 지원 요청인(피해자 본인, 가족 또는 대리인) 기록이 필요합니다."),
                    "mandate",
                )
            )
    if to == S.NO_RESPONSE and request.due_at is not None and at < request.due_at:
        problems.append(
            _bad(
                _("예상 응답 기한(%(due)s)이 지나야 무응답으로 기록할 수 있습니다.")
                % {"due": timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M")},
                "to_status",
            )
        )
    if to in (S.REFUSED, S.ESCALATED, S.REUPLOADED) and not data.note.strip():
        problems.append(_bad(_("이 단계에는 메모(사유, 접수 번호 등)를 적어 주세요."), "note"))
    if len(data.note) > MAX_NOTE:
        problems.append(_bad(_("메모가 너무 깁니다."), "note"))
    return problems


@transaction.atomic
def takedown_request_step(
    *, actor: Staff, case_id: UUID, request_id: UUID, data: StepInput
) -> TakedownRequest:
    """Record the next step of a request, dated when it happened."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    request = _request_for(case=case, request_id=request_id)
    now = clock.now()
    at = data.at or now
    problems = _step_problems(request=request, data=data, at=at, now=now)
    if problems:
        raise ValidationFailed(problems)
    _move(
        request=request,
        to=data.to_status,
        at=at,
        actor=actor,
        actor_label="",
        note=data.note.strip(),
    )
    return request


def is_overdue(request: TakedownRequest, *, now: dt.datetime) -> bool:
    return (
        request.status in WAITING_STATUSES and request.due_at is not None and request.due_at < now
    )


# --- the bank, from staff pages -----------------------------------------------------------------

MAX_BANK_BYTES = 200 * 1024**2  # through a web form; the command line takes up to 2 GiB


@transaction.atomic
def bank_item_add_by_staff(
    *, actor: Staff, case_id: UUID, name: str, data: bytes, label: str, keep_as_evidence: bool
) -> BankItem:
    """Bank a file she gave us. The file is hashed and let go, unless staff keep it as case
    evidence (sealed, custody-logged, under the evidence rules) — in the same transaction, so
    a refused file leaves neither."""
    from onestop.takedown.services import bank_add

    case = _case_for_deletion(actor=actor, case_id=case_id)
    problems: list[DomainError] = []
    if label not in ContentLabel.values:
        problems.append(_bad(_("어떤 유포물인지 골라 주세요."), "label"))
    if not data:
        problems.append(_bad(_("파일을 골라 주세요."), "file"))
    elif len(data) > MAX_BANK_BYTES:
        problems.append(_bad(_("파일이 너무 큽니다 (200MB까지)."), "file"))
    if problems:
        raise ValidationFailed(problems)
    kept = None
    if keep_as_evidence:
        kept = evidence_file_add(
            actor=actor,
            case_id=case.pk,
            name=name,
            data=data,
            description=_("삭제 지원 원본 (해시 등록)"),
        )
    try:
        return bank_add(
            case=case,
            data=data,
            actor=actor,
            actor_label="",
            label=label,
            evidence_file_id=kept.pk if kept else None,
        )
    except MediaError as exc:
        raise ValidationFailed([_bad(_media_message(exc.code), "file")]) from exc


def _media_message(code: str) -> str:
    return {
        "unsupported_media": _("이미지나 동영상 파일이 아닙니다."),
        "unreadable": _(
            "파일을 읽을 수 없습니다. 손상되었거나 일부만 받은 파일인지 확인해 주세요."
        ),
        "too_large": _("파일이 너무 큽니다."),
    }.get(code, _("파일을 처리할 수 없습니다."))


@transaction.atomic
def bank_item_withdraw(*, actor: Staff, case_id: UUID, item_id: UUID, note: str) -> BankItem:
    """Take an item out of matching and of the export (its hashes stay, sealed, for the
    record of what was matched before)."""
    case = _case_for_deletion(actor=actor, case_id=case_id)
    item = BankItem.objects.select_for_update().filter(case=case, pk=item_id).first()
    if item is None:
        raise TakedownNotFound(_("해시 등록 항목을 찾을 수 없습니다."))
    problems: list[DomainError] = []
    if item.withdrawn_at is not None:
        problems.append(_bad(_("이미 해시 목록에서 뺀 항목입니다."), "item"))
    if not note.strip() or len(note) > MAX_NOTE:
        problems.append(_bad(_("빼는 사유를 적어 주세요."), "note"))
    if problems:
        raise ValidationFailed(problems)
    item.withdrawn_at = clock.now()
    item.withdrawn_by = actor
    item.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    audit_record(
        actor=actor,
        action="takedown.bank_withdraw",
        target=case,
        data={"item": str(item.pk), "note": note.strip()[:200]},
    )
    return item


@transaction.atomic
def bank_item_review(*, actor: Staff, item_id: UUID, keep: bool, note: str = "") -> BankItem:
    """A person looks at an item whose hash is of low quality: keep it (its matches then always
    go to a person) or take it out. The desk does this; it sees the item, never who she is."""
    if not is_desk(actor):
        raise TakedownActionForbidden(_("검토할 권한이 없습니다."))
    item = (
        BankItem.objects.select_for_update()
        .filter(pk=item_id, case__agency_id=actor.agency_id, needs_review=True)
        .first()
    )
    if item is None:
        raise TakedownNotFound(_("검토할 항목을 찾을 수 없습니다."))
    if item.reviewed_at is not None or item.withdrawn_at is not None:
        raise ValidationFailed([_bad(_("이미 검토한 항목입니다."), "item")])
    now = clock.now()
    item.reviewed_at = now
    item.reviewed_by = actor
    fields = ["reviewed_at", "reviewed_by", "updated_at"]
    if not keep:
        item.withdrawn_at = now
        item.withdrawn_by = actor
        fields += ["withdrawn_at", "withdrawn_by"]
    item.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="takedown.bank_review",
        target=item,
        data={"item": str(item.pk), "keep": keep, "note": note.strip()[:200]},
    )
    return item

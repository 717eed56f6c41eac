"""Re-upload monitoring and the review queue (the writers; the desk's pages read through the
functions at the end).

- **Sources** (``monitoring_source_save``): a list of pages or media URLs to fetch, or a folder
  under ``TAKEDOWN_DROP_ROOT`` where another crawler drops files. Managed by the deletion desk.
- **A run** (``monitoring_run``, in a task): every candidate the source's adapter gives
  (``crawl``) is hashed and looked up in the process's bank (``bankindex``). A match (distance
  <= 31, both hashes of quality >= 50) at a URL of a known platform opens a takedown request on
  the banked item's case — or finds the one already there; if that one had been removed or
  blocked, the content is back and it becomes *re-uploaded*. The capture's hashes are kept as
  evidence. Anything less sure — the review band (32-52), a low-quality item, a URL of no known
  platform, a dropped file that came without its URL — waits for a person as a
  ``MatchCandidate`` (once per item and place, so a run repeated finds nothing new).
- **A person decides** (``candidate_decide``): the desk of the item's case's agency says match
  (a request is opened, found by review) or not.

Two runs of one source never overlap: a run is claimed under the source's row lock (no other
unfinished run, and — from the sweep — the source is due), and its findings are written one at
a time in short transactions, so that fetching pages never holds a lock or, on SQLite, the
database's only writer slot. A run that dies is taken over after ``TAKEDOWN_MONITOR_STALE_HOURS``.
Nothing here logs or audits a hash, a URL of her content or who she is: a run's record has
counts, error codes and hosts."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from PIL import Image

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.takedown.bankindex import bank_match_cached
from onestop.takedown.crawl import (
    Candidate,
    CrawlError,
    DropFolderRefused,
    adapter_for,
    drop_folder,
    drop_root,
    literal_address_refused,
)
from onestop.takedown.errors import (
    InvalidTakedownInput,
    TakedownActionForbidden,
    TakedownNotFound,
)
from onestop.takedown.hashing import MIN_QUALITY, MediaError, VideoHashingUnavailable
from onestop.takedown.models import (
    BankItem,
    CandidateDecision,
    FoundBy,
    MatchCandidate,
    MonitoringRun,
    MonitoringSource,
    Platform,
    SourceKind,
    TakedownRequest,
)
from onestop.takedown.permissions import is_desk
from onestop.takedown.services import Found
from onestop.takedown.tracking import (
    GONE_STATUSES,
    MAX_NOTE,
    Capture,
    capture_of,
    normalized_url,
    platform_for_url,
    request_open_found,
    url_index,
)

logger = logging.getLogger(__name__)

LABEL = "monitoring"  # who did it, in the audit log and on request steps
MAX_URLS = 500
MAX_EVERY_HOURS = 720
STALE_HOURS = 6
MAX_DETAIL = 50  # error lines kept on a run


def _bad(message: str, field: str) -> InvalidTakedownInput:
    return InvalidTakedownInput(message, field=field)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _stale_after() -> dt.timedelta:
    return dt.timedelta(hours=float(_setting("TAKEDOWN_MONITOR_STALE_HOURS", STALE_HOURS)))


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInput:
    name: str
    kind: str
    urls: str = ""
    folder: str = ""
    every_hours: int | None = 24
    active: bool = True


def _clean_urls(text: str) -> tuple[list[str], list[DomainError]]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    limit = int(_setting("TAKEDOWN_MONITOR_MAX_URLS", MAX_URLS))
    if not lines:
        return [], [_bad(_("살펴볼 주소(URL)를 한 줄에 하나씩 적어 주세요."), "urls")]
    if len(lines) > limit:
        return [], [_bad(_("주소는 %(max)d개까지 적을 수 있습니다.") % {"max": limit}, "urls")]
    allow_private = bool(_setting("TAKEDOWN_MONITOR_ALLOW_PRIVATE", False))
    urls: list[str] = []
    bad: list[str] = []
    private: list[str] = []
    for line in lines:
        try:
            url = normalized_url(line)
        except InvalidTakedownInput:
            bad.append(line[:80])
            continue
        if not allow_private and literal_address_refused(url):
            private.append(line[:80])
        elif url not in urls:
            urls.append(url)
    problems: list[DomainError] = []
    if bad:
        problems.append(
            _bad(
                _("http:// 또는 https:// 로 시작하는 전체 주소가 아닙니다: %(bad)s")
                % {"bad": ", ".join(bad[:3])},
                "urls",
            )
        )
    if private:
        problems.append(
            _bad(
                _("내부망 주소는 살펴볼 수 없습니다: %(bad)s") % {"bad": ", ".join(private[:3])},
                "urls",
            )
        )
    return urls, problems


def _clean_folder(text: str) -> tuple[str, list[DomainError]]:
    try:
        folder = drop_folder(text)
    except DropFolderRefused as refused:
        message = {
            "no_root": _("폴더 수집 위치(TAKEDOWN_DROP_ROOT)가 설정되어 있지 않습니다."),
            "outside_root": _("폴더는 수집 위치(%(root)s) 안에 있어야 합니다."),
            "missing": _("그런 폴더가 없습니다."),
        }[refused.code]
        return "", [_bad(message % {"root": drop_root()}, "folder")]
    root = drop_root()
    assert root is not None  # noqa: S101 — drop_folder refused otherwise
    return str(folder.relative_to(root)), []


def _source_problems(
    data: SourceInput, *, source_id: UUID | None
) -> tuple[list[str], str, list[DomainError]]:
    problems: list[DomainError] = []
    name = data.name.strip()
    if not name or len(name) > 200:
        problems.append(_bad(_("이름을 적어 주세요 (200자까지)."), "name"))
    elif (
        MonitoringSource.objects.filter(name__iexact=name)
        .exclude(pk__in=[source_id] if source_id else [])
        .exists()
    ):
        problems.append(_bad(_("같은 이름의 수집 대상이 이미 있습니다."), "name"))
    urls: list[str] = []
    folder = ""
    if data.kind not in SourceKind.values:
        problems.append(_bad(_("수집 방식을 골라 주세요."), "kind"))
    elif data.kind == SourceKind.URLS:
        urls, found = _clean_urls(data.urls)
        problems += found
    else:
        folder, found = _clean_folder(data.folder)
        problems += found
    if data.every_hours is None or not 1 <= data.every_hours <= MAX_EVERY_HOURS:
        problems.append(
            _bad(
                _("주기는 1시간에서 %(max)d시간(30일) 사이로 적어 주세요.")
                % {"max": MAX_EVERY_HOURS},
                "every_hours",
            )
        )
    return urls, folder, problems


@transaction.atomic
def monitoring_source_save(
    *, actor: Staff, data: SourceInput, source_id: UUID | None = None
) -> MonitoringSource:
    """Add a monitoring source, or change one (the deletion desk only)."""
    if not is_desk(actor):
        raise TakedownActionForbidden(_("모니터링 대상을 관리할 권한이 없습니다."))
    source = None
    if source_id is not None:
        source = MonitoringSource.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            raise TakedownNotFound(_("모니터링 대상을 찾을 수 없습니다."))
    urls, folder, problems = _source_problems(data, source_id=source_id)
    if problems:
        raise ValidationFailed(problems)
    if source is None:
        source = MonitoringSource(created_by=actor)
    source.name = data.name.strip()
    source.kind = data.kind
    source.urls = "\n".join(urls)
    source.folder = folder
    source.every_hours = data.every_hours or 24
    source.active = data.active
    source.save()
    audit_record(
        actor=actor,
        action="takedown.monitoring_source_save",
        target=source,
        data={
            "source": str(source.pk),
            "name": source.name,
            "kind": source.kind,
            "urls": len(urls),
            "every_hours": source.every_hours,
            "active": source.active,
            "new": source_id is None,
        },
    )
    return source


def _running(source: MonitoringSource, *, now: dt.datetime) -> bool:
    return MonitoringRun.objects.filter(
        source=source, finished_at__isnull=True, started_at__gt=now - _stale_after()
    ).exists()


def is_due(source: MonitoringSource, *, now: dt.datetime) -> bool:
    return source.last_run_at is None or (
        source.last_run_at + dt.timedelta(hours=source.every_hours) <= now
    )


@transaction.atomic
def monitoring_run_enqueue(*, actor: Staff, source_id: UUID) -> MonitoringSource:
    """Run a source now (the desk's button): queued with this transaction, done by a worker."""
    from onestop.takedown.tasks import monitoring_run_task

    if not is_desk(actor):
        raise TakedownActionForbidden(_("모니터링을 실행할 권한이 없습니다."))
    source = MonitoringSource.objects.select_for_update().filter(pk=source_id).first()
    if source is None:
        raise TakedownNotFound(_("모니터링 대상을 찾을 수 없습니다."))
    if not source.active:
        raise ValidationFailed([_bad(_("멈춘 대상입니다. 먼저 다시 켜 주세요."), "source")])
    if _running(source, now=clock.now()):
        raise ValidationFailed([_bad(_("이 대상은 지금 살펴보는 중입니다."), "source")])
    monitoring_run_task.enqueue(source_id=str(source.pk))
    audit_record(
        actor=actor,
        action="takedown.monitoring_run_enqueue",
        target=source,
        data={"source": str(source.pk), "name": source.name},
    )
    return source


@transaction.atomic
def monitoring_sweep() -> int:
    """Queue a run of every active source that is due (its last run ``every_hours`` ago, or
    never). A run queued twice runs once: it checks again that the source is due."""
    from onestop.takedown.tasks import monitoring_run_task

    now = clock.now()
    due = [s for s in MonitoringSource.objects.filter(active=True) if is_due(s, now=now)]
    for source in due:
        monitoring_run_task.enqueue(source_id=str(source.pk), only_if_due=True)
    return len(due)


# --- a run ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    candidates: int = 0
    matched: int = 0
    reviews: int = 0
    errors: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)

    def error(self, code: str, host: str = "") -> None:
        self.errors += 1
        self.failures[(code, host)] += 1

    def detail(self, *, aborted: bool) -> list[dict[str, Any]]:
        summary: dict[str, Any] = {
            "kind": "summary",
            "new_requests": self.outcomes["request_new"],
            "reuploads": self.outcomes["reupload"],
            "new_reviews": self.outcomes["review_new"],
            "skipped": self.outcomes["skipped"],
        }
        if aborted:
            summary["aborted"] = True
        lines = [
            {"kind": "error", "code": code, "host": host, "count": count}
            for (code, host), count in self.failures.most_common(MAX_DETAIL)
        ]
        return [summary, *lines]


@transaction.atomic
def _run_claim(*, source_id: UUID | str, only_if_due: bool) -> MonitoringRun | None:
    source = MonitoringSource.objects.select_for_update().filter(pk=source_id).first()
    if source is None or not source.active:
        return None
    now = clock.now()
    if (only_if_due and not is_due(source, now=now)) or _running(source, now=now):
        return None
    run = MonitoringRun.objects.create(source=source, started_at=now)
    source.last_run_at = now
    source.save(update_fields=["last_run_at", "updated_at"])
    return run


@transaction.atomic
def _run_finish(*, run: MonitoringRun, tally: _Tally, aborted: bool = False) -> MonitoringRun:
    run = MonitoringRun.objects.select_for_update().select_related("source").get(pk=run.pk)
    run.finished_at = clock.now()
    run.candidates = tally.candidates
    run.matched = tally.matched
    run.reviews = tally.reviews
    run.errors = tally.errors
    run.detail = tally.detail(aborted=aborted)
    run.save()
    audit_record(
        actor=None,
        actor_label=LABEL,
        action="takedown.monitoring_run",
        target=run.source,
        data={
            "run": str(run.pk),
            "candidates": run.candidates,
            "matched": run.matched,
            "reviews": run.reviews,
            "errors": run.errors,
            "new_requests": tally.outcomes["request_new"],
            "reuploads": tally.outcomes["reupload"],
            "new_reviews": tally.outcomes["review_new"],
            "aborted": aborted,
        },
    )
    return run


def _capture_kept(request: TakedownRequest, capture: Capture | None) -> None:
    """A request found earlier without its evidence (staff wrote the URL down) keeps this
    capture."""
    if capture is None or request.evidence_preserved:
        return
    request.captured_at = capture.captured_at
    request.capture_sha256 = capture.sha256
    request.capture_pdq = capture.pdq
    request.save(update_fields=["captured_at", "capture_sha256", "capture_pdq", "updated_at"])


def _lock_item(item_id: UUID | str) -> tuple[Case, BankItem] | None:
    """The item's case, then the item (the case row is always a case's first lock), if the
    item is still in force."""
    case_id = BankItem.objects.filter(pk=item_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return None
    case = Case.objects.select_for_update().get(pk=case_id)
    item = (
        BankItem.objects.select_for_update()
        .filter(pk=item_id, case=case, withdrawn_at__isnull=True)
        .first()
    )
    return None if item is None else (case, item)


def _record(
    *,
    found: Found,
    candidate: Candidate,
    capture: Capture,
    source: MonitoringSource,
    now: dt.datetime,
) -> str:
    """Write one finding (an item found in a candidate); → what it was."""
    locked = _lock_item(found.item)
    if locked is None:
        return "skipped"  # withdrawn (or gone) since the bank was read
    case, item = locked
    platform = None
    if candidate.url:
        platform = platform_for_url(candidate.url)
        if platform is None and candidate.page:
            platform = platform_for_url(candidate.page)
    sure = found.verdict == "match" and item.quality >= MIN_QUALITY
    if sure and candidate.url and platform is not None:
        before = (
            TakedownRequest.objects.filter(case=case, url_index=url_index(candidate.url))
            .values_list("status", flat=True)
            .first()
        )
        request, new = request_open_found(
            case=case,
            url=candidate.url,
            platform=platform,
            bank_item=item,
            distance=found.distance,
            found_by=FoundBy.MONITORING,
            capture=capture,
            actor=None,
            actor_label=LABEL,
            note=_("재유포 모니터링 '%(source)s'에서 발견") % {"source": source.name},
        )
        _capture_kept(request, capture)
        if new:
            return "request_new"
        return "reupload" if before in GONE_STATUSES else "request_seen"
    place = url_index(candidate.url) if candidate.url else url_index(f"sha256:{capture.sha256}")
    _row, created = MatchCandidate.objects.get_or_create(
        bank_item=item,
        url_index=place,
        defaults={
            "url": candidate.url,
            "distance": found.distance,
            "capture_sha256": capture.sha256,
            "capture_pdq": capture.pdq,
            "source": source,
            "found_at": now,
        },
    )
    return "review_new" if created else "review_seen"


def _look(*, candidate: Candidate, source: MonitoringSource, tally: _Tally) -> None:
    """Hash one candidate, look it up and write what it matched; sets its ``outcome``."""
    try:
        found = bank_match_cached(data=candidate.data)
    except MediaError as refused:
        tally.error(refused.code, candidate.host)
        candidate.outcome = "refused"
        return
    except VideoHashingUnavailable:
        tally.error("video_unavailable", candidate.host)
        candidate.outcome = "retry"
        return
    except Image.DecompressionBombError:
        tally.error("too_large", candidate.host)
        candidate.outcome = "refused"
        return
    except Exception:  # whatever else a decoder raises on hostile bytes: counted, not fatal
        logger.exception("monitoring: a candidate could not be hashed")
        tally.error("hash_failed", candidate.host)
        candidate.outcome = "refused"
        return
    candidate.outcome = "done"
    if not found:
        return
    now = clock.now()
    capture = capture_of(candidate.data, at=now)
    for one in found:
        try:
            with transaction.atomic():
                outcome = _record(
                    found=one, candidate=candidate, capture=capture, source=source, now=now
                )
        except Exception:  # one finding that cannot be written must not stop the run
            logger.exception("monitoring: a finding could not be written")
            tally.error("record_failed", candidate.host)
            candidate.outcome = "retry"
            continue
        tally.outcomes[outcome] += 1
        if outcome in ("request_new", "request_seen", "reupload"):
            tally.matched += 1
        elif outcome in ("review_new", "review_seen"):
            tally.reviews += 1


def monitoring_run(*, source_id: UUID | str, only_if_due: bool = False) -> MonitoringRun | None:
    """One pass of a source (see the module's docstring); → its record, or None when it did
    not run (no such source, stopped, another run of it unfinished, or — ``only_if_due`` — not
    due). Safe to run twice: what was found is found again, not written again."""
    run = _run_claim(source_id=source_id, only_if_due=only_if_due)
    if run is None:
        return None
    source = run.source
    tally = _Tally()
    try:
        for got in adapter_for(source).candidates():
            if isinstance(got, CrawlError):
                tally.error(got.code, got.host)
                continue
            tally.candidates += 1
            _look(candidate=got, source=source, tally=tally)
    except Exception:
        _run_finish(run=run, tally=tally, aborted=True)
        raise
    return _run_finish(run=run, tally=tally)


# --- the review queue -------------------------------------------------------------------------


@transaction.atomic
def candidate_decide(
    *,
    actor: Staff,
    candidate_id: UUID,
    is_match: bool,
    platform_id: UUID | None = None,
    note: str = "",
    url: str = "",
) -> MatchCandidate:
    """A person looked at a candidate: it is her content (a takedown request is opened on the
    item's case, found by review, with the capture kept when it was found) or it is not. The
    platform is the URL's, or the one chosen; a dropped file that came without its URL needs
    ``url``. The desk of the item's case's agency decides."""
    if not is_desk(actor):
        raise TakedownActionForbidden(_("검토할 권한이 없습니다."))
    row = (
        MatchCandidate.objects.filter(pk=candidate_id)
        .values_list("bank_item__case_id", "bank_item__case__agency_id")
        .first()
    )
    if row is None or row[1] != actor.agency_id:
        raise TakedownNotFound(_("검토할 항목을 찾을 수 없습니다."))
    case = Case.objects.select_for_update().get(pk=row[0])
    candidate = (
        MatchCandidate.objects.select_for_update().select_related("bank_item").get(pk=candidate_id)
    )
    if candidate.decision != CandidateDecision.PENDING:
        raise ValidationFailed([_bad(_("이미 검토한 항목입니다."), "decision")])
    problems: list[DomainError] = []
    found_url = candidate.url
    platform: Platform | None = None
    if is_match:
        if candidate.bank_item.withdrawn_at is not None:
            problems.append(_bad(_("이 항목은 해시 목록에서 빠졌습니다."), "decision"))
        if not found_url:
            try:
                found_url = normalized_url(url)
            except InvalidTakedownInput as exc:
                problems.append(
                    _bad(
                        _("발견한 주소(URL)를 적어 주세요: %(why)s") % {"why": exc.message},
                        "url",
                    )
                )
        if platform_id is not None:
            platform = Platform.objects.filter(pk=platform_id, active=True).first()
            if platform is None:
                problems.append(_bad(_("플랫폼을 찾을 수 없습니다."), "platform"))
        elif found_url:
            platform = platform_for_url(found_url)
            if platform is None:
                problems.append(
                    _bad(
                        _("이 주소의 플랫폼이 등록되어 있지 않습니다. 플랫폼을 골라 주세요."),
                        "platform",
                    )
                )
    if len(note) > MAX_NOTE:
        problems.append(_bad(_("메모가 너무 깁니다."), "note"))
    if problems:
        raise ValidationFailed(problems)
    now = clock.now()
    request = None
    if is_match:
        assert platform is not None  # noqa: S101 — a problem was raised otherwise
        capture = (
            Capture(
                captured_at=candidate.found_at,
                sha256=candidate.capture_sha256,
                pdq=candidate.capture_pdq,
            )
            if candidate.capture_sha256
            else None
        )
        request, _new = request_open_found(
            case=case,
            url=found_url,
            platform=platform,
            bank_item=candidate.bank_item,
            distance=candidate.distance,
            found_by=FoundBy.REVIEW,
            capture=capture,
            actor=actor,
            actor_label="",
            note=note.strip(),
        )
        _capture_kept(request, capture)
        candidate.url = found_url
        candidate.request = request
    candidate.decision = CandidateDecision.MATCH if is_match else CandidateDecision.NOT_MATCH
    candidate.decided_at = now
    candidate.decided_by = actor
    candidate.save()
    audit_record(
        actor=actor,
        action="takedown.candidate_decide",
        target=case,
        data={
            "candidate": str(candidate.pk),
            "item": str(candidate.bank_item_id),
            "decision": candidate.decision,
            "request": str(request.pk) if request else "",
            "note": note.strip()[:200],
        },
    )
    return candidate


# --- reading, for the desk's pages ------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    source: MonitoringSource
    due: bool
    running: bool
    pending_reviews: int


def sources_overview(*, user: Staff) -> list[SourceRow]:
    """Every source with whether it is due or running and its candidates waiting for the
    user's agency (the desk only: nobody else sees any)."""
    if not is_desk(user):
        return []
    now = clock.now()
    sources: QuerySet[MonitoringSource] = MonitoringSource.objects.annotate(
        unfinished=Count(
            "runs",
            filter=Q(runs__finished_at__isnull=True, runs__started_at__gt=now - _stale_after()),
            distinct=True,
        )
    ).order_by("name")
    pending = dict(
        MatchCandidate.objects.filter(
            decision=CandidateDecision.PENDING,
            bank_item__case__agency_id=user.agency_id,
            source__isnull=False,
        )
        .values_list("source_id")
        .annotate(n=Count("pk"))
        .values_list("source_id", "n")
    )
    return [
        SourceRow(
            source=s,
            due=s.active and is_due(s, now=now),
            running=bool(getattr(s, "unfinished", 0)),
            pending_reviews=pending.get(s.pk, 0),
        )
        for s in sources
    ]


def runs_recent(*, user: Staff, limit: int = 30) -> list[MonitoringRun]:
    if not is_desk(user):
        return []
    return list(MonitoringRun.objects.select_related("source").order_by("-started_at")[:limit])


def source_get_for_desk(*, user: Staff, source_id: UUID | str) -> MonitoringSource:
    if not is_desk(user):
        raise TakedownNotFound(_("모니터링 대상을 찾을 수 없습니다."))
    try:
        return MonitoringSource.objects.get(pk=source_id)
    except (MonitoringSource.DoesNotExist, ValueError) as exc:
        raise TakedownNotFound(_("모니터링 대상을 찾을 수 없습니다.")) from exc

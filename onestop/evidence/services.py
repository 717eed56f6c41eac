"""Writers of the evidence log, and the one reader of evidence files.

Adding a file: lock the case, check, sniff the type from the content, check the size against the
per-file and per-case limits, take the SHA-256, seal the bytes with the key ring and write them
under a name that says nothing (the row's id), then the row, a timeline entry and an audit entry
(with the hash) in the same transaction. If the transaction does not commit, the sealed file is
removed. Opening a file: only for those who see the case; the bytes are checked against the
SHA-256 taken when they were added (a mismatch is an integrity error, never silently served) and
every opening is audited: the chain of custody."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind, Incident, IncidentSource
from onestop.cases.permissions import can_add_to_timeline, visible_cases_filter
from onestop.cases.services import (
    ImportedIncident,
    case_event_add,
    case_lock_visible,
    incidents_import,
)
from onestop.core import clock
from onestop.core.crypto import DecryptionError, key_ring
from onestop.core.errors import DomainError, ValidationFailed
from onestop.evidence.calllog import (
    CallLog,
    CallLogError,
    daily_call_counts,
    normalise_number,
    parse_call_log,
)
from onestop.evidence.errors import (
    EvidenceActionForbidden,
    EvidenceIntegrityError,
    EvidenceNotFound,
    InvalidEvidence,
)
from onestop.evidence.kakao import (
    SEOUL,
    ChatExport,
    KakaoExportError,
    daily_counts,
    parse_kakaotalk,
)
from onestop.evidence.models import (
    EvidenceFile,
    EvidenceImport,
    EvidenceKind,
    EvidenceSource,
    ImportKind,
)
from onestop.evidence.sniff import sniff

MAX_NAME = 255
MAX_DESCRIPTION = 2000


def evidence_dir() -> Path:
    path = Path(settings.ONESTOP_EVIDENCE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} KB"


def _write_sealed(storage_name: str, sealed: bytes) -> Path:
    """Write atomically (a temporary name, then a rename): a reader never sees half a file."""
    target = evidence_dir() / storage_name
    temporary = target.with_suffix(".tmp")
    with open(temporary, "wb") as out:
        out.write(sealed)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(target)
    return target


@transaction.atomic
def evidence_file_add(
    *,
    actor: Staff,
    case_id: UUID,
    name: str,
    data: bytes,
    description: str = "",
    incident_id: UUID | None = None,
) -> EvidenceFile:
    """Keep a file as evidence of the case, untouched. Refused, with nothing written, when it
    is not a kind evidence may be (judged from its bytes, not its name), is empty or too large,
    would take the case over its total, is already in the case, or names an incident of
    another case."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise EvidenceActionForbidden(_("이 사례에 증거 자료를 올릴 권한이 없습니다."))
    errors: list[DomainError] = []
    name = (name or "").strip()[:MAX_NAME]
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(
            InvalidEvidence(
                _("설명은 %d자 이내로 적어 주세요.") % MAX_DESCRIPTION, field="description"
            )
        )
    max_file = int(settings.ONESTOP_EVIDENCE_MAX_FILE_BYTES)
    max_case = int(settings.ONESTOP_EVIDENCE_MAX_CASE_BYTES)
    sniffed = sniff(data) if data else None
    if not data:
        errors.append(InvalidEvidence(_("빈 파일입니다."), field="file", code="empty"))
    elif len(data) > max_file:
        errors.append(
            InvalidEvidence(
                _("파일 하나는 %(limit)s까지 올릴 수 있습니다 (이 파일: %(size)s).")
                % {"limit": _megabytes(max_file), "size": _megabytes(len(data))},
                field="file",
                code="too_large",
            )
        )
    elif sniffed is None:
        errors.append(
            InvalidEvidence(
                _(
                    "이 형식의 파일은 받을 수 없습니다. 사진, 동영상, 녹음, PDF, 텍스트(대화 "
                    "내보내기·통화 기록)만 올릴 수 있습니다."
                ),
                field="file",
                code="type_not_allowed",
            )
        )
    digest = hashlib.sha256(data).hexdigest()
    if data and EvidenceFile.objects.filter(case=case, sha256=digest).exists():
        errors.append(
            InvalidEvidence(
                _("같은 파일이 이미 이 사례에 있습니다."), field="file", code="duplicate"
            )
        )
    used = int(EvidenceFile.objects.filter(case=case).aggregate(total=Sum("size"))["total"] or 0)
    if data and len(data) <= max_file and used + len(data) > max_case:
        errors.append(
            InvalidEvidence(
                _("이 사례의 증거 자료는 모두 %(limit)s까지입니다 (남은 용량: %(left)s).")
                % {"limit": _megabytes(max_case), "left": _megabytes(max(max_case - used, 0))},
                field="file",
                code="case_full",
            )
        )
    incident = None
    if incident_id is not None:
        incident = Incident.objects.filter(pk=incident_id, case=case).first()
        if incident is None:
            errors.append(InvalidEvidence(_("이 사례의 피해 사건이 아닙니다."), field="incident"))
    if errors or sniffed is None:
        raise ValidationFailed(errors)
    file_id = uuid.uuid4()
    ring = key_ring()
    storage_name = f"{file_id.hex}.bin"
    path = _write_sealed(storage_name, ring.encrypt_bytes(data, context=str(file_id)))
    try:
        record = EvidenceFile.objects.create(
            id=file_id,
            case=case,
            incident=incident,
            kind=sniffed.kind,
            content_type=sniffed.content_type,
            size=len(data),
            sha256=digest,
            name=name,
            description=description,
            storage_name=storage_name,
            key_id=ring.active_id,
            source=EvidenceSource.STAFF,
            uploaded_at=clock.now(),
            uploaded_by=actor,
            uploaded_by_label=actor.get_username(),
        )
        facts = {
            "file": str(record.pk),
            "kind": record.kind,
            "size": record.size,
            "sha256": digest,
            "incident": str(incident.pk) if incident else "",
        }
        case_event_add(case=case, actor=actor, kind=EventKind.EVIDENCE_ADDED, data=facts)
        audit_record(actor=actor, action="evidence.add", target=record, data=facts)
    except BaseException:
        path.unlink(missing_ok=True)  # no row, no bytes
        raise
    return record


def evidence_file_open(
    *, actor: Staff, file_id: UUID, purpose: str = "view"
) -> tuple[EvidenceFile, bytes]:
    """The file and its original bytes, for someone who sees its case. Checked against its
    SHA-256; audited with the purpose (view, download, packet)."""
    record = (
        EvidenceFile.objects.filter(
            pk=file_id, case__in=Case.objects.filter(visible_cases_filter(actor))
        )
        .select_related("case")
        .first()
    )
    if record is None:
        raise EvidenceNotFound(_("증거 자료를 찾을 수 없습니다."))
    try:
        sealed = (evidence_dir() / record.storage_name).read_bytes()
        data = key_ring().decrypt_bytes(sealed, context=str(record.pk))
    except (OSError, DecryptionError) as exc:
        raise EvidenceIntegrityError(
            _("저장된 파일을 읽을 수 없습니다. 관리자에게 알려 주세요.")
        ) from exc
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise EvidenceIntegrityError(
            _("저장된 파일이 올릴 때의 SHA-256과 다릅니다. 관리자에게 알려 주세요.")
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="evidence.view",
            target=record,
            data={"purpose": purpose, "sha256": record.sha256},
        )
    return record, data


# --- importing a chat export or a call log into the incident log -------------------------------


@dataclass(frozen=True)
class ImportPreview:
    """What a text file holds before it is imported: which reader took it, and the senders (or
    numbers) with how many messages (or calls) each, for the person importing to say which one
    is the stalker."""

    kind: str
    layout: str
    subjects: list[tuple[str, int]]
    unread_lines: int


def _read_text_evidence(data: bytes) -> tuple[str, str, ChatExport | CallLog]:
    try:
        chat = parse_kakaotalk(data)
    except KakaoExportError as chat_error:
        try:
            log = parse_call_log(data)
        except CallLogError as log_error:
            raise ValidationFailed(
                [
                    InvalidEvidence(
                        _(
                            "카카오톡 대화 내보내기나 통화 기록(CSV)으로 읽을 수 없습니다 "
                            "(%(chat)s; %(log)s)."
                        )
                        % {"chat": chat_error, "log": log_error},
                        field="file",
                        code="unreadable",
                    )
                ]
            ) from log_error
        return ImportKind.CALL_LOG, "csv", log
    return ImportKind.KAKAOTALK, chat.layout, chat


def evidence_import_preview(*, actor: Staff, file_id: UUID) -> ImportPreview:
    record, data = evidence_file_open(actor=actor, file_id=file_id, purpose="import-preview")
    if record.kind != EvidenceKind.TEXT:
        raise ValidationFailed(
            [InvalidEvidence(_("텍스트 파일만 가져올 수 있습니다."), field="file")]
        )
    kind, layout, read = _read_text_evidence(data)
    if isinstance(read, ChatExport):
        totals = Counter(m.sender for m in read.messages)
        unread = len(read.unread)
    else:
        totals = Counter(c.number for c in read.calls if c.number)
        unread = len(read.unread)
    return ImportPreview(
        kind=kind, layout=layout, subjects=totals.most_common(), unread_lines=unread
    )


@transaction.atomic
def evidence_import(*, actor: Staff, file_id: UUID, subject: str) -> EvidenceImport:
    """Read a chat export or a call log kept as evidence into the incident log: one incident
    per day on which ``subject`` (the stalker's name in the chat, or his number) wrote or
    called, with how many times — messages count as contact by message, calls as contact by
    phone, both under "communication". The file itself stays as it was; the import keeps the
    per-day counts for the chart. A file is imported once."""
    case_id = EvidenceFile.objects.filter(pk=file_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise EvidenceNotFound(_("증거 자료를 찾을 수 없습니다."))
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise EvidenceActionForbidden(_("이 사례에 피해 사건을 기록할 권한이 없습니다."))
    record, data = evidence_file_open(actor=actor, file_id=file_id, purpose="import")
    errors: list[DomainError] = []
    if EvidenceImport.objects.filter(file=record).exists():
        raise ValidationFailed(
            [InvalidEvidence(_("이 파일은 이미 가져왔습니다."), field="file", code="imported")]
        )
    if record.kind != EvidenceKind.TEXT:
        raise ValidationFailed(
            [InvalidEvidence(_("텍스트 파일만 가져올 수 있습니다."), field="file")]
        )
    kind, layout, read = _read_text_evidence(data)
    subject = subject.strip()
    rows: list[ImportedIncident] = []
    daily: list[dict[str, object]] = []
    if isinstance(read, ChatExport):
        choices = read.senders
        picked = subject if subject in choices else None
        if picked is not None:
            for day in daily_counts(m for m in read.messages if m.sender == picked):
                first = dt.datetime.combine(day.day, day.first, tzinfo=SEOUL)
                note = _(
                    "카카오톡 대화에서 가져옴: 메시지 %(n)s건 (사진·삭제 등 %(other)s건), "
                    "%(first)s~%(last)s"
                ) % {
                    "n": day.messages,
                    "other": day.placeholders,
                    "first": day.first.strftime("%H:%M"),
                    "last": day.last.strftime("%H:%M"),
                }
                rows.append(ImportedIncident(first, ("communication",), day.messages, note))
                daily.append(
                    {"day": day.day.isoformat(), "count": day.messages, "other": day.placeholders}
                )
        unread = len(read.unread)
    else:
        choices = read.numbers
        number = normalise_number(subject)
        picked = number if number in choices else None
        if picked is not None:
            for calls in daily_call_counts(read.calls, numbers=[picked]):
                first = dt.datetime.combine(calls.day, calls.first, tzinfo=SEOUL)
                note = _(
                    "통화 기록에서 가져옴: 전화 %(n)s통 (받지 않음 %(missed)s통), "
                    "%(first)s~%(last)s"
                ) % {
                    "n": calls.calls,
                    "missed": calls.missed,
                    "first": calls.first.strftime("%H:%M"),
                    "last": calls.last.strftime("%H:%M"),
                }
                rows.append(ImportedIncident(first, ("communication",), calls.calls, note))
                daily.append(
                    {"day": calls.day.isoformat(), "count": calls.calls, "other": calls.missed}
                )
        unread = len(read.unread)
    if picked is None:
        errors.append(
            InvalidEvidence(
                _("파일에 있는 사람(또는 번호)을 고르세요: %s") % ", ".join(choices[:20]),
                field="subject",
                code="unknown_subject",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    incidents = incidents_import(
        case_id=case.pk,
        actor=actor,
        rows=rows,
        source=IncidentSource.VICTIM,
        origin=kind,
    )
    imported = EvidenceImport.objects.create(
        file=record,
        case=case,
        kind=kind,
        layout=layout,
        subject=picked or subject,
        daily=daily,
        total=sum(int(str(row["count"])) for row in daily),
        unread_lines=unread,
        incidents=[str(incident.pk) for incident in incidents],
        imported_at=clock.now(),
        imported_by=actor,
    )
    audit_record(
        actor=actor,
        action="evidence.import",
        target=record,
        data={
            "import": str(imported.pk),
            "sha256": record.sha256,
            "kind": kind,
            "layout": layout,
            "days": len(daily),
            "total": imported.total,
            "unread_lines": unread,
        },
    )
    return imported


# --- the evidence packet ------------------------------------------------------------------------

PACKET_PURPOSES = ("police", "court", "lawyer", "victim", "other")


def validate_packet_purpose(*, purpose: str, note: str) -> str:
    errors: list[DomainError] = []
    note = (note or "").strip()
    if purpose not in PACKET_PURPOSES:
        errors.append(
            InvalidEvidence(_("묶음을 만드는 이유를 고르세요."), field="purpose", code="required")
        )
    if purpose == "other" and not note:
        errors.append(
            InvalidEvidence(
                _("'기타'를 골랐으면 이유를 적어 주세요."), field="note", code="required"
            )
        )
    if len(note) > 200:
        errors.append(InvalidEvidence(_("이유는 200자 이내로 적어 주세요."), field="note"))
    if errors:
        raise ValidationFailed(errors)
    return note


@transaction.atomic
def evidence_packet_record(*, actor: Staff, case_id: UUID, purpose: str, note: str) -> None:
    """Record that the evidence packet of the case was made, why, and which files went into it
    (one custody entry per file). The caller renders the packet and hands it out only when this
    returns. Handing it to the police is a disclosure: record it with the consent ledger."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    note = validate_packet_purpose(purpose=purpose, note=note)
    files = list(EvidenceFile.objects.filter(case=case))
    for record in files:
        audit_record(
            actor=actor,
            action="evidence.packet",
            target=record,
            data={"purpose": purpose, "sha256": record.sha256},
        )
    audit_record(
        actor=actor,
        action="evidence.packet",
        target=case,
        data={"purpose": purpose, "note": note, "files": len(files)},
    )

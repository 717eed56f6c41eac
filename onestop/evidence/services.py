"""Writers of the evidence log, and the one reader of evidence files.

Adding a file: lock the case, check, sniff the type from the content, check the size against the
per-file and per-case limits, take the SHA-256, seal the bytes with the key ring and write them
under a name that says nothing (the row's id), then the row, a timeline entry and an audit entry
(with the hash) in the same transaction. If the transaction does not commit, the sealed file is
removed. Opening a file: only for those who see the case; the bytes are checked against the
SHA-256 taken when they were added (a mismatch is an integrity error, never silently served) and
every opening is audited: the chain of custody.

The victim adds, opens, imports and packs in the portal through the ``*_by_victim`` writers: the
same checks (one function each, shared), her case locked as the portal found it, nobody in the
staff columns, and ``actor_label`` "portal" in the audit log, so the chain of custody names her."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Sum
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind, Incident, IncidentSource
from onestop.cases.permissions import can_add_to_timeline, visible_cases_filter
from onestop.cases.services import (
    ImportedIncident,
    case_event_add,
    case_lock_for_victim,
    case_lock_visible,
    incident_check,
    incident_record_by_victim,
    incidents_import,
    incidents_import_by_victim,
)
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
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
from onestop.evidence.sniff import Sniffed, sniff

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


def _audit(*, actor: Staff | None, action: str, target: Model, data: dict[str, Any]) -> None:
    """An audit entry by a staff member, or (``actor`` None) by the victim in the portal."""
    audit_record(
        actor=actor,
        actor_label=PORTAL_ACTOR_LABEL if actor is None else None,
        action=action,
        target=target,
        data=data,
    )


@dataclass(frozen=True)
class FileCheck:
    """What ``_file_check`` found: every problem, and what the file is when there are none."""

    problems: list[DomainError]
    sniffed: Sniffed | None
    sha256: str
    description: str
    incident: Incident | None


def _file_check(
    *,
    case: Case,
    data: bytes,
    description: str,
    incident_id: UUID | None,
    for_import: bool = False,
) -> FileCheck:
    """The rules of a file kept as evidence, whoever adds it: a kind evidence may be (from its
    bytes, not its name), not empty, not too large, within the case's total, not already in
    the case, an incident of this case; ``for_import``: a chat export or call log that reads.
    Writes nothing."""
    errors: list[DomainError] = []
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
    elif for_import and sniffed.kind != EvidenceKind.TEXT:
        errors.append(
            InvalidEvidence(
                _("카카오톡 대화 내보내기(.txt)나 통화 기록(.csv)만 가져올 수 있습니다."),
                field="file",
                code="not_text",
            )
        )
    elif for_import:
        try:
            _read_text_evidence(data)
        except ValidationFailed as unreadable:
            errors.extend(unreadable.errors)
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
    return FileCheck(
        problems=errors,
        sniffed=sniffed,
        sha256=digest,
        description=description,
        incident=incident,
    )


def _file_store(
    *,
    case: Case,
    check: FileCheck,
    name: str,
    data: bytes,
    actor: Staff | None,
    incident: Incident | None,
) -> EvidenceFile:
    """Seal and write a checked file, then its row, timeline entry and audit entry (with the
    hash). ``actor`` None: the victim, in the portal. If anything fails after the bytes are
    written, they are removed."""
    sniffed = check.sniffed
    if check.problems or sniffed is None:
        raise ValidationFailed(check.problems)
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
            sha256=check.sha256,
            name=(name or "").strip()[:MAX_NAME],
            description=check.description,
            storage_name=storage_name,
            key_id=ring.active_id,
            source=EvidenceSource.PORTAL if actor is None else EvidenceSource.STAFF,
            uploaded_at=clock.now(),
            uploaded_by=actor,
            uploaded_by_label=PORTAL_ACTOR_LABEL if actor is None else actor.get_username(),
        )
        facts: dict[str, Any] = {
            "file": str(record.pk),
            "kind": record.kind,
            "size": record.size,
            "sha256": check.sha256,
            "incident": str(incident.pk) if incident else "",
        }
        if actor is None:
            facts["by"] = "portal"
        case_event_add(case=case, actor=actor, kind=EventKind.EVIDENCE_ADDED, data=facts)
        _audit(actor=actor, action="evidence.add", target=record, data=facts)
    except BaseException:
        path.unlink(missing_ok=True)  # no row, no bytes
        raise
    return record


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
    check = _file_check(case=case, data=data, description=description, incident_id=incident_id)
    return _file_store(
        case=case, check=check, name=name, data=data, actor=actor, incident=check.incident
    )


@transaction.atomic
def evidence_file_add_by_victim(
    *,
    case: Case,
    name: str,
    data: bytes,
    description: str = "",
    incident_id: UUID | None = None,
    for_import: bool = False,
) -> EvidenceFile:
    """The victim keeps a file as evidence in the portal: the rules of ``evidence_file_add``,
    source ``portal``, nobody in ``uploaded_by``. ``for_import``: she means to import it, so
    a file that is not a chat export or call log that reads is refused (nothing kept)."""
    locked = case_lock_for_victim(case=case)
    check = _file_check(
        case=locked,
        data=data,
        description=description,
        incident_id=incident_id,
        for_import=for_import,
    )
    return _file_store(
        case=locked, check=check, name=name, data=data, actor=None, incident=check.incident
    )


@transaction.atomic
def evidence_incident_add_by_victim(
    *,
    case: Case,
    occurred_at: dt.datetime,
    behaviours: Iterable[str],
    count: int,
    place: str,
    note: str,
    file_name: str = "",
    file_data: bytes | None = None,
) -> Incident:
    """She records an incident in the portal, with a photo or file of it if she has one, in
    one transaction: every problem of both is reported at once, and a refused file means no
    incident either (and no bytes on disk)."""
    locked = case_lock_for_victim(case=case)
    behaviours = list(behaviours)
    problems = incident_check(
        case=locked,
        occurred_at=occurred_at,
        behaviours=behaviours,
        source=IncidentSource.SELF_REPORTED,
        sources=(IncidentSource.SELF_REPORTED,),
        count=count,
        note=note,
        place=place,
    ).problems
    check = None
    if file_data is not None:
        check = _file_check(case=locked, data=file_data, description="", incident_id=None)
        problems = [*problems, *check.problems]
    if problems:
        raise ValidationFailed(problems)
    incident = incident_record_by_victim(
        case=locked,
        occurred_at=occurred_at,
        behaviours=behaviours,
        count=count,
        place=place,
        note=note,
    )
    if check is not None and file_data is not None:
        _file_store(
            case=locked,
            check=check,
            name=file_name,
            data=file_data,
            actor=None,
            incident=incident,
        )
    return incident


def _read_checked(record: EvidenceFile) -> bytes:
    """The original bytes: decrypted and checked against the SHA-256 taken when they came."""
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
    return data


def _opened(*, record: EvidenceFile, actor: Staff | None, purpose: str) -> bytes:
    data = _read_checked(record)
    with transaction.atomic():
        _audit(
            actor=actor,
            action="evidence.view",
            target=record,
            data={"purpose": purpose, "sha256": record.sha256},
        )
    return data


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
    return record, _opened(record=record, actor=actor, purpose=purpose)


def evidence_file_open_by_victim(
    *, case: Case, file_id: UUID, purpose: str = "download"
) -> tuple[EvidenceFile, bytes]:
    """A file she added herself in the portal, and its original bytes (checked as for staff,
    audited as hers: the chain of custody shows her opening it). Any other file — another
    case's, or one staff added — is not found."""
    record = EvidenceFile.objects.filter(
        pk=file_id, case=case, source=EvidenceSource.PORTAL
    ).first()
    if record is None:
        raise EvidenceNotFound(_("자료를 찾을 수 없습니다."))
    return record, _opened(record=record, actor=None, purpose=purpose)


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


def _preview_of(record: EvidenceFile, data: bytes) -> ImportPreview:
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


def evidence_import_preview(*, actor: Staff, file_id: UUID) -> ImportPreview:
    record, data = evidence_file_open(actor=actor, file_id=file_id, purpose="import-preview")
    return _preview_of(record, data)


def evidence_import_preview_by_victim(*, case: Case, file_id: UUID) -> ImportPreview:
    """Who is in a chat export or call log she added, with how many messages (or calls) each,
    for her to say which one is him."""
    record, data = evidence_file_open_by_victim(
        case=case, file_id=file_id, purpose="import-preview"
    )
    return _preview_of(record, data)


def _import_file(
    *, case: Case, record: EvidenceFile, data: bytes, subject: str, actor: Staff | None
) -> EvidenceImport:
    """Read an opened text file of the locked ``case`` into its incident log (``actor`` None:
    the victim, in the portal)."""
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
    if actor is None:
        incidents = incidents_import_by_victim(case=case, rows=rows, origin=kind)
    else:
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
        imported_by_label=PORTAL_ACTOR_LABEL if actor is None else actor.get_username(),
    )
    _audit(
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
    return _import_file(case=case, record=record, data=data, subject=subject, actor=actor)


@transaction.atomic
def evidence_import_by_victim(*, case: Case, file_id: UUID, subject: str) -> EvidenceImport:
    """``evidence_import`` for a chat export or call log she added in the portal, with the
    sender (or number) she says is him: the incidents are hers (``self_reported``), one
    timeline entry says she imported them."""
    locked = case_lock_for_victim(case=case)
    record, data = evidence_file_open_by_victim(case=locked, file_id=file_id, purpose="import")
    return _import_file(case=locked, record=record, data=data, subject=subject, actor=None)


# --- the evidence packet ------------------------------------------------------------------------

PACKET_PURPOSES = ("police", "court", "lawyer", "victim", "other")
# What she may make her own copy for (``other`` needs words staff write).
VICTIM_PACKET_PURPOSES = ("victim", "police", "court", "lawyer")


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


def validate_victim_packet_purpose(*, purpose: str) -> None:
    if purpose not in VICTIM_PACKET_PURPOSES:
        raise ValidationFailed(
            [InvalidEvidence(_("어디에 쓸지 고르세요."), field="purpose", code="required")]
        )


def _packet_custody_record(*, case: Case, actor: Staff | None, purpose: str, note: str) -> None:
    files = list(EvidenceFile.objects.filter(case=case))
    for record in files:
        _audit(
            actor=actor,
            action="evidence.packet",
            target=record,
            data={"purpose": purpose, "sha256": record.sha256},
        )
    _audit(
        actor=actor,
        action="evidence.packet",
        target=case,
        data={"purpose": purpose, "note": note, "files": len(files)},
    )


@transaction.atomic
def evidence_packet_record(*, actor: Staff, case_id: UUID, purpose: str, note: str) -> None:
    """Record that the evidence packet of the case was made, why, and which files went into it
    (one custody entry per file). The caller renders the packet and hands it out only when this
    returns. Handing it to the police is a disclosure: record it with the consent ledger."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    note = validate_packet_purpose(purpose=purpose, note=note)
    _packet_custody_record(case=case, actor=actor, purpose=purpose, note=note)


@transaction.atomic
def evidence_packet_for_victim(*, case: Case, purpose: str) -> None:
    """Record that she made the evidence packet of her case in the portal, and for what (one
    custody entry per file, by her). The caller renders it first and hands it to her only when
    this returns. A closed case's packet is still hers to take."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    validate_victim_packet_purpose(purpose=purpose)
    _packet_custody_record(case=locked, actor=None, purpose=purpose, note="")

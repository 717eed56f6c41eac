"""Reads of the evidence log, filtered by who asks (the case's team and supervisors, or the
victim in the portal, by her own case)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.permissions import visible_cases_filter
from onestop.evidence.errors import EvidenceNotFound
from onestop.evidence.models import EvidenceFile, EvidenceImport, EvidenceSource


@dataclass(frozen=True)
class CaseEvidence:
    files: list[EvidenceFile]
    imports: list[EvidenceImport]


def evidence_for_case(*, case: Case) -> CaseEvidence:
    """The caller has the case through ``case_get_for_user``."""
    return CaseEvidence(
        files=list(
            EvidenceFile.objects.filter(case=case)
            .select_related("uploaded_by", "imported")
            .order_by("-uploaded_at")
        ),
        imports=list(EvidenceImport.objects.filter(case=case).order_by("-imported_at")),
    )


def evidence_file_for_user(*, user: Staff, file_id: UUID) -> EvidenceFile:
    record = EvidenceFile.objects.filter(
        pk=file_id, case__in=Case.objects.filter(visible_cases_filter(user))
    ).first()
    if record is None:
        raise EvidenceNotFound(_("증거 자료를 찾을 수 없습니다."))
    return record


def evidence_for_victim(*, case: Case) -> CaseEvidence:
    """What she sees in the portal of her case (the portal found it from her signed-in access):
    the files she added herself, newest first, and every import's per-day counts."""
    return CaseEvidence(
        files=list(
            EvidenceFile.objects.filter(case=case, source=EvidenceSource.PORTAL)
            .select_related("imported")
            .order_by("-uploaded_at")
        ),
        imports=list(EvidenceImport.objects.filter(case=case).order_by("-imported_at")),
    )

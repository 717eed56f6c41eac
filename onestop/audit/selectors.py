"""Reads of the audit log: chain verification and a record's history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from onestop.audit.models import AuditChainHead, AuditEntry
from onestop.audit.services import digest_of


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first entry whose number, link or hash is wrong."""
    expected_seq, prev_hash, count = 1, "0" * 64, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(count, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(count, entry.seq, f"entry #{entry.seq} does not link to its parent")
        if digest_of(entry) != entry.entry_hash:
            return ChainReport(count, entry.seq, f"entry #{entry.seq} was altered")
        prev_hash, expected_seq, count = entry.entry_hash, expected_seq + 1, count + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != count or head.last_hash != prev_hash):
        return ChainReport(count, count + 1, f"entries after #{count} were deleted")
    return ChainReport(count, None, "")


def audit_entries_for(*, target: models.Model, limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .select_related("actor")
        .order_by("-seq")[:limit]
    )

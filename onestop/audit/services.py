"""The one writer of audit entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from onestop.audit.context import current_ip
from onestop.audit.models import AuditChainHead, AuditEntry
from onestop.core import clock


def entry_digest(
    *,
    seq: int,
    at: str,
    actor_id: str,
    actor_label: str,
    ip: str,
    action: str,
    target_type: str,
    target_id: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [seq, at, actor_id, actor_label, ip, action, target_type, target_id, data, prev_hash],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        seq=entry.seq,
        # in UTC: the database gives the time back in UTC whatever zone it was written in
        at=entry.at.astimezone(dt.UTC).isoformat(),
        actor_id=str(entry.actor_id or ""),
        actor_label=entry.actor_label,
        ip=entry.ip or "",
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        data=entry.data,
        prev_hash=entry.prev_hash,
    )


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    # Store exactly what the digest saw: a JSON round trip turns UUIDs, dates, enums into text.
    result: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return result


# No savepoint of its own: an audit row that fails to write must take its whole transaction
# down with it (and a savepoint per entry is two more statements on every change).
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    actor_label: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the transaction of the change it describes, so that the
    change and its audit row commit or roll back together."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    at = clock.now()
    label = actor_label if actor_label is not None else (actor.get_username() if actor else "")
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=at,
        actor_id=actor.pk if actor is not None else None,
        actor_label=label,
        ip=ip if ip is not None else current_ip.get(),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=_normalised(data or {}),
        prev_hash=head.last_hash,
    )
    entry.entry_hash = digest_of(entry)
    entry.save(force_insert=True)
    head.last_seq, head.last_hash = entry.seq, entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry

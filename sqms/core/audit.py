"""The audit trail: field-level snapshots, diffs and the SHA-256 hash chain.

Every service that creates, changes or deletes a business record calls `audit_record` (or
`audit_record_many` for bulk work) inside its transaction. Entries chain: each hash covers the
previous entry's hash, so removing or editing a row by hand breaks the chain at that point.

One exception: a survey response submitted on a public page is stored with its audit entry
pending, and the worker writes the entries of such responses in batches a moment later
(`sqms.feedback.services.responses_effects_write`), so anonymous respondents do not queue on the
chain's head. Until then the response carries `effects_pending`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from sqms.core.models import SYSTEM_ACTOR, AuditAction, AuditChainHead, AuditEntry, User

GENESIS = "0" * 64
_SKIPPED = {"created_at", "updated_at", "password", "last_login"}

Snapshot = dict[str, Any]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model) -> Snapshot:
    """The audited state of a record: its concrete fields and many-to-many keys."""
    data: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIPPED or field.primary_key:
            continue
        data[field.name] = _jsonable(field.value_from_object(obj))
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return data


def diff(before: Snapshot, after: Snapshot) -> dict[str, list[Any]]:
    """Field-level changes as {field: [old, new]}."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


@dataclass(frozen=True)
class PendingEntry:
    action: str
    obj: models.Model
    changes: dict[str, list[Any]]
    reason: str = ""


def _entry_hash(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": _jsonable(entry.changes),
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return SYSTEM_ACTOR
    return actor.get_username()


def audit_record_many(*, actor: User | None, entries: Iterable[PendingEntry]) -> list[AuditEntry]:
    """Append entries to the chain in one locked step; the caller's transaction commits them."""
    pending = list(entries)
    if not pending:
        return []
    with transaction.atomic():
        # The head row is the lock: concurrent writers queue here, so the chain never forks.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS}
        )
        seq, prev = head.seq, head.hash
        now = timezone.now()
        rows: list[AuditEntry] = []
        for item in pending:
            seq += 1
            entry = AuditEntry(
                seq=seq,
                created_at=now,
                actor=actor,
                actor_label=_actor_label(actor),
                action=item.action,
                content_type=ContentType.objects.get_for_model(item.obj, for_concrete_model=True),
                object_id=str(item.obj.pk),
                object_repr=str(item.obj)[:200],
                changes=_jsonable(item.changes),
                reason=item.reason,
                prev_hash=prev,
            )
            entry.hash = prev = _entry_hash(entry)
            rows.append(entry)
        AuditEntry.objects.bulk_create(rows)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return rows


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: Snapshot | None = None,
    reason: str = "",
) -> AuditEntry | None:
    """Record one change. `before` is the snapshot taken before an update or delete.

    An update that changed nothing writes no entry.
    """
    if action == AuditAction.CREATE:
        changes = diff({}, snapshot(obj))
    elif action == AuditAction.UPDATE:
        changes = diff(before or {}, snapshot(obj))
        if not changes:
            return None
    else:
        changes = diff(before if before is not None else snapshot(obj), {})
    (entry,) = audit_record_many(
        actor=actor, entries=[PendingEntry(action=action, obj=obj, changes=changes, reason=reason)]
    )
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


def _iter_entries(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many entries were checked and the first broken link."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for entry in _iter_entries():
        if entry.seq != expected_seq:
            return checked, ChainBreak(expected_seq, "missing")
        if entry.prev_hash != prev_hash:
            return checked, ChainBreak(entry.seq, "prev_hash")
        if _entry_hash(entry) != entry.hash:
            return checked, ChainBreak(entry.seq, "hash")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    # Entries cut from the end leave an intact chain behind; the head remembers the last link.
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return checked, ChainBreak(expected_seq, "missing")
    return checked, None

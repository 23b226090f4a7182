"""Customer requirements → standards: the register of customer needs and the QFD matrix.

Each cell links a need to a service standard with a relationship strength of 9, 3 or 1. The
weighted importance of a standard is Σ importance × strength over the needs; its relative
weight is its share of the total. A need no standard covers is shown as a gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sqms.core.audit import audit_record, snapshot
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.feedback.access import responses_visible_to
from sqms.feedback.complaints_access import complaints_visible_to
from sqms.feedback.models import CustomerNeed, NeedStandardLink, Strength
from sqms.standards.models import ServiceStandard

STRENGTHS = frozenset(Strength.values)
MAX_THEMES = 30


def parse_themes(text: str) -> list[str]:
    seen: list[str] = []
    for part in text.replace("\n", ",").split(","):
        theme = part.strip()[:60]
        if theme and theme not in seen:
            seen.append(theme)
    return seen[:MAX_THEMES]


def parse_ids(text: str, *, field_name: str) -> list[int]:
    ids: list[int] = []
    for part in text.replace("\n", ",").replace(" ", ",").split(","):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit() or len(part) > 18:
            raise ValidationError(
                {field_name: _("“%(value)s” is not a number.") % {"value": part[:30]}}
            )
        ids.append(int(part))
    return sorted(set(ids))


def evidence_resolve(
    *, user: Any, response_ids: Iterable[int], complaint_refs: Iterable[str]
) -> tuple[list[int], list[int]]:
    """Visible responses and complaints for the given ids / reference numbers; unknown ones
    raise a ValidationError naming the field."""
    r_ids = sorted(set(response_ids))
    found = set(responses_visible_to(user).filter(pk__in=r_ids).values_list("pk", flat=True))
    missing = [str(i) for i in r_ids if i not in found]
    if missing:
        raise ValidationError(
            {"responses": _("No such response: %(ids)s") % {"ids": ", ".join(missing[:10])}}
        )
    refs = sorted({r.strip().upper() for r in complaint_refs if r.strip()})
    rows = dict(
        complaints_visible_to(user).filter(reference__in=refs).values_list("reference", "pk")
    )
    unknown = [r for r in refs if r not in rows]
    if unknown:
        raise ValidationError(
            {"complaints": _("No such complaint: %(refs)s") % {"refs": ", ".join(unknown[:10])}}
        )
    return sorted(found), sorted(rows.values())


@transaction.atomic
def need_create(
    *,
    actor: User | None,
    code: str,
    statement_ko: str,
    importance: int,
    statement_en: str = "",
    themes: list[str] | None = None,
    notes: str = "",
    response_ids: Iterable[int] = (),
    complaint_ids: Iterable[int] = (),
) -> CustomerNeed:
    need = CustomerNeed(
        code=code.strip(),
        statement_ko=statement_ko.strip(),
        statement_en=statement_en.strip(),
        importance=importance,
        themes=list(themes or []),
        notes=notes.strip(),
    )
    return record_create(
        actor=actor,
        obj=need,
        m2m={"responses": list(response_ids), "complaints": list(complaint_ids)},
    )


@transaction.atomic
def need_update(
    *,
    actor: User | None,
    need: CustomerNeed,
    fields: Mapping[str, Any],
    response_ids: Iterable[int] | None = None,
    complaint_ids: Iterable[int] | None = None,
) -> CustomerNeed:
    allowed = {"code", "statement_ko", "statement_en", "importance", "themes", "notes"}
    m2m: dict[str, Any] = {}
    if response_ids is not None:
        m2m["responses"] = list(response_ids)
    if complaint_ids is not None:
        m2m["complaints"] = list(complaint_ids)
    return record_update(
        actor=actor,
        obj=need,
        fields={k: v for k, v in fields.items() if k in allowed},
        m2m=m2m,
    )


@transaction.atomic
def need_archive(*, actor: User | None, need: CustomerNeed, reason: str = "") -> CustomerNeed:
    from django.utils import timezone

    if need.archived_at is not None:
        return need
    return record_update(
        actor=actor, obj=need, fields={"archived_at": timezone.now()}, reason=reason or "archived"
    )


@transaction.atomic
def need_matrix_save(*, actor: User | None, cells: Mapping[tuple[int, int], int | None]) -> int:
    """Set the strength of matrix cells (None clears one). Returns how many cells changed."""
    bad = [k for k, v in cells.items() if v is not None and v not in STRENGTHS]
    if bad:
        raise ValidationError({"strength": _("A relationship strength is 9, 3 or 1 (or empty).")})
    need_ids = {n for n, _s in cells}
    std_ids = {s for _n, s in cells}
    known_needs = set(
        CustomerNeed.objects.filter(pk__in=need_ids, archived_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    known_stds = set(ServiceStandard.objects.filter(pk__in=std_ids).values_list("pk", flat=True))
    existing = {
        (link.need_id, link.standard_id): link
        for link in NeedStandardLink.objects.select_for_update().filter(
            need_id__in=need_ids, standard_id__in=std_ids
        )
    }
    changed = 0
    for (need_id, std_id), strength in cells.items():
        if need_id not in known_needs or std_id not in known_stds:
            continue
        link = existing.get((need_id, std_id))
        if strength is None:
            if link is not None:
                audit_record(
                    actor=actor, action=AuditAction.DELETE, obj=link, before=snapshot(link)
                )
                link.delete()
                changed += 1
        elif link is None:
            record_create(
                actor=actor,
                obj=NeedStandardLink(need_id=need_id, standard_id=std_id, strength=strength),
            )
            changed += 1
        elif link.strength != strength:
            before = snapshot(link)
            link.strength = strength
            link.save(update_fields=["strength"])
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=link, before=before)
            changed += 1
    return changed


# --- reads: the QFD matrix --------------------------------------------------------------------


def qfd_weights(
    importance: Mapping[int, int], cells: Mapping[tuple[int, int], int], standard_ids: Iterable[int]
) -> tuple[dict[int, int], dict[int, float]]:
    """Weighted importance Σ importance × strength per standard, and its share in percent."""
    weights = dict.fromkeys(standard_ids, 0)
    for (need_id, std_id), strength in cells.items():
        if std_id in weights and need_id in importance:
            weights[std_id] += importance[need_id] * strength
    total = sum(weights.values())
    relative = {k: (100.0 * v / total if total else 0.0) for k, v in weights.items()}
    return weights, relative


@dataclass
class MatrixRow:
    need: CustomerNeed
    cells: list[tuple[int, int | None]]  # (standard id, strength)
    covered: bool


@dataclass
class Matrix:
    standards: list[ServiceStandard]
    rows: list[MatrixRow]
    weights: dict[int, int] = field(default_factory=dict)
    relative: dict[int, float] = field(default_factory=dict)

    @property
    def uncovered(self) -> list[CustomerNeed]:
        return [r.need for r in self.rows if not r.covered]

    @property
    def columns(self) -> list[tuple[ServiceStandard, int, float]]:
        return [
            (s, self.weights.get(s.pk, 0), self.relative.get(s.pk, 0.0)) for s in self.standards
        ]


def needs_active() -> QuerySet[CustomerNeed]:
    return CustomerNeed.objects.filter(archived_at__isnull=True).order_by("-importance", "code")


def qfd_matrix(*, service_id: int | None = None) -> Matrix:
    needs = list(needs_active())
    stds_qs = ServiceStandard.objects.filter(archived_at__isnull=True).select_related("service")
    if service_id:
        stds_qs = stds_qs.filter(service_id=service_id)
    standards = list(stds_qs.order_by("service__code", "code")[:60])
    std_ids = [s.pk for s in standards]
    cells = {
        (n, s): v
        for n, s, v in NeedStandardLink.objects.filter(
            need__in=needs, standard_id__in=std_ids
        ).values_list("need_id", "standard_id", "strength")
    }
    # Coverage counts every active standard, not only the ones shown.
    covered_ids = set(
        NeedStandardLink.objects.filter(
            need__in=needs, standard__archived_at__isnull=True
        ).values_list("need_id", flat=True)
    )
    weights, relative = qfd_weights({n.pk: n.importance for n in needs}, cells, std_ids)
    rows = [
        MatrixRow(
            need=n,
            cells=[(s, cells.get((n.pk, s))) for s in std_ids],
            covered=n.pk in covered_ids,
        )
        for n in needs
    ]
    return Matrix(standards=standards, rows=rows, weights=weights, relative=relative)


def cells_from_post(data: Mapping[str, Any]) -> dict[tuple[int, int], int | None]:
    """Matrix cells from form keys `c-<need>-<standard>`; junk keys are ignored, junk values
    raise a ValidationError."""
    cells: dict[tuple[int, int], int | None] = {}
    for key in list(data.keys())[:5000]:
        parts = str(key).split("-")
        if len(parts) != 3 or parts[0] != "c" or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        if len(parts[1]) > 18 or len(parts[2]) > 18:
            continue
        raw = str(data.get(key, "")).strip()
        if raw == "":
            cells[(int(parts[1]), int(parts[2]))] = None
        elif raw.isdigit() and int(raw) in STRENGTHS:
            cells[(int(parts[1]), int(parts[2]))] = int(raw)
        else:
            raise ValidationError(
                {"strength": _("A relationship strength is 9, 3 or 1 (or empty).")}
            )
    return cells

"""Factories for the improvement tests: every record made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    Bone,
    Cause,
    CheckKind,
    Initiative,
    NcStatus,
    Nonconformance,
    SourceType,
    Stage,
)
from sqms.org.models import Site
from tests.factories import make_service, make_user

_seq = itertools.count(1)

IMPROVED_BEFORE = "\n".join(["60, 400"] * 8)
IMPROVED_AFTER = "\n".join(["30, 400"] * 8)


def make_cause(actor: User | None = None, bone: str = Bone.PROCESS) -> Cause:
    n = next(_seq)
    category = services.category_create(actor=actor, code=f"C{n}", name=f"분류 {n}", bone=bone)
    return services.cause_create(actor=actor, category=category, code=f"K{n}", name=f"원인 {n}")


def make_nc(actor: User | None = None, **fields: Any) -> Nonconformance:
    fields.setdefault("title", f"부적합 {next(_seq)}")
    fields.setdefault("source_type", SourceType.MANUAL)
    return services.nonconformance_create(actor=actor, **fields)


def advance(nc: Nonconformance, to: str, *, actor: User | None = None) -> Nonconformance:
    """Bring a nonconformance to `to` (up to verified), meeting each requirement on the way."""
    actor = actor or make_user(Role.QUALITY_MANAGER)
    order = [
        NcStatus.CONTAINED,
        NcStatus.ANALYSED,
        NcStatus.ACTION_PLANNED,
        NcStatus.IMPLEMENTED,
        NcStatus.VERIFIED,
    ]
    for step in order[: order.index(to) + 1]:
        nc.refresh_from_db()
        if step == NcStatus.CONTAINED:
            nc = services.nonconformance_update(
                actor=actor, nc=nc, fields={"containment": "임시 인력 투입"}
            )
        elif step == NcStatus.ANALYSED:
            nc = services.root_cause_set(
                actor=actor, nc=nc, cause=make_cause(actor), statement="절차 미비"
            )
        elif step == NcStatus.ACTION_PLANNED:
            services.action_create(
                actor=actor,
                nc=nc,
                kind=ActionKind.CORRECTIVE,
                title="절차 개정",
                owner=actor,
                due_on=timezone.localdate() + dt.timedelta(days=10),
            )
        elif step == NcStatus.IMPLEMENTED:
            for action in nc.actions.all():
                services.action_set_status(actor=actor, action=action, status=ActionStatus.DONE)
        elif step == NcStatus.VERIFIED:
            check(nc, actor=actor)
        nc = services.nonconformance_transition(actor=actor, nc=nc, to=step)
    return nc


def check(
    nc: Nonconformance,
    *,
    actor: User | None = None,
    before: str = IMPROVED_BEFORE,
    after: str = IMPROVED_AFTER,
    kind: str = CheckKind.PROPORTION,
    higher_is_better: bool = False,
) -> Any:
    today = timezone.localdate()
    return services.effectiveness_check_create(
        actor=actor,
        nc=nc,
        kind=kind,
        higher_is_better=higher_is_better,
        metric_label="대기 비율",
        before_from=today - dt.timedelta(days=100),
        before_to=today - dt.timedelta(days=50),
        after_from=today - dt.timedelta(days=40),
        after_to=today,
        before=before,
        after=after,
    )


NO_CHANGE = "\n".join(["50, 400"] * 8)


def make_initiative(
    actor: User | None = None, *, to: str = Stage.PLAN, **fields: Any
) -> Initiative:
    """An initiative brought to stage `to` along Plan–Do–Check–Act."""
    actor = actor or make_user(Role.QUALITY_MANAGER)
    fields.setdefault("title", f"개선 {next(_seq)}")
    fields.setdefault("owner", actor)
    fields.setdefault("expected_benefit", Decimal("10"))
    fields.setdefault("unit", "percent")
    initiative = services.initiative_create(actor=actor, **fields)
    order: list[str] = [Stage.DO, Stage.CHECK, Stage.ACT, Stage.COMPLETED]
    if to in order:
        for step in order[: order.index(to) + 1]:
            if step == Stage.ACT and initiative.realised_benefit is None:
                initiative = services.initiative_update(
                    actor=actor, initiative=initiative, fields={"realised_benefit": Decimal("8")}
                )
            initiative = services.initiative_move(actor=actor, initiative=initiative, to=step)
    return initiative


def make_signal(
    *,
    site: Site | None = None,
    standard: Any = None,
    status: str = "open",
    first: dt.datetime | None = None,
    last: dt.datetime | None = None,
) -> Any:
    """A monitoring signal row, made directly (the detection is another app's business)."""
    from sqms.monitoring.models import Signal
    from tests.standards.factories import make_standard

    if standard is None:
        standard = make_standard(service=make_service([site] if site else []))
    version = standard.versions.order_by("-version").first()
    now = timezone.now()
    return Signal.objects.create(
        standard=standard,
        version=version,
        segment=f"site:{site.pk}" if site else "",
        site=site,
        kind="spc",
        rule="we1",
        first_period=first or now - dt.timedelta(days=7),
        last_period=last or now - dt.timedelta(days=1),
        evidence={"chart": "p", "points": [{"period": "2026-11-01", "value": 0.21, "ucl": 0.16}]},
        status=status,
    )

"""Demo inspections: about 300 quality inspections of the VIP desk's agents over a year."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.monitoring.models import Inspection
from sqms.org.models import Employee, Service

CHECKLIST = [
    "첫인사와 본인 소개",
    "고객 본인 확인",
    "요청 내용 복창",
    "정확한 안내",
    "추가 문의 확인",
    "끝인사",
]
COUNT = 300
CHANNELS = ["phone", "visit", "email"]


def _inspector() -> User | None:
    return (
        User.objects.filter(username="quality").first()
        or User.objects.filter(is_active=True).order_by("pk").first()
    )


@transaction.atomic
def build_inspections_demo() -> int:
    """Create the demo inspections unless there are any of the VIP service; returns how many."""
    service = Service.objects.filter(code="VIP").first()
    inspector = _inspector()
    if service is None or inspector is None:
        return 0
    if Inspection.objects.filter(service=service).exists():
        return 0
    sites = list(service.sites.order_by("pk").values_list("pk", flat=True))
    agents = list(
        Employee.objects.filter(site_id__in=sites, job_role__code__in=["AGT", "SAG"]).order_by("pk")
    ) or list(Employee.objects.filter(site_id__in=sites).order_by("pk"))
    if not agents:
        return 0
    rng = random.Random(20260401)  # noqa: S311 - demo data, not secrets
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    skill = {a.pk: rng.gauss(0, 4) for a in agents}
    rows = []
    for _ in range(COUNT):
        agent = rng.choice(agents)
        days = rng.randint(1, 364)
        at = now - dt.timedelta(days=days, hours=rng.randint(0, 8))
        # Scores improve slowly over the year (coaching), spread by the agent's skill.
        base = 84 + 6 * (364 - days) / 364 + skill[agent.pk]
        score = max(40.0, min(100.0, rng.gauss(base, 5)))
        checklist = [
            {"item": item, "passed": rng.random() < score / 100 + 0.05} for item in CHECKLIST
        ]
        rows.append(
            Inspection(
                service=service,
                site_id=agent.site_id,
                team_id=agent.team_id,
                channel=rng.choice(CHANNELS),
                agent=agent,
                inspector=inspector,
                inspected_at=at,
                score=Decimal(str(round(score, 1))),
                checklist=checklist,
                notes="",
            )
        )
    Inspection.objects.bulk_create(rows, batch_size=500)
    return len(rows)

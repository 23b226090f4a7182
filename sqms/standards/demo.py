"""Demo metrics, service standards and business-hours calendars for the demo organisation.

Call `build_standards_demo()` after the demo organisation exists; running it again changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.org.models import Service, Site
from sqms.standards import services
from sqms.standards.models import (
    Aggregation,
    Basis,
    BusinessCalendar,
    Direction,
    Metric,
    MetricSource,
    Period,
    Segment,
    ServiceStandard,
    Unit,
)

DUR, FLAG, CAT = (
    MetricSource.RECORD_DURATION,
    MetricSource.RECORD_FLAG,
    MetricSource.RECORD_CATEGORY,
)
SHARE, LOWER, HIGHER = (
    Aggregation.SHARE_MEETING_THRESHOLD,
    Direction.LOWER_IS_BETTER,
    Direction.HIGHER_IS_BETTER,
)

METRICS: list[dict[str, Any]] = [
    {
        "code": "ASA",
        "name": "전화 응답 시간",
        "source": DUR,
        "start_field": "queued_at",
        "end_field": "answered_at",
        "aggregation": SHARE,
        "direction": LOWER,
        "unit": Unit.SECONDS,
        "description": "대기열에 들어온 전화가 상담원에게 연결되기까지 걸린 시간",
    },
    {
        "code": "FRT",
        "name": "첫 응답 시간",
        "source": DUR,
        "start_field": "received_at",
        "end_field": "first_response_at",
        "aggregation": Aggregation.P90,
        "direction": LOWER,
        "unit": Unit.MINUTES,
        "description": "문의 접수부터 첫 응답까지 걸린 시간",
    },
    {
        "code": "FRT-BH",
        "name": "첫 응답 시간(영업시간)",
        "source": DUR,
        "start_field": "received_at",
        "end_field": "first_response_at",
        "business_time": True,
        "aggregation": SHARE,
        "direction": LOWER,
        "unit": Unit.HOURS,
        "description": "영업시간만 세어 본 문의 접수부터 첫 응답까지의 시간",
    },
    {
        "code": "AHT",
        "name": "처리 시간",
        "source": DUR,
        "start_field": "started_at",
        "end_field": "closed_at",
        "aggregation": Aggregation.MEAN,
        "direction": LOWER,
        "unit": Unit.MINUTES,
        "description": "상담 시작부터 후처리 완료까지의 평균 시간",
    },
    {
        "code": "FCR",
        "name": "첫 통화 해결률",
        "source": FLAG,
        "value_field": "resolved_first_contact",
        "aggregation": SHARE,
        "direction": HIGHER,
        "unit": Unit.PERCENT,
        "description": "다시 연락하지 않아도 첫 상담에서 해결된 비율",
    },
    {
        "code": "ABANDON",
        "name": "포기율",
        "source": FLAG,
        "value_field": "abandoned",
        "aggregation": Aggregation.RATE_PER_N,
        "rate_base": 100,
        "direction": LOWER,
        "unit": Unit.PERCENT,
        "description": "연결 전에 끊은 전화의 비율(100건당)",
    },
    {
        "code": "COMPL-RATE",
        "name": "민원 발생률",
        "source": CAT,
        "value_field": "contact_type",
        "category_values": ["complaint", "민원"],
        "aggregation": Aggregation.RATE_PER_N,
        "rate_base": 1000,
        "direction": LOWER,
        "unit": Unit.RATE,
        "description": "상담 1,000건당 민원으로 분류된 건수",
    },
    {
        "code": "CSAT",
        "name": "고객만족도(CSAT)",
        "source": MetricSource.FEEDBACK_CSAT,
        "aggregation": Aggregation.MEAN,
        "direction": HIGHER,
        "unit": Unit.SCORE,
        "description": "상담 후 설문 5점 척도 평균",
    },
    {
        "code": "SQ-GAP-REL",
        "name": "SERVQUAL 신뢰성 격차",
        "source": MetricSource.FEEDBACK_SERVQUAL_GAP,
        "value_field": "reliability",
        "aggregation": Aggregation.MEAN,
        "direction": HIGHER,
        "unit": Unit.SCORE,
        "description": "신뢰성 문항의 인식 − 기대 점수 평균(0이면 기대 충족)",
    },
    {
        "code": "QA-SCORE",
        "name": "상담 품질 점검 점수",
        "source": MetricSource.INSPECTION_SCORE,
        "aggregation": Aggregation.MEAN,
        "direction": HIGHER,
        "unit": Unit.SCORE,
        "description": "품질 평가자의 상담 점검 점수(100점 만점)",
    },
]

STANDARDS: list[dict[str, Any]] = [
    {
        "code": "STD-CARD-ASA",
        "name": "전화 응답 20초 이내 80%",
        "service": "CARD-LOST",
        "metric": "ASA",
        "threshold": 20,
        "objective": 80,
        "period": Period.HOUR,
        "segments": [Segment.SITE],
        "basis": Basis.INDUSTRY,
        "reference": "콜센터 업계 통상 서비스 수준 80/20",
    },
    {
        "code": "STD-BILL-EMAIL",
        "name": "이메일 첫 응답 영업시간 4시간 이내 95%",
        "service": "BILLING",
        "metric": "FRT-BH",
        "threshold": 8,
        "objective": 90,
        "period": Period.DAY,
        "segments": [],
        "basis": Basis.CUSTOMER_REQUIREMENT,
        "reference": "2025 고객 요구사항 조사 3.2항",
        "revise": {
            "threshold": Decimal(4),
            "compliance_objective": Decimal(95),
            "reason": "고객 요구사항 조사 결과 8시간은 너무 길다는 의견이 많아 4시간으로 "
            "단축합니다.",
        },
    },
    {
        "code": "STD-CHAT-FRT",
        "name": "채팅 첫 응답 p90 1분 이내",
        "service": "CHAT-GEN",
        "metric": "FRT",
        "threshold": 1,
        "objective": 90,
        "period": Period.DAY,
        "segments": [Segment.CHANNEL],
        "basis": Basis.OWN_CAPABILITY,
        "reference": "2025년 하반기 실적 p90 0.8분",
    },
    {
        "code": "STD-ACC-AHT",
        "name": "계좌 개설 평균 처리 30분 이내",
        "service": "ACCOUNT",
        "metric": "AHT",
        "threshold": 30,
        "objective": 90,
        "period": Period.WEEK,
        "segments": [Segment.SITE],
        "basis": Basis.OWN_CAPABILITY,
        "reference": "지점 처리 시간 분석 2025",
    },
    {
        "code": "STD-COMP-CSAT",
        "name": "민원 처리 고객만족도 4.2점 이상",
        "service": "COMPLAINT",
        "metric": "CSAT",
        "threshold": Decimal("4.2"),
        "objective": 90,
        "period": Period.MONTH,
        "segments": [],
        "basis": Basis.CUSTOMER_REQUIREMENT,
        "reference": "ISO 10002 고객불만 처리",
    },
    {
        "code": "STD-ACCT-SQ-REL",
        "name": "계좌 업무 SERVQUAL 신뢰성 격차 −0.5 이상",
        "service": "ACCOUNT",
        "metric": "SQ-GAP-REL",
        "threshold": Decimal("-0.5"),
        "objective": 90,
        "period": Period.MONTH,
        "segments": [],
        "basis": Basis.CUSTOMER_REQUIREMENT,
        "reference": "SERVQUAL 조사: 신뢰성 기대 대비 인식",
    },
    {
        "code": "STD-TECH-FCR",
        "name": "기술 지원 첫 통화 해결 70%",
        "service": "TECH",
        "metric": "FCR",
        "threshold": 1,
        "objective": 70,
        "period": Period.WEEK,
        "segments": [Segment.TEAM],
        "basis": Basis.INDUSTRY,
        "reference": "IT 서비스데스크 업계 평균 FCR 70~75%",
    },
    {
        "code": "STD-RET-ABN",
        "name": "해지 상담 포기율 5% 이하",
        "service": "RETENTION",
        "metric": "ABANDON",
        "threshold": 5,
        "objective": 95,
        "period": Period.DAY,
        "segments": [],
        "basis": Basis.OWN_CAPABILITY,
        "reference": "2025 평균 포기율 6.1%",
    },
    {
        "code": "STD-VIP-ASA",
        "name": "VIP 전화 응답 10초 이내 90%",
        "service": "VIP",
        "metric": "ASA",
        "threshold": 10,
        "objective": 90,
        "period": Period.HOUR,
        "segments": [Segment.AGENT],
        "basis": Basis.CUSTOMER_REQUIREMENT,
        "reference": "VIP 서비스 약관 제5조",
    },
    {
        "code": "STD-VIP-QA",
        "name": "VIP 상담 품질 점검 90점 이상",
        "service": "VIP",
        "metric": "QA-SCORE",
        "threshold": 90,
        "objective": 95,
        "period": Period.MONTH,
        "segments": [Segment.AGENT],
        "basis": Basis.OWN_CAPABILITY,
        "reference": "품질 평가표 v3",
    },
]

WEEKDAYS_9_18 = [(d, dt.time(9), dt.time(18)) for d in range(5)]


def _actor() -> User | None:
    return User.objects.filter(username="quality").first()


@transaction.atomic
def build_standards_demo() -> dict[str, int]:
    """Metrics, standards (one with two versions) and calendars; idempotent."""
    if Metric.objects.filter(code="ASA").exists():
        return standards_demo_counts()
    actor = _actor()
    metrics = {m["code"]: services.metric_create(actor=actor, **m) for m in METRICS}
    services_by_code = {s.code: s for s in Service.objects.all()}
    first_start = timezone.now() - dt.timedelta(days=120)
    for spec in STANDARDS:
        service = services_by_code.get(spec["service"])
        if service is None:
            continue
        standard = services.standard_create(
            actor=actor,
            code=spec["code"],
            name=spec["name"],
            service=service,
            metric=metrics[spec["metric"]],
            owner=actor,
            threshold=Decimal(spec["threshold"]),
            compliance_objective=Decimal(spec["objective"]),
            period=spec["period"],
            segments=spec["segments"],
            basis=spec["basis"],
            basis_reference=spec["reference"],
            effective_from=first_start,
            reason="최초 제정",
        )
        if "revise" in spec:
            services.standard_revise(actor=actor, standard=standard, **spec["revise"])
    _build_calendars(actor)
    return standards_demo_counts()


def _build_calendars(actor: User | None) -> None:
    if not BusinessCalendar.objects.filter(site__isnull=True).exists():
        services.calendar_create(
            actor=actor, name="기본 영업시간 달력", hours=WEEKDAYS_9_18, use_public_holidays=True
        )
    year = timezone.now().year
    for site in Site.objects.filter(archived_at__isnull=True, business_calendar__isnull=True):
        hours = list(WEEKDAYS_9_18)
        if site.code == "SEL":
            hours.append((5, dt.time(9), dt.time(13)))
        calendar = services.calendar_create(
            actor=actor, name=f"{site.name} 영업시간", site=site, hours=hours
        )
        if site.code == "SEL":
            services.closure_add(
                actor=actor,
                calendar=calendar,
                date=dt.date(year, 12, 31),
                reason="연말 전산 시스템 점검",
            )


def standards_demo_counts() -> dict[str, int]:
    return {
        "metrics": Metric.objects.count(),
        "standards": ServiceStandard.objects.count(),
        "calendars": BusinessCalendar.objects.count(),
    }

"""Demo policy data: commitments of the demo policy (QP-001), a cascade of objectives on demo
standards and two management reviews (last quarter held with minutes, this quarter a draft).

Call `build_policy_demo()` after the documents, standards and improvement demos; running it again
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.documents.models import Document
from sqms.org.models import Site, Team
from sqms.policy import services
from sqms.policy.models import Commitment, Objective, Review
from sqms.standards.models import ServiceStandard

COMMITMENTS = [
    (
        "고객 요구사항을 정기적으로 조사하고 서비스 표준에 반영한다.",
        "We survey customer requirements regularly and build them into our service standards.",
    ),
    (
        "모든 서비스 성과를 측정하고, 목표에 미달하면 원인을 찾아 시정한다.",
        "We measure every service result and correct the causes when we miss a target.",
    ),
    (
        "직원이 표준을 이해하고 실천하도록 교육하고 권한을 부여한다.",
        "We train and empower our people to understand and apply the standards.",
    ),
    ("관련 법규와 고객과의 약속을 준수한다.", "We keep the law and our promises to customers."),
]


def quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def _objectives(quality: User, owner: User) -> list[Objective]:
    asa = ServiceStandard.objects.filter(code="STD-CARD-ASA").first()
    email = ServiceStandard.objects.filter(code="STD-BILL-EMAIL").first()
    if asa is None:
        return []
    today = timezone.localdate()
    start = quarter_start(today) - dt.timedelta(days=90)
    deadline = dt.date(today.year + (1 if today.month > 6 else 0), 12 if today.month > 6 else 6, 30)
    seoul = Site.objects.filter(code="SEL").first()
    busan = Site.objects.filter(code="BSN").first()
    team = Team.objects.filter(site=seoul).order_by("code").first() if seoul else None
    plan: dict[str, Any] = {
        "plan_what": "피크 시간대 인력 재배치, 콜백 예약 도입, 신입 상담원 코칭",
        "plan_resources": "WFM 담당 1명, 콜백 시스템 설정 비용",
        "plan_who": "품질관리 팀장",
        "plan_when": "분기별 점검, 기한까지 완료",
        "plan_evaluation": "STD-CARD-ASA 결과(최근 28일)를 매주 검토하고 분기 경영검토에 보고",
    }
    org = services.objective_create(
        actor=quality,
        statement_ko="카드 분실 신고 전화의 85%를 20초 이내에 응답한다",
        statement_en="Answer 85% of lost-card calls within 20 seconds",
        standard=asa,
        baseline=Decimal(72),
        target=Decimal(85),
        start_on=start,
        deadline=deadline,
        owner=quality,
        **plan,
    )
    made = [org]
    if seoul is not None:
        site_obj = services.objective_create(
            actor=quality,
            statement_ko="서울 본사: 20초 이내 응답 85%",
            statement_en="Seoul head office: 85% answered within 20 seconds",
            standard=asa,
            site=seoul,
            baseline=Decimal(70),
            target=Decimal(85),
            start_on=start,
            deadline=deadline,
            owner=owner,
            parent=org,
            **plan,
        )
        made.append(site_obj)
        if team is not None:
            made.append(
                services.objective_create(
                    actor=quality,
                    statement_ko=f"{team.name}: 20초 이내 응답 85%",
                    statement_en=f"{team.name}: 85% answered within 20 seconds",
                    standard=asa,
                    team=team,
                    baseline=Decimal(68),
                    target=Decimal(85),
                    start_on=start,
                    deadline=deadline,
                    owner=owner,
                    parent=site_obj,
                )
            )
    if busan is not None:
        made.append(
            services.objective_create(
                actor=quality,
                statement_ko="부산 지점: 20초 이내 응답 85%",
                statement_en="Busan branch: 85% answered within 20 seconds",
                standard=asa,
                site=busan,
                baseline=Decimal(75),
                target=Decimal(85),
                start_on=start,
                deadline=deadline,
                owner=owner,
                parent=org,
            )
        )
    if email is not None:
        made.append(
            services.objective_create(
                actor=quality,
                statement_ko="요금 문의 이메일의 95%에 영업시간 4시간 이내 첫 응답",
                statement_en="First reply to 95% of billing e-mails within 4 business hours",
                standard=email,
                baseline=Decimal(88),
                target=Decimal(95),
                start_on=start,
                deadline=deadline,
                owner=quality,
                plan_what="이메일 템플릿 정비와 오전 집중 처리 시간 운영",
                plan_evaluation="STD-BILL-EMAIL 일별 결과를 주간 회의에서 검토",
            )
        )
    return made


@transaction.atomic
def build_policy_demo() -> dict[str, int]:
    """Commitments, objectives and reviews; idempotent (skips when commitments exist)."""
    policy = Document.objects.filter(number="QP-001").first()
    users = {u.username: u for u in User.objects.filter(username__in=["quality", "owner", "admin"])}
    if policy is None or "quality" not in users or Commitment.objects.exists():
        return {"objectives": Objective.objects.count(), "reviews": Review.objects.count()}
    quality, owner = users["quality"], users.get("owner", users["quality"])
    objectives = _objectives(quality, owner)
    for i, (ko, en) in enumerate(COMMITMENTS, start=1):
        linked = objectives[:1] if i == 2 else []
        services.commitment_create(
            actor=quality,
            document=policy,
            statement_ko=ko,
            statement_en=en,
            order=i,
            objectives=linked,
        )
    today = timezone.localdate()
    this_q = quarter_start(today)
    last_q = quarter_start(this_q - dt.timedelta(days=1))
    attendees = list(users.values())
    held = services.review_create(
        actor=quality,
        title=f"{last_q.year}년 {(last_q.month - 1) // 3 + 1}분기 경영검토",
        meeting_date=this_q + dt.timedelta(days=6),
        period_start=last_q,
        period_end=this_q - dt.timedelta(days=1),
        attendees=attendees,
        other_attendees="외부 품질 컨설턴트 김민수",
    )
    held = services.review_hold(actor=quality, review=held)
    services.review_minutes_update(
        actor=quality,
        review=held,
        minutes=(
            "## 검토 내용\n\n"
            "- 카드 분실 신고 응답률이 목표 대비 뒤처져 있음을 확인함.\n"
            "- 요금 문의 이메일 응답 표준을 4시간으로 단축한 효과를 다음 분기에 평가하기로 함.\n"
            "- 시정조치 유효성 결과를 검토함."
        ),
        decisions="1. 피크 시간대 콜백 예약을 도입한다.\n2. 신입 상담원 코칭 프로그램을 확대한다.",
    )
    services.review_action_create(
        actor=quality,
        review=held,
        title="피크 시간대 콜백 예약 도입",
        owner=owner,
        due_on=this_q + dt.timedelta(days=60),
    )
    services.review_action_create(
        actor=quality,
        review=held,
        title="신입 상담원 코칭 프로그램 확대",
        owner=quality,
        due_on=this_q + dt.timedelta(days=75),
    )
    next_q = quarter_start(this_q + dt.timedelta(days=95))
    services.review_create(
        actor=quality,
        title=f"{this_q.year}년 {(this_q.month - 1) // 3 + 1}분기 경영검토",
        meeting_date=next_q + dt.timedelta(days=6),
        period_start=this_q,
        period_end=next_q - dt.timedelta(days=1),
        attendees=attendees,
    )
    return {"objectives": Objective.objects.count(), "reviews": Review.objects.count()}

"""Demo surveys: CSAT + NPS on the demo services (~300 responses over six months) and a SERVQUAL
survey (~100 responses). Call `build_feedback_demo()` after the demo organisation exists.
Deterministic: the same data every run; a second call does nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from sqms.feedback import services
from sqms.feedback.models import DistributionKind, QuestionKind, ServqualMode, Survey, SurveyStatus
from sqms.feedback.text_demo import demo_comment
from sqms.org.models import Channel, Employee, Service

CSAT_CODE = "DEMO-CSAT"
SERVQUAL_CODE = "DEMO-SERVQUAL"


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


@transaction.atomic
def build_feedback_demo(*, responses: int = 300, servqual_responses: int = 100) -> dict[str, int]:
    if Survey.objects.filter(code=CSAT_CODE).exists():
        return {"surveys": 0, "responses": 0}
    rng = random.Random(20260101)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    service = Service.objects.filter(archived_at__isnull=True).order_by("code").first()
    agents = list(
        Employee.objects.filter(archived_at__isnull=True).select_related("site", "team")[:24]
    )

    survey = services.survey_create(
        actor=None,
        code=CSAT_CODE,
        title_ko="상담 서비스 만족도 조사",
        title_en="Service satisfaction survey",
        intro_ko="오늘 받으신 서비스에 대해 알려 주세요. 1분이면 됩니다.",
        intro_en="Tell us about the service you received today. It takes a minute.",
        service=service,
        collect_contact=True,
        retention_days=180,
    )
    csat_q = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.CSAT,
            "text_ko": "오늘 받으신 서비스에 얼마나 만족하십니까?",
            "text_en": "How satisfied are you with the service you received today?",
        },
    )
    nps_q = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.NPS,
            "text_ko": "이 서비스를 친구나 동료에게 추천하시겠습니까?",
            "text_en": "How likely are you to recommend us to a friend or colleague?",
        },
    )
    ces_q = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.CES,
            "text_ko": "원하는 일을 쉽게 처리할 수 있었습니다.",
            "text_en": "It was easy to get done what I wanted.",
            "required": False,
        },
    )
    follow = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.TEXT,
            "text_ko": "아쉬웠던 점을 알려 주세요.",
            "text_en": "What disappointed you?",
            "required": False,
            "show_if": csat_q,
            "show_if_max": 2,
        },
    )
    comment_q = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.TEXT,
            "text_ko": "더 하고 싶은 말씀이 있으면 적어 주세요.",
            "text_en": "Anything else you would like to tell us?",
            "required": False,
        },
    )
    services.survey_set_status(actor=None, survey=survey, status=SurveyStatus.ACTIVE)
    services.distribution_create(
        actor=None, survey=survey, kind=DistributionKind.QR, label="창구 QR"
    )
    contexts = (
        [
            services.LinkContext(
                service=service,
                site=a.site,
                team=a.team,
                agent=a,
                channel=rng.choice([Channel.PHONE, Channel.VISIT, Channel.CHAT]),
            )
            for a in (rng.choice(agents) for _ in range(int(responses * 1.25)))
        ]
        if agents
        else [services.LinkContext(service=service)] * int(responses * 1.25)
    )
    links = services.single_use_create_many(actor=None, survey=survey, contexts=contexts)
    comments = ["대기 시간이 길었습니다.", "설명이 부족했습니다.", "The wait was too long.", ""]
    for i, link in enumerate(links[:responses]):
        when = now - dt.timedelta(days=rng.uniform(0, 182))
        skill = (link.agent_id or 0) % 5 * 0.15
        trend = (182 - (now - when).days) / 182 * 0.4
        base = rng.gauss(3.7 + skill + trend, 0.9)
        csat_v = _clip(base, 1, 5)
        raw = {
            f"q{csat_q.pk}": [str(csat_v)],
            f"q{nps_q.pk}": [str(_clip(base * 2.1 + rng.gauss(0, 1.2) - 0.5, 0, 10))],
            f"q{ces_q.pk}": [str(_clip(base * 1.4 + rng.gauss(0, 0.8), 1, 7))],
        }
        if csat_v <= 2:
            raw[f"q{follow.pk}"] = [rng.choice(comments)]
        if text := demo_comment(i, csat_v):
            raw[f"q{comment_q.pk}"] = [text]
        if i % 25 == 0:
            raw |= {
                "contact_name": ["홍길동"],
                "contact_phone": ["010-0000-0000"],
                "consent": ["on"],
            }
        services.response_submit(
            distribution=link, raw=raw, language="en" if i % 7 == 0 else "ko", now=when
        )

    sq = services.survey_create(
        actor=None,
        code=SERVQUAL_CODE,
        title_ko="서비스 품질(SERVQUAL) 조사",
        title_en="Service quality (SERVQUAL) survey",
        service=service,
    )
    services.servqual_battery_add(actor=None, survey=sq, mode=ServqualMode.PAIR)
    services.survey_set_status(actor=None, survey=sq, status=SurveyStatus.ACTIVE)
    public = services.distribution_create(
        actor=None, survey=sq, kind=DistributionKind.PUBLIC_LINK, label="홈페이지"
    )
    items = list(sq.questions.order_by("order"))
    dim_shift = {
        "tangibles": 0.2,
        "reliability": -0.9,
        "responsiveness": -0.6,
        "assurance": -0.2,
        "empathy": -0.4,
    }
    for _ in range(servqual_responses):
        when = now - dt.timedelta(days=rng.uniform(0, 90))
        person = rng.gauss(0, 0.6)
        raw = {}
        for q in items:
            e = _clip(rng.gauss(6.0, 0.7), 1, 7)
            p = _clip(e + dim_shift[q.servqual_dimension] + person + rng.gauss(0, 0.7), 1, 7)
            raw[f"q{q.pk}_e"] = [str(e)]
            raw[f"q{q.pk}"] = [str(p)]
        services.response_submit(distribution=public, raw=raw, language="ko", now=when)
    return {"surveys": 2, "responses": responses + servqual_responses}


# --- complaints, follow-ups, customer needs -----------------------------------------------------

COMPLAINT_CATEGORIES = [
    ("WAIT", "대기 시간", "Waiting time"),
    ("ATTITUDE", "직원 태도", "Staff attitude"),
    ("ERROR", "처리 오류", "Processing error"),
    ("BILLING", "요금·청구", "Fees and billing"),
    ("FACILITY", "시설·환경", "Facilities"),
    ("DIGITAL", "앱·웹 오류", "App and web problems"),
]
COMPLAINT_TEXTS = {
    "WAIT": ("창구 대기 시간이 너무 깁니다", "번호표를 뽑고 50분을 기다렸습니다."),
    "ATTITUDE": ("상담원이 불친절했습니다", "질문을 끝까지 듣지 않고 전화를 끊었습니다."),
    "ERROR": ("이체가 두 번 처리되었습니다", "같은 금액이 두 번 출금되었습니다."),
    "BILLING": ("수수료 안내가 없었습니다", "사전 안내 없이 수수료가 부과되었습니다."),
    "FACILITY": ("주차장이 너무 좁습니다", "주차 공간이 없어 20분을 돌았습니다."),
    "DIGITAL": ("앱 로그인이 안 됩니다", "업데이트 후 로그인 오류가 계속 납니다."),
}
NEEDS = [
    (
        "N-WAIT",
        "10분 안에 상담을 받고 싶다",
        "Be served within ten minutes",
        5,
        ["대기 시간"],
        "WAIT",
    ),
    (
        "N-FIRST",
        "한 번의 연락으로 해결되기를 원한다",
        "Get it solved in one contact",
        5,
        ["재문의"],
        "ERROR",
    ),
    (
        "N-KIND",
        "친절하고 끝까지 들어 주기를 원한다",
        "Be listened to, kindly",
        4,
        ["친절"],
        "ATTITUDE",
    ),
    ("N-FEES", "요금과 수수료를 미리 알고 싶다", "Know fees in advance", 4, ["수수료"], "BILLING"),
    (
        "N-ANSWER",
        "이메일에 그날 답을 받고 싶다",
        "Get an e-mail answer the same day",
        3,
        ["응답 속도"],
        "",
    ),
    (
        "N-APP",
        "앱이 언제나 잘 작동하기를 원한다",
        "An app that always works",
        3,
        ["앱 오류"],
        "DIGITAL",
    ),
    ("N-PARK", "주차가 편리하기를 원한다", "Easy parking", 2, ["주차"], "FACILITY"),
    (
        "N-VIP",
        "전담 직원이 나를 알아보기를 원한다",
        "A dedicated adviser who knows me",
        2,
        ["전담"],
        "",
    ),
]
QFD = {  # need code → {standard code: strength}
    "N-WAIT": {"STD-CARD-ASA": 9, "STD-ACC-AHT": 3, "STD-CHAT-FRT": 3},
    "N-FIRST": {"STD-COMP-CSAT": 3, "STD-COMPL-RESOLVE": 9},
    "N-KIND": {"STD-COMP-CSAT": 9, "STD-COMPL-RESOLVE": 1},
    "N-FEES": {"STD-COMP-CSAT": 1},
    "N-ANSWER": {"STD-BILL-EMAIL": 9, "STD-CHAT-FRT": 1},
    "N-APP": {},  # no standard yet: shown as a gap
    "N-PARK": {},
    "N-VIP": {"STD-ACC-AHT": 1},
}


def _demo_resolution_standard(actor: object) -> None:
    """A complaint-resolution standard (business hours) on the complaints service."""
    from decimal import Decimal

    from sqms.standards import services as standards_services
    from sqms.standards.models import (
        Aggregation,
        Basis,
        Direction,
        Metric,
        MetricSource,
        Period,
        ServiceStandard,
        Unit,
    )

    if Metric.objects.filter(code="COMPL-RESOLVE").exists():
        return
    service = (
        Service.objects.filter(code="COMPLAINT").first()
        or Service.objects.filter(archived_at__isnull=True).order_by("code").first()
    )
    if service is None:
        return
    metric = standards_services.metric_create(
        actor=actor,  # type: ignore[arg-type]
        code="COMPL-RESOLVE",
        name="고객불만 처리 시간",
        source=MetricSource.COMPLAINT_RESOLVE_TIME,
        business_time=True,
        aggregation=Aggregation.SHARE_MEETING_THRESHOLD,
        direction=Direction.LOWER_IS_BETTER,
        unit=Unit.HOURS,
        description="접수부터 고객 회신까지 영업시간 기준 시간",
    )
    if not ServiceStandard.objects.filter(code="STD-COMPL-RESOLVE").exists():
        standards_services.standard_create(
            actor=actor,  # type: ignore[arg-type]
            code="STD-COMPL-RESOLVE",
            name="고객불만 영업시간 40시간 이내 회신 90%",
            service=service,
            metric=metric,
            threshold=Decimal(40),
            compliance_objective=Decimal(90),
            period=Period.MONTH,
            basis=Basis.CUSTOMER_REQUIREMENT,
            basis_reference="ISO 10002 고객불만 처리 방침",
            effective_from=timezone.now() - dt.timedelta(days=370),
            reason="최초 제정",
        )


@transaction.atomic
def build_complaints_demo(*, complaints: int = 120) -> dict[str, int]:
    """~120 complaints over the year in every state, follow-ups of the demo detractors, eight
    customer needs with evidence and a QFD matrix on the demo standards. Idempotent."""
    from sqms.core.models import User
    from sqms.core.roles import Role
    from sqms.feedback import complaints as complaint_services
    from sqms.feedback import followups, needs
    from sqms.feedback.models import (
        Complaint,
        ComplaintCategory,
        FollowUp,
        FollowUpStatus,
        Response,
    )
    from sqms.org.models import Site
    from sqms.standards.models import ServiceStandard

    if ComplaintCategory.objects.filter(code="WAIT").exists():
        return {"complaints": 0, "follow_ups": 0, "needs": 0}
    rng = random.Random(20261002)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    qm = User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).order_by("pk").first()
    handlers = list(
        User.objects.filter(
            role__in=[Role.QUALITY_MANAGER, Role.PROCESS_OWNER], is_active=True
        ).order_by("pk")
    )
    _demo_resolution_standard(qm)
    categories = {
        code: complaint_services.category_create(actor=qm, code=code, name_ko=ko, name_en=en)
        for code, ko, en in COMPLAINT_CATEGORIES
    }
    all_services = list(Service.objects.filter(archived_at__isnull=True).order_by("code"))
    sites = list(Site.objects.filter(archived_at__isnull=True).order_by("code"))
    severities = ["low"] * 3 + ["medium"] * 5 + ["high"] * 2 + ["critical"]
    channels = [Channel.PHONE, Channel.VISIT, Channel.WEB, Channel.EMAIL, Channel.APP]
    made: list[Complaint] = []
    for i in range(complaints):
        code = rng.choice(list(COMPLAINT_TEXTS))
        subject, body = COMPLAINT_TEXTS[code]
        recent = i < complaints // 4  # the newest quarter is still being handled
        age = dt.timedelta(days=rng.uniform(0, 12) if recent else rng.uniform(12, 365))
        received = now - age
        consent = i % 3 == 0
        c = complaint_services.complaint_receive(
            actor=qm if i % 4 else None,
            intake=["staff", "public", "api", "staff"][i % 4],
            subject=subject,
            description=body,
            severity=rng.choice(severities),
            category=categories[code],
            service=rng.choice(all_services) if all_services else None,
            site=rng.choice(sites) if sites else None,
            channel=rng.choice(channels),
            assignee=rng.choice(handlers) if handlers and i % 5 else None,
            complainant_name="김고객" if consent else "",
            complainant_phone="010-0000-0000" if consent else "",
            consent=consent,
            received_at=received,
        )
        made.append(c)
        # How far it got: old complaints are done; the newest are in every state.
        span = (c.resolve_due_at - c.received_at) * rng.uniform(0.3, 1.6)
        full = ["acknowledged", "investigating", "responded", "closed"]
        steps: list[str] = full
        if recent:
            steps = [[], ["acknowledged"], full[:2], ["acknowledged", "responded"], full][i % 5]
        elif i % 17 == 0:
            steps = ["withdrawn"]
        when = received
        for n, to in enumerate(steps, start=1):
            when = received + span * n / len(steps)
            if when > now:
                break
            if to == "responded":
                c = complaint_services.complaint_reply_set(
                    actor=qm,
                    complaint=c,
                    reply="불편을 드려 죄송합니다. 확인 결과를 알려 드리며 재발하지 않도록 "
                    "조치했습니다.",
                )
            if to == "investigating" and i % 2:
                complaint_services.complaint_note_add(
                    actor=qm, complaint=c, text="담당 부서에 사실 확인 요청", now=when
                )
            c = complaint_services.complaint_transition(
                actor=qm,
                complaint=c,
                to=to,
                reason="고객이 취하함" if to == "withdrawn" else "",
                now=when,
            )
        if c.status in ("responded", "closed") and i % 2 == 0:
            complaint_services.complaint_satisfaction_record(
                actor=None,
                complaint=c,
                score=min(5, max(1, round(rng.gauss(3.6, 1.0)))),
                via_link=True,
                now=min(now, when + dt.timedelta(days=1)),
            )
        if c.status == "closed" and i % 23 == 0:
            c = complaint_services.complaint_transition(
                actor=qm,
                complaint=c,
                to="reopened",
                reason="고객이 답변에 동의하지 않음",
                now=min(now, when + dt.timedelta(days=2)),
            )
    complaint_services.complaints_escalate(now=now)

    # Follow-ups of the demo detractors (the survey demo may have run before follow-ups existed).
    for response in Response.objects.filter(follow_up__isnull=True).order_by("submitted_at"):
        followups.followup_for_response(response=response, now=response.submitted_at)
    n_followups = 0
    for f in FollowUp.objects.select_related("response").filter(status=FollowUpStatus.OPEN):
        n_followups += 1
        if f.due_at < now - dt.timedelta(days=3) and n_followups % 6:
            outcome = (
                ("contacted" if n_followups % 4 else "not_reachable")
                if followups.may_contact(f)
                else "no_consent"
            )
            followups.followup_close(
                actor=f.owner or qm,
                followup=f,
                outcome=outcome,
                notes="고객에게 사과하고 개선 내용을 안내함" if outcome == "contacted" else "",
                now=f.due_at - dt.timedelta(hours=rng.uniform(1, 30)),
            )
    followups.followup_escalations_send(now=now)

    # Customer needs with evidence, and the QFD matrix on the demo standards.
    low = list(Response.objects.filter(follow_up__isnull=False).order_by("-submitted_at")[:40])
    standards = {s.code: s.pk for s in ServiceStandard.objects.filter(archived_at__isnull=True)}
    cells: dict[tuple[int, int], int | None] = {}
    for k, (code, ko, en, importance, themes, category) in enumerate(NEEDS):
        evidence = [c.pk for c in made if category and c.category_id == categories[category].pk]
        need = needs.need_create(
            actor=qm,
            code=code,
            statement_ko=ko,
            statement_en=en,
            importance=importance,
            themes=themes,
            response_ids=[r.pk for r in low[k * 3 : k * 3 + 3]],
            complaint_ids=evidence[:5],
        )
        for std_code, strength in QFD[code].items():
            if std_code in standards:
                cells[(need.pk, standards[std_code])] = strength
    needs.need_matrix_save(actor=qm, cells=cells)
    return {"complaints": len(made), "follow_ups": n_followups, "needs": len(NEEDS)}

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

"""Demo text analytics: five maintained themes, comments for the demo survey, and one analysis
run (annotations plus a trained sentiment model). `build_text_demo()` runs after
`build_feedback_demo()`; a second call does nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from sqms.feedback import services, text_services
from sqms.feedback.models import DistributionKind, QuestionKind, Survey, TextModel, Theme

THEMES: list[tuple[str, str, list[str]]] = [
    ("대기 시간", "Wait time", ["대기", "기다림", "줄", "wait", "queue"]),
    ("친절", "Courtesy", ["친절", "직원", "상담원", "태도", "friendly", "staff", "rude", "polite"]),
    ("해결", "Resolution", ["해결", "처리", "설명", "resolution", "resolved", "explained"]),
    ("앱 오류", "App errors", ["앱", "오류", "에러", "결제", "app", "error", "crashing", "crash"]),
    ("요금", "Fees", ["요금", "수수료", "비용", "fee", "price", "charge"]),
]

COMMENTS: dict[str, list[str]] = {
    "positive": [
        "직원분이 친절하게 설명해 주셔서 감사합니다.",
        "대기 시간이 짧아서 좋았어요.",
        "문제를 한 번에 해결해 주셨어요.",
        "상담원이 친절하고 빠르게 처리해 주셨습니다.",
        "앱으로 예약하니 편리했습니다.",
        "수수료 안내가 정확했어요.",
        "꼼꼼하게 확인해 주셔서 믿음이 갑니다.",
        "Friendly staff and a quick resolution, thank you.",
        "The app made it easy to book.",
    ],
    "neutral": [
        "보통이었습니다.",
        "대기 시간은 조금 있었지만 처리는 됐어요.",
        "요금 안내를 다시 확인해 보겠습니다.",
        "It was okay.",
    ],
    "negative": [
        "대기 시간이 너무 길었어요.",
        "직원이 불친절했습니다.",
        "앱 오류 때문에 결제가 안 됐어요.",
        "문제가 해결되지 않았어요.",
        "수수료가 너무 비싸요.",
        "같은 설명을 여러 번 해야 해서 답답했습니다.",
        "The wait was too long and nobody explained why.",
        "The app kept crashing during payment.",
    ],
}


def demo_comment(index: int, csat: int) -> str:
    """A comment for the index-th demo response, or "" (about 40 percent leave none). Uses its
    own random stream, so the scores of the feedback demo do not change."""
    rng = random.Random(index * 7919 + 11)  # noqa: S311 - demo data, not secrets
    if rng.random() < 0.4:
        return ""
    tone = "positive" if csat >= 4 else "negative" if csat <= 2 else "neutral"
    return rng.choice(COMMENTS[tone])


APP_OUTAGE = [
    "앱 오류 때문에 결제가 안 됐어요.",
    "앱이 자꾸 꺼져서 창구까지 왔습니다.",
    "결제 화면에서 에러가 나요.",
    "앱 업데이트 후 로그인이 안 돼요. 불편합니다.",
    "The app kept crashing during payment.",
]


def _app_outage(code: str = "DEMO-CSAT", count: int = 40) -> int:
    """A recent week of app errors: low scores and complaints about the app, answered through
    the demo survey's unused single-use links (a visible spike in the theme trend)."""
    survey = Survey.objects.filter(code=code).order_by("-version").first()
    if survey is None:
        return 0
    questions = list(survey.questions.all())
    csat = next((q for q in questions if q.kind == QuestionKind.CSAT), None)
    nps = next((q for q in questions if q.kind == QuestionKind.NPS), None)
    note = next(
        (q for q in questions if q.kind == QuestionKind.TEXT and q.show_if_id is None), None
    )
    if csat is None or nps is None or note is None:
        return 0
    links = survey.distributions.filter(
        kind=DistributionKind.SINGLE_USE, used_at__isnull=True, responses__isnull=True
    ).order_by("pk")[:count]
    rng = random.Random(20260315)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    done = 0
    for link in links:
        score = rng.choice([1, 1, 2, 2, 2, 3])
        raw = {
            f"q{csat.pk}": [str(score)],
            f"q{nps.pk}": [str(rng.randint(0, 5))],
            f"q{note.pk}": [rng.choice(APP_OUTAGE)],
        }
        when = now - dt.timedelta(days=rng.uniform(0, 10))
        services.response_submit(distribution=link, raw=raw, language="ko", now=when)
        done += 1
    return done


@transaction.atomic
def build_text_demo() -> dict[str, int]:
    if TextModel.objects.exists():
        return {"themes": 0, "texts": 0}
    _app_outage()
    made = 0
    for name_ko, name_en, keywords in THEMES:
        if not Theme.objects.filter(name_ko=name_ko).exists():
            text_services.theme_create(
                actor=None, name_ko=name_ko, name_en=name_en, keywords=keywords
            )
            made += 1
    texts = text_services.text_refresh()
    return {"themes": made, "texts": texts}

"""The 22 SERVQUAL items in five dimensions, worded for SQMS (a paraphrase, not the published text).

Item numbers follow the standard assignment used by `sqms_analytics.surveys.STANDARD_ITEMS`.
"""

from __future__ import annotations

from sqms.feedback.models import ServqualDimension as D

ITEMS: list[tuple[str, str, str]] = [
    (
        D.TANGIBLES,
        "시설과 장비가 최신이고 잘 갖추어져 있다.",
        "The equipment and facilities are modern and well kept.",
    ),
    (D.TANGIBLES, "시설이 보기 좋고 쾌적하다.", "The premises look appealing and comfortable."),
    (D.TANGIBLES, "직원의 용모와 복장이 단정하다.", "Staff look neat and professional."),
    (
        D.TANGIBLES,
        "안내문과 자료가 알아보기 쉽다.",
        "Leaflets, forms and signs are clear and easy to follow.",
    ),
    (
        D.RELIABILITY,
        "약속한 일을 약속한 시간에 해낸다.",
        "They do what they promised by the time they promised.",
    ),
    (
        D.RELIABILITY,
        "문제가 생기면 진심으로 해결하려고 한다.",
        "When I have a problem, they sincerely try to solve it.",
    ),
    (
        D.RELIABILITY,
        "처음부터 서비스를 올바르게 제공한다.",
        "They get the service right the first time.",
    ),
    (
        D.RELIABILITY,
        "약속한 시점에 서비스를 제공한다.",
        "The service is delivered when they said it would be.",
    ),
    (
        D.RELIABILITY,
        "기록과 처리에 오류가 없다.",
        "Their records and paperwork are free of errors.",
    ),
    (
        D.RESPONSIVENESS,
        "서비스가 언제 제공될지 정확히 알려준다.",
        "They tell me exactly when things will happen.",
    ),
    (D.RESPONSIVENESS, "신속하게 서비스를 제공한다.", "They serve me promptly."),
    (D.RESPONSIVENESS, "언제나 기꺼이 도와주려 한다.", "Staff are always willing to help."),
    (
        D.RESPONSIVENESS,
        "바쁘더라도 요청에 바로 응한다.",
        "Staff are never too busy to respond to my requests.",
    ),
    (D.ASSURANCE, "직원의 행동이 신뢰감을 준다.", "The way staff behave gives me confidence."),
    (D.ASSURANCE, "거래하면서 안심할 수 있다.", "I feel safe in my dealings with them."),
    (D.ASSURANCE, "직원이 항상 정중하다.", "Staff are consistently courteous."),
    (
        D.ASSURANCE,
        "직원이 질문에 답할 지식을 갖추고 있다.",
        "Staff know enough to answer my questions.",
    ),
    (D.EMPATHY, "고객 한 사람 한 사람에게 관심을 기울인다.", "They give me individual attention."),
    (D.EMPATHY, "이용하기 편리한 시간에 운영한다.", "Their opening hours suit me."),
    (D.EMPATHY, "직원이 나를 개인적으로 배려한다.", "Staff give me personal attention."),
    (D.EMPATHY, "고객의 이익을 진심으로 생각한다.", "They have my best interests at heart."),
    (D.EMPATHY, "고객의 구체적인 필요를 이해한다.", "Staff understand my specific needs."),
]
assert len(ITEMS) == 22

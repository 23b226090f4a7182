"""Lessons learned: published from closed nonconformances and completed initiatives only,
searchable in Korean and English, offered on similar new nonconformances."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sqms.core.exceptions import SqmsError
from sqms.core.roles import Role
from sqms.improvement import selectors, services
from sqms.improvement.models import Lesson, NcStatus, Stage
from tests.factories import PASSWORD, make_service, make_site, make_user
from tests.improvement.factories import advance, make_initiative, make_nc

pytestmark = pytest.mark.django_db


@pytest.fixture
def qm():
    return make_user(Role.QUALITY_MANAGER)


def _closed(qm, **fields):
    nc = advance(make_nc(qm, **fields), NcStatus.VERIFIED, actor=qm)
    services.nonconformance_close(
        actor=qm, nc=nc, password=PASSWORD, printed_name="김품질", meaning="종결"
    )
    nc.refresh_from_db()
    return nc


def _publish(qm, **kw):
    kw.setdefault("title", "근무표와 대기시간")
    kw.setdefault("what_happened", "월요일 오전 대기 시간이 늘었다.")
    kw.setdefault("what_we_learned", "요일별 수요 예측을 근무표에 반영한다.")
    return services.lesson_publish(actor=qm, **kw)


def test_it_publishes_only_from_a_closed_nonconformance(qm):
    open_nc = make_nc(qm)
    with pytest.raises(SqmsError, match="closed"):
        _publish(qm, nonconformance=open_nc)
    nc = _closed(qm)
    lesson = _publish(qm, nonconformance=nc, tags="대기시간, 인력")
    assert lesson.nonconformance == nc
    assert lesson.cause_category_id == nc.root_cause.category_id
    assert lesson.tag_list == ["대기시간", "인력"]


def test_it_publishes_only_from_a_completed_initiative(qm):
    with pytest.raises(SqmsError, match="completed"):
        _publish(qm, initiative=make_initiative(qm, to=Stage.ACT))
    lesson = _publish(qm, initiative=make_initiative(qm, to=Stage.COMPLETED))
    assert lesson.initiative.stage == Stage.COMPLETED
    with pytest.raises(SqmsError):
        _publish(qm)  # from nothing


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("대기시간", True),  # the text has "대기 시간": matched without the space
        ("대기 시간", True),
        ("수요예측", True),
        ("시간 대기", True),  # every word somewhere
        ("WAITING", True),  # English, any case
        ("환불", False),
    ],
)
def test_it_finds_lessons_in_korean_and_english(qm, query, found):
    nc = _closed(qm)
    _publish(
        qm,
        nonconformance=nc,
        what_happened="월요일 오전 대기 시간이 늘었다. Waiting times rose on Monday.",
    )
    assert selectors.lesson_search(user=qm, q=query).exists() is found


def test_it_searches_on_the_list_page(qm, client_for):
    _publish(qm, initiative=make_initiative(qm, to=Stage.COMPLETED), tags="근무표")
    client = client_for(Role.STAFF)
    hit = client.get(reverse("improvement:lesson_list"), {"q": "수요 예측"}).content.decode()
    assert "근무표와 대기시간" in hit
    miss = client.get(reverse("improvement:lesson_list"), {"q": "환불"}).content.decode()
    assert "근무표와 대기시간" not in miss
    tagged = client.get(reverse("improvement:lesson_list"), {"tag": "근무표"}).content.decode()
    assert "근무표와 대기시간" in tagged


def test_it_links_similar_lessons_from_a_new_nonconformance(qm, client_for):
    site = make_site()
    service = make_service([site])
    nc = _closed(qm, service=service, site=site)
    lesson = _publish(qm, nonconformance=nc)
    unrelated = _publish(
        qm,
        initiative=make_initiative(qm, to=Stage.COMPLETED),
        title="환불 체크리스트",
        what_happened="환불 오류",
        what_we_learned="체크리스트",
    )
    fresh = make_nc(qm, service=service, title="주말 콜 폭주")
    similar = selectors.similar_lessons(user=qm, nc=fresh)
    assert similar == [lesson]
    worded = make_nc(qm, title="대기 시간 증가")  # no service: found by its words
    assert lesson in selectors.similar_lessons(user=qm, nc=worded)
    page = client_for(Role.QUALITY_MANAGER).get(
        reverse("improvement:nonconformance_detail", kwargs={"pk": fresh.pk})
    )
    text = page.content.decode()
    assert "Similar lessons learned" in text
    assert reverse("improvement:lesson_detail", kwargs={"pk": lesson.pk}) in text
    assert unrelated.title not in text


def test_it_publishes_from_the_page(qm, client_for):
    nc = _closed(qm)
    client = client_for(Role.QUALITY_MANAGER)
    detail = client.get(reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk}))
    url = reverse("improvement:lesson_from_nonconformance", kwargs={"pk": nc.pk})
    assert url in detail.content.decode()
    response = client.post(
        url, {"title": "교훈", "what_happened": "무엇", "what_we_learned": "배움", "tags": "a, b"}
    )
    lesson = Lesson.objects.get()
    assert response["Location"] == reverse("improvement:lesson_detail", kwargs={"pk": lesson.pk})
    open_nc = make_nc(qm)
    refused = client.post(
        reverse("improvement:lesson_from_nonconformance", kwargs={"pk": open_nc.pk}),
        {"title": "교훈", "what_happened": "무엇", "what_we_learned": "배움"},
    )
    assert refused.status_code == 400
    assert "Only a closed nonconformance" in refused.content.decode()

"""Customer needs register and the QFD matrix linking needs to service standards."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.feedback import needs, text_services
from sqms.feedback.models import CustomerNeed, NeedStandardLink, TextAnnotation
from tests.feedback.factories import make_link, make_survey, respond
from tests.feedback.test_complaints import make_complaint
from tests.standards.factories import make_standard


def _need(code: str, importance: int) -> CustomerNeed:
    return needs.need_create(
        actor=None, code=code, statement_ko=f"요구 {code}", importance=importance
    )


def test_it_weights_standards_by_importance_times_strength():
    # Worked example: needs A (5) and B (3); standard X: A strong (9), B weak (1) → 48;
    # standard Y: B medium (3) → 9. Total 57: X 84.2 percent, Y 15.8 percent.
    weights, relative = needs.qfd_weights(
        {1: 5, 2: 3}, {(1, 10): 9, (2, 10): 1, (2, 20): 3}, [10, 20, 30]
    )
    assert weights == {10: 48, 20: 9, 30: 0}
    assert relative[10] == pytest.approx(100 * 48 / 57)
    assert relative[20] == pytest.approx(100 * 9 / 57)
    assert relative[30] == 0.0
    assert needs.qfd_weights({}, {}, [1]) == ({1: 0}, {1: 0.0})


@pytest.mark.django_db
def test_it_computes_the_matrix_and_lists_uncovered_needs():
    a, b, c = _need("N1", 5), _need("N2", 3), _need("N3", 4)
    x, y = make_standard(), make_standard()
    changed = needs.need_matrix_save(
        actor=None, cells={(a.pk, x.pk): 9, (b.pk, x.pk): 1, (b.pk, y.pk): 3}
    )
    assert changed == 3
    m = needs.qfd_matrix()
    assert m.weights == {x.pk: 48, y.pk: 9}
    assert [n.code for n in m.uncovered] == ["N3"]
    assert c in m.uncovered
    # Clearing and changing cells is audited too.
    assert needs.need_matrix_save(actor=None, cells={(b.pk, x.pk): None, (a.pk, x.pk): 3}) == 2
    assert not NeedStandardLink.objects.filter(need=b, standard=x).exists()
    assert needs.qfd_matrix().weights[x.pk] == 15
    assert AuditEntry.objects.filter(action="delete", changes__has_key="strength").exists()
    with pytest.raises(ValidationError):
        needs.need_matrix_save(actor=None, cells={(a.pk, x.pk): 5})


@pytest.mark.django_db
def test_it_saves_the_grid_from_the_page(client_for):
    a = _need("N1", 5)
    x = make_standard()
    qm = client_for(Role.QUALITY_MANAGER)
    url = reverse("feedback:need_matrix")
    r = qm.post(url, {f"c-{a.pk}-{x.pk}": "9", "c-junk": "1", "c-1-x": "3"})
    assert r.status_code == 302
    assert NeedStandardLink.objects.get().strength == 9
    page = qm.get(url).content.decode()
    assert ">45<" in page  # 5 × 9
    bad = qm.post(url, {f"c-{a.pk}-{x.pk}": "7"})
    assert bad.status_code == 400
    assert NeedStandardLink.objects.get().strength == 9
    assert client_for(Role.STAFF).post(url, {f"c-{a.pk}-{x.pk}": ""}).status_code == 403
    assert client_for(Role.STAFF).get(url).status_code == 200


@pytest.mark.django_db
def test_it_records_evidence_from_responses_complaints_and_themes(client_for):
    response = respond(make_link(make_survey()), csat=2)
    complaint = make_complaint()
    qm = client_for(Role.QUALITY_MANAGER)
    data = {
        "code": "N-WAIT",
        "statement_ko": "기다리지 않고 상담받고 싶다",
        "statement_en": "Be served without waiting",
        "importance": "5",
        "themes": "대기 시간, waiting time, 대기 시간",
        "responses": f"{response.pk}",
        "complaints": complaint.reference.lower(),
    }
    r = qm.post(reverse("feedback:need_create"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    need = CustomerNeed.objects.get()
    assert need.themes == ["대기 시간", "waiting time"]
    assert list(need.responses.all()) == [response]
    assert list(need.complaints.all()) == [complaint]
    detail = qm.get(reverse("feedback:need_detail", kwargs={"pk": need.pk})).content.decode()
    assert complaint.reference in detail
    # a theme named on the need links to its comments in text analytics, with their count
    theme = text_services.theme_create(actor=None, name_ko="대기 시간", name_en="Waiting time")
    for i in range(2):
        note = TextAnnotation.objects.create(
            source="complaint" if i else "answer",
            written_at=timezone.now(),
            analysed_at=timezone.now(),
            text_hash=str(i),
            language="ko",
            sentiment="negative",
            method="lexicon",
        )
        note.themes.add(theme)
    detail = qm.get(reverse("feedback:need_detail", kwargs={"pk": need.pk})).content.decode()
    assert f"?theme={theme.pk}" in detail
    assert detail.count(f"?theme={theme.pk}") == 2  # "대기 시간" and "waiting time" both match
    assert "2" in detail.split(f"?theme={theme.pk}")[1][:80]
    bad = qm.post(
        reverse("feedback:need_edit", kwargs={"pk": need.pk}),
        {**data, "responses": "999999, abc", "complaints": "C1999-00001"},
    )
    assert bad.status_code == 400
    assert "abc" in bad.content.decode()
    bad = qm.post(
        reverse("feedback:need_edit", kwargs={"pk": need.pk}),
        {**data, "responses": "999999", "complaints": "C1999-00001"},
    )
    assert "999999" in bad.content.decode()
    r = qm.post(reverse("feedback:need_archive", kwargs={"pk": need.pk}))
    need.refresh_from_db()
    assert need.is_archived

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from sqms.feedback import selectors, services
from sqms.feedback.models import QuestionKind, ServqualMode
from sqms_analytics import cronbach_alpha, csat, nps, servqual
from tests.feedback.factories import make_link, make_survey, questions, respond

NPS = [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]
CSAT = [5, 4, 4, 3, 2, 5, 1, 4, 5, 5]


@pytest.mark.django_db
def test_it_computes_the_same_numbers_as_sqms_analytics(qm_client, users):
    survey = make_survey()
    link = make_link(survey)
    now = timezone.now()
    for i, (n, c) in enumerate(zip(NPS, CSAT, strict=True)):
        respond(link, nps=n, csat=c, now=now - dt.timedelta(days=40 * (i % 2)))
    r = qm_client.get(f"/feedback/{survey.pk}/analysis/")
    assert r.status_code == 200
    a = r.context["a"]
    expected = nps(NPS)
    got = a.overall[QuestionKind.NPS]
    assert (got.value, got.low, got.high, got.n) == pytest.approx(
        (expected.nps, expected.ci[0], expected.ci[1], expected.n)
    )
    expected_c = csat(CSAT)
    assert a.overall[QuestionKind.CSAT].value == pytest.approx(100 * expected_c.share)
    assert a.overall[QuestionKind.CSAT].mean == pytest.approx(expected_c.mean)
    months = a.trend[QuestionKind.NPS]
    assert sum(p.n for p in months) == 10
    assert len(months) == 2
    html = r.content.decode()
    assert 'id="chart-nps-data" type="application/json"' in html
    assert "feedback/charts.js" in html
    assert "vendor/plotly.min.js" in html


@pytest.mark.django_db
def test_it_shows_servqual_gaps_and_alpha_per_dimension(qm_client):
    survey = make_survey(active=False)
    services.servqual_battery_add(actor=None, survey=survey, mode=ServqualMode.PAIR)
    services.survey_set_status(actor=None, survey=survey, status="active")
    link = make_link(survey)
    items = [q for q in questions(survey) if q.kind == QuestionKind.SERVQUAL]
    rng = np.random.default_rng(7)
    e = rng.integers(4, 8, size=(12, 22))
    p = np.clip(e - rng.integers(0, 3, size=(12, 22)), 1, 7)
    for row in range(12):
        raw = {
            f"q{survey.questions.order_by('order')[0].pk}": ["4"],
            f"q{survey.questions.order_by('order')[1].pk}": ["8"],
        }
        for j, q in enumerate(items):
            raw[f"q{q.pk}_e"] = [str(e[row, j])]
            raw[f"q{q.pk}"] = [str(p[row, j])]
        services.response_submit(distribution=link, raw=raw, language="ko")
    a = qm_client.get(f"/feedback/{survey.pk}/analysis/").context["a"]
    ref = servqual(e, p)
    assert [d.gap for d in a.servqual_dimensions] == pytest.approx(list(ref.dimension_gap))
    assert [i.gap for i in a.servqual_items] == pytest.approx(list(ref.item_gap))
    tangibles = a.servqual_dimensions[0]
    assert tangibles.alpha == pytest.approx(cronbach_alpha(p[:, 0:4]).alpha)
    assert tangibles.low_alpha == (tangibles.alpha < 0.7)


@pytest.mark.django_db
def test_it_reports_the_response_rate_of_single_use_links(qm_client):
    survey = make_survey()
    links = services.single_use_create_many(
        actor=None, survey=survey, contexts=[services.LinkContext()] * 4
    )
    respond(links[0])
    rates = selectors.survey_analysis(user=None, survey=survey).rates
    row = next(r for r in rates if r.sent is not None)
    assert (row.sent, row.responses, row.rate) == (4, 1, 0.25)


@pytest.mark.django_db
def test_it_exports_csv_and_xlsx_without_formulas(qm_client):
    survey = make_survey()
    respond(make_link(survey), csat=1, text="=cmd|' /C calc'!A0")
    csv_r = qm_client.get(f"/feedback/{survey.pk}/responses/export.csv")
    body = b"".join(csv_r.streaming_content).decode()
    assert "'=cmd" in body
    assert ",=cmd" not in body
    xlsx_r = qm_client.get(f"/feedback/{survey.pk}/responses/export.xlsx")
    assert xlsx_r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(xlsx_r.content)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert qm_client.get(f"/feedback/{survey.pk}/responses/export.pdf").status_code == 404


@pytest.mark.django_db
def test_it_analyses_an_empty_and_a_perception_only_survey(qm_client):
    empty = make_survey()
    r = qm_client.get(f"/feedback/{empty.pk}/analysis/")
    assert r.status_code == 200
    assert r.context["a"].overall == {}
    survey = make_survey(active=False)
    services.servqual_battery_add(actor=None, survey=survey, mode=ServqualMode.PERCEPTION)
    services.survey_set_status(actor=None, survey=survey, status="active")
    link = make_link(survey)
    qs = questions(survey)
    for n in range(5):
        raw = {f"q{qs[0].pk}": ["5"], f"q{qs[1].pk}": ["9"]}
        raw |= {f"q{q.pk}": [str(1 + (n + i) % 7)] for i, q in enumerate(qs[3:])}
        services.response_submit(distribution=link, raw=raw, language="en")
    a = qm_client.get(f"/feedback/{survey.pk}/analysis/").context["a"]
    assert len(a.servqual_items) == 22
    assert all(d.gap is None for d in a.servqual_dimensions)
    assert all(d.perception > 0 for d in a.servqual_dimensions)


@pytest.mark.django_db
def test_it_shows_contact_details_to_followers_up_only(client_for):
    survey = make_survey(collect_contact=True)
    link = make_link(survey)
    raw = {
        f"q{questions(survey)[0].pk}": ["5"],
        f"q{questions(survey)[1].pk}": ["9"],
        "contact_phone": ["010-9999-0000"],
        "consent": ["on"],
    }
    response = services.response_submit(distribution=link, raw=raw, language="ko")
    staff = client_for("staff")
    assert "010-9999-0000" not in staff.get(f"/feedback/responses/{response.pk}/").content.decode()
    csv_staff = b"".join(staff.get(f"/feedback/{survey.pk}/responses/export.csv").streaming_content)
    assert b"010-9999-0000" not in csv_staff
    qm = client_for("quality_manager")
    assert "010-9999-0000" in qm.get(f"/feedback/responses/{response.pk}/").content.decode()

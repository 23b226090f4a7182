from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sqms.core.exceptions import SqmsError
from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.diagrams import fishbone_svg
from sqms.improvement.models import Bone, Cause, CauseCategory, FishboneCause, NcStatus, WhyStep
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, make_cause, make_nc

EVIL = '<script>alert("x")</script>'


@pytest.fixture
def qm(db):
    return make_user(Role.QUALITY_MANAGER)


def test_it_numbers_the_steps_of_each_why_chain(qm):
    nc = make_nc(qm)
    a = services.why_add(actor=qm, nc=nc, text="왜 1")
    b = services.why_add(actor=qm, nc=nc, text="왜 2")
    c = services.why_add(actor=qm, nc=nc, text="다른 사슬", chain=2)
    assert (a.position, b.position, c.position) == (1, 2, 1)


def test_it_keeps_script_in_a_why_or_fishbone_cause_as_text(qm, client_for):
    nc = make_nc(qm, title=EVIL)
    services.why_add(actor=qm, nc=nc, text=EVIL)
    services.fishbone_add(actor=qm, nc=nc, bone=Bone.PEOPLE, text=EVIL)
    client = client_for(Role.QUALITY_MANAGER)
    for url in (
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk}) + "?tab=rootcause",
        reverse("improvement:nonconformance_analysis", kwargs={"pk": nc.pk}),
    ):
        page = client.get(url).content.decode()
        assert EVIL not in page
        assert "&lt;script&gt;" in page
        assert "<svg" in page


def test_it_draws_every_service_category_on_the_fishbone(qm):
    nc = make_nc(qm)
    services.fishbone_add(actor=qm, nc=nc, bone=Bone.SUPPLIER, text="협력사 지연")
    svg = str(fishbone_svg(problem="p", causes=FishboneCause.objects.all(), title="t"))
    for _value, label in Bone.choices:
        assert str(label).replace("/", "/") in svg.replace("&#x27;", "'")
    assert "협력사 지연" in svg
    assert svg.count("<svg") == 1
    assert svg.endswith("</svg>")


def test_it_edits_the_analysis_with_plain_posts(qm, client_for):
    nc = make_nc(qm)
    cause = make_cause(qm)
    client = client_for(Role.PROCESS_OWNER)
    url = reverse("improvement:nonconformance_analysis", kwargs={"pk": nc.pk})
    assert client.post(url, {"op": "why", "chain": 1, "text": "왜?"}).status_code == 302
    assert (
        client.post(url, {"op": "fishbone", "bone": "process", "text": "절차"}).status_code == 302
    )
    assert (
        client.post(url, {"op": "rootcause", "cause": cause.pk, "statement": "원인"}).status_code
        == 302
    )
    nc.refresh_from_db()
    assert nc.root_cause == cause
    step = WhyStep.objects.get()
    assert client.post(url, {"op": "why_remove", "item": step.pk}).status_code == 302
    assert not WhyStep.objects.exists()
    assert client.post(url, {"op": "why", "chain": 1, "text": ""}).status_code == 400


def test_it_refuses_an_archived_cause(qm):
    nc = make_nc(qm)
    cause = make_cause(qm)
    services.taxonomy_archive(actor=qm, obj=cause, reason="통합")
    with pytest.raises(SqmsError):
        services.root_cause_set(actor=qm, nc=nc, cause=cause, statement="x")


def test_it_maintains_the_taxonomy_on_its_page(qm, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:cause_list")
    r = client.post(
        url, {"op": "category", "cat-code": "PPL", "cat-name": "인력", "cat-bone": "people"}
    )
    assert r.status_code == 302
    category = CauseCategory.objects.get(code="PPL")
    r = client.post(
        url,
        {"op": "cause", "cause-category": category.pk, "cause-code": "P1", "cause-name": "교육"},
    )
    assert r.status_code == 302
    cause = Cause.objects.get(code="P1")
    r = client.post(url, {"op": "archive", "kind": "cause", "pk": cause.pk, "reason": "정리"})
    assert r.status_code == 302
    cause.refresh_from_db()
    assert cause.is_archived
    assert "교육" in client.get(url).content.decode()
    staff = client_for(Role.STAFF)
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"op": "category", "cat-code": "X"}).status_code == 403


def test_it_shows_a_pareto_of_causes_across_services_and_sites(qm, client_for):
    site = make_site()
    service = make_service([site])
    big, small = make_cause(qm), make_cause(qm)
    for cause in (big, big, big, small):
        nc = make_nc(qm, service=service, site=site)
        services.root_cause_set(actor=qm, nc=nc, cause=cause, statement="x")
    client = client_for(Role.EXECUTIVE)
    page = client.get(reverse("improvement:cause_pareto"), {"service": service.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="pareto-chart-plotly" type="application/json"' in html
    assert "improvement/charts.js" in html
    assert "vendor/plotly.min.js" in html
    start = html.index('id="pareto-chart-plotly" type="application/json">') + len(
        'id="pareto-chart-plotly" type="application/json">'
    )
    figure = json.loads(html[start : html.index("</script>", start)])
    assert figure["data"][0]["x"] == [big.name, small.name]
    assert figure["data"][0]["y"] == [3, 1]
    by_category = client.get(reverse("improvement:cause_pareto"), {"by": "category"})
    assert big.category.name in by_category.content.decode()


def test_it_has_no_inline_executable_script_on_the_pareto_page(qm, client_for):
    nc = make_nc(qm)
    cause = make_cause(qm)
    services.root_cause_set(actor=qm, nc=nc, cause=cause, statement="x")
    cause.name = EVIL
    cause.save()
    html = (
        client_for(Role.QUALITY_MANAGER).get(reverse("improvement:cause_pareto")).content.decode()
    )
    assert EVIL not in html
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag


def test_it_checks_the_root_cause_before_analysed_in_the_ui(qm, client_for):
    nc = advance(make_nc(qm), NcStatus.CONTAINED, actor=qm)
    page = client_for(Role.QUALITY_MANAGER).get(
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk})
    )
    html = page.content.decode()
    assert "Classify the root cause in the taxonomy and state it first." in html

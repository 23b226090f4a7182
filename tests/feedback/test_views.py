from __future__ import annotations

import pytest
from django.test import Client

from sqms.core.roles import Role
from sqms.feedback import services
from tests.factories import make_employee, make_site, make_user
from tests.feedback.factories import make_link, make_survey, respond


def _site_link(survey, site):
    (link,) = services.single_use_create_many(
        actor=None, survey=survey, contexts=[services.LinkContext(agent=make_employee(site=site))]
    )
    return link


@pytest.mark.django_db
def test_it_limits_site_scoped_users_to_their_sites_responses():
    survey = make_survey()
    mine, other = make_site(), make_site()
    r_mine = respond(_site_link(survey, mine))
    r_other = respond(_site_link(survey, other))
    client = Client()
    client.force_login(make_user(Role.STAFF, sites=[mine]))
    page = client.get(f"/feedback/{survey.pk}/responses/")
    assert [r.pk for r in page.context["page"]] == [r_mine.pk]
    assert client.get(f"/feedback/responses/{r_mine.pk}/").status_code == 200
    assert client.get(f"/feedback/responses/{r_other.pk}/").status_code == 404
    analysis = client.get(f"/feedback/{survey.pk}/analysis/").context["a"]
    assert analysis.n_responses == 1


@pytest.mark.django_db
def test_it_serves_qr_codes_as_svg_and_png(qm_client):
    link = make_link(make_survey(), kind="qr")
    svg = qm_client.get(f"/feedback/links/{link.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = qm_client.get(f"/feedback/links/{link.pk}/qr.png")
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert qm_client.get(f"/feedback/links/{link.pk}/qr.gif").status_code == 404


@pytest.mark.django_db
def test_it_creates_links_from_the_pages(qm_client):
    survey = make_survey()
    site = make_site()
    agent = make_employee(site=site)
    r = qm_client.post(
        f"/feedback/{survey.pk}/links/single-use/",
        {"agent": agent.pk, "channel": "visit", "count": 3},
    )
    assert r.status_code == 302
    assert survey.distributions.filter(kind="single_use", site=site, agent=agent).count() == 3
    r = qm_client.post(f"/feedback/{survey.pk}/links/", {"kind": "embed", "label": "웹"})
    assert r.status_code == 302
    page = qm_client.get(f"/feedback/{survey.pk}/links/")
    assert "&lt;iframe" in page.content.decode()
    link = survey.distributions.get(kind="embed")
    qm_client.post(f"/feedback/links/{link.pk}/expire/")
    assert Client().get(f"/feedback/e/{link.token}/").status_code == 410


@pytest.mark.django_db
def test_it_lets_readers_see_but_not_change(client_for):
    survey = make_survey()
    staff = client_for(Role.STAFF)
    assert staff.get(f"/feedback/{survey.pk}/").status_code == 200
    assert staff.post(f"/feedback/{survey.pk}/revise/").status_code == 403
    owner = client_for(Role.PROCESS_OWNER)
    assert owner.post(f"/feedback/{survey.pk}/revise/").status_code == 302


@pytest.mark.django_db
def test_it_lists_with_a_constant_number_of_queries(qm_client, django_assert_max_num_queries):
    surveys = [make_survey() for _ in range(3)]
    link = make_link(surveys[0])
    for _ in range(3):
        respond(link)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert qm_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        "/feedback/",
        f"/feedback/{surveys[0].pk}/responses/",
        f"/feedback/{surveys[0].pk}/links/",
    ]
    before = [count(u) for u in urls]
    for _ in range(4):
        make_survey()
        respond(link)
        make_link(surveys[0])
    assert [count(u) for u in urls] == before

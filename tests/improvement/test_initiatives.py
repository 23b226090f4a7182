"""Improvement initiatives through Plan–Do–Check–Act: the transition table, the board, the API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from sqms.core.exceptions import InvalidTransition, ReasonRequired
from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.improvement import rules, services
from sqms.improvement.models import Initiative, Stage, StageChange
from tests.api.conftest import token_client
from tests.factories import make_user
from tests.improvement.factories import make_initiative
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def qm():
    return make_user(Role.QUALITY_MANAGER)


def test_it_moves_an_initiative_through_plan_do_check_act(qm):
    initiative = make_initiative(qm, to=Stage.COMPLETED)
    assert initiative.stage == Stage.COMPLETED
    assert initiative.completed_at is not None
    path = list(initiative.changes.values_list("from_stage", "to_stage"))
    assert path == [
        (Stage.PLAN, Stage.DO),
        (Stage.DO, Stage.CHECK),
        (Stage.CHECK, Stage.ACT),
        (Stage.ACT, Stage.COMPLETED),
    ]
    assert AuditEntry.objects.filter(object_id=str(initiative.pk)).count() >= 5


@pytest.mark.parametrize(
    ("start", "to"),
    [(Stage.PLAN, Stage.CHECK), (Stage.PLAN, Stage.COMPLETED), (Stage.DO, Stage.ACT)],
)
def test_it_refuses_skipped_stages(qm, start, to):
    initiative = make_initiative(qm, to=start)
    with pytest.raises(InvalidTransition):
        services.initiative_move(actor=qm, initiative=initiative, to=to)
    initiative.refresh_from_db()
    assert initiative.stage == start
    assert not StageChange.objects.filter(initiative=initiative, to_stage=to).exists()


def test_it_refuses_moves_out_of_a_finished_initiative(qm):
    initiative = make_initiative(qm, to=Stage.COMPLETED)
    for to in Stage.values:
        assert not rules.stage_allowed(Stage.COMPLETED, to)
    with pytest.raises(InvalidTransition):
        services.initiative_move(actor=qm, initiative=initiative, to=Stage.PLAN, reason="다시")


def test_it_needs_a_reason_to_go_back_or_cancel(qm):
    initiative = make_initiative(qm, to=Stage.CHECK)
    with pytest.raises(ReasonRequired):
        services.initiative_move(actor=qm, initiative=initiative, to=Stage.DO)
    with pytest.raises(ReasonRequired):
        services.initiative_move(actor=qm, initiative=initiative, to=Stage.CANCELLED)
    moved = services.initiative_move(
        actor=qm, initiative=initiative, to=Stage.DO, reason="효과 미달"
    )
    assert moved.stage == Stage.DO
    assert moved.changes.last().reason == "효과 미달"


def test_it_needs_the_benefits_before_doing_and_acting(qm):
    initiative = services.initiative_create(actor=qm, title="개선", owner=qm)
    with pytest.raises(InvalidTransition, match="expected benefit"):
        services.initiative_move(actor=qm, initiative=initiative, to=Stage.DO)
    initiative = make_initiative(qm, to=Stage.CHECK)
    with pytest.raises(InvalidTransition, match="realised benefit"):
        services.initiative_move(actor=qm, initiative=initiative, to=Stage.ACT)


def test_it_refuses_a_read_only_role(qm):
    initiative = make_initiative(qm)
    with pytest.raises(InvalidTransition):
        services.initiative_move(actor=make_user(Role.STAFF), initiative=initiative, to=Stage.DO)


def test_it_takes_the_unit_and_service_from_the_standard(qm):
    standard = make_standard()
    initiative = services.initiative_create(actor=qm, title="개선", owner=qm, standard=standard)
    assert initiative.metric == standard.metric
    assert initiative.service == standard.service
    assert initiative.unit == standard.metric.get_unit_display()


def test_it_shows_the_board_by_stage_and_moves_with_a_post(qm, client_for):
    planned = make_initiative(qm, title="계획 단계 개선")
    doing = make_initiative(qm, to=Stage.DO, title="실행 단계 개선")
    client = client_for(Role.QUALITY_MANAGER)
    board = client.get(reverse("improvement:initiative_board")).content.decode()
    plan_col = board.split('data-stage="plan"')[1].split('data-stage="do"')[0]
    do_col = board.split('data-stage="do"')[1].split('data-stage="check"')[0]
    assert "계획 단계 개선" in plan_col
    assert "실행 단계 개선" in do_col
    url = reverse("improvement:initiative_move", kwargs={"pk": planned.pk})
    response = client.post(url, {"to": Stage.DO, "next": "board"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    assert response["Location"] == reverse("improvement:initiative_board")
    planned.refresh_from_db()
    assert planned.stage == Stage.DO
    # An invalid move through the page: a clear message, nothing changed.
    response = client.post(
        reverse("improvement:initiative_move", kwargs={"pk": doing.pk}),
        {"to": Stage.COMPLETED},
        follow=True,
    )
    assert "cannot move" in response.content.decode()
    doing.refresh_from_db()
    assert doing.stage == Stage.DO


def test_it_offers_no_move_buttons_to_a_reader(qm, client_for):
    make_initiative(qm)
    board = client_for(Role.STAFF).get(reverse("improvement:initiative_board"))
    assert board.status_code == 200
    assert "initiative_move" not in board.content.decode()
    assert "/move/" not in board.content.decode()


def test_it_creates_and_edits_an_initiative_on_the_page(qm, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    owner = make_user(Role.PROCESS_OWNER)
    response = client.post(
        reverse("improvement:initiative_create"),
        {"title": "콜백 예약", "priority": "high", "owner": owner.pk, "expected_benefit": "5"},
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(title="콜백 예약")
    assert initiative.owner == owner
    assert initiative.expected_benefit == Decimal("5")
    bad = client.post(
        reverse("improvement:initiative_edit", kwargs={"pk": initiative.pk}),
        {"title": "", "priority": "high", "owner": owner.pk},
    )
    assert bad.status_code == 400
    detail = client.get(reverse("improvement:initiative_detail", kwargs={"pk": initiative.pk}))
    assert "콜백 예약" in detail.content.decode()


def test_it_lists_and_filters_initiatives(qm, client_for):
    make_initiative(qm, title="가 개선")
    make_initiative(qm, to=Stage.DO, title="나 개선")
    client = client_for(Role.EXECUTIVE)
    page = client.get(reverse("improvement:initiative_list"), {"stage": "do"}).content.decode()
    assert "나 개선" in page
    assert "가 개선" not in page


# --- API --------------------------------------------------------------------------------------


def test_it_serves_initiatives_over_the_api(qm):
    api = token_client(qm)
    created = api.post(
        "/api/v1/improvement/initiatives/",
        json.dumps({"title": "API 개선", "expected_benefit": "3.5", "unit": "percent"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["stage"] == "plan"
    listed = api.get("/api/v1/improvement/initiatives/").json()
    assert [i["id"] for i in listed["items"]] == [pk]
    assert api.get(f"/api/v1/improvement/initiatives/{pk}/").json()["title"] == "API 개선"
    moved = api.post(
        f"/api/v1/improvement/initiatives/{pk}/transition/",
        json.dumps({"to": "do"}),
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["stage"] == "do"
    skipped = api.post(
        f"/api/v1/improvement/initiatives/{pk}/transition/",
        json.dumps({"to": "completed"}),
        content_type="application/json",
    )
    assert skipped.status_code in (400, 409)
    assert skipped["Content-Type"].startswith("application/problem+json")


def test_it_refuses_api_writes_of_a_reader(qm):
    initiative = make_initiative(qm)
    api = token_client(make_user(Role.STAFF))
    assert api.get(f"/api/v1/improvement/initiatives/{initiative.pk}/").status_code == 200
    refused = api.post(
        f"/api/v1/improvement/initiatives/{initiative.pk}/transition/",
        json.dumps({"to": "do"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    created = api.post(
        "/api/v1/improvement/initiatives/",
        json.dumps({"title": "x"}),
        content_type="application/json",
    )
    assert created.status_code == 403


def test_it_refuses_a_second_editor_instead_of_overwriting(qm, client_for):
    initiative = make_initiative(qm, title="처음 제목")
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:initiative_edit", kwargs={"pk": initiative.pk})
    form = client.get(url).content.decode()
    seen = form.split('name="seen_updated_at" value="')[1].split('"')[0]
    assert seen == initiative.updated_at.isoformat()
    # Someone else saves first.
    services.initiative_update(actor=qm, initiative=initiative, fields={"title": "다른 사람 제목"})
    data = {"title": "내 제목", "priority": "medium", "owner": qm.pk, "seen_updated_at": seen}
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title == "다른 사람 제목"
    data["seen_updated_at"] = initiative.updated_at.isoformat()
    assert client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "내 제목"

"""Employee suggestions: anonymity, one vote per user, comments, triage, notifications and
participation per team."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sqms.core.exceptions import InvalidTransition, ReasonRequired, SqmsError
from sqms.core.models import Notification
from sqms.core.roles import Role
from sqms.improvement import selectors, services
from sqms.improvement.models import (
    Initiative,
    Suggestion,
    SuggestionStatus,
    SuggestionVote,
)
from tests.api.conftest import token_client
from tests.factories import make_employee, make_site, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def qm():
    return make_user(Role.QUALITY_MANAGER)


@pytest.fixture
def submitter():
    user = make_user(Role.STAFF, username="hong-gildong")
    user.first_name, user.last_name = "길동", "홍"
    user.save()
    return user


def _submit(user, anonymous=False, **kw):
    return services.suggestion_submit(
        actor=user,
        title=kw.pop("title", "점심 교대 조정"),
        body="교대 시간을 나누자",
        anonymous=anonymous,
        **kw,
    )


def test_it_hides_an_anonymous_submitter_on_the_page_and_in_the_api(qm, submitter, client_for):
    suggestion = _submit(submitter, anonymous=True)
    assert suggestion.submitter == submitter  # kept, for the notifications and the votes
    for role in (Role.QUALITY_MANAGER, Role.ADMIN, Role.STAFF):
        page = client_for(role).get(
            reverse("improvement:suggestion_detail", kwargs={"pk": suggestion.pk})
        )
        text = page.content.decode()
        assert "Anonymous" in text
        assert "hong-gildong" not in text
        assert "길동" not in text
        listed = client_for(role).get(reverse("improvement:suggestion_list")).content.decode()
        assert "hong-gildong" not in listed
        assert "길동" not in listed
    for path in (
        "/api/v1/improvement/suggestions/",
        f"/api/v1/improvement/suggestions/{suggestion.pk}/",
    ):
        body = token_client(qm).get(path).content.decode()
        assert "hong-gildong" not in body
        assert "submitter" not in body
        assert "triaged_by" not in body


def test_it_names_a_submitter_who_is_not_anonymous(submitter, client_for):
    suggestion = _submit(submitter)
    page = client_for(Role.STAFF).get(
        reverse("improvement:suggestion_detail", kwargs={"pk": suggestion.pk})
    )
    assert "길동" in page.content.decode()


def test_it_counts_one_vote_per_user_and_toggles(submitter):
    suggestion = _submit(submitter)
    voter = make_user(Role.STAFF)
    assert services.suggestion_vote_toggle(actor=voter, suggestion=suggestion) is True
    assert SuggestionVote.objects.filter(suggestion=suggestion).count() == 1
    assert services.suggestion_vote_toggle(actor=voter, suggestion=suggestion) is False
    assert SuggestionVote.objects.filter(suggestion=suggestion).count() == 0
    services.suggestion_vote_toggle(actor=voter, suggestion=suggestion)
    services.suggestion_vote_toggle(actor=make_user(Role.STAFF), suggestion=suggestion)
    assert SuggestionVote.objects.filter(suggestion=suggestion).count() == 2


def test_it_refuses_a_vote_for_ones_own_anonymous_idea(submitter):
    suggestion = _submit(submitter, anonymous=True)
    with pytest.raises(SqmsError):
        services.suggestion_vote_toggle(actor=submitter, suggestion=suggestion)
    assert not SuggestionVote.objects.exists()


def test_it_votes_and_comments_on_the_page(submitter, client_for, users):
    suggestion = _submit(submitter)
    client = client_for(Role.STAFF)
    url = reverse("improvement:suggestion_vote", kwargs={"pk": suggestion.pk})
    assert client.post(url).status_code == 302
    assert client.post(url, {"next": "list"})["Location"] == reverse("improvement:suggestion_list")
    assert not SuggestionVote.objects.exists()  # voted, then took it back
    client.post(url)
    assert SuggestionVote.objects.get().user == users[Role.STAFF]
    client.post(
        reverse("improvement:suggestion_comment", kwargs={"pk": suggestion.pk}),
        {"text": "좋은 생각입니다"},
    )
    page = client.get(reverse("improvement:suggestion_detail", kwargs={"pk": suggestion.pk}))
    assert "좋은 생각입니다" in page.content.decode()
    assert "1 vote" in page.content.decode()


def test_it_lets_staff_submit_on_the_page(client_for, users):
    client = client_for(Role.STAFF)
    response = client.post(
        reverse("improvement:suggestion_create"),
        {"title": "헤드셋 교체", "body": "잡음이 심합니다", "anonymous": "on"},
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.anonymous
    assert suggestion.submitter == users[Role.STAFF]
    empty = client.post(reverse("improvement:suggestion_create"), {"title": "", "body": ""})
    assert empty.status_code == 400


def _notes(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_it_accepts_an_idea_into_an_initiative_and_tells_the_submitter(qm, submitter):
    suggestion = _submit(submitter, anonymous=True)
    assert len(_notes(submitter)) == 1  # received
    owner = make_user(Role.PROCESS_OWNER)
    initiative = services.suggestion_accept(actor=qm, suggestion=suggestion, owner=owner)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    assert suggestion.initiative == initiative
    assert initiative.title == suggestion.title
    assert initiative.owner == owner
    assert Initiative.objects.count() == 1
    notes = _notes(submitter)
    assert len(notes) == 2
    assert initiative.number in notes[1].body
    with pytest.raises(InvalidTransition):
        services.suggestion_decline(actor=qm, suggestion=suggestion, reason="이미 결정")


def test_it_tells_the_submitter_in_their_language(qm, submitter):
    submitter.language = "ko"
    submitter.save()
    suggestion = _submit(submitter)
    services.suggestion_decline(actor=qm, suggestion=suggestion, reason="예산 부족")
    notes = _notes(submitter)
    assert len(notes) == 2
    assert "예산 부족" in notes[1].body
    english = make_user(Role.STAFF)
    english.language = "en"
    english.save()
    other = _submit(english)
    services.suggestion_decline(actor=qm, suggestion=other, reason="budget")
    assert "declined" in _notes(english)[-1].title


def test_it_merges_a_duplicate_and_carries_the_votes(qm, submitter):
    target = _submit(make_user(Role.STAFF), title="원래 제안")
    duplicate = _submit(submitter, title="같은 제안")
    voter = make_user(Role.STAFF)
    services.suggestion_vote_toggle(actor=voter, suggestion=duplicate)
    services.suggestion_merge(actor=qm, suggestion=duplicate, into=target)
    duplicate.refresh_from_db()
    assert duplicate.status == SuggestionStatus.MERGED
    assert duplicate.merged_into == target
    assert SuggestionVote.objects.filter(suggestion=target, user=voter).exists()
    assert target.number in _notes(submitter)[-1].body
    with pytest.raises(SqmsError):
        services.suggestion_merge(actor=qm, suggestion=target, into=target)


def test_it_declines_only_with_a_reason(qm, submitter, client_for):
    suggestion = _submit(submitter)
    with pytest.raises(ReasonRequired):
        services.suggestion_decline(actor=qm, suggestion=suggestion, reason="  ")
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:suggestion_triage", kwargs={"pk": suggestion.pk})
    page = client.post(url, {"decision": "decline", "reason": ""})
    assert page.status_code == 400
    assert "Please give a reason." in page.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED
    assert client.post(url, {"decision": "decline", "reason": "중복"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DECLINED
    assert suggestion.decline_reason == "중복"


def test_it_accepts_on_the_triage_page(qm, submitter, client_for):
    suggestion = _submit(submitter)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:suggestion_triage", kwargs={"pk": suggestion.pk})
    response = client.post(url, {"decision": "accept", "priority": "high"})
    initiative = Initiative.objects.get()
    assert response["Location"] == reverse(
        "improvement:initiative_detail", kwargs={"pk": initiative.pk}
    )
    assert initiative.priority == "high"


def test_it_refuses_triage_by_staff(submitter, client_for):
    suggestion = _submit(submitter)
    url = reverse("improvement:suggestion_triage", kwargs={"pk": suggestion.pk})
    assert client_for(Role.STAFF).post(url, {"decision": "accept"}).status_code == 403
    with pytest.raises(SqmsError):
        services.suggestion_accept(actor=make_user(Role.STAFF), suggestion=suggestion)


def test_it_counts_participation_per_team(qm):
    site = make_site()
    team_a, team_b = make_team(site), make_team(site)
    members_a = [make_employee(team=team_a) for _ in range(4)]
    make_employee(team=team_b)
    make_employee(team=team_b)
    users_a = []
    for employee in members_a[:3]:
        user = make_user(Role.STAFF)
        employee.user = user
        employee.save()
        users_a.append(user)
    _submit(users_a[0], anonymous=True)
    idea = _submit(users_a[0])
    services.suggestion_vote_toggle(actor=users_a[1], suggestion=idea)
    services.suggestion_vote_toggle(actor=qm, suggestion=idea)  # not an employee: not counted
    rows = {r.team_id: r for r in selectors.participation(user=qm)}
    a, b = rows[team_a.pk], rows[team_b.pk]
    assert (a.headcount, a.submitters, a.voters, a.participants) == (4, 1, 1, 2)
    assert a.rate == 0.5
    assert (b.headcount, b.participants) == (2, 0)


def test_it_shows_participation_on_a_page(qm, client_for):
    team = make_team()
    make_employee(team=team)
    page = client_for(Role.STAFF).get(reverse("improvement:suggestion_participation"))
    assert page.status_code == 200
    assert team.name in page.content.decode()


# --- API --------------------------------------------------------------------------------------


def test_it_serves_suggestions_over_the_api(qm, submitter):
    staff_api = token_client(submitter)
    created = staff_api.post(
        "/api/v1/improvement/suggestions/",
        json.dumps({"title": "API 제안", "body": "내용", "anonymous": True}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert "submitter" not in created.json()
    voter_api = token_client(make_user(Role.STAFF))
    voted = voter_api.post(
        f"/api/v1/improvement/suggestions/{pk}/transition/",
        json.dumps({"decision": "vote"}),
        content_type="application/json",
    )
    assert voted.status_code == 200
    assert voted.json()["votes"] == 1
    refused = voter_api.post(
        f"/api/v1/improvement/suggestions/{pk}/transition/",
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    qm_api = token_client(qm)
    no_reason = qm_api.post(
        f"/api/v1/improvement/suggestions/{pk}/transition/",
        json.dumps({"decision": "decline"}),
        content_type="application/json",
    )
    assert no_reason.status_code == 400
    accepted = qm_api.post(
        f"/api/v1/improvement/suggestions/{pk}/transition/",
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["initiative_id"]
    listed = qm_api.get("/api/v1/improvement/suggestions/?status=accepted").json()
    assert [s["id"] for s in listed["items"]] == [pk]
    assert qm_api.get(f"/api/v1/improvement/suggestions/{pk}/").json()["team_id"] is None

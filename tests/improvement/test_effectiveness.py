from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sqms.core.exceptions import SqmsError
from sqms.core.roles import Role
from sqms.improvement import selectors, services
from sqms.improvement.models import CheckKind, NcStatus, Verdict
from sqms_analytics import compare_means, compare_proportions
from tests.factories import make_user
from tests.improvement.factories import NO_CHANGE, advance, check, make_nc


@pytest.fixture
def qm(db):
    return make_user(Role.QUALITY_MANAGER)


def test_it_proposes_improved_for_fewer_events_when_lower_is_better(qm):
    nc = advance(make_nc(qm), NcStatus.IMPLEMENTED, actor=qm)
    result = check(nc, actor=qm)
    expected = compare_proportions([60] * 8, [400] * 8, [30] * 8, [400] * 8, higher_is_better=False)
    assert result.verdict == Verdict.IMPROVED == expected.verdict.value
    assert result.result["p_value"] == pytest.approx(expected.p_value)
    assert result.result["effect_size_name"] == expected.effect_size_name
    assert result.result["ci"] is not None
    assert result.data_source == "manual"
    assert result.before_data == {"events": [60] * 8, "sizes": [400] * 8}


def test_it_proposes_worse_when_higher_is_better_and_events_fell(qm):
    nc = make_nc(qm)
    assert check(nc, actor=qm, higher_is_better=True).verdict == Verdict.WORSE


def test_it_finds_no_evidence_when_nothing_changed(qm):
    nc = make_nc(qm)
    assert check(nc, actor=qm, before=NO_CHANGE, after=NO_CHANGE).verdict == Verdict.NO_EVIDENCE


def test_it_compares_means_of_values(qm):
    nc = make_nc(qm)
    before = [12.1, 11.8, 12.5, 13.0, 12.2, 11.9, 12.7, 12.4, 12.8, 12.0]
    after = [9.1, 9.4, 8.8, 9.0, 9.6, 9.2, 8.9, 9.3, 9.5, 9.1]
    result = check(
        nc,
        actor=qm,
        kind=CheckKind.MEAN,
        before=", ".join(map(str, before)),
        after="\n".join(map(str, after)),
    )
    expected = compare_means(before, after, higher_is_better=False)
    assert result.verdict == expected.verdict.value == Verdict.IMPROVED
    assert result.result["test"] == expected.test
    assert result.result["difference"] == pytest.approx(expected.difference)
    assert result.result["after_in_control"] == expected.after_in_control


@pytest.mark.parametrize(
    ("kind", "before"),
    [
        (CheckKind.PROPORTION, "12"),
        (CheckKind.PROPORTION, "500, 400"),
        (CheckKind.MEAN, "1, two, 3"),
        (CheckKind.MEAN, "1"),
    ],
)
def test_it_rejects_bad_series_with_a_clear_message(qm, kind, before):
    nc = make_nc(qm)
    with pytest.raises(SqmsError):
        check(nc, actor=qm, kind=kind, before=before, after="1, 2, 3")


def test_it_proposes_windows_from_the_action_dates(qm):
    nc = advance(make_nc(qm), NcStatus.IMPLEMENTED, actor=qm)
    b_from, b_to, a_from, a_to = services.proposed_windows(nc)
    today = timezone.localdate()
    assert b_to == today - dt.timedelta(days=1)
    assert a_from == today  # the action was completed today
    assert (b_to - b_from).days == (a_to - a_from).days - 1


def test_it_runs_the_check_from_the_page(qm, client_for):
    nc = advance(make_nc(qm), NcStatus.IMPLEMENTED, actor=qm)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:check_create", kwargs={"pk": nc.pk})
    page = client.get(url)
    assert page.status_code == 200
    today = timezone.localdate()
    data = {
        "metric_label": "재문의율",
        "kind": "proportion",
        "before_from": today - dt.timedelta(days=100),
        "before_to": today - dt.timedelta(days=50),
        "after_from": today - dt.timedelta(days=40),
        "after_to": today,
        "before": "60, 400\n62, 400\n58, 400",
        "after": "30, 400\n28, 400\n31, 400",
    }
    assert client.post(url, data).status_code == 302
    assert nc.checks.get().verdict == Verdict.IMPROVED
    detail = client.get(
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk}) + "?tab=effectiveness"
    )
    assert "Improved" in detail.content.decode()


def test_it_feeds_the_effectiveness_rate(qm):
    advance(make_nc(qm), NcStatus.VERIFIED, actor=qm)
    nc = advance(make_nc(qm), NcStatus.IMPLEMENTED, actor=qm)
    check(nc, actor=qm, before=NO_CHANGE, after=NO_CHANGE)
    services.nonconformance_transition(actor=qm, nc=nc, to=NcStatus.VERIFIED)
    rate = selectors.effectiveness_rate(user=qm)
    assert (rate.effective, rate.verified, rate.rate) == (1, 2, 0.5)

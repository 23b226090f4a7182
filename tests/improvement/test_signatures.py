from __future__ import annotations

import pytest
from django.urls import reverse

from sqms.core.exceptions import ReasonRequired, SqmsError
from sqms.core.records import record_update
from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import AttemptOutcome, NcStatus, Signature, SignatureAttempt
from tests.factories import PASSWORD, make_user
from tests.improvement.factories import NO_CHANGE, advance, check, make_nc

MEANING = "시정조치가 효과적임을 확인하고 종결합니다."


@pytest.fixture
def qm(db):
    return make_user(Role.QUALITY_MANAGER)


@pytest.fixture
def verified(qm):
    return advance(make_nc(qm), NcStatus.VERIFIED, actor=qm)


def _close(actor, nc, password=PASSWORD, **kw):
    return services.nonconformance_close(
        actor=actor, nc=nc, password=password, printed_name="김품질", meaning=MEANING, **kw
    )


def test_it_closes_with_a_signature_bound_to_the_content(qm, verified):
    signature = _close(qm, verified)
    verified.refresh_from_db()
    assert verified.status == NcStatus.CLOSED
    assert verified.closed_at is not None
    assert signature.content_hash == services.nonconformance_content_hash(verified)
    assert signature.meaning == MEANING
    assert SignatureAttempt.objects.get().outcome == AttemptOutcome.SIGNED


@pytest.mark.parametrize("role", [Role.PROCESS_OWNER, Role.STAFF, Role.AUDITOR])
def test_it_lets_only_a_quality_manager_close(verified, role):
    with pytest.raises(SqmsError):
        _close(make_user(role), verified)
    verified.refresh_from_db()
    assert verified.status == NcStatus.VERIFIED


def test_it_records_a_wrong_password_and_does_not_close(qm, verified):
    with pytest.raises(services.WrongPassword):
        _close(qm, verified, password="wrong")
    verified.refresh_from_db()
    assert verified.status == NcStatus.VERIFIED
    assert not Signature.objects.exists()
    assert SignatureAttempt.objects.get().outcome == AttemptOutcome.WRONG_PASSWORD


def test_it_throttles_after_repeated_wrong_passwords(qm, verified):
    for _ in range(services.SIGN_FAILURE_LIMIT):
        with pytest.raises(services.WrongPassword):
            _close(qm, verified, password="wrong")
    with pytest.raises(services.SigningThrottled):
        _close(qm, verified)  # even the right password waits
    assert SignatureAttempt.objects.filter(outcome=AttemptOutcome.THROTTLED).count() == 1


def test_it_shows_the_signature_invalid_after_the_record_changes(qm, verified, client_for):
    _close(qm, verified)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:nonconformance_detail", kwargs={"pk": verified.pk})
    assert "Closing signature valid" in client.get(url).content.decode()
    verified.refresh_from_db()
    record_update(actor=None, obj=verified, fields={"title": "몰래 바꾼 제목"})  # e.g. via admin
    page = client.get(url).content.decode()
    assert "Closing signature invalid" in page


def test_it_refuses_to_edit_a_closed_record(qm, verified):
    _close(qm, verified)
    with pytest.raises(SqmsError):
        services.nonconformance_update(actor=qm, nc=verified, fields={"title": "x"})


def test_it_needs_a_justification_without_a_positive_verdict(qm):
    nc = advance(make_nc(qm), NcStatus.IMPLEMENTED, actor=qm)
    check(nc, actor=qm, before=NO_CHANGE, after=NO_CHANGE)
    nc = services.nonconformance_transition(actor=qm, nc=nc, to=NcStatus.VERIFIED)
    with pytest.raises(ReasonRequired):
        _close(qm, nc)
    _close(qm, nc, justification="경영검토에서 수용 가능한 수준으로 판단.")
    nc.refresh_from_db()
    assert nc.status == NcStatus.CLOSED
    assert nc.closing_justification.startswith("경영검토")


def test_it_closes_through_the_page(qm, verified, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:nonconformance_close", kwargs={"pk": verified.pk})
    assert client.get(url).status_code == 200
    bad = client.post(url, {"meaning": MEANING, "printed_name": "김", "password": "nope"})
    assert bad.status_code == 400
    assert "password is not correct" in bad.content.decode()
    good = client.post(url, {"meaning": MEANING, "printed_name": "김", "password": PASSWORD})
    assert good.status_code == 302
    verified.refresh_from_db()
    assert verified.status == NcStatus.CLOSED


def test_it_answers_429_when_signing_is_throttled_on_the_page(qm, verified, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:nonconformance_close", kwargs={"pk": verified.pk})
    data = {"meaning": MEANING, "printed_name": "김", "password": "nope"}
    for _ in range(services.SIGN_FAILURE_LIMIT):
        client.post(url, data)
    assert client.post(url, data).status_code == 429

"""Management reviews: the pack holds the period's figures and freezes when held; minutes,
their improvement actions and their signature; the PDF."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.core.signing import AttemptOutcome
from sqms.improvement.models import ActionKind, Nonconformance
from sqms.policy import present, selectors, services
from sqms.policy.models import ReviewSignatureAttempt, ReviewStatus
from sqms.policy.pdf import review_pdf
from tests.factories import PASSWORD, make_user
from tests.feedback.factories import make_link, make_survey, respond
from tests.improvement.factories import make_nc
from tests.policy.factories import add_rollup, held_with_minutes, make_objective, make_review
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC)


def _period_data():  # type: ignore[no-untyped-def]
    """In the period: 3 days of results (2 of them meeting), 2 nonconformances, 2 responses."""
    today = timezone.localdate()
    standard = make_standard()
    add_rollup(standard, today - dt.timedelta(days=3), n=100, n_meeting=97)
    add_rollup(standard, today - dt.timedelta(days=2), n=100, n_meeting=96)
    add_rollup(standard, today - dt.timedelta(days=1), n=100, n_meeting=50)
    add_rollup(standard, today - dt.timedelta(days=90), n=100, n_meeting=0)  # outside
    make_nc(title="대기시간 초과")
    make_nc(title="응대 불친절", severity="major")
    link = make_link(make_survey())
    respond(link, nps=10, csat=5)
    respond(link, nps=3, csat=2)
    return standard


@time_machine.travel(NOW, tick=False)
def test_it_compiles_the_periods_real_figures_into_the_pack():
    standard = _period_data()
    objective = make_objective(standard=standard, baseline=50, target=100)
    review = make_review()
    pack = selectors.review_pack(review=review)
    row = next(r for r in pack["standards"]["rows"] if r["code"] == standard.code)
    assert (row["records"], row["periods"], row["complying"]) == (300, 3, 2)
    assert row["compliance"] == pytest.approx(66.7)
    assert pack["nonconformances"]["opened"] == 2
    assert pack["nonconformances"]["by_severity"] == {"minor": 1, "major": 1}
    assert pack["customers"]["responses"] == 2
    assert pack["customers"]["nps"] == {"value": 0.0, "n": 2}  # one promoter, one detractor
    assert pack["customers"]["csat"]["value"] == 50.0
    goal = next(r for r in pack["objectives"]["rows"] if r["id"] == objective.pk)
    assert goal["current"] == pytest.approx(81.0)  # 243 of 300 in the last 28 days
    assert goal["progress"] == pytest.approx(62.0)
    assert pack["audit"]["intact"] is True
    assert pack["audit"]["entries_in_period"] > 0
    assert pack["risks"] == {"available": False}
    keys = [s.key for s in present.pack_sections(pack)]
    assert keys == [
        "previous_actions",
        "objectives",
        "standards",
        "customers",
        "nonconformances",
        "audit",
        "risks",
        "opportunities",
    ]


@time_machine.travel(NOW, tick=False)
def test_it_freezes_the_pack_when_the_meeting_is_held(client_for, users):
    standard = _period_data()
    qm = users[Role.QUALITY_MANAGER]
    review = make_review(actor=qm)
    client = client_for(Role.QUALITY_MANAGER)
    assert client.post(reverse("policy:review_hold", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    assert review.held_at is not None
    assert review.pack["nonconformances"]["opened"] == 2
    # Later data does not rewrite the record.
    make_nc(title="회의 후 발생")
    add_rollup(standard, timezone.localdate() - dt.timedelta(days=4), n=100, n_meeting=100)
    pack = selectors.review_pack(review=review)
    assert pack["nonconformances"]["opened"] == 2
    assert next(r for r in pack["standards"]["rows"] if r["id"] == standard.pk)["records"] == 300
    live = selectors.review_pack_compile(review=review)
    assert live["nonconformances"]["opened"] == 3
    page = client.get(reverse("policy:review_detail", args=[review.pk])).content.decode()
    assert "Frozen when the meeting was held" in page
    # Holding twice is refused.
    client.post(reverse("policy:review_hold", args=[review.pk]))
    assert (
        AuditEntry.objects.filter(object_id=str(review.pk), content_type__model="review").count()
        == 2
    )


@time_machine.travel(NOW, tick=False)
def test_it_lists_the_previous_reviews_actions_in_the_next_pack(users):
    qm = users[Role.QUALITY_MANAGER]
    today = timezone.localdate()
    first = make_review(
        actor=qm,
        period_start=today - dt.timedelta(days=120),
        period_end=today - dt.timedelta(days=91),
        meeting_date=today - dt.timedelta(days=85),
    )
    first = held_with_minutes(first, qm)
    action = services.review_action_create(
        actor=qm, review=first, title="콜백 도입", owner=qm, due_on=today + dt.timedelta(days=5)
    )
    assert action.kind == ActionKind.IMPROVEMENT
    carrier = action.nonconformance
    assert carrier.source == first  # linked generically to the review
    second = make_review(actor=qm)
    pack = selectors.review_pack(review=second)
    assert pack["previous_actions"]["review"]["id"] == first.pk
    assert [r["title"] for r in pack["previous_actions"]["rows"]] == ["콜백 도입"]
    # The carrier record is not counted as a nonconformance of the period.
    assert Nonconformance.objects.count() == 1
    assert pack["nonconformances"]["opened"] == 0


@time_machine.travel(NOW, tick=False)
def test_it_signs_the_minutes_and_invalidates_the_signature_when_they_change(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    review = held_with_minutes(make_review(actor=qm), qm)
    client = client_for(Role.QUALITY_MANAGER)
    sign = reverse("policy:review_sign", args=[review.pk])
    data = {"meaning": "회의록 승인", "printed_name": "김품질", "password": PASSWORD}
    assert client.post(sign, data).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED
    [row] = selectors.review_signatures(review=review)
    assert row.valid
    assert row.signature.content_hash == services.minutes_hash(review)
    edit = reverse("policy:review_minutes", args=[review.pk])
    client.post(edit, {"minutes": "바뀐 회의 내용", "decisions": "결정 1"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    [row] = selectors.review_signatures(review=review)
    assert not row.valid
    page = client.get(reverse("policy:review_detail", args=[review.pk])).content.decode()
    assert "No longer valid: the minutes changed after signing" in page
    # A new action changes the minutes' content as well.
    client.post(sign, data)
    services.review_action_create(
        actor=qm, review=review, title="후속 조치", owner=qm, due_on=timezone.localdate()
    )
    assert [r.valid for r in selectors.review_signatures(review=review)] == [False, False]


@time_machine.travel(NOW, tick=False)
def test_it_rejects_a_wrong_password_logs_it_and_throttles(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    review = held_with_minutes(make_review(actor=qm), qm)
    client = client_for(Role.QUALITY_MANAGER)
    sign = reverse("policy:review_sign", args=[review.pk])
    wrong = {"meaning": "승인", "printed_name": "김품질", "password": "wrong"}
    response = client.post(sign, wrong)
    assert response.status_code == 400
    assert "The password is not correct" in response.content.decode()
    assert "김품질" in response.content.decode()  # what was typed is kept
    attempt = ReviewSignatureAttempt.objects.get()
    assert attempt.outcome == AttemptOutcome.WRONG_PASSWORD
    assert AuditEntry.objects.filter(content_type__model="reviewsignatureattempt").exists()
    for _ in range(4):
        client.post(sign, wrong)
    throttled = client.post(sign, {**wrong, "password": PASSWORD})
    assert throttled.status_code == 429
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    assert not review.signatures.exists()
    assert ReviewSignatureAttempt.objects.filter(outcome=AttemptOutcome.THROTTLED).count() == 1


def test_it_refuses_signing_by_other_roles_and_before_the_meeting(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    draft = make_review(actor=qm)
    data = {"meaning": "승인", "printed_name": "김품질", "password": PASSWORD}
    response = client_for(Role.QUALITY_MANAGER).post(
        reverse("policy:review_sign", args=[draft.pk]), data
    )
    assert response.status_code == 400
    assert "Only the minutes of a held meeting can be signed." in response.content.decode()
    staff = client_for(Role.STAFF)
    assert staff.post(reverse("policy:review_sign", args=[draft.pk]), data).status_code == 403
    assert staff.post(reverse("policy:review_hold", args=[draft.pk])).status_code == 403
    assert staff.get(reverse("policy:review_detail", args=[draft.pk])).status_code == 200


def test_it_adds_an_action_through_the_page(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    review = held_with_minutes(make_review(actor=qm), qm)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("policy:review_action_create", args=[review.pk])
    bad = client.post(url, {"title": "교육 확대", "owner": qm.pk, "due_on": "2026-13-45"})
    assert bad.status_code == 400
    assert "교육 확대" in bad.content.decode()
    ok = client.post(url, {"title": "교육 확대", "owner": qm.pk, "due_on": "2026-12-01"})
    assert ok.status_code == 302
    page = client.get(reverse("policy:review_detail", args=[review.pk])).content.decode()
    action = services.review_action_qs(review).get()
    assert reverse("improvement:action_detail", args=[action.pk]) in page


def _pdf_text(data: bytes) -> str:
    """The text of an uncompressed fpdf2 PDF: each font's 2-byte glyph codes (written as escaped
    literal strings before `Tj`) read through that font's ToUnicode map."""
    raw = data.decode("latin-1")
    objects = dict(re.findall(r"(\d+) 0 obj(.*?)endobj", raw, re.S))
    maps: dict[str, dict[int, str]] = {}
    fonts = re.search(r"/Font\s*<<(.*?)>>", raw, re.S)
    assert fonts is not None
    for name, ref in re.findall(r"/(F\d+)\s+(\d+) 0 R", fonts.group(1)):
        to_unicode = re.search(r"/ToUnicode (\d+) 0 R", objects[ref])
        assert to_unicode is not None
        cmap: dict[int, str] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", objects[to_unicode.group(1)], re.S):
            for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                cmap[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
        maps[name] = cmap
    lines, current = [], {}
    for font, literal in re.findall(r"/(F\d+) [\d.]+ Tf|\(((?:[^\\)]|\\.)*)\) Tj", raw, re.S):
        if font:
            current = maps[font]
            continue
        codes = re.sub(r"\\([\\()])", r"\1", literal).replace("\\r", "\r").encode("latin-1")
        lines.append(
            "".join(
                current.get(int.from_bytes(codes[i : i + 2], "big"), "?")
                for i in range(0, len(codes) - 1, 2)
            )
        )
    return "\n".join(lines)


@time_machine.travel(NOW, tick=False)
def test_it_exports_the_pack_and_minutes_as_pdf_with_the_korean_font(client_for, users):
    _period_data()
    qm = users[Role.QUALITY_MANAGER]
    review = held_with_minutes(make_review(actor=qm), qm, minutes="품질 회의록 본문")
    response = client_for(Role.AUDITOR).get(reverse("policy:review_pdf", args=[review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert b"NanumGothic" in body
    assert b"FontFile2" in body
    text = _pdf_text(
        review_pdf(review=review, pack=review.pack, actions=[], signatures=[], compress=False)
    )
    assert "품질 회의록 본문" in text
    assert "66.7 %" in text  # the standard's compliance over the period
    assert "Opened in the period" in text
    assert "Page 1 of" in text
    assert "Page 2 of" in text
    assert b"FlateDecode" in body  # the served file is compressed


def test_it_prints_cleanly_with_a_print_stylesheet(client_for, users):
    review = make_review(actor=users[Role.QUALITY_MANAGER])
    page = client_for(Role.STAFF).get(reverse("policy:review_detail", args=[review.pk]))
    assert 'href="/static/policy/print.css" media="print"' in page.content.decode()


def test_it_creates_and_edits_a_review_and_keeps_the_frozen_period(client_for, users):
    client = client_for(Role.QUALITY_MANAGER)
    data = {
        "title": "1분기 경영검토",
        "meeting_date": "2026-04-05",
        "period_start": "2026-01-01",
        "period_end": "2025-03-31",
        "attendees": [users[Role.EXECUTIVE].pk],
        "other_attendees": "외부 위원",
    }
    bad = client.post(reverse("policy:review_create"), data)
    assert bad.status_code == 400
    assert "The period must end on or after its first day." in bad.content.decode()
    ok = client.post(reverse("policy:review_create"), {**data, "period_end": "2026-03-31"})
    assert ok.status_code == 302
    review = selectors.review_list().get(title="1분기 경영검토")
    services.review_hold(actor=users[Role.QUALITY_MANAGER], review=review)
    moved = client.post(
        reverse("policy:review_edit", args=[review.pk]),
        {**data, "period_end": "2026-02-28"},
    )
    assert moved.status_code == 400
    assert "its period can no longer change" in moved.content.decode()
    assert make_user  # factories import kept for readers

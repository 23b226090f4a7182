"""Records name themselves in words (the audit trail keeps these names), not in stored codes."""

from __future__ import annotations

from django.utils import translation

from sqms.documents.models import StatusChange as RevisionChange
from sqms.feedback.models import ComplaintStatusChange
from sqms.improvement.models import SignatureAttempt, StageChange, StatusChange
from sqms.monitoring.models import Signal


def test_status_changes_signals_and_attempts_read_as_words() -> None:
    with translation.override("ko"):
        assert str(StatusChange(from_status="open", to_status="contained")) == "열림 → 봉쇄 완료"
        assert "draft" not in str(RevisionChange(from_status="draft", to_status="in_review"))
        assert "received" not in str(
            ComplaintStatusChange(from_status="received", to_status="acknowledged")
        )
        assert str(Signal(pk=10, kind="breach")) == "표준 미달 #10"
        assert "wrong_password" not in str(SignatureAttempt(user_id=3, outcome="wrong_password"))
        assert "plan" not in str(StageChange(from_stage="plan", to_stage="do"))

"""The text analytics demo: themes, annotated comments and a trained model, built once."""

from __future__ import annotations

import time

import pytest

from sqms.feedback.demo import build_feedback_demo
from sqms.feedback.models import SentimentMethod, TextAnnotation, TextModel, Theme
from sqms.feedback.text_demo import build_text_demo
from sqms_analytics.text import get_kiwi
from tests.factories import make_employee, make_service, make_site, make_team


@pytest.mark.django_db
def test_it_builds_the_text_demo_once_and_fast(qm_client) -> None:  # type: ignore[no-untyped-def]
    site = make_site()
    make_service([site])
    make_employee(team=make_team(site))
    build_feedback_demo(servqual_responses=5)
    get_kiwi().tokenize("준비")  # loading kiwipiepy's model (seconds, once per process) is not ours
    started = time.monotonic()
    got = build_text_demo()
    assert time.monotonic() - started < 10
    assert got["themes"] == 5
    assert got["texts"] == TextAnnotation.objects.count() > 100
    assert Theme.objects.count() == 5
    model = TextModel.objects.get()
    assert model.method == SentimentMethod.CLASSIFIER, model.n_per_class
    assert model.accuracy is not None
    assert model.accuracy > 0.7
    assert TextAnnotation.objects.filter(themes__isnull=False).distinct().count() > 50
    assert build_text_demo() == {"themes": 0, "texts": 0}
    r = qm_client.get("/feedback/text/")
    assert r.status_code == 200
    assert r.context["d"].keywords_ko

"""Smoke test of the feedback bench's helpers (bench/feedback/run.py): not a timed test."""

from __future__ import annotations

import importlib.util
import json
import sys
import urllib.parse
from pathlib import Path
from types import ModuleType

import pytest
from django.test import Client

from sqms.feedback.models import Response

RUN = Path(__file__).resolve().parents[2] / "bench" / "feedback" / "run.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_feedback_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_it_generates_the_same_korean_comments_every_time(bench: ModuleType) -> None:
    first, labels = bench.make_comments(50)
    assert first == bench.make_comments(50)[0]
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in t) for t in first)
    assert set(labels) <= {"positive", "negative", "neutral"}


@pytest.mark.django_db
def test_it_posts_forms_the_public_page_accepts(bench: ModuleType, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sqms.feedback.public.RATE_LIMIT", 10**6)  # as fb_urls does
    bench.child_setup()
    setup = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    client = Client()
    path = f"/feedback/s/{setup['token']}/"
    bodies = bench._bodies(setup["keys"], "unused", n=20)
    for body in bodies:
        form = dict(urllib.parse.parse_qsl(body.decode()))
        assert client.post(path, form).status_code == 302
    assert Response.objects.count() == len(bodies)

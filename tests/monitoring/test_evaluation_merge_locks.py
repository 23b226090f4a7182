"""On PostgreSQL, blocks of new records, evaluations and new standards wait for each other so
that a block is counted exactly once (SQLite's write lock serialises them anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from sqms.monitoring.evaluation import standard_evaluate
from sqms.monitoring.merges import pending_add, standard_lock
from sqms.monitoring.models import PendingMerge, Rollup
from sqms.monitoring.writer import upsert_columns
from tests.monitoring.eval_helpers import at
from tests.monitoring.helpers import make_org, make_source
from tests.monitoring.test_evaluation_merge import block
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db(transaction=True)
HELD = 1.0  # seconds a blocked thread is given to (wrongly) get through


@pytest.fixture(autouse=True)
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL")


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        try:
            work()
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def holding(enter: Callable[[], None]) -> tuple[threading.Thread, threading.Event]:
    """A transaction that runs `enter` and stays open until the returned event is set."""
    ready, release = threading.Event(), threading.Event()

    def work() -> None:
        with transaction.atomic():
            enter()
            ready.set()
            release.wait(30)

    thread, _ = in_thread(work)
    assert ready.wait(30)
    return thread, release


def test_a_block_waits_for_an_evaluation_holding_its_standard():
    org = make_org()
    std = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    evaluation, release = holding(lambda: standard_lock(std))
    records = block(org, 30, first_day=2, days=1, seed=1, prefix="A")
    _, imported = in_thread(lambda: upsert_columns(source_id=src.pk, records=records))
    assert not imported.wait(HELD)  # it may not commit a pending merge under the evaluation
    release.set()
    evaluation.join(30)
    assert imported.wait(30)
    assert PendingMerge.objects.filter(standard=std).count() == 1


def test_an_evaluation_waits_for_a_block_and_then_counts_it_once():
    org = make_org()
    std = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    records = block(org, 40, first_day=2, days=1, seed=2, prefix="A")

    def write() -> None:  # a block written, not yet committed
        upsert_columns(source_id=src.pk, records=records)

    importer, release = holding(write)
    _, evaluated = in_thread(lambda: standard_evaluate(standard=std, detect=False))
    assert not evaluated.wait(HELD)
    release.set()
    importer.join(30)
    assert evaluated.wait(30)
    # the whole recomputation saw the block and took its pending merge: counted once
    assert not PendingMerge.objects.exists()
    total = Rollup.objects.filter(standard=std, grain="day", segment="").values_list("n", flat=True)
    assert sum(total) == 40


def test_a_new_standard_waits_for_a_block_that_did_not_see_it():
    org = make_org()
    make_standard(service=org["service"], effective_from=at(1, 0))
    importer, release = holding(
        lambda: pending_add(service_ids=[org["service"].pk], ranges=[(1, 1)])
    )
    _, created = in_thread(lambda: make_standard(service=org["service"], effective_from=at(1, 0)))
    assert not created.wait(HELD)
    release.set()
    importer.join(30)
    assert created.wait(30)

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from sqms.core.audit import audit_verify
from sqms.core.tasks import audit_verify_nightly
from sqms.org import services

IN_CI = os.environ.get("CI") == "true"


def test_it_runs_on_postgresql_in_ci(db):
    if not IN_CI and not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set: this run uses SQLite")
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_under_concurrent_writers():
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run on PostgreSQL")
        pytest.skip("concurrent writers need a database server")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                services.site_create(actor=None, code=f"C{n}-{i}", name=f"동시 {n}-{i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit_verify() == (40, None)


def test_it_verifies_the_chain_in_the_nightly_task(db):
    services.site_create(actor=None, code="N1", name="야간")
    # Huey runs in immediate mode under test: calling the task runs it and returns its result.
    assert audit_verify_nightly().get() is None

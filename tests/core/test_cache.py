"""The host file cache culls rarely, and counts in place under a lock: listing its folder and
renaming a fresh file on every count were most of a public request's rate-limit cost."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from sqms.core.cache import FileCache


def test_it_culls_at_most_once_a_minute_and_still_culls(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(FileBasedCache, "_cull", lambda self: calls.append(1))
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 3}})
    for i in range(10):
        cache.set(f"k{i}", i)
    assert len(calls) == 1
    assert cache.get("k9") == 9
    cache._next_cull = 0.0  # a minute later
    cache.set("k10", 10)
    assert len(calls) == 2


def test_counts_survive_as_before(tmp_path):
    cache = FileCache(str(tmp_path), {})
    assert cache.add("n", 1, timeout=60)
    assert cache.incr("n") == 2
    assert not cache.add("n", 1, timeout=60)


def test_incr_keeps_the_expiry_and_fails_on_missing_or_expired_keys(tmp_path):
    cache = FileCache(str(tmp_path), {})
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")
    cache.set("n", 5, timeout=60)
    assert cache.incr("n", 3) == 8
    assert cache.get("n") == 8
    assert cache.incr("n", -10) == -2
    assert cache.touch("n", timeout=60)  # the stock reader still understands the entry
    cache.set("old", 1, timeout=1)
    assert cache.incr("old") == 2
    time.sleep(1.1)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("old")
    assert cache.get("old") is None
    assert cache.add("old", 1, timeout=60)  # a new window starts as the rate limit expects


def _count(folder: str, times: int) -> None:
    cache = FileCache(folder, {})
    for _ in range(times):
        cache.incr("hits")


def test_counts_from_several_processes_are_not_lost(tmp_path):
    """The stock get-then-set loses counts when two processes interleave; the lock does not."""
    cache = FileCache(str(tmp_path), {})
    cache.set("hits", 0, timeout=300)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_count, args=(str(tmp_path), 300)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert cache.get("hits") == 1200

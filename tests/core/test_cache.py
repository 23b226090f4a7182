"""The host file cache culls rarely: listing its folder on every write was most of a public
request's rate-limit count."""

from __future__ import annotations

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

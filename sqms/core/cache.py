"""The file cache of a single host without Redis (rate limits, throttling)."""

from __future__ import annotations

import pickle
import time
import zlib
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class FileCache(FileBasedCache):
    """Django's file cache, culling at most once a minute per process, with an atomic `incr`.

    The stock backend lists the whole cache folder before every write to see whether it must
    cull: with a few hundred entries that is most of a millisecond, paid by every public page
    request through its rate-limit count. Entries expire as before; the folder may exceed
    MAX_ENTRIES for up to a minute.
    """

    CULL_EVERY = 60.0
    _next_cull = 0.0

    def _cull(self) -> None:
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + self.CULL_EVERY
        super()._cull()  # type: ignore[misc]  # private in the stubs, present in Django

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Add `delta` to a stored number in place, under an exclusive file lock.

        The stock `incr` is a `get` and a `set`: two processes can both read 5 and both write 6
        (a rate limit then undercounts), and the `set` writes a temporary file and renames it,
        which costs more than the rest of a rate-limited request. This rewrites the entry where
        it is, as Django's own `touch` does, keeping its expiry.
        """
        fname = self._key_to_file(key, version)  # type: ignore[attr-defined]
        try:
            with open(fname, "r+b") as f:
                locks.lock(f, locks.LOCK_EX)
                try:
                    expiry = pickle.load(f)  # noqa: S301  # our own cache files
                    if expiry is not None and expiry < time.time():
                        raise ValueError(f"Key '{key}' not found")
                    head = f.tell()
                    value = pickle.loads(zlib.decompress(f.read())) + delta  # noqa: S301
                    f.seek(head)
                    f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
                    f.truncate()
                finally:
                    locks.unlock(f)
        except FileNotFoundError:
            raise ValueError(f"Key '{key}' not found") from None
        return int(value)

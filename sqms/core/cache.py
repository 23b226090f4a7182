"""The file cache of a single host without Redis (rate limits, throttling)."""

from __future__ import annotations

import time

from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
    """Django's file cache, culling at most once a minute per process.

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

"""The time zones a site, a calendar or a record source can be in."""

from __future__ import annotations

import functools
import zoneinfo

# Names in the zone database that are not places: the machine's own zone (localtime), the
# template of POSIX rules (posixrules) and the zone of unset clocks (Factory).
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """(name, name) of every IANA zone the machine knows. Fields take this callable rather than
    the list, so that a migration does not freeze one machine's zone database."""
    return [(z, z) for z in sorted(zoneinfo.available_timezones() - NOT_PLACES)]

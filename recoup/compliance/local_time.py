"""Wall-clock time in a debtor's zone, exact across daylight-saving changes.

A local wall time can happen once, twice (the autumn hour repeats) or never (the spring hour is
skipped). The calling window and the calendar-day contact cap need the *first instant* at which
a zone's clock shows a given wall time or later, and the instants at which a zone's offset
changes; both are found here by bisection over the tz database, never by assuming an offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TICK = timedelta(microseconds=1)


@cache
def zone_named(name: str) -> ZoneInfo | None:
    """The zone called ``name``, or None when the tz database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """What a clock in ``zone`` shows at ``instant``, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def first_instant_showing(wall: datetime, zone: ZoneInfo) -> datetime:
    """The earliest instant (UTC) from which ``zone``'s clock shows ``wall`` or later, around
    ``wall``'s own day: the first occurrence of a repeated time, the end of a skipped gap."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = min(early, late), max(early, late)
    if wall_clock(lo, zone) >= wall:
        return lo
    # ``wall`` falls in a gap: ``lo`` shows a time before it, ``hi`` one after it.
    while hi - lo > _TICK:
        mid = lo + (hi - lo) / 2
        if wall_clock(mid, zone) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def repeats_of(wall: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Every instant (UTC) at which ``zone``'s clock shows exactly ``wall`` (0, 1 or 2)."""
    found = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if wall_clock(instant, zone) == wall and instant not in found:
            found.append(instant)
    return tuple(sorted(found))


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) of ``day`` in ``zone`` (midnight, or the end of a midnight gap)."""
    return first_instant_showing(datetime.combine(day, time()), zone)


def offset_changes(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The instant of an offset change in ``[start, end)``, if there is one (zones change at
    most once a day; the caller asks a day at a time)."""
    before, after = start.astimezone(zone).utcoffset(), (end - _TICK).astimezone(zone).utcoffset()
    if before == after:
        return ()
    lo, hi = start, end - _TICK
    while hi - lo > _TICK:
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return (hi,)

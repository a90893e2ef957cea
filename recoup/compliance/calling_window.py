"""Calling hours in the debtor's local time: 08:00 to 21:00 unless a campaign narrows them.

FDCPA 15 U.S.C. 1692c(a)(1) and Reg F 12 CFR 1006.6(b)(1)(i): without the consumer's consent, a
collector may not call before 8 a.m. or after 9 p.m. *at the consumer's location*. Where the
collector's information points to several locations (an area code in one zone, an address in
another), Reg F's commentary (comment 6(b)(1)(i)-2 and -3) counts a time as convenient only if it
is convenient in every one of them; :mod:`recoup.rules.debtor_timezone` lists those zones as a
debtor's ``candidates``, and this rule finds an instant lawful only if it is lawful in *all* of
them. Campaigns may add days they never call (weekdays, configured holidays); a holiday is the
debtor's local date, in any candidate zone.

The window is ``start`` inclusive to ``end`` exclusive on the local wall clock: at 21:00:00 the
call is refused. Time is read from the tz database for the very instant, so a morning after a
daylight-saving change is judged by that morning's offset, a skipped hour never happens, and a
repeated hour happens twice.

Pure: ``now`` comes in; zones are read-only package data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from recoup.compliance.local_time import (
    first_instant_showing,
    offset_changes,
    repeats_of,
    start_of_day,
    zone_named,
)

LEGAL_EARLIEST = time(8)
LEGAL_LATEST = time(21)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEARCH_DAYS = 800  # how far ahead next_allowed_at looks before answering "never"
_CHUNK_DAYS = 7


class WindowRule(StrEnum):
    CALLING_WINDOW = "calling_window"
    HOLIDAY = "holiday"


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """When calls may be placed, on the debtor's wall clock. Weekdays: 0 = Monday."""

    start: time = LEGAL_EARLIEST
    end: time = LEGAL_LATEST
    weekdays: frozenset[int] = frozenset(range(7))
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            msg = "a calling window's hours are wall-clock times, without a timezone"
            raise ValueError(msg)
        if self.start >= self.end:
            msg = f"the window must start before it ends ({self.start} to {self.end})"
            raise ValueError(msg)
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            msg = f"weekdays must name at least one of 0 (Monday) to 6 (Sunday): {self.weekdays}"
            raise ValueError(msg)

    @property
    def hours(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    allowed: bool
    rule: WindowRule | None = None
    reason: str | None = None  # shown to supervisors and stored with the refusal
    next_allowed_at: datetime | None = None  # None when allowed, or when no instant ever is


def is_lawful_in(instant: datetime, zone: ZoneInfo, window: CallingWindow) -> bool:
    """Whether ``instant`` falls inside ``window`` on ``zone``'s wall clock."""
    local = instant.astimezone(zone)
    return (
        local.weekday() in window.weekdays
        and local.date() not in window.holidays
        and window.start <= local.time() < window.end
    )


def _why_not(instant: datetime, name: str, zone: ZoneInfo, window: CallingWindow) -> WindowVerdict:
    local = instant.astimezone(zone)
    if local.date() in window.holidays:
        return WindowVerdict(
            False, WindowRule.HOLIDAY, f"{local:%A %Y-%m-%d} is a holiday in {name}"
        )
    if local.weekday() not in window.weekdays:
        return WindowVerdict(
            False,
            WindowRule.CALLING_WINDOW,
            f"{_DAY_NAMES[local.weekday()]} is not a calling day ({name})",
        )
    return WindowVerdict(
        False,
        WindowRule.CALLING_WINDOW,
        f"it is {local:%H:%M} in {name}, outside calling hours {window.hours} local time",
    )


def check_calling_window(
    zones: Sequence[str], now: datetime, window: CallingWindow, *, find_next: bool = True
) -> WindowVerdict:
    """Whether a call may be placed at ``now`` to a debtor who may be in any of ``zones``.

    Refused when any zone's wall clock is outside the window (or on a holiday or a day off), or
    when no zone is known or a zone is unknown to the tz database: the hour cannot be shown to be
    lawful then. ``next_allowed_at`` is the earliest instant lawful in every zone.
    """
    if now.tzinfo is None:
        msg = "now must be timezone-aware"
        raise ValueError(msg)
    if not zones:
        return WindowVerdict(False, WindowRule.CALLING_WINDOW, "the debtor's timezone is not known")
    resolved: list[tuple[str, ZoneInfo]] = []
    for name in dict.fromkeys(zones):
        zone = zone_named(name)
        if zone is None:
            return WindowVerdict(
                False, WindowRule.CALLING_WINDOW, f"{name!r} is not a timezone this system knows"
            )
        resolved.append((name, zone))
    for name, zone in resolved:
        if not is_lawful_in(now, zone, window):
            refusal = _why_not(now, name, zone, window)
            zones_only = [z for _, z in resolved]
            later = next_lawful_instant(zones_only, now, window) if find_next else None
            reason = refusal.reason
            if len(resolved) > 1:
                reason = (
                    f"{reason}; the debtor may be in any of {', '.join(n for n, _ in resolved)}"
                )
            if later is None and find_next:
                reason = f"{reason}; no hour is lawful in all of them"
            return WindowVerdict(False, refusal.rule, reason, later)
    return WindowVerdict(True)


def next_lawful_instant(
    zones: Sequence[ZoneInfo], now: datetime, window: CallingWindow
) -> datetime | None:
    """The earliest instant at or after ``now`` lawful in every zone, or None if none comes
    within :data:`SEARCH_DAYS` (zones whose windows never overlap).

    The lawful instants of one zone are a union of half-open spans; the earliest instant lawful
    in all zones is therefore ``now`` itself or the opening of some zone's span: the window's
    start on one of its days (each occurrence, when the hour repeats; the end of a gap, when it
    is skipped) or an offset change that moves its clock back into the window. Candidates are
    made a week at a time and tried in order; one is taken only if no candidate still to be made
    could come before it.
    """
    now = now.astimezone(UTC)

    def lawful(instant: datetime) -> bool:
        return all(is_lawful_in(instant, z, window) for z in zones)

    if lawful(now):
        return now
    first_days = {z: now.astimezone(z).date() for z in zones}
    made: list[datetime] = []
    for chunk in range(0, SEARCH_DAYS, _CHUNK_DAYS):
        for zone, first_day in first_days.items():
            for offset in range(chunk, chunk + _CHUNK_DAYS):
                made.extend(
                    c for c in _openings(first_day + timedelta(offset), zone, window) if c > now
                )
        horizon = min(
            start_of_day(d + timedelta(chunk + _CHUNK_DAYS), z) for z, d in first_days.items()
        )
        made.sort()
        for candidate in made:
            if candidate >= horizon:
                break
            if lawful(candidate):
                return candidate
        made = [c for c in made if c >= horizon]
    return None


def _openings(day: date, zone: ZoneInfo, window: CallingWindow) -> Iterator[datetime]:
    """The instants on ``day`` at which ``zone`` may become lawful."""
    if day.weekday() not in window.weekdays or day in window.holidays:
        return
    start = datetime.combine(day, window.start)
    yield first_instant_showing(start, zone)
    yield from repeats_of(start, zone)
    yield from offset_changes(start_of_day(day, zone), start_of_day(day + timedelta(1), zone), zone)

"""The abandoned-call cap, judged over a campaign's stored calls (for the audit).

47 CFR 64.1200(a)(7)(i): abandoned calls may be at most 3% of the calls answered by a live
person, per calling campaign, "measured over a 30-day period"; a call is abandoned when the
person who answers is not connected to an agent within two seconds. Ofcom's persistent misuse
policy (UK mode) caps the same share per campaign per calendar day.

How the audit measures (the live ``AbandonMeter`` of ``dialer/pacing`` steers the dialer; this
module only judges history):

- ``ROLLING_30_DAYS`` (the default, as DESIGN.md reads the rule): at the end of its 30th day
  (whether it called that day or not) and of every later day the campaign called, over the 30
  days ending then, so that every call is in some measure; a campaign that called on fewer than
  30 days' span is judged over its whole life. The successive periods below are measured too,
  so that the rolling reading never finds less than the regulation's own. (Otherwise days after
  the campaign stopped are not judged: a window holding only its last few days is not a
  measure of the campaign, unless it is the last of the successive periods.)
- ``SUCCESSIVE_30_DAYS`` (the regulation's own text: "calculated separately for each successive
  30-day period or portion thereof"): day 1-30 of the campaign, day 31-60, and so on; the last
  period ends on the last day the campaign called.
- ``CALENDAR_DAY`` (UK): every day on its own.

Days are dates in the policy's ``zone``. An abandoned call counts as live-answered too (someone
answered it) even when the row's ``live_answer`` was not set. Consecutive days over the cap are
reported as one breach, with the worst day's figures.

Pure: the calls are values.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class AbandonPeriod(StrEnum):
    ROLLING_30_DAYS = "rolling_30_days"
    SUCCESSIVE_30_DAYS = "successive_30_days"
    CALENDAR_DAY = "calendar_day"


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """One outbound call of a campaign, as the cap sees it."""

    at: datetime
    live_answer: bool
    abandoned: bool


@dataclass(frozen=True, slots=True)
class AbandonCapPolicy:
    cap: float = 0.03
    period: AbandonPeriod = AbandonPeriod.ROLLING_30_DAYS
    zone: str = "UTC"  # whose calendar the days are counted on
    period_days: int = 30

    @classmethod
    def uk(cls) -> AbandonCapPolicy:
        return cls(period=AbandonPeriod.CALENDAR_DAY, zone="Europe/London")


@dataclass(frozen=True, slots=True)
class AbandonWindow:
    first_day: date
    last_day: date
    live_answered: int
    abandoned: int

    @property
    def rate(self) -> float:
        return self.abandoned / self.live_answered if self.live_answered else 0.0


@dataclass(frozen=True, slots=True)
class AbandonBreach:
    """Days on which the measured rate was over the cap, and the worst of those measures."""

    from_day: date  # the first day whose measure was over
    to_day: date  # the last consecutive day whose measure was over
    worst: AbandonWindow

    def describe(self, cap: float) -> str:
        w = self.worst
        when = (
            f"{self.from_day}"
            if self.from_day == self.to_day
            else f"{self.from_day} to {self.to_day}"
        )
        return (
            f"abandon rate over {cap:.1%} on {when}: worst {w.rate:.1%} "
            f"({w.abandoned} abandoned of {w.live_answered} live-answered, "
            f"{w.first_day} to {w.last_day})"
        )


def _successive(
    origin: date, first: date, last: date, length: timedelta
) -> list[tuple[date, date]]:
    """Day 1-30 of the campaign (from ``origin``), day 31-60 ..., from the one holding ``first``
    on; the last one is cut at the last day it called."""
    periods = []
    step = length + timedelta(days=1)
    start = origin + step * ((first - origin) // step) if origin < first else first
    while start <= last:
        periods.append((start, min(start + length, last)))
        start += step
    return periods


def _windows(
    days: list[date], policy: AbandonCapPolicy, origin: date | None
) -> list[tuple[date, date]]:
    """(first day, last day) of every measure the period asks for, in order of their last day.

    The rolling measure includes the successive periods: it never finds less than the
    regulation's own reading does.
    """
    first, last = days[0], days[-1]
    length = timedelta(days=policy.period_days - 1)
    if policy.period is AbandonPeriod.CALENDAR_DAY:
        return [(day, day) for day in days]
    successive = _successive(origin or first, first, last, length)
    if policy.period is AbandonPeriod.SUCCESSIVE_30_DAYS:
        return successive
    if last - first < length:
        return [(first, last)]
    rolling = [(first, first + length)]  # the first 30 days, even if none called on the 30th
    rolling += [(day - length, day) for day in days if day >= first + length]
    return sorted({*rolling, *successive}, key=lambda w: (w[1], w[0]))


@dataclass(frozen=True, slots=True)
class DayCount:
    live_answered: int = 0
    abandoned: int = 0


def count_by_day(calls: Iterable[CallOutcome], zone: str) -> dict[date, DayCount]:
    """Live-answered and abandoned calls per date in ``zone``."""
    tz = ZoneInfo(zone)
    live: Counter[date] = Counter()
    abandoned: Counter[date] = Counter()
    for call in calls:
        day = call.at.astimezone(tz).date()
        if call.live_answer or call.abandoned:
            live[day] += 1
        if call.abandoned:
            abandoned[day] += 1
    return {d: DayCount(live[d], abandoned[d]) for d in sorted(live)}


def measure_days(
    counts: Mapping[date, DayCount], policy: AbandonCapPolicy, origin: date | None = None
) -> list[AbandonWindow]:
    """Every measure of one campaign's abandon rate the period asks for, in day order.

    ``origin``: the campaign's first day, when ``counts`` start later (an audit of recent
    history); the successive 30-day periods are counted from it.
    """
    days = sorted(d for d, c in counts.items() if c.live_answered or c.abandoned)
    if not days:
        return []
    measures = []
    seen: set[tuple[int, int]] = set()
    for lo, hi in _windows(days, policy, origin):
        span = bisect_left(days, lo), bisect_right(days, hi)
        if span in seen:  # the same calls as a measure already made
            continue
        seen.add(span)
        in_window = [counts[d] for d in days[span[0] : span[1]]]
        measures.append(
            AbandonWindow(
                lo, hi, sum(c.live_answered for c in in_window), sum(c.abandoned for c in in_window)
            )
        )
    return measures


def measure_abandon_rate(
    calls: Iterable[CallOutcome], policy: AbandonCapPolicy
) -> list[AbandonWindow]:
    """Every measure of one campaign's abandon rate over its calls."""
    return measure_days(count_by_day(calls, policy.zone), policy)


def find_abandon_breaches(
    calls: Iterable[CallOutcome], policy: AbandonCapPolicy
) -> list[AbandonBreach]:
    """The runs of consecutive measures over the cap (abandoned > cap x live-answered)."""
    return breaches_over_days(count_by_day(calls, policy.zone), policy)


def breaches_over_days(
    counts: Mapping[date, DayCount], policy: AbandonCapPolicy, origin: date | None = None
) -> list[AbandonBreach]:
    """The runs of consecutive measures over the cap, from daily counts (``origin``: see
    :func:`measure_days`)."""
    breaches: list[AbandonBreach] = []
    run: list[AbandonWindow] = []

    def close() -> None:
        if run:
            worst = max(run, key=lambda w: (w.rate, w.abandoned))
            breaches.append(AbandonBreach(run[0].last_day, run[-1].last_day, worst))
            run.clear()

    previous: date | None = None
    for window in measure_days(counts, policy, origin):
        over = window.abandoned > policy.cap * window.live_answered
        consecutive = previous is not None and window.last_day - previous <= timedelta(days=1)
        if not over or not consecutive:
            close()
        if over:
            run.append(window)
        previous = window.last_day
    close()
    return breaches

"""The abandon meter: abandoned calls as a share of live-answered calls, per campaign.

47 CFR 64.1200(a)(7) caps abandoned calls at 3% of the calls answered by a live person, per
campaign, measured over a rolling 30-day window. The regulation's own text also measures "each
successive 30-day period or portion thereof" of a campaign (day 1-30 from its first live
answer, day 31-60, ...), as ``recoup audit compliance`` does: a campaign may stop on any day,
so the period under way must hold at every moment too. The meter reads both and gives the one
with fewer abandons left; on day 31 that is the new period, which starts empty, so the pacer
takes no risk until its first live answers leave room (as it does each day in UK mode). Ofcom
(UK mode) measures the same share per calendar day. A call is abandoned when a person answers
and no agent is connected within two seconds (the identification message is then played).

AMD hangs up on some people, taking them for a machine. The dialer cannot see which, so the
meter adds an estimate: with a false-positive rate ``f``, each live answer that passed AMD stands
for ``f / (1 - f)`` people AMD hung up on, and each of those is both a live answer and an
abandon. The estimate is kept apart (``amd_estimated``) so that supervisors see where it comes
from.

Counts are kept in one-minute buckets, so a 30-day window costs at most 43,200 buckets and the
meter can be read at every pacing decision. The buckets hold whole calls (live answers,
abandons, live answers AMD screened) and the estimate is worked out when the meter is read, so
that a window the buckets have all left reads exactly empty.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

ROLLING_WINDOW = timedelta(days=30)
PERIOD_DAYS = 30
_MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class AbandonReading:
    """The meter's figures at one moment."""

    live_answered: float
    abandoned: float
    amd_estimated: float
    target: float

    @property
    def rate(self) -> float:
        """Abandoned / live answered (0 before the first live answer)."""
        return self.abandoned / self.live_answered if self.live_answered > 0 else 0.0

    @property
    def at_cap(self) -> bool:
        """The campaign has used its whole allowance: only 1:1 dialing is safe now."""
        return self.live_answered > 0 and self.rate >= self.target

    @property
    def headroom(self) -> float:
        """How many more abandons the window allows right now (negative when over)."""
        return self.target * self.live_answered - self.abandoned


class AbandonMeter:
    """Counts one campaign's live answers and abandons over its legal window."""

    def __init__(
        self,
        target: float = 0.03,
        *,
        uk_mode: bool = False,
        amd_false_positive: float = 0.0,
        timezone: tzinfo | None = None,
        periods_from: date | None = None,
    ) -> None:
        """``periods_from``: the campaign's first day with a live answer (day 1 of its
        successive 30-day periods); unknown, it is the first day the meter records one."""
        if not 0.0 < target < 1.0:
            msg = f"the abandon target is a fraction, not {target}"
            raise ValueError(msg)
        if not 0.0 <= amd_false_positive < 1.0:
            msg = f"the AMD false-positive rate is a fraction below 1, not {amd_false_positive}"
            raise ValueError(msg)
        self.target = target
        self.uk_mode = uk_mode
        self._fp_per_live = amd_false_positive / (1.0 - amd_false_positive)
        self._timezone = timezone
        # Each bucket holds its minute, then the live answers, abandons and live answers AMD
        # screened in it: whole calls, so that taking a bucket out leaves no rounding behind.
        self._buckets: deque[list[int]] = deque()
        self._days: dict[date, list[int]] = {}
        self._live = 0
        self._abandoned = 0
        self._screened = 0
        self._origin = periods_from
        self._forgotten_on: date | None = None  # the day old figures were last let go of

    def begin_periods(self, first_day: date) -> None:
        """Day 1 of the campaign's successive 30-day periods: its first live answer's day, which
        a meter seeded with the last 30 days only cannot see."""
        self._origin = first_day

    def _add(self, at: datetime, live: int, abandoned: int, screened: int) -> None:
        minute = int(at.timestamp() // _MINUTE)
        if self._buckets and self._buckets[-1][0] == minute:
            bucket = self._buckets[-1]
        else:
            bucket = [minute, 0, 0, 0]
            self._buckets.append(bucket)
        bucket[1] += live
        bucket[2] += abandoned
        bucket[3] += screened
        self._live += live
        self._abandoned += abandoned
        self._screened += screened
        if self._origin is None and live > 0:
            self._origin = self._day(at)
        day = self._days.setdefault(self._day(at), [0, 0, 0])
        day[0] += live
        day[1] += abandoned
        day[2] += screened

    def _figures(self, live: int, abandoned: int, screened: int) -> AbandonReading:
        """The reading of these whole calls, with AMD's estimated false positives added."""
        amd = screened * self._fp_per_live
        return AbandonReading(live + amd, abandoned + amd, amd, self.target)

    def _day(self, at: datetime) -> date:
        return at.astimezone(self._timezone).date() if self._timezone else at.date()

    def record_live_answer(self, at: datetime, *, amd_screened: bool = False) -> None:
        """A person answered (connected or not). With AMD on, add its hidden false positives."""
        self._add(at, 1, 0, 1 if amd_screened else 0)

    def record_abandon(self, at: datetime) -> None:
        """A person answered and no agent came within the connect limit."""
        self._add(at, 0, 1, 0)

    def reading(self, now: datetime) -> AbandonReading:
        """The figures over the legal window that ends at ``now``."""
        self._forget_before(now)
        if self.uk_mode:
            live, abandoned, screened = self._days.get(self._day(now), [0, 0, 0])
            return self._figures(live, abandoned, screened)
        rolling = self._figures(self._live, self._abandoned, self._screened)
        period = self._period_reading(self._day(now))
        return period if period is not None and period.headroom < rolling.headroom else rolling

    def _forget_before(self, now: datetime) -> None:
        """Let go of what no window can read any more: minutes older than the rolling 30 days,
        and days older than the longest period, so that a dialer running for months holds a
        month of figures, in either mode."""
        oldest = (now - ROLLING_WINDOW).timestamp() // _MINUTE
        while self._buckets and self._buckets[0][0] <= oldest:
            _, live, abandoned, screened = self._buckets.popleft()
            self._live -= live
            self._abandoned -= abandoned
            self._screened -= screened
        today = self._day(now)
        if today != self._forgotten_on:
            self._forgotten_on = today
            cutoff = today - timedelta(days=PERIOD_DAYS + 1)
            for day in [day for day in self._days if day < cutoff]:
                del self._days[day]

    def _period_reading(self, today: date) -> AbandonReading | None:
        """The successive 30-day period under way on ``today`` (None before the first)."""
        if self._origin is None or today < self._origin:
            return None
        elapsed = (today - self._origin).days
        start = self._origin + timedelta(days=elapsed - elapsed % PERIOD_DAYS)
        live = abandoned = screened = 0
        for offset in range((today - start).days + 1):
            counts = self._days.get(start + timedelta(days=offset))
            if counts is not None:
                live, abandoned = live + counts[0], abandoned + counts[1]
                screened += counts[2]
        return self._figures(live, abandoned, screened)

"""Reg F 12 CFR 1006.14(b)(2): at most 7 call attempts per debt in any 7 consecutive days, and
none within 7 days after a telephone conversation about it.

The regulation's presumption counts *telephone calls* placed to a person about a particular
debt, and the 7-day pause starts with a *telephone conversation*; "the date of the telephone
conversation is the first day of the seven-consecutive-day period" (1006.14(b)(2)(ii)).

Two decisions, each a policy switch:

- **Which channels count.** Issue 5 asks for "counting every channel", and the kernel's model
  says contact attempts on every channel are counted by the contact caps. Reg F's letter counts
  telephone calls only, and e-mail and text messages are not calls. Recoup's default follows
  the issue: every channel's attempts count toward the 7, and a conversation on any channel
  (a recorded ``conversation``, e.g. a debtor who answers a text and talks terms) starts the
  pause. That refuses every call Reg F's letter refuses and more, so it is always lawful; a
  jurisdiction that wants the letter sets ``counted_channels`` to calls only
  (:meth:`ContactCapPolicy.telephone_only`).
- **What "7 consecutive days" means.** Read as calendar days on the debtor's wall clock (the
  regulation's wording) or as any 7 x 24 hours (what dialers usually meter). Neither contains
  the other: 7 calls at 10:00 on a Tuesday and one at 09:30 the next Tuesday are 8 in 168 hours
  but in two calendar weeks; across the autumn clock change a calendar week lasts 169 hours.
  The default (``BOTH``) refuses what either reading refuses. Calendar days are judged in every
  candidate zone of the debtor, as calling hours are.

Not applied (conservative): the exclusions of 1006.14(b)(3) (calls that do not connect, calls
the consumer asked for). A conversation's instant is the answer of the call (``answered_at``),
else the attempt's start.

Pure: ``now`` comes in; history and policy are values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from recoup.compliance.local_time import start_of_day, zone_named
from recoup.domain.model import ContactChannel


class CapRule(StrEnum):
    SEVEN_IN_SEVEN = "contact_cap_7in7"
    CONVERSATION_PAUSE = "conversation_pause"


class CapReading(StrEnum):
    ROLLING = "rolling"  # any 7 x 24 hours
    CALENDAR = "calendar"  # 7 consecutive dates on the debtor's wall clock
    BOTH = "both"  # refused if either reading refuses


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact attempt about the debt, as the cap sees it."""

    at: datetime
    channel: ContactChannel = ContactChannel.CALL
    conversation: bool = False
    abandoned: bool = False
    answered_at: datetime | None = None
    phone: str = ""
    closed_at: datetime | None = None  # when the call ended

    @property
    def conversation_at(self) -> datetime:
        return self.answered_at or self.at

    @property
    def abandoned_at(self) -> datetime:
        """When an abandoned call was abandoned: its end, else (not closed yet) its answer, else
        its start."""
        return self.closed_at or self.answered_at or self.at


@dataclass(frozen=True, slots=True)
class ContactCapPolicy:
    max_attempts: int = 7
    period_days: int = 7
    pause_days: int = 7
    counted_channels: frozenset[ContactChannel] = frozenset(ContactChannel)
    reading: CapReading = CapReading.BOTH

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.period_days < 1 or self.pause_days < 0:
            msg = "a contact cap needs at least 1 attempt, 1 day, and a pause of 0 days or more"
            raise ValueError(msg)
        if not self.counted_channels:
            msg = "count at least one channel"
            raise ValueError(msg)

    @classmethod
    def telephone_only(cls) -> ContactCapPolicy:
        """Reg F's letter: only telephone calls count, only a call's conversation pauses."""
        return cls(counted_channels=frozenset({ContactChannel.CALL}))

    @property
    def rolling(self) -> bool:
        return self.reading in (CapReading.ROLLING, CapReading.BOTH)

    @property
    def calendar(self) -> bool:
        return self.reading in (CapReading.CALENDAR, CapReading.BOTH)

    @property
    def lookback(self) -> timedelta:
        """How far back history must reach to judge a dial now (a day's margin for zones)."""
        return timedelta(days=max(self.period_days, self.pause_days) + 2)


@dataclass(frozen=True, slots=True)
class CapVerdict:
    allowed: bool
    rule: CapRule | None = None
    reason: str | None = None
    next_allowed_at: datetime | None = None


def _zones(names: Sequence[str]) -> tuple[ZoneInfo, ...]:
    found = tuple(z for z in (zone_named(n) for n in dict.fromkeys(names)) if z is not None)
    return found or (ZoneInfo("UTC"),)


def _day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


class _Cap:
    """One debt's counted history, judged at any instant."""

    def __init__(
        self, history: Iterable[Contact], zones: tuple[ZoneInfo, ...], policy: ContactCapPolicy
    ) -> None:
        counted = [c for c in history if c.channel in policy.counted_channels]
        self.times = sorted(c.at.astimezone(UTC) for c in counted)
        self.talks = sorted(c.conversation_at.astimezone(UTC) for c in counted if c.conversation)
        self.zones = zones
        self.policy = policy
        self.period = timedelta(days=policy.period_days)
        self.pause = timedelta(days=policy.pause_days)

    def pause_at(self, x: datetime) -> datetime | None:
        """The conversation that forbids a call at ``x``, if any (the latest).

        A conversation recorded after ``x`` forbids it too: it has taken place, and the clock
        that reads ``x`` is behind (set back, or another host's). The audit, judging a call
        against what was known when it was placed, leaves out later conversations itself.
        """
        for talk in reversed(self.talks):
            if self.policy.rolling and x < talk + self.pause:
                return talk
            if self.policy.calendar and any(
                (_day(x, z) - _day(talk, z)).days < self.policy.pause_days for z in self.zones
            ):
                return talk
        return None

    def crowd_at(self, x: datetime) -> int:
        """The most counted attempts already in one period that a call at ``x`` would join."""
        most = 0
        if self.policy.rolling:
            starts = [t for t in self.times if x - self.period < t <= x] + [x]
            for s in starts:
                most = max(most, sum(1 for t in self.times if s <= t < s + self.period))
        if self.policy.calendar:
            days = self.policy.period_days
            for z in self.zones:
                today = _day(x, z)
                dated = [_day(t, z) for t in self.times]
                for first in range(days):
                    lo = today - timedelta(days=days - 1 - first)
                    hi = lo + timedelta(days=days - 1)
                    most = max(most, sum(1 for d in dated if lo <= d <= hi))
        return most

    def allows(self, x: datetime) -> bool:
        return self.pause_at(x) is None and self.crowd_at(x) < self.policy.max_attempts

    def openings(self, now: datetime) -> list[datetime]:
        """Every instant at which the cap may stop refusing: now, and each attempt's or
        conversation's period end (elapsed, and at the local midnight ending it)."""
        found = {now}
        for times, length in (
            (self.times, self.policy.period_days),
            (self.talks, self.policy.pause_days),
        ):
            for t in times:
                found.add(t + timedelta(days=length))
                if self.policy.calendar:
                    found.update(
                        start_of_day(_day(t, z) + timedelta(days=length), z) for z in self.zones
                    )
        return sorted(x for x in found if x >= now)


def check_contact_cap(
    history: Sequence[Contact],
    now: datetime,
    policy: ContactCapPolicy,
    zones: Sequence[str] = (),
    *,
    find_next: bool = True,
) -> CapVerdict:
    """Whether one more call about this debt at ``now`` keeps within Reg F's call frequencies.

    ``history`` is the debt's contact attempts (any channel; the policy chooses which count);
    ``zones`` are the debtor's candidate zones, for the calendar-day reading (UTC if none).
    ``find_next=False`` skips looking for ``next_allowed_at`` (an audit of the past).
    """
    if now.tzinfo is None:
        msg = "now must be timezone-aware"
        raise ValueError(msg)
    now = now.astimezone(UTC)
    cap = _Cap(history, _zones(zones), policy)
    talk = cap.pause_at(now)
    crowd = cap.crowd_at(now)
    if talk is None and crowd < policy.max_attempts:
        return CapVerdict(True)
    later = next((x for x in cap.openings(now) if cap.allows(x)), None) if find_next else None
    if talk is not None:
        return CapVerdict(
            False,
            CapRule.CONVERSATION_PAUSE,
            f"a conversation about this debt at {talk:%Y-%m-%d %H:%M} UTC; no call for "
            f"{policy.pause_days} days after it (Reg F 1006.14(b)(2)(ii))",
            later,
        )
    return CapVerdict(
        False,
        CapRule.SEVEN_IN_SEVEN,
        f"{crowd} attempts about this debt already in {policy.period_days} consecutive days; "
        f"at most {policy.max_attempts} (Reg F 1006.14(b)(2)(i))",
        later,
    )

"""The dialing policies users know, to measure Recoup's predictive pacer against.

- :class:`ProgressivePacer`: a fixed number of lines per agent, as VICIdial's RATIO dial method
  counts them: ``ratio x (ready + talking agents)`` lines, an agent on a call holding one of its
  lines. At 1:1 ("progressive") a call is placed only for an agent who is free and has none
  ringing, so it abandons only when AMD hangs up on a person; 2:1 is the common "ratio"
  setting.
- :class:`PreviewPacer`: the agent asks for each call.
- :class:`VicidialAdaptive`: VICIdial's ADAPT_* dial methods, reimplemented from their public
  description and checked line by line against VICIdial's own AST_VDadapt.pl (version 2.4) and
  AST_VDauto_dial.pl, whose rules it follows, thresholds and quirks included:

  * every second the pacer samples the campaign's ready agents, its calls waiting for an agent
    and its logged-in agents (paused ones and those in wrap-up too: VICIdial shows wrap-up as
    paused); every 15 s it averages the last 15 samples, takes *ready less waiting* plus
    ``adaptive_dl_diff_target`` (-1 aims at one agent waiting, +1 at one call waiting) and
    turns it into a share of the logged-in agents;
  * ``adaptive_intensity`` (-40..40) scales that share: a positive share (agents idle) by
    ``1 + intensity/100``, a negative one (calls waiting) by ``1 - intensity/100``;
  * the dial level moves by that share of itself, between the floor 1.0 and
    ``adaptive_maximum_level`` (3.0);
  * the drop rules read drop figures refreshed once a minute. When more than 20 calls were
    placed in the last minute and more than half of them dropped, the level is halved. When
    more than 50 calls were placed today and today's drops are over
    ``adaptive_dropped_percentage`` of today's answers: ADAPT_HARD_LIMIT sets the level to 1.0,
    ADAPT_AVERAGE halves it, and ADAPT_TAPERED multiplies it by the hours left until
    ``adaptive_latest_server_time`` (21:00) over ten, at most 1 (so before 11:00 it lets the
    drops run), or sets it to 1.0 once that time has passed. The hours are VICIdial's: the
    difference of two HHMM numbers over 1000, so 13:30 leaves 0.77;
  * every 2.5 s it dials ``round(level x active agents)`` lines, less the calls in progress
    (ringing, waiting and talking: a talking agent holds one of the level's lines), where
    active agents are those ready or talking.

  The server clock is the snapshot's ``now`` (a simulated day starts at 09:00).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dialer.pacing.snapshot import DialDecision, DialMode, PacingSnapshot, one_to_one


class ProgressivePacer:
    """``ratio`` lines per agent ready or talking."""

    tick_s = 1.0

    def __init__(self, ratio: float = 1.0, name: str = "progressive") -> None:
        if not 0.0 < ratio <= 10.0:
            msg = f"a progressive ratio is between 0 and 10 lines per agent, not {ratio}"
            raise ValueError(msg)
        self.ratio = ratio
        self.name = name

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        return DialDecision(
            one_to_one(snapshot, self.ratio),
            DialMode.PROGRESSIVE,
            f"{self.ratio:g} line(s) per agent",
        )


class PreviewPacer:
    """One call per agent who asked for one."""

    name = "preview"
    tick_s = 1.0

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        asked = min(snapshot.preview_requests, snapshot.agents_free)
        return DialDecision(max(0, asked), DialMode.PREVIEW, "agents asked for their next call")


class DropMode(StrEnum):
    """VICIdial's dial methods' answers to the drop percentage."""

    HARD_LIMIT = "ADAPT_HARD_LIMIT"
    AVERAGE = "ADAPT_AVERAGE"
    TAPERED = "ADAPT_TAPERED"


@dataclass(frozen=True, slots=True)
class VicidialSettings:
    """A VICIdial campaign's adaptive settings (its defaults)."""

    drop_mode: DropMode = DropMode.TAPERED
    intensity: float = 0.0
    diff_target: float = 0.0
    maximum_level: float = 3.0
    dropped_percentage: float = 3.0
    latest_server_time: int = 2100  # HHMM: ADAPT_TAPERED is strict from this hour

    @property
    def label(self) -> str:
        return (
            f"{self.drop_mode.value} intensity={self.intensity:g} diff_target={self.diff_target:g}"
        )


@dataclass(frozen=True, slots=True)
class DropStats:
    """The drop figures VICIdial's adaptive script refreshes once a minute."""

    calls_today: int = 0
    drop_pct_today: float = 0.0  # of today's answered calls
    calls_last_minute: int = 0
    drop_pct_last_minute: float = 0.0  # of the calls placed in the last minute


MINIMUM_LEVEL = 1.0
SAMPLES = 15
RECALC_S = 15.0
DROPS_S = 60.0
DIAL_S = 2.5


def adapt_level(
    level: float, differential: float, agents: float, settings: VicidialSettings
) -> float:
    """The dial level after one 15-second step, before the drop rules.

    ``differential`` is the average of ready agents less calls waiting, ``agents`` the average
    of logged-in agents.
    """
    target = differential + settings.diff_target
    if agents <= 0 or target == 0:
        return level
    share = target / agents
    factor = 1 + settings.intensity / 100 if share >= 0 else abs(settings.intensity / 100 - 1)
    return min(settings.maximum_level, max(MINIMUM_LEVEL, level + level * share * factor))


def tapered_rate(hourmin: int, settings: VicidialSettings) -> float | None:
    """ADAPT_TAPERED's multiplier at server time ``hourmin`` (HHMM), or None once it has passed
    ``adaptive_latest_server_time`` (the level then goes to 1.0)."""
    left = settings.latest_server_time - hourmin
    if left < 0:
        return None
    return min(1.0, left / 1000)


def apply_drop_rules(
    level: float, stats: DropStats, hourmin: int, settings: VicidialSettings
) -> float:
    """The dial level once the last minute's and the day's drops are taken into account."""
    if stats.calls_last_minute > 20 and stats.drop_pct_last_minute > 50:
        level /= 2
    if stats.calls_today > 50 and stats.drop_pct_today > settings.dropped_percentage:
        if settings.drop_mode is DropMode.HARD_LIMIT:
            level = MINIMUM_LEVEL
        elif settings.drop_mode is DropMode.AVERAGE:
            level /= 2
        else:
            rate = tapered_rate(hourmin, settings)
            level = MINIMUM_LEVEL if rate is None else level * rate
    return max(MINIMUM_LEVEL, level)


class VicidialAdaptive:
    """VICIdial's adaptive predictive dialing (see the module's description)."""

    tick_s = 0.5

    def __init__(self, settings: VicidialSettings | None = None, name: str = "vicidial") -> None:
        self.settings = settings or VicidialSettings()
        self.name = name
        self.level = MINIMUM_LEVEL
        self.drops = DropStats()
        self._samples: deque[tuple[int, int]] = deque(maxlen=SAMPLES)
        self._dialled: deque[tuple[float, int]] = deque()  # the last minute's dials
        self._dropped: deque[tuple[float, float]] = deque()  # drops counted, a minute back
        self._calls_today = 0
        self._start: datetime | None = None
        self._last_sample = -1.0
        self._last_recalc = 0.0
        self._last_drops = -DROPS_S
        self._last_dial = -DIAL_S

    def _refresh_drops(self, t: float, answered: float, dropped: float) -> None:
        while self._dialled and self._dialled[0][0] <= t - 60:
            self._dialled.popleft()
        while len(self._dropped) > 1 and self._dropped[1][0] <= t - 60:
            self._dropped.popleft()
        calls_minute = sum(n for _, n in self._dialled)
        drops_minute = dropped - self._dropped[0][1] if self._dropped else 0.0
        self.drops = DropStats(
            calls_today=self._calls_today,
            drop_pct_today=100 * dropped / max(1.0, answered) if dropped > 0 else 0.0,
            calls_last_minute=calls_minute,
            drop_pct_last_minute=(
                100 * drops_minute / calls_minute if drops_minute > 0 and calls_minute else 0.0
            ),
        )

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        if self._start is None:
            self._start = snapshot.now
        t = (snapshot.now - self._start).total_seconds()
        reading = snapshot.abandon
        answered = reading.live_answered - reading.amd_estimated
        dropped = reading.abandoned - reading.amd_estimated
        if t - self._last_sample >= 1.0:
            self._last_sample = t
            logged_in = snapshot.agents_working + snapshot.agents_paused
            self._samples.append((snapshot.agents_free - snapshot.waiting, logged_in))
            self._dropped.append((t, dropped))
        if t - self._last_drops >= DROPS_S:
            self._last_drops = t
            self._refresh_drops(t, answered, dropped)
        agents = sum(s[1] for s in self._samples) / len(self._samples) if self._samples else 0.0
        if t - self._last_recalc >= RECALC_S and agents > 0:
            self._last_recalc = t
            differential = sum(s[0] for s in self._samples) / len(self._samples)
            level = adapt_level(self.level, differential, agents, self.settings)
            hourmin = snapshot.now.hour * 100 + snapshot.now.minute
            self.level = apply_drop_rules(level, self.drops, hourmin, self.settings)
        if t - self._last_dial < DIAL_S - 1e-9 or snapshot.agents_working == 0:
            return DialDecision(0, DialMode.PREDICTIVE, f"dial level {self.level:.2f}")
        self._last_dial = t
        active = snapshot.agents_free + len(snapshot.talking)
        in_progress = snapshot.calls_in_progress + len(snapshot.talking)
        dials = max(0, round(self.level * active) - in_progress)
        if dials:
            self._calls_today += dials
            self._dialled.append((t, dials))
        return DialDecision(dials, DialMode.PREDICTIVE, f"dial level {self.level:.2f}")

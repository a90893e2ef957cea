"""The dialing policies users know, to measure Recoup's predictive pacer against.

- :class:`ProgressivePacer`: a fixed number of lines per agent, as VICIdial's RATIO dial method
  counts them: ``ratio x (ready + talking agents)`` lines, an agent on a call holding one of its
  lines. At 1:1 ("progressive") a call is placed only for an agent who is free and has none
  ringing, so it abandons only when AMD hangs up on a person; 2:1 is the common "ratio"
  setting.
- :class:`PreviewPacer`: the agent asks for each call.
- :class:`VicidialAdaptive`: VICIdial's ADAPT_* dial methods, reimplemented from their public
  description (the campaign settings' help and AST_VDadapt's documented behaviour):

  * every second the pacer samples *ready agents minus calls waiting*; every 15 s it averages
    the last 15 samples, adds ``adaptive_dl_diff_target`` (-1 aims at one agent waiting, +1 at
    one call waiting) and turns the average into a share of the active agents;
  * ``adaptive_intensity`` (-40..40) scales that share: a positive share (agents idle) by
    ``1 + intensity/100``, a negative one (calls waiting) by ``1 - intensity/100``;
  * the dial level moves by that share of itself, between the floor 1.0 and
    ``adaptive_maximum_level`` (3.0);
  * the drop rules use the day's dropped / answered calls: ADAPT_HARD_LIMIT drops the level to
    1.0 whenever the day is at or over ``adaptive_dropped_percentage``; ADAPT_AVERAGE scales the
    level by target / actual when over; ADAPT_TAPERED allows up to twice the target at the start
    of the shift, tapering to the target at mid-shift, then acts as the hard limit; whatever the
    mode, the level is halved when more than half of the last minute's answered calls dropped;
  * every 2.5 s it dials ``round(level x active agents)`` lines, less the calls in progress
    (ringing, waiting and talking: a talking agent holds one of the level's lines).

  Active agents are those ready or talking (VICIdial shows agents in wrap-up as paused).
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
    shift_s: float = 8 * 3600.0

    @property
    def label(self) -> str:
        return (
            f"{self.drop_mode.value} intensity={self.intensity:g} diff_target={self.diff_target:g}"
        )


MINIMUM_LEVEL = 1.0
SAMPLES = 15
RECALC_S = 15.0
DIAL_S = 2.5


def adapt_level(
    level: float, differential: float, agents: float, settings: VicidialSettings
) -> float:
    """The dial level after one 15-second step, before the drop rules."""
    if agents <= 0:
        return level
    share = (differential + settings.diff_target) / agents
    factor = 1 + settings.intensity / 100 if share >= 0 else abs(settings.intensity / 100 - 1)
    return min(settings.maximum_level, max(MINIMUM_LEVEL, level + level * share * factor))


def apply_drop_rules(
    level: float,
    drop_pct: float,
    last_minute_drop_pct: float,
    shift_fraction: float,
    settings: VicidialSettings,
) -> float:
    """The dial level once the day's and the last minute's drops are taken into account."""
    target = settings.dropped_percentage
    if settings.drop_mode is DropMode.TAPERED:
        allowed = target * (1 + max(0.0, 1 - 2 * shift_fraction))
        if drop_pct >= allowed:
            level = MINIMUM_LEVEL
    elif settings.drop_mode is DropMode.HARD_LIMIT:
        if drop_pct >= target:
            level = MINIMUM_LEVEL
    elif drop_pct > target:
        level *= target / drop_pct
    if last_minute_drop_pct > 50:
        level /= 2
    return min(settings.maximum_level, max(MINIMUM_LEVEL, level))


class VicidialAdaptive:
    """VICIdial's adaptive predictive dialing (see the module's description)."""

    tick_s = 0.5

    def __init__(self, settings: VicidialSettings | None = None, name: str = "vicidial") -> None:
        self.settings = settings or VicidialSettings()
        self.name = name
        self.level = MINIMUM_LEVEL
        self._samples: deque[tuple[float, float]] = deque(maxlen=SAMPLES)
        self._minute: deque[tuple[float, float, float]] = deque()
        self._start: datetime | None = None
        self._last_sample = -1.0
        self._last_recalc = 0.0
        self._last_dial = -DIAL_S

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        if self._start is None:
            self._start = snapshot.now
        t = (snapshot.now - self._start).total_seconds()
        reading = snapshot.abandon
        answered = reading.live_answered - reading.amd_estimated
        dropped = reading.abandoned - reading.amd_estimated
        active = snapshot.agents_free + len(snapshot.talking)
        if t - self._last_sample >= 1.0:
            self._last_sample = t
            ready = max(0, snapshot.agents_free)
            self._samples.append((ready - snapshot.waiting, active))
            self._minute.append((t, answered, dropped))
            while self._minute and self._minute[0][0] < t - 60:
                self._minute.popleft()
        if t - self._last_recalc >= RECALC_S and self._samples:
            self._last_recalc = t
            differential = sum(s[0] for s in self._samples) / len(self._samples)
            agents = sum(s[1] for s in self._samples) / len(self._samples)
            level = adapt_level(self.level, differential, agents, self.settings)
            drop_pct = 100 * dropped / answered if answered > 0 else 0.0
            _, answered_then, dropped_then = self._minute[0]
            minute_answered = answered - answered_then
            minute_pct = (
                100 * (dropped - dropped_then) / minute_answered if minute_answered > 0 else 0.0
            )
            fraction = min(1.0, t / self.settings.shift_s)
            self.level = apply_drop_rules(level, drop_pct, minute_pct, fraction, self.settings)
        if t - self._last_dial < DIAL_S - 1e-9 or snapshot.agents_working == 0:
            return DialDecision(0, DialMode.PREDICTIVE, f"dial level {self.level:.2f}")
        self._last_dial = t
        in_progress = snapshot.calls_in_progress + len(snapshot.talking)
        dials = max(0, round(self.level * active) - in_progress)
        return DialDecision(dials, DialMode.PREDICTIVE, f"dial level {self.level:.2f}")

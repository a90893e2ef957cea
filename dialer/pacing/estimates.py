"""What the pacer knows about a campaign, learned online from its own recent calls.

A campaign starts cold: it has dialed nothing yet, so every estimate starts from a prior (a
plausible collections campaign) and moves to the campaign's own figures as calls complete.

- :class:`RateEstimate` is a share of dials (live answers, machines): a Beta prior plus counts
  that fade, so the estimate follows an answer rate that changes through the day.
- :class:`DurationEstimate` is a distribution of durations (ring before answer, talk, wrap-up):
  the most recent samples, the prior's quantiles filling the window until real samples push them
  out. It answers the pacer's one question: "this call has lasted ``e`` seconds; how likely is
  it to be over within ``h`` more?". Nothing about the shape is assumed, so an exponential talk
  time (where elapsed time tells nothing) and a constant wrap-up (where it tells everything) are
  both learned right.

No clock is read here: samples arrive with the calls that produced them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dialer.pacing.scenario import Duration

FloatArray = npt.NDArray[np.float64]
_FEW_SAMPLES = 5  # fewer recent samples than this longer than a call say nothing of its tail


class RateEstimate:
    """A share of events (e.g. dials answered live), with a prior and a fading memory."""

    def __init__(self, prior: float, prior_weight: float = 20.0, memory: float = 300.0) -> None:
        if not 0.0 <= prior <= 1.0:
            msg = f"a rate's prior is a fraction, not {prior}"
            raise ValueError(msg)
        self._prior = prior
        self._prior_weight = prior_weight
        self._keep = 1.0 - 1.0 / memory
        self._hits = 0.0
        self._trials = 0.0

    def observe(self, hit: bool) -> None:
        self._hits = self._hits * self._keep + (1.0 if hit else 0.0)
        self._trials = self._trials * self._keep + 1.0

    @property
    def value(self) -> float:
        return (self._hits + self._prior * self._prior_weight) / (self._trials + self._prior_weight)

    @property
    def evidence(self) -> float:
        """How many (faded) observations the estimate rests on."""
        return self._trials


class DurationEstimate:
    """A duration distribution from a window of recent samples, primed with a prior."""

    def __init__(self, prior: Duration, window: int = 400, prior_samples: int = 20) -> None:
        if window < prior_samples or prior_samples < 1:
            msg = "the window must hold at least the prior's samples"
            raise ValueError(msg)
        quantiles = [prior.quantile((i + 0.5) / prior_samples) for i in range(prior_samples)]
        self._samples: list[float] = quantiles
        self._window = window
        self._next = 0  # where the next sample goes once the window is full
        self._prior_left = prior_samples  # prior samples still in the window
        self._sorted: list[float] = sorted(quantiles)
        self._ordered: FloatArray = np.asarray(self._sorted)
        self._fresh = 0
        self.version = 0
        self.observed = 0  # samples the campaign's own calls gave, ever
        self.latest: float | None = None  # the most recent of them

    def observe(self, seconds: float) -> None:
        value = max(0.0, seconds)
        self.observed += 1
        self.latest = value
        if self._prior_left > 0:
            # Real samples push the prior out first.
            self._prior_left -= 1
            self._samples[self._prior_left] = value
        elif len(self._samples) < self._window:
            self._samples.append(value)
        else:
            self._samples[self._next] = value
            self._next = (self._next + 1) % self._window
        self._fresh += 1
        if self._fresh >= max(10, len(self._samples) // 20):
            self._refresh()

    def _refresh(self) -> None:
        self._sorted = sorted(self._samples)
        self._ordered = np.asarray(self._sorted)
        self._fresh = 0
        self.version += 1

    @property
    def mean(self) -> float:
        return sum(self._sorted) / len(self._sorted)

    def cdf(self, seconds: float) -> float:
        """The share of recent samples at or below ``seconds``."""
        return bisect.bisect_right(self._sorted, seconds) / len(self._sorted)

    def quantile(self, share: float) -> float:
        """The duration below which ``share`` of recent samples fall."""
        index = min(len(self._sorted) - 1, max(0, int(share * len(self._sorted))))
        return self._sorted[index]

    def done_within(self, elapsed: float, horizon: float) -> float:
        """P(over within ``horizon`` more seconds | lasted ``elapsed`` so far)."""
        return float(self.done_within_table(np.array([elapsed]), (horizon,))[0, 0])

    def done_within_table(self, elapsed: FloatArray, horizons: tuple[float, ...]) -> FloatArray:
        """``done_within`` for every elapsed time (rows) and horizon (columns), at once.

        Beyond the last few samples the empirical tail says nothing, so a call that has lasted
        longer than almost all recent ones is given an exponential residual with the mean of
        the longest fifth of the samples.
        """
        ordered = self._ordered
        below, survivors = self._beyond(elapsed)
        tail_mean = self._tail_mean()
        table = np.empty((len(elapsed), len(horizons)))
        for column, horizon in enumerate(horizons):
            ended = np.searchsorted(ordered, elapsed + horizon, side="right") - below
            empirical = ended / np.maximum(survivors, 1)
            exponential = 1.0 - np.exp(-max(horizon, 0.0) / tail_mean)
            table[:, column] = np.where(survivors >= _FEW_SAMPLES, empirical, exponential)
        return table

    def _beyond(self, elapsed: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per elapsed time: how many recent samples are at or below it, and how many longer."""
        below = np.searchsorted(self._ordered, elapsed, side="right")
        return below, len(self._ordered) - below

    def _tail_mean(self) -> float:
        """The mean of the longest fifth of the samples: the residual beyond the last few."""
        ordered = self._ordered
        return max(1.0, float(ordered[int(len(ordered) * 0.8) :].mean()))

    def quantiles(self, shares: FloatArray) -> FloatArray:
        """``quantile`` for an array of shares in [0, 1): with uniform shares, a sample."""
        ordered = self._ordered
        index = np.minimum((shares * len(ordered)).astype(np.int64), len(ordered) - 1)
        return ordered[index]

    def remaining(self, elapsed: FloatArray, shares: FloatArray) -> FloatArray:
        """How much longer a duration that has lasted ``elapsed`` goes on, at ``shares``.

        ``elapsed`` holds one figure per call or agent (columns); ``shares`` is a matrix of
        uniform numbers, a row per drawn future. The residual law is the recent samples longer
        than ``elapsed``, or, past the last few of them, the exponential tail of
        ``done_within_table``.
        """
        ordered = self._ordered
        below, survivors = self._beyond(elapsed)
        index = np.minimum(
            below + (shares * np.maximum(survivors, 1)).astype(np.int64), len(ordered) - 1
        )
        empirical = np.maximum(ordered[index] - elapsed, 0.0)
        exponential = -self._tail_mean() * np.log1p(-np.minimum(shares, 1.0 - 1e-12))
        return np.where(survivors >= _FEW_SAMPLES, empirical, exponential)


def _default_priors() -> dict[str, Duration]:
    return {
        "answer_delay": Duration("uniform", 3.0, 25.0),
        "fail_duration": Duration("uniform", 2.0, 30.0),
        "talk": Duration("lognormal", 180.0, 180.0),
        "wrap": Duration("lognormal", 20.0, 10.0),
    }


@dataclass
class CampaignEstimates:
    """The running estimates a campaign's pacer reads, all learned from its own calls."""

    live: RateEstimate = field(default_factory=lambda: RateEstimate(0.25))
    machine: RateEstimate = field(default_factory=lambda: RateEstimate(0.05))
    answer_delay: DurationEstimate = field(
        default_factory=lambda: DurationEstimate(_default_priors()["answer_delay"])
    )
    fail_duration: DurationEstimate = field(
        default_factory=lambda: DurationEstimate(_default_priors()["fail_duration"])
    )
    talk: DurationEstimate = field(
        default_factory=lambda: DurationEstimate(_default_priors()["talk"])
    )
    wrap: DurationEstimate = field(
        default_factory=lambda: DurationEstimate(_default_priors()["wrap"])
    )
    # Agents who take a break (or log out) at the end of a wrap-up instead of taking the next
    # call: none until the campaign's own agents show otherwise.
    break_after_wrap: RateEstimate = field(default_factory=lambda: RateEstimate(0.0))

    def observe_wrap_end(self, *, available: bool) -> None:
        """An agent finished a wrap-up, and either became available or took a break (or left)."""
        self.break_after_wrap.observe(not available)

    def observe_dial(self, *, live: bool, machine: bool) -> None:
        """A dial's outcome is known (answered by a person, by a machine, or not at all)."""
        self.live.observe(live)
        self.machine.observe(machine)

    @property
    def version(self) -> tuple[int, int, int, int]:
        """Changes whenever a distribution's cached shape changes."""
        return (
            self.answer_delay.version,
            self.fail_duration.version,
            self.talk.version,
            self.wrap.version,
        )

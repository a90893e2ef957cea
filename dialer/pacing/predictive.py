"""Predictive pacing: place as many calls as the agents about to be free can take, and no more.

The method
----------

A call placed now is answered (if at all) some seconds from now, and a person who answers must
have an agent within the connect limit (2 s) or the call is abandoned. So the pacer forecasts,
at a few moments ahead ``t_1 < ... < t_J`` (quantiles of the learned answer delay), two counts:

- **supply** ``K(t + c)``: agents free by ``t`` plus the connect limit ``c``. Free agents now
  count as 1 (less the calls already waiting for them); each busy agent is a Bernoulli trial
  whose probability is its *residual* time given what has elapsed: an agent ``e`` seconds into a
  talk is free by ``h`` when the talk ends within ``h - wrap`` more seconds, given it has lasted
  ``e`` (from the learned talk distribution); an agent ``w`` seconds into a wrap-up is free when
  the wrap-up ends within ``h`` more; both times the learned chance that the agent does not take
  a break at the end of the wrap-up (an agent who has already asked for a break or to log out
  is not in the snapshot at all). ``K`` is a Poisson-binomial count.
- **demand** ``D(t)``: calls that will want an agent by ``t``: each ringing call is a Bernoulli
  trial (its chance of being answered by a person, given it has rung ``r`` seconds without an
  answer or a failure, times its chance of answering by ``r + t``); each of ``n`` new calls is
  one with probability ``p_live x P(answer delay <= t)``. With AMD off, machines want an agent
  too (for ``machine_handle`` seconds) but their drops are not abandons.

Abandons happen when callers outrun agents: with agents that, once free, wait for a caller and
callers that cannot wait past ``c``, the calls lost by ``T`` are ``sup_t (D(t) - K(t + c))^+``.
The pacer approximates their expectation by ``max_j E[(D(t_j) - K(t_j + c))^+]``, each count
difference taken as a translated Poisson law when small (its skew is how calls get abandoned:
"one of two unlikely early answers finds no agent") and a normal law when large. Both are
closed forms, so a decision for 100 agents costs some tens of microseconds.

The choice, at each tick (every second):

1. calls that risk nothing are always placed: one for each agent free now, or *surely* free by
   the earliest a call can be answered (an agent near the end of a constant wrap-up), less the
   calls already ringing that may yet be answered (a call that has rung longer than every
   recent answer took only waits for its no-answer timeout) and those answered that AMD is
   still listening to: this is progressive 1:1 with a look-ahead;
2. beyond those, the pacer adds calls while each extra call's **marginal** expected abandons,
   per live answer it brings, stay under an allowed share ``tau``: the largest such ``n`` gives
   the most occupancy for the abandons spent (the rule that equalises the marginal cost of
   abandons across decisions; the average share over all calls out is kept as an option).

For a team of up to ``sampled_up_to`` agents (60) the marginal abandons are not taken from the
closed form but counted on a few hundred sampled futures of the next minute
(:mod:`dialer.pacing.sampled_forecast`), which finds ``E[sup_t ...]`` itself rather than the
largest of the horizons' expectations. On the standard 5- to 25-agent scenarios that spends
about the same abandons on better-placed calls, for 0.2 to 5.1 points more occupancy (most where
the guard below holds: the closed form's tails are never exactly zero, so it then places little
beyond the safe calls, where the futures find more that lose nobody); at 50 agents it gains 0.4
(A-50) to 0.7 point (B-50) for about a millisecond a decision (``make bench-pacing-forecasts``).
The gain falls as teams grow and the cost grows with them; above 60 agents the closed form keeps
a simulated 100-agent day (the what-if tool's) within seconds.

``tau`` is where the law comes back in. The forecast is only a forecast, so ``tau`` is steered by
the campaign's :class:`~dialer.pacing.abandon_meter.AbandonMeter` (PI-like): an integral term raises
``log tau`` while the measured rate (smoothed by a prior of ``prior_calls`` live answers at the aim)
is under the aim (``aim`` of the cap, 85%) and lowers it above, and a proportional term answers at
once. The integral is slow on purpose (``integral_gain``): the price of an abandon changes little
through a day, and a controller that chases each abandon spends the same abandons on a less steady
price, for less occupancy (at twice this gain, up to a point less on the standard scenarios, and on
none more). Near the cap (from ``near_cap`` of it, 92%) ``tau`` shrinks to nothing, and at the cap
the campaign falls back to progressive 1:1, which abandons nobody (AMD aside). The rate must hold at
every moment, not only at the end of a day (a supervisor may stop the campaign at any time; a day
with few live answers moves a point per abandon), so while fewer than ``spare_abandons`` (3)
abandons are left under the cap the pacer places only calls its forecast says lose nobody, and
``tau`` does not wind up meanwhile. In simulation the realised rate stays within 2.2-2.8% on every
standard scenario-day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialer.pacing.estimates import CampaignEstimates, FloatArray
from dialer.pacing.sampled_forecast import SampledForecast
from dialer.pacing.snapshot import DialDecision, DialMode, PacingSnapshot, one_to_one

_TALK_BUCKETS = 3600
_WRAP_BUCKETS = 900
_RING_BUCKETS = 120
_QUANTILES = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.97)
_SURE = 0.995  # an agent this likely to be free by a call's earliest answer counts as free
_REBUILD_S = 60.0  # learned distributions move slowly: rebuild their tables at most this often
_SQRT2 = math.sqrt(2.0)
_POISSON_UP_TO = 30.0
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True, slots=True)
class PredictiveSettings:
    """How boldly the predictive pacer runs toward the abandon target."""

    aim: float = 0.85  # share of the target the controller aims the measured rate at
    near_cap: float = 0.92  # share of the target from which the pacer backs off
    initial_tau: float = 0.002  # allowed forecast share of abandons at a cold start
    integral_gain: float = 0.002  # per second, on log(tau), per unit of relative error
    proportional_gain: float = 3.0  # on log(tau), per unit of relative error
    prior_calls: float = 100.0  # live answers' worth of prior at the aim, for the controller
    max_lines_per_agent: float = 5.0
    marginal: bool = True  # judge each extra call by the abandons it adds, not the average
    sampled_up_to: int = 60  # agents working: up to this many, count lost callers on futures
    futures: int = 300  # sampled futures per decision
    spare_abandons: float = 3.0  # with fewer abandons left under the cap, risk nothing


def expected_excess(mean: float, sd: float) -> float:
    """E[max(0, X)] for X normal with this mean and sd."""
    if sd < 1e-9:
        return max(0.0, mean)
    z = mean / sd
    return mean * 0.5 * math.erfc(-z / _SQRT2) + sd * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


def expected_excess_of_count(mean: float, variance: float, at_least: float = 0.0) -> float:
    """E[max(0, X)] for an integer count X (callers less agents) with this mean and variance.

    Small counts are skewed: a normal law puts almost no weight on "one of two unlikely calls
    is answered before its agent is free", which is exactly how calls are abandoned. So below
    ``_POISSON_UP_TO`` of variance X is taken as a translated Poisson law (``P - a`` with ``P``
    Poisson of mean ``variance`` and ``a = variance - mean``), for which
    ``E[(P - a)^+] = mean + sum over k < a of (a - k) P(P = k)``: a handful of terms. Larger
    counts are near normal, with a continuity correction.

    The pacer wants the largest of several such figures, so ``at_least`` (the largest so far)
    may be passed: the result is then ``max(at_least, E[max(0, X)])``, and an upper tail that a
    one-term bound shows to be smaller is not summed.
    """
    if variance >= _POISSON_UP_TO:
        return max(at_least, expected_excess(mean - 0.5, math.sqrt(variance)))
    shift = variance - mean
    if shift <= 0:
        return max(at_least, mean)
    if shift >= variance:
        return _poisson_tail_excess(variance, shift, at_least)
    total = mean
    term = math.exp(-variance)
    k = 0
    while k < shift:
        total += (shift - k) * term
        k += 1
        term *= variance / k
    return max(at_least, total)


def _poisson_tail_excess(rate: float, shift: float, at_least: float) -> float:
    """``max(at_least, E[(P - shift)^+])`` for ``P`` Poisson(``rate``) and ``shift >= rate``.

    Summed upward from the first count over ``shift``. Each term is at most ``r = rate / (k+1)``
    times the one before, so the whole tail is at most ``t0 ((k0 - shift) / (1 - r) +
    r / (1 - r)^2)``: when that bound is under ``at_least`` the sum is skipped, and a shift far
    above the rate (a line far from any abandon) costs one term.
    """
    if rate <= 0.0:
        return at_least
    k = math.floor(shift) + 1
    term = math.exp(k * math.log(rate) - rate - math.lgamma(k + 1))
    ratio = rate / (k + 1)
    if term * ((k - shift) / (1.0 - ratio) + ratio / (1.0 - ratio) ** 2) <= at_least:
        return at_least
    total = 0.0
    while term > 1e-12:
        total += (k - shift) * term
        k += 1
        term *= rate / k
    return max(at_least, total)


@dataclass
class _Tables:
    """Residual probabilities, recomputed only when the learned distributions change.

    Agents' rows are stacked, talk first (one row per second of talk) then wrap-up, so that one
    lookup serves every busy agent. A row holds the chance of being free by each horizon plus the
    connect limit, then those chances' Bernoulli variances, then 1 if the agent is (almost)
    certainly free by the earliest answer of a call placed now.
    """

    version: tuple[int, int, int, int]
    horizons: tuple[float, ...]
    busy: FloatArray  # [row, free_by for each j, then free_var for each j, then sure]
    answer_by: FloatArray  # [ring s, j] P(answered by r + t_j | answering, not yet by r)
    answer_survival: FloatArray  # [ring s] P(answer delay > r)
    fail_survival: FloatArray  # [ring s] P(failure takes > r)
    new_answer_by: FloatArray  # [j] P(answer delay <= t_j)

    def busy_rows(
        self, talking: tuple[float, ...], wrapping: tuple[float, ...]
    ) -> npt.NDArray[np.int64]:
        """The table row of each busy agent, by whole seconds elapsed."""
        rows = np.array(talking + wrapping).astype(np.int64)
        split = len(talking)
        np.minimum(rows[:split], _TALK_BUCKETS - 1, out=rows[:split])
        np.minimum(rows[split:], _WRAP_BUCKETS - 1, out=rows[split:])
        rows[split:] += _TALK_BUCKETS
        return rows


def _build_tables(estimates: CampaignEstimates, connect_limit: float) -> _Tables:
    delay = estimates.answer_delay
    horizons = tuple(max(0.5, delay.quantile(q)) for q in _QUANTILES)
    # The last column is the "sure" horizon: the earliest a new call is answered, plus the
    # connect limit. An agent certain to be free by then can take a call placed now, safely.
    reach = (*horizons, delay.quantile(0.005))
    wrap_mean = estimates.wrap.mean
    talk = estimates.talk.done_within_table(
        np.arange(_TALK_BUCKETS, dtype=float),
        tuple(h + connect_limit - wrap_mean for h in reach),
    )
    wrap = estimates.wrap.done_within_table(
        np.arange(_WRAP_BUCKETS, dtype=float), tuple(h + connect_limit for h in reach)
    )
    agents = np.clip(np.vstack((talk, wrap)), 0.0, 1.0)
    free_by = np.ascontiguousarray(agents[:, :-1])
    rings = np.arange(_RING_BUCKETS, dtype=float)
    answer_by = delay.done_within_table(rings, horizons)
    answer_survival = 1.0 - np.array([delay.cdf(r) for r in rings])
    fail_survival = 1.0 - np.array([estimates.fail_duration.cdf(r) for r in rings])
    return _Tables(
        version=estimates.version,
        horizons=horizons,
        busy=np.hstack((free_by, free_by * (1.0 - free_by), (agents[:, -1:] >= _SURE) * 1.0)),
        answer_by=np.clip(answer_by, 0.0, 1.0),
        answer_survival=answer_survival,
        fail_survival=fail_survival,
        new_answer_by=np.array([delay.cdf(h) for h in horizons]),
    )


class PredictivePacer:
    """Recoup's predictive pacer (see the module's description of the method)."""

    name = "predictive"
    tick_s = 1.0

    def __init__(self, settings: PredictiveSettings | None = None) -> None:
        self.settings = settings or PredictiveSettings()
        self._tables: _Tables | None = None
        self._log_tau = math.log(self.settings.initial_tau)
        self._last_now: float | None = None
        self._tables_built = 0.0
        self._sampled = SampledForecast(self.settings.futures)

    @property
    def tau(self) -> float:
        """The forecast share of abandons the pacer allows itself now."""
        return math.exp(self._log_tau)

    def _steer(self, snapshot: PacingSnapshot) -> float:
        """Move ``tau`` by the meter's reading; return the share allowed for this decision."""
        reading = snapshot.abandon
        s = self.settings
        aim = s.aim * reading.target
        now = snapshot.now.timestamp()
        dt = 0.0 if self._last_now is None else max(0.0, min(60.0, now - self._last_now))
        self._last_now = now
        smoothed = (reading.abandoned + aim * s.prior_calls) / (
            reading.live_answered + s.prior_calls
        )
        error = (aim - smoothed) / reading.target
        step = dt * s.integral_gain * error
        guarded = reading.headroom < s.spare_abandons
        if guarded:
            step = min(step, 0.0)  # no wind-up while no risk is taken
        self._log_tau = min(math.log(0.5), max(math.log(1e-9), self._log_tau + step))
        if guarded:
            return 0.0  # too few abandons left under the cap to risk one
        allowed = math.exp(self._log_tau + s.proportional_gain * error)
        pressure = smoothed / reading.target
        if pressure > s.near_cap:
            allowed *= max(0.0, (1.0 - pressure) / (1.0 - s.near_cap))
        return allowed

    def _tables_for(self, snapshot: PacingSnapshot) -> _Tables:
        estimates = snapshot.estimates
        now = snapshot.now.timestamp()
        tables = self._tables
        since = now - self._tables_built  # negative if the clock was set back: rebuild
        if tables is None or (
            tables.version != estimates.version and not 0.0 <= since < _REBUILD_S
        ):
            tables = self._tables = _build_tables(estimates, snapshot.connect_limit_s)
            self._tables_built = now
        return tables

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        working = snapshot.agents_working
        if working == 0:
            return DialDecision(0, DialMode.PREDICTIVE, "no agent logged in")
        if snapshot.abandon.at_cap:
            return DialDecision(
                one_to_one(snapshot),
                DialMode.PROGRESSIVE,
                f"abandon rate {snapshot.abandon.rate:.1%} at the cap: 1:1 until it falls",
            )
        allowed = self._steer(snapshot)
        forecast = forecast_lines(snapshot, self._tables_for(snapshot))
        ceiling = int(self.settings.max_lines_per_agent * working) - snapshot.calls_in_progress
        # A call whose agent is already free (or surely free when it can first be answered)
        # risks nothing: never place fewer than those.
        if working <= self.settings.sampled_up_to:
            budget = allowed * snapshot.estimates.live.value
            extra = self._sampled.most_calls_within(
                snapshot, forecast.ringing_wants_agent, budget, ceiling
            )
        else:
            extra = forecast.most_calls_within(allowed, ceiling, marginal=self.settings.marginal)
        dials = max(forecast.safe_calls, extra)
        return DialDecision(
            dials,
            DialMode.PREDICTIVE,
            f"{dials} call(s): forecast abandons within {allowed:.2%} of live answers",
        )


@dataclass(frozen=True, slots=True)
class Forecast:
    """Callers over agents at each horizon, before and per new call (normal approximations)."""

    gap: tuple[float, ...]  # E[demand - supply] with no new call
    variance: tuple[float, ...]
    per_call: tuple[float, ...]  # what one new call adds to the demand's mean
    per_call_variance: tuple[float, ...]
    live_ringing: float  # live answers expected from the calls ringing now
    live_per_call: float
    live_share: float  # of the calls that want an agent, those that are people
    safe_calls: int  # calls that each have an agent free, or surely free, by their answer
    order: tuple[int, ...]  # horizons, the likeliest to lose calls first
    ringing_wants_agent: FloatArray  # per ringing call: P(answered by someone for an agent)

    def expected_abandons(self, calls: int) -> float:
        """Expected abandoned calls if ``calls`` more are placed now."""
        worst = 0.0
        for j in self.order:
            variance = self.variance[j] + calls * self.per_call_variance[j]
            worst = expected_excess_of_count(
                self.gap[j] + calls * self.per_call[j], variance, worst
            )
        return worst * self.live_share

    def abandon_share(self, calls: int) -> float:
        """Expected abandons over expected live answers if ``calls`` more are placed now."""
        expected_live = self.live_ringing + calls * self.live_per_call
        return self.expected_abandons(calls) / expected_live if expected_live > 1e-9 else 0.0

    def most_calls_within(self, allowed: float, ceiling: int, *, marginal: bool = True) -> int:
        """The largest number of calls, up to ``ceiling``, whose abandon share is allowed."""
        if ceiling <= 0:
            return 0
        if marginal:
            return self._most_calls_at_the_margin(allowed, ceiling)
        if self.abandon_share(1) > allowed:
            return 0
        low, high = 1, 2
        while high <= ceiling and self.abandon_share(high) <= allowed:
            low, high = high, high * 2
        high = min(high, ceiling + 1)
        while high - low > 1:
            middle = (low + high) // 2
            if self.abandon_share(middle) <= allowed:
                low = middle
            else:
                high = middle
        return low

    def _most_calls_at_the_margin(self, allowed: float, ceiling: int) -> int:
        """Add calls one by one while each brings abandons within ``allowed`` per live answer.

        The abandons a call adds grow with the calls already out, so the first call over the
        allowance ends the count. A tick places a handful of calls, so counting up costs fewer
        forecasts than a bisection would.
        """
        if self.live_per_call <= 1e-9:
            return 0
        budget = allowed * self.live_per_call
        calls = 0
        before = self.expected_abandons(0)
        while calls < ceiling:
            after = self.expected_abandons(calls + 1)
            if after - before > budget:
                break
            calls += 1
            before = after
        return calls


def forecast_lines(snapshot: PacingSnapshot, tables: _Tables) -> Forecast:
    """Supply of agents and demand of answered calls at each horizon, from the snapshot."""
    estimates = snapshot.estimates
    p_live = estimates.live.value
    p_machine = estimates.machine.value
    p_agent = snapshot.wants_agent_share
    horizons = len(tables.horizons)
    supply = np.full(
        horizons, float(snapshot.agents_free - snapshot.waiting + snapshot.on_machines)
    )
    variance = np.zeros(horizons)
    sure = 0
    if snapshot.talking or snapshot.wrapping:
        index = tables.busy_rows(snapshot.talking, snapshot.wrapping)
        sums = tables.busy[index].sum(axis=0)
        stays = 1.0 - estimates.break_after_wrap.value
        if stays < 1.0:
            # A busy agent is free by a horizon only if they do not take a break at the end of
            # the wrap-up: each chance p becomes stays * p (its variance from the table's two
            # sums), and no agent is sure once the chance of a break is above 1 - _SURE.
            free, spread = sums[:horizons], sums[horizons:-1]
            supply += stays * free
            variance += stays * free - stays * stays * (free - spread)
            sure = round(float(sums[-1])) if stays >= _SURE else 0
        else:
            supply += sums[:horizons]
            variance += sums[horizons:-1]
            sure = round(float(sums[-1]))
    demand = np.zeros(horizons)
    live_ringing = 0.0
    agent = np.zeros(0)
    answerable = 0  # ringing calls that may yet be answered (not rung past every answer seen)
    if snapshot.ringing:
        index = np.minimum(np.array(snapshot.ringing).astype(np.int64), _RING_BUCKETS - 1)
        answering = p_live + p_machine
        s_answer = tables.answer_survival[index]
        fail_survival = tables.fail_survival[index]
        still = np.maximum(answering * s_answer + (1 - answering) * fail_survival, 1e-9)
        live = p_live * s_answer / still
        agent = p_agent * s_answer / still
        answerable = int(np.count_nonzero(s_answer > 0.0))
        x = agent[:, None] * tables.answer_by[index]
        demand += x.sum(axis=0)
        variance += (x * (1 - x)).sum(axis=0)
        live_ringing = float((live * tables.answer_by[index, -1]).sum())
    if snapshot.screening:
        # Answered, AMD still listening: a person among them wants an agent within seconds,
        # so each counts at every horizon with the share of answers that are people.
        person = snapshot.person_share_of_answers
        demand += snapshot.screening * person
        variance += snapshot.screening * person * (1 - person)
        live_ringing += snapshot.screening * person
    per_call = p_agent * tables.new_answer_by
    gaps = (demand - supply).tolist()
    variances = variance.tolist()
    return Forecast(
        gap=tuple(gaps),
        variance=tuple(variances),
        per_call=tuple(per_call.tolist()),
        per_call_variance=tuple((per_call * (1 - per_call)).tolist()),
        live_ringing=live_ringing,
        live_per_call=p_live * float(tables.new_answer_by[-1]),
        live_share=p_live / p_agent if p_agent > 0 else 1.0,
        safe_calls=max(
            0, snapshot.agents_free - snapshot.waiting - snapshot.screening + sure - answerable
        ),
        order=_likeliest_first(gaps, variances),
        ringing_wants_agent=agent,
    )


def _likeliest_first(gap: list[float], variance: list[float]) -> tuple[int, ...]:
    """Horizons by how many standard deviations callers are short of agents there."""
    score = [g / math.sqrt(v + 1e-9) for g, v in zip(gap, variance, strict=True)]
    return tuple(sorted(range(len(score)), key=score.__getitem__, reverse=True))

"""The callers a campaign would lose, counted by playing its next minute out a few hundred times.

The closed-form forecast of :mod:`dialer.pacing.predictive` judges each horizon on its own and
takes the worst, ``max_j E[(D(t_j) - K(t_j + c))^+]``. The calls actually lost are
``E[sup_t (D(t) - K(t + c))^+]``: a caller answered early takes the agent a later caller needed,
so risks add up across horizons, and the largest of the separate expectations misses that. For
a team of a few dozen agents the closed form prices the first extra call too dearly and the
fourth too cheaply. This module counts the supremum directly, on sampled futures.

One future
----------
Each busy agent's free time is drawn from the learned residual laws (what is left of the talk,
then a whole wrap-up; or what is left of the wrap-up; or never, with the learned chance that an
agent takes a break at the end of a wrap-up), each ringing call wants an agent with the
probability the closed form gives it and is answered after a draw from the residual answer delay,
each call answered and still under AMD's analysis is a person wanting an agent now with the share
of answers that are people, and each new call wants an agent with ``p`` (live, or live or
machine with AMD off) after a draw from the answer delay. With the callers in the order they
are answered, at times ``a_1 <= a_2 <= ...``, and ``K(x)`` the agents free by ``x`` (those free
now, less the callers already waiting, plus the busy agents whose draws end by ``x``), the
callers lost are

    ``max(0, max_k (k - K(a_k + c)))``

(agents take callers first come, first served; a caller nobody takes within ``c`` is lost and
takes no agent). :func:`callers_lost` computes it for every future at once.

The marginal call
-----------------
The pacer asks "does one more call cost more than ``budget`` lost callers?", once per extra
call. The futures are common to every count (the same draws for the calls already out), and the
extra call is always made to want an agent, its own chance ``p`` multiplying the difference it
makes: the answer differs only where the call matters. The uniform numbers come from a fixed
Latin hypercube (each column stratified over the futures) shifted by a random amount per column
each tick, so 300 futures answer as steadily as a few thousand independent ones would.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dialer.pacing.estimates import FloatArray
from dialer.pacing.snapshot import PacingSnapshot

_FAR = 1e4  # seconds: later than any answer or free time that can matter
_ROW = 1e5  # spacing that keeps each future's free times apart in one sorted array


def callers_lost(
    answered: FloatArray, free_at: FloatArray, connect_limit: float, free_now: int
) -> npt.NDArray[np.int64]:
    """Callers each future loses: ``max(0, max_k (k - K(a_k + c)))``, a row per future.

    ``answered`` holds, per row, when each caller is answered (``inf`` for a call that never
    wants an agent), in any order; ``free_at`` holds, per row, when each busy agent becomes free,
    sorted; ``free_now`` agents (it may be negative: callers already waiting) need no draw.
    """
    rows, callers = answered.shape
    if callers == 0:
        return np.zeros(rows, dtype=np.int64)
    ordered = np.sort(answered, axis=1)
    agents = free_at.shape[1]
    offset = (np.arange(rows, dtype=float) * _ROW)[:, None]
    deadline = np.minimum(ordered, _FAR) + connect_limit + offset
    flat = (np.minimum(free_at, _FAR) + offset).ravel()
    free_by = np.searchsorted(flat, deadline.ravel(), side="right").reshape(ordered.shape)
    free_by -= (np.arange(rows) * agents)[:, None]
    rank = np.arange(1, callers + 1)
    short: npt.NDArray[np.int64] = np.where(np.isfinite(ordered), rank - free_by - free_now, 0)
    lost: npt.NDArray[np.int64] = np.maximum(short.max(axis=1), 0)
    return lost


class SampledForecast:
    """Counts the callers extra calls would lose, on ``futures`` sampled futures."""

    def __init__(self, futures: int = 300, seed: int = 0) -> None:
        if futures < 10:
            msg = f"a sampled forecast needs at least 10 futures, not {futures}"
            raise ValueError(msg)
        self._futures = futures
        self._rng = np.random.default_rng(seed)
        self._lattice_seed = seed
        self._lattice: FloatArray = self._latin_hypercube(64)

    def _latin_hypercube(self, columns: int) -> FloatArray:
        rng = np.random.default_rng(self._lattice_seed + 1)
        strata = rng.random((self._futures, columns)).argsort(axis=0)
        return (strata + 0.5) / self._futures

    def _uniforms(self, columns: int) -> FloatArray:
        """A futures x ``columns`` matrix of uniform numbers, each column stratified."""
        if columns > self._lattice.shape[1]:
            self._lattice = self._latin_hypercube(max(columns, 2 * self._lattice.shape[1]))
        shifted = self._lattice[:, :columns] + self._rng.random(columns)
        return shifted - np.floor(shifted)

    def most_calls_within(
        self, snapshot: PacingSnapshot, ringing_wants_agent: FloatArray, budget: float, ceiling: int
    ) -> int:
        """The most new calls, up to ``ceiling``, each losing at most ``budget`` live callers.

        ``ringing_wants_agent`` is, per ringing call, the chance it is answered by someone who
        wants an agent (the field of that name that :func:`dialer.pacing.predictive.forecast_lines`
        fills in).
        """
        estimates = snapshot.estimates
        p_live = estimates.live.value
        p_agent = snapshot.wants_agent_share
        if ceiling <= 0 or p_agent <= 0.0:
            return 0
        live_share = p_live / p_agent
        talking = np.asarray(snapshot.talking, dtype=float)
        wrapping = np.asarray(snapshot.wrapping, dtype=float)
        ringing = np.asarray(snapshot.ringing, dtype=float)
        nt, nw, nr = len(talking), len(wrapping), len(ringing)
        u = self._uniforms(2 * nt + nw + 2 * nr)
        free_at = np.hstack(
            (
                estimates.talk.remaining(talking, u[:, :nt])
                + estimates.wrap.quantiles(u[:, nt : 2 * nt]),
                estimates.wrap.remaining(wrapping, u[:, 2 * nt : 2 * nt + nw]),
            )
        )
        takes_break = estimates.break_after_wrap.value
        if takes_break > 0.0 and nt + nw:
            free_at = np.where(self._uniforms(nt + nw) < takes_break, np.inf, free_at)
        free_at = np.sort(free_at, axis=1)
        rings = u[:, 2 * nt + nw :]
        wants = rings[:, :nr] < ringing_wants_agent
        callers = np.where(wants, estimates.answer_delay.remaining(ringing, rings[:, nr:]), np.inf)
        if snapshot.screening:
            # Answered, AMD still listening: a person wants an agent as soon as it says so.
            person = self._uniforms(snapshot.screening) < snapshot.person_share_of_answers
            callers = np.hstack((callers, np.where(person, 0.0, np.inf)))
        free_now = snapshot.agents_free - snapshot.waiting + snapshot.on_machines
        limit = snapshot.connect_limit_s
        lost = callers_lost(callers, free_at, limit, free_now)
        calls = 0
        while calls < ceiling:
            draw = self._uniforms(2)
            answer = estimates.answer_delay.quantiles(draw[:, 0])[:, None]
            with_call = callers_lost(np.hstack((callers, answer)), free_at, limit, free_now)
            if p_agent * float((with_call - lost).mean()) * live_share > budget:
                break
            calls += 1
            wanted = draw[:, 1] < p_agent
            callers = np.hstack((callers, np.where(wanted[:, None], answer, np.inf)))
            lost = np.where(wanted, with_call, lost)
        return calls

"""A discrete-event simulation of one campaign's day, on SimPy, to measure a pacer.

Agents log in (over ``login_spread_s``), take calls, talk, wrap up, pause now and then, and log
out. Calls ring and then are answered by a person, by a machine (recognised by AMD after
``amd_delay`` and hung up, the line held meanwhile, or handed to an agent for
``machine_handle`` seconds when AMD is off), are busy, or ring out (a busy or unanswered call
ends after ``fail_duration``, and an unanswered one never rings longer than
``no_answer_timeout_s``). A person who answers and finds no free
agent within ``connect_limit_s`` is abandoned: the identification message plays and the abandon
meter counts the call. AMD hangs up on ``amd_false_positive`` of the people who answer, after
the same ``amd_delay``: they are abandons too, which the dialer cannot see (the meter counts its
estimate). A person AMD recognises is offered to an agent at the answer: the scenarios give no
time for that verdict.

Every policy run on a seed meets the same day: the n-th number dialled is the same debtor (same
outcome, ring time, AMD verdict, conversation and wrap-up), and each agent logs in at the same
moment and draws the same breaks (common random numbers). A seed's difference between two
policies is then the policies', not luck in who answered.

The pacer is asked every ``tick_s`` seconds with a :class:`PacingSnapshot` and places the calls
it decides. The campaign's estimates learn from its own calls as they end, from a cold start.
The simulated day starts at 09:00 UTC on a Monday; the pacer never reads a clock.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import sub
from typing import Any, NamedTuple

import simpy
from simpy.events import EventPriority

from dialer.pacing.abandon_meter import AbandonMeter
from dialer.pacing.amd_governor import govern_amd
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.scenario import Scenario
from dialer.pacing.snapshot import Pacer, PacingSnapshot

DAY_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_OUT, _FREE, _TALK, _WRAP, _MACHINE, _PAUSED = range(6)
_LIVE, _MACHINE_ANSWER, _FAILED = range(3)
# After SimPy's URGENT (0) and NORMAL (1): a deadline is judged once everything else due at
# that moment has happened.
_LAST = EventPriority(2)


class _Deadline(simpy.events.Event):
    """A timeout that SimPy processes after every other event due at the same moment."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, _LAST, delay)


class _Debtor(NamedTuple):
    """What the person behind a dialled number will do, each as a share (0-1) of its law.

    Drawn when the number is dialled, whoever dials it (see the module's note on common random
    numbers); the outcome and ring time are drawn beside it.
    """

    amd: float  # below the false-positive rate: AMD takes this person for a machine
    talk: float
    wrap: float
    machine_handle: float


@dataclass(frozen=True, slots=True)
class CampaignDay:
    """What a simulated day measured, in a supervisor's terms."""

    scenario: str
    policy: str
    agents: int
    seed: int
    abandon_target: float
    occupancy: float
    talk_min_per_agent_hour: float
    abandon_rate: float
    agent_wait_mean_s: float
    agent_wait_p95_s: float
    dials_per_agent_hour: float
    connect_wait_p95_s: float
    live_answers: int
    abandoned: int
    amd: str
    wall_s: float
    breaks: int = 0  # breaks the agents took

    @property
    def compliant(self) -> bool:
        return self.abandon_rate <= self.abandon_target + 1e-12


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank: the smallest value at or above 95% of them."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class _CampaignModel:
    def __init__(self, scenario: Scenario, pacer: Pacer, seed: int, *, govern: bool) -> None:
        self.s = scenario
        self.pacer = pacer
        self.env = simpy.Environment()
        self.rng = random.Random(seed)  # the agents' log-in and log-out times
        self.debtors = random.Random(f"{seed}:debtors")
        self.breaks = [random.Random(f"{seed}:breaks:{agent}") for agent in range(scenario.agents)]
        self.end = scenario.hours * 3600.0
        verdict = govern_amd(scenario.amd_false_positive, scenario.abandon_target)
        self.use_amd = scenario.uses_amd and (verdict.use_amd or not govern)
        if not scenario.uses_amd:
            self.amd_note = "no machines"
        elif govern:
            self.amd_note = verdict.reason
        else:
            self.amd_note = "AMD on"
        self.meter = AbandonMeter(
            scenario.abandon_target,
            uk_mode=scenario.uk_mode,
            amd_false_positive=scenario.amd_false_positive if self.use_amd else 0.0,
        )
        self.estimates = CampaignEstimates()
        n = scenario.agents
        self.state = [_OUT] * n
        self.since = [0.0] * n
        self.logout_at = [self.end] * n
        self.next_pause = [float("inf")] * n
        self.left_on_break = [False] * n
        self.free: deque[int] = deque()
        self.talking: dict[int, float] = {}  # agent -> when the talk started
        self.wrapping: dict[int, float] = {}  # agent -> when the wrap-up started
        self.ringing: dict[int, float] = {}
        self.screening: set[int] = set()  # answered, AMD still listening (to a machine)
        self.waiting: dict[int, tuple[float, bool, _Debtor]] = {}
        self.next_call = 0
        self.dials = 0
        self.live = 0
        self.abandoned = 0
        self.busy_time = 0.0
        self.talk_time = 0.0
        self.logged_in_time = 0.0
        self.breaks_taken = 0
        self.agent_waits: list[float] = []
        self.connect_waits: list[float] = []

    # -- scheduling -------------------------------------------------------------------------
    def at(self, delay: float, action: Callable[..., None], *args: Any) -> None:
        event = self.env.timeout(max(0.0, delay))
        event.callbacks.append(lambda _event: action(*args))

    def deadline(self, delay: float, action: Callable[..., None], *args: Any) -> None:
        """``action`` at ``delay``, after anything else that happens at that moment."""
        _Deadline(self.env, max(0.0, delay)).callbacks.append(lambda _event: action(*args))

    def clip(self, start: float, seconds: float) -> float:
        """The part of an interval that falls in the measured day."""
        return max(0.0, min(start + seconds, self.end) - start) if start < self.end else 0.0

    # -- agents -----------------------------------------------------------------------------
    def log_in(self, agent: int) -> None:
        now = self.env.now
        self.since[agent] = now
        self.logged_in_time += self.clip(now, self.logout_at[agent] - now)
        if self.s.pauses_per_agent_hour > 0:
            rate = self.s.pauses_per_agent_hour / 3600
            self.next_pause[agent] = now + self.breaks[agent].expovariate(rate)
        self.become_free(agent)

    def log_out(self, agent: int) -> None:
        """The shift ends: a free agent leaves now, one on a break leaves from it, and one on a
        call or in wrap-up finishes it first (and is logged in until then)."""
        if self.state[agent] == _FREE:
            self.stop_waiting(agent)
            self.state[agent] = _OUT
        elif self.state[agent] == _PAUSED:
            self.state[agent] = _OUT
            self.left_on_break[agent] = True  # the break's end finds them gone

    def break_due(self, agent: int, due: float) -> None:
        """An idle agent takes the break that falls due (a busy one takes it after the call)."""
        if self.state[agent] == _FREE and self.next_pause[agent] == due:
            self.stop_waiting(agent)
            self.become_free(agent)

    def stop_waiting(self, agent: int) -> None:
        """An idle agent leaves without a call (a break, the shift's end): the wait counts."""
        self.free.remove(agent)
        self.agent_waits.append(self.env.now - self.since[agent])

    def become_free(self, agent: int) -> None:
        now = self.env.now
        if self.left_on_break[agent]:
            return
        logout = self.logout_at[agent]
        if now >= logout:
            if self.state[agent] != _OUT:
                self.logged_in_time += self.clip(logout, now - logout)  # stayed to finish
            self.state[agent] = _OUT
            return
        if now >= self.next_pause[agent]:
            self.breaks_taken += 1
            self.state[agent] = _PAUSED
            breaks = self.breaks[agent]
            pause = self.s.pause_duration.sample(breaks)
            self.next_pause[agent] = (
                now + pause + breaks.expovariate(self.s.pauses_per_agent_hour / 3600)
            )
            self.at(pause, self.become_free, agent)
            return
        self.state[agent] = _FREE
        self.since[agent] = now
        if self.waiting:
            call, (answered, live, debtor) = next(iter(self.waiting.items()))
            del self.waiting[call]
            self.connect(agent, answered, live, debtor)
        else:
            self.free.append(agent)
            due = self.next_pause[agent]
            if due < logout:
                self.at(due - now, self.break_due, agent, due)

    def connect(self, agent: int, answered: float, live: bool, debtor: _Debtor) -> None:
        now = self.env.now
        self.agent_waits.append(now - self.since[agent])
        self.since[agent] = now
        if live:
            self.connect_waits.append(now - answered)
            talk = self.s.talk.quantile(debtor.talk)
            self.state[agent] = _TALK
            self.talking[agent] = now
            self.talk_time += self.clip(now, talk)
            self.busy_time += self.clip(now, talk)
            self.at(talk, self.end_talk, agent, talk, debtor)
        else:
            self.state[agent] = _MACHINE
            handle = self.s.machine_handle.quantile(debtor.machine_handle)
            self.at(handle, self.become_free, agent)

    def end_talk(self, agent: int, talk: float, debtor: _Debtor) -> None:
        self.estimates.talk.observe(talk)
        wrap = self.s.wrap.quantile(debtor.wrap)
        self.state[agent] = _WRAP
        self.since[agent] = self.env.now
        del self.talking[agent]
        self.wrapping[agent] = self.env.now
        self.busy_time += self.clip(self.env.now, wrap)
        self.at(wrap, self.end_wrap, agent, wrap)

    def end_wrap(self, agent: int, wrap: float) -> None:
        self.estimates.wrap.observe(wrap)
        del self.wrapping[agent]
        self.become_free(agent)
        self.estimates.observe_wrap_end(available=self.state[agent] not in (_PAUSED, _OUT))

    # -- calls ------------------------------------------------------------------------------
    def place_call(self) -> None:
        now = self.env.now
        s = self.s
        call = self.next_call
        self.next_call += 1
        self.dials += 1
        draw = self.debtors.random
        u, ring_share = draw(), draw()
        debtor = _Debtor(draw(), draw(), draw(), draw())
        live_rate = s.live_rate_at(now)
        if u < live_rate:
            outcome, ring = _LIVE, s.answer_delay.quantile(ring_share)
        elif u < live_rate + s.machine_rate:
            outcome, ring = _MACHINE_ANSWER, s.answer_delay.quantile(ring_share)
        elif u < live_rate + s.machine_rate + s.busy_rate:
            outcome, ring = _FAILED, s.fail_duration.quantile(ring_share)
        else:
            outcome = _FAILED
            ring = min(s.fail_duration.quantile(ring_share), s.no_answer_timeout_s)
        self.ringing[call] = now
        self.at(ring, self.ring_ends, call, outcome, debtor)

    def moment(self) -> datetime:
        return DAY_START + timedelta(seconds=self.env.now)

    def ring_ends(self, call: int, outcome: int, debtor: _Debtor) -> None:
        rung = self.env.now - self.ringing.pop(call)
        estimates = self.estimates
        if outcome == _FAILED:
            estimates.fail_duration.observe(rung)
            estimates.observe_dial(live=False, machine=False)
            return
        estimates.answer_delay.observe(rung)
        false_positive = self.s.amd_false_positive
        if outcome == _LIVE:
            self.live += 1
            if self.use_amd and debtor.amd < false_positive:
                # AMD will hang up on this person: the dialer sees a machine. The person is
                # abandoned from the answer on, even if the hang-up comes after the day ends.
                self.abandoned += 1
                self.screen(call, debtor.amd / false_positive)
                return
            estimates.observe_dial(live=True, machine=False)
            self.meter.record_live_answer(self.moment(), amd_screened=self.use_amd)
            self.offer(call, debtor, live=True)
            return
        if self.use_amd:
            self.screen(call, debtor.amd)
        else:
            estimates.observe_dial(live=False, machine=True)
            self.offer(call, debtor, live=False)

    def screen(self, call: int, share: float) -> None:
        """AMD listens for ``amd_delay``, takes the call for a machine and hangs up.

        ``share`` places the delay in its law; it is the debtor's AMD draw (rescaled for the
        people AMD mistakes), so each policy meets the same delays.
        """
        self.screening.add(call)
        self.at(self.s.amd_delay.quantile(share), self.machine_verdict, call)

    def machine_verdict(self, call: int) -> None:
        """AMD hangs up (on a machine, or on a person it mistook for one)."""
        self.screening.discard(call)
        self.estimates.observe_dial(live=False, machine=True)

    def offer(self, call: int, debtor: _Debtor, *, live: bool) -> None:
        if self.free:
            self.connect(self.free.popleft(), self.env.now, live, debtor)
            return
        self.waiting[call] = (self.env.now, live, debtor)
        # An agent free at the limit itself is in time: the limit is judged last.
        self.deadline(self.s.connect_limit_s, self.connect_limit_passes, call)

    def connect_limit_passes(self, call: int) -> None:
        waited = self.waiting.pop(call, None)
        if waited is not None and waited[1]:
            self.abandoned += 1
            self.meter.record_abandon(self.moment())

    # -- pacing -----------------------------------------------------------------------------
    def snapshot(self) -> PacingSnapshot:
        now = self.env.now
        state = self.state
        talking = tuple(map(sub, repeat(now), self.talking.values()))
        wrapping = tuple(map(sub, repeat(now), self.wrapping.values()))
        moment = self.moment()
        return PacingSnapshot(
            now=moment,
            agents_free=len(self.free),
            talking=talking,
            wrapping=wrapping,
            ringing=tuple(map(sub, repeat(now), self.ringing.values())),
            screening=len(self.screening),
            waiting=len(self.waiting),
            abandon=self.meter.reading(moment),
            estimates=self.estimates,
            on_machines=state.count(_MACHINE),
            agents_paused=state.count(_PAUSED),
            connect_limit_s=self.s.connect_limit_s,
            amd_on=self.use_amd,
        )

    def pacing(self) -> Any:
        tick = self.pacer.tick_s
        while self.env.now < self.end:
            decision = self.pacer.decide(self.snapshot())
            for _ in range(decision.dials):
                self.place_call()
            yield self.env.timeout(tick)

    def run(self) -> None:
        spread = self.s.login_spread_s
        for agent in range(self.s.agents):
            login = self.rng.uniform(0, spread) if spread > 0 else 0.0
            if spread > 0:
                self.logout_at[agent] = self.end - self.rng.uniform(0, spread)
                self.at(self.logout_at[agent], self.log_out, agent)
            self.at(login, self.log_in, agent)
        self.env.process(self.pacing())
        self.env.run(until=self.end)
        for agent in self.free:
            self.agent_waits.append(self.end - self.since[agent])  # still waiting at the end
        for agent, state in enumerate(self.state):
            if state != _OUT and self.logout_at[agent] < self.end:
                # Still finishing a call when the day ended, past the shift: logged in until then.
                self.logged_in_time += self.end - self.logout_at[agent]


def simulate_day(
    scenario: Scenario, pacer: Pacer, seed: int, *, govern_amd: bool = False
) -> CampaignDay:
    """Run one campaign day with ``pacer`` and measure it.

    ``govern_amd`` lets Recoup's AMD governor switch AMD off (see
    :mod:`dialer.pacing.amd_governor`); the baselines run AMD as the scenario has it.
    """
    started = time.perf_counter()
    model = _CampaignModel(scenario, pacer, seed, govern=govern_amd)
    model.run()
    logged_hours = model.logged_in_time / 3600
    waits = model.agent_waits
    return CampaignDay(
        scenario=scenario.name,
        policy=pacer.name,
        agents=scenario.agents,
        seed=seed,
        abandon_target=scenario.abandon_target,
        occupancy=model.busy_time / model.logged_in_time if model.logged_in_time else 0.0,
        talk_min_per_agent_hour=model.talk_time / 60 / logged_hours if logged_hours else 0.0,
        abandon_rate=model.abandoned / model.live if model.live else 0.0,
        agent_wait_mean_s=sum(waits) / len(waits) if waits else 0.0,
        agent_wait_p95_s=p95(waits),
        dials_per_agent_hour=model.dials / logged_hours if logged_hours else 0.0,
        connect_wait_p95_s=p95(model.connect_waits),
        live_answers=model.live,
        abandoned=model.abandoned,
        amd=model.amd_note,
        wall_s=time.perf_counter() - started,
        breaks=model.breaks_taken,
    )

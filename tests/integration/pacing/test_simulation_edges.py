"""Simulated campaign days at their edges: ties at the connect limit, the day's last seconds,
agents who have asked to leave."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dialer.pacing.scenario import Duration, load_scenarios
from dialer.pacing.simulation import simulate_day
from dialer.pacing.snapshot import DialDecision, DialMode, PacingSnapshot

STANDARD = Path(__file__).parents[3] / "bench" / "pacing-scenarios.toml"
SCENARIOS = {s.name: s for s in load_scenarios(STANDARD)}


class _Plan:
    """Places the calls it was told to at the ticks it was told, and notes what it saw."""

    tick_s = 1.0
    name = "plan"

    def __init__(self, calls_at: dict[int, int]) -> None:
        self.calls_at = calls_at
        self.seen: list[PacingSnapshot] = []

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        dials = self.calls_at.get(len(self.seen), 0)
        self.seen.append(snapshot)
        return DialDecision(dials, DialMode.PROGRESSIVE, "plan")


def test_a_person_connected_exactly_at_the_connect_limit_is_not_abandoned() -> None:
    # One agent; everyone answers after 10 s. The first call (placed at 1 s) is answered at
    # 11 s; the second (placed at 39 s) at 49 s, while the agent is busy. The agent is free at
    # 11 + talk + wrap = 51 s: exactly 2 s after the second answer, whether the wrap-up is
    # long or short. Connected within 2 s is within the limit: no abandon either way.
    for talk, wrap in ((30.0, 10.0), (39.0, 1.0)):
        scenario = replace(
            SCENARIOS["C-5"], agents=1, hours=0.05, live_answer_rate=1.0, busy_rate=0.0,
            answer_delay=Duration("constant", 10.0), talk=Duration("constant", talk),
            wrap=Duration("constant", wrap),
        )  # fmt: skip
        day = simulate_day(scenario, _Plan({1: 1, 39: 1}), 1)
        assert day.live_answers == 2
        assert day.abandoned == 0, f"talk {talk} s, wrap-up {wrap} s"
        assert day.connect_wait_p95_s == 2.0


def test_a_person_amd_hangs_up_on_at_the_end_of_the_day_counts_as_abandoned() -> None:
    # AMD takes nearly every person for a machine and listens 30 s before hanging up. Ten calls
    # answered 70 s before the day ends, or 10 s before: the same ten debtors (the same seed),
    # so the same people are answered and hung up on, whether the hang-up falls inside the
    # measured day or just after it.
    screened = replace(
        SCENARIOS["E-25-machines"], agents=5, hours=0.05, live_answer_rate=0.5,
        machine_rate=0.5, busy_rate=0.0, amd_false_positive=0.999,
        answer_delay=Duration("constant", 10.0), amd_delay=Duration("constant", 30.0),
    )  # fmt: skip
    for seed in (1, 2, 3):
        early = simulate_day(screened, _Plan({100: 10}), seed)
        late = simulate_day(screened, _Plan({160: 10}), seed)
        assert early.abandoned > 0
        assert (late.live_answers, late.abandoned) == (early.live_answers, early.abandoned)


def test_agents_who_never_got_a_call_are_reported_as_waiting_not_as_waiting_no_time() -> None:
    # Nobody answers: every agent waits from login to the end of the half-hour day.
    nobody = replace(SCENARIOS["C-5"], hours=0.5, live_answer_rate=0.0)
    day = simulate_day(nobody, _Plan({}), seed=1)
    assert day.agent_wait_mean_s == 1800.0
    assert day.agent_wait_p95_s == 1800.0


def test_an_idle_agent_who_leaves_on_a_break_counts_the_wait_before_it() -> None:
    nobody = replace(SCENARIOS["C-5"], hours=1.0, live_answer_rate=0.0, pauses_per_agent_hour=4.0)
    day = simulate_day(nobody, _Plan({}), seed=1)
    assert day.breaks > 0
    assert 0.0 < day.agent_wait_mean_s < 3600.0

"""Called parties: seeded draws repeat exactly; scripted numbers always behave as told."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pbxsim.behaviour import BehaviourModel, Outcome, OutcomeRates, PartyBehaviour, Spread

NUMBERS = [f"555{n:04d}" for n in range(200)]


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_same_seed_gives_the_same_outcomes_and_timings(seed: int) -> None:
    model = BehaviourModel(seed=seed)
    first = [model.decide(n) for n in NUMBERS[:20]]
    again = BehaviourModel(seed=seed)

    assert [again.decide(n) for n in NUMBERS[:20]] == first


def test_different_seeds_give_different_days() -> None:
    one_model, two_model = BehaviourModel(seed=1), BehaviourModel(seed=2)
    one = [one_model.decide(n) for n in NUMBERS]
    two = [two_model.decide(n) for n in NUMBERS]

    assert one != two


def test_rates_shape_the_mix_of_outcomes() -> None:
    model = BehaviourModel(
        seed=3, rates=OutcomeRates(answer=0.7, machine=0, busy=0.3, noanswer=0, congestion=0)
    )

    outcomes = [model.decide(n).outcome for n in NUMBERS]

    assert set(outcomes) == {Outcome.ANSWER, Outcome.BUSY}
    assert 0.55 < outcomes.count(Outcome.ANSWER) / len(outcomes) < 0.85


def test_timings_stay_inside_their_spreads() -> None:
    model = BehaviourModel(seed=4, ring_time=Spread(3, 5), talk_time=Spread(60, 90))

    drawn = [model.decide(n) for n in NUMBERS]

    assert all(3 <= b.ring_time <= 5 for b in drawn if b.outcome is Outcome.ANSWER)
    assert all(60 <= b.talk_time <= 90 for b in drawn if b.outcome is Outcome.ANSWER)


def test_scripted_number_overrides_the_draw() -> None:
    model = BehaviourModel(seed=5)
    model.script("5550100", PartyBehaviour(Outcome.CONGESTION))

    assert {model.decide("5550100").outcome for _ in range(10)} == {Outcome.CONGESTION}


def test_lab_extensions_behave_like_the_lab_dialplan() -> None:
    model = BehaviourModel()

    assert model.decide("answer") == PartyBehaviour(Outcome.ANSWER, 0.0, 20.0, 60.0)
    assert model.decide("busy").outcome is Outcome.BUSY
    assert model.decide("noanswer").outcome is Outcome.NOANSWER
    assert model.decide("congest").outcome is Outcome.CONGESTION


def test_spread_reads_a_number_or_a_range() -> None:
    assert Spread.parse(5) == Spread(5.0)
    assert Spread.parse([2, 8]) == Spread(2.0, 8.0)

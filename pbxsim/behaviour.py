"""How a called party behaves: drawn from seeded distributions, or scripted per number.

A :class:`PartyBehaviour` is decided once, when the call is placed, so the same seed and the
same sequence of numbers always give the same outcomes, whatever the timing of the run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Outcome(StrEnum):
    """What the far end does with the call."""

    ANSWER = "answer"  # a live person
    MACHINE = "machine"  # an answering machine: answers, plays a greeting, hangs up
    BUSY = "busy"
    NOANSWER = "noanswer"
    CONGESTION = "congestion"
    FAIL = "fail"  # the channel cannot be created or called (OriginateResponse Reason 0)


class HangupBy(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


@dataclass(frozen=True)
class Spread:
    """A duration in seconds: uniform between ``low`` and ``high`` (``low`` alone = fixed)."""

    low: float
    high: float | None = None

    def draw(self, rng: random.Random) -> float:
        if self.high is None or self.high <= self.low:
            return self.low
        return rng.uniform(self.low, self.high)

    @classmethod
    def parse(cls, value: float | int | list[float] | tuple[float, float]) -> Spread:
        if isinstance(value, int | float):
            return cls(float(value))
        low, high = value
        return cls(float(low), float(high))


@dataclass(frozen=True)
class PartyBehaviour:
    """One called party's decided behaviour."""

    outcome: Outcome
    ring_time: float = 0.0  # seconds of ringing before answer / busy / congestion
    talk_time: float = 20.0  # seconds of talk once with an agent (or the machine greeting)
    patience: float = 60.0  # seconds the customer waits in a queue before hanging up
    hangup_by: HangupBy = HangupBy.CUSTOMER


@dataclass
class OutcomeRates:
    """Relative weights of the outcomes (they need not add up to 1)."""

    answer: float = 0.35
    machine: float = 0.15
    busy: float = 0.1
    noanswer: float = 0.35
    congestion: float = 0.05

    def weighted(self) -> list[tuple[Outcome, float]]:
        return [
            (Outcome.ANSWER, self.answer),
            (Outcome.MACHINE, self.machine),
            (Outcome.BUSY, self.busy),
            (Outcome.NOANSWER, self.noanswer),
            (Outcome.CONGESTION, self.congestion),
        ]


@dataclass
class BehaviourModel:
    """Draws a :class:`PartyBehaviour` for each dialled number.

    ``scripted`` maps a number (the exten of ``Local/<number>@customers``) to a fixed
    behaviour; every other number draws from the rates and spreads with a generator seeded by
    ``seed``. The lab's extens (``answer``, ``busy``, ``noanswer``, ``congest``, ``machine``,
    ``human``, ``shorthang``) are scripted by default, like the lab dialplan.
    """

    seed: int = 1
    rates: OutcomeRates = field(default_factory=OutcomeRates)
    ring_time: Spread = field(default_factory=lambda: Spread(2.0, 12.0))
    talk_time: Spread = field(default_factory=lambda: Spread(30.0, 240.0))
    machine_greeting: Spread = field(default_factory=lambda: Spread(8.0, 20.0))
    patience: Spread = field(default_factory=lambda: Spread(5.0, 40.0))
    agent_hangs_up: float = 0.5
    scripted: dict[str, PartyBehaviour] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        for exten, behaviour in lab_extens().items():
            self.scripted.setdefault(exten, behaviour)

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def script(self, number: str, behaviour: PartyBehaviour) -> None:
        self.scripted[number] = behaviour

    def decide(self, number: str) -> PartyBehaviour:
        scripted = self.scripted.get(number)
        if scripted is not None:
            return scripted
        rng = self._rng
        outcomes, weights = zip(*self.rates.weighted(), strict=True)
        outcome = rng.choices(outcomes, weights=weights)[0]
        ring = self.ring_time.draw(rng)
        talk = self.talk_time.draw(rng)
        patience = self.patience.draw(rng)
        hangup_by = HangupBy.AGENT if rng.random() < self.agent_hangs_up else HangupBy.CUSTOMER
        if outcome is Outcome.MACHINE:
            talk = self.machine_greeting.draw(rng)
        if outcome in (Outcome.BUSY, Outcome.CONGESTION):
            ring = min(ring, 1.0)
        return PartyBehaviour(outcome, ring, talk, patience, hangup_by)


def lab_extens() -> dict[str, PartyBehaviour]:
    """The called parties of the lab's ``[customers]`` context."""
    answer = PartyBehaviour(Outcome.ANSWER, 0.0, 20.0, 60.0)
    return {
        "answer": answer,
        "talk": replace(answer, talk_time=600.0),
        "human": replace(answer, talk_time=16.0),
        "shorthang": replace(answer, talk_time=1.0, patience=1.0),
        "busy": PartyBehaviour(Outcome.BUSY),
        "noanswer": PartyBehaviour(Outcome.NOANSWER, ring_time=60.0),
        "congest": PartyBehaviour(Outcome.CONGESTION),
        "machine": PartyBehaviour(Outcome.MACHINE, 0.0, 4.0),
    }

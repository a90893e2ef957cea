"""Call-centre scenarios for the pacing simulation, read from TOML and validated.

The schema is documented in the header of ``bench/pacing-scenarios.toml``: a ``[defaults]``
table and a list of ``[[scenario]]`` tables that override it. Times are seconds, outcome rates
are fractions of dials, and a duration is a distribution (constant, uniform, exponential or
lognormal given by the mean and sd of the variable itself).

Beyond the standard keys, a scenario may describe the agents' day:

- ``pauses_per_agent_hour`` and ``pause_duration``: agents take breaks between calls;
- ``login_spread_s``: agents log in over the first ``login_spread_s`` of the day and log out
  over its last ``login_spread_s``.

A mistake in a scenario file is reported with the scenario's name and the key, never as a
traceback from deep inside the simulation.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

DistributionKind = Literal["constant", "uniform", "exponential", "lognormal"]
_STANDARD_NORMAL = NormalDist()


class ScenarioError(ValueError):
    """A scenario file that cannot describe a campaign."""


@dataclass(frozen=True, slots=True)
class Duration:
    """A random duration in seconds."""

    kind: DistributionKind
    a: float  # value, low, mean
    b: float = 0.0  # high, sd

    @property
    def mean(self) -> float:
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        return self.a

    def sample(self, rng: random.Random) -> float:
        """One duration, drawn by inverting the cdf at one uniform number from ``rng``."""
        return self.quantile(rng.random())

    def cdf(self, x: float) -> float:
        """P(duration <= x)."""
        if x <= 0:
            return 0.0
        if self.kind == "constant":
            return 1.0 if x >= self.a else 0.0
        if self.kind == "uniform":
            if self.b <= self.a:
                return 1.0 if x >= self.a else 0.0
            return min(1.0, max(0.0, (x - self.a) / (self.b - self.a)))
        if self.kind == "exponential":
            return 1.0 - math.exp(-x / self.a)
        sigma2 = math.log(1.0 + (self.b / self.a) ** 2)
        mu = math.log(self.a) - sigma2 / 2
        return 0.5 * math.erfc(-(math.log(x) - mu) / math.sqrt(2 * sigma2))

    def quantile(self, q: float) -> float:
        """The duration below which a share ``q`` of samples falls: the inverse of ``cdf``.

        ``quantile(u)`` with ``u`` uniform on [0, 1) is a sample: the simulation draws its
        durations that way, one uniform number each, so that every policy run on a seed meets
        the same calls.
        """
        if self.kind == "constant":
            return self.a
        if self.kind == "uniform":
            return self.a + q * (self.b - self.a)
        if q <= 0.0:
            return 0.0
        if q >= 1.0:
            return math.inf
        if self.kind == "exponential":
            return -self.a * math.log1p(-q)
        sigma2 = math.log(1.0 + (self.b / self.a) ** 2)
        mu = math.log(self.a) - sigma2 / 2
        return math.exp(mu + math.sqrt(sigma2) * _STANDARD_NORMAL.inv_cdf(q))


@dataclass(frozen=True, slots=True)
class Scenario:
    """One campaign to simulate: its agents, its list's answer rates and its calls' durations."""

    name: str
    agents: int
    hours: float
    abandon_target: float
    connect_limit_s: float
    no_answer_timeout_s: float
    live_answer_rate: float
    machine_rate: float
    busy_rate: float
    answer_delay: Duration
    fail_duration: Duration
    amd_delay: Duration
    amd_false_positive: float
    machine_handle: Duration
    talk: Duration
    wrap: Duration
    answer_rate_by_hour: tuple[float, ...] = ()
    pauses_per_agent_hour: float = 0.0
    pause_duration: Duration = Duration("constant", 300.0)
    login_spread_s: float = 0.0
    uk_mode: bool = False

    def live_rate_at(self, seconds: float) -> float:
        """The live-answer rate in the hour of the day that ``seconds`` falls in."""
        if not self.answer_rate_by_hour:
            return self.live_answer_rate
        hour = min(int(seconds // 3600), len(self.answer_rate_by_hour) - 1)
        return self.live_answer_rate * self.answer_rate_by_hour[hour]

    @property
    def uses_amd(self) -> bool:
        """Whether the list's machines are screened by AMD (the scenario has machines)."""
        return self.machine_rate > 0


_DURATION_KEYS = (
    "answer_delay",
    "fail_duration",
    "amd_delay",
    "machine_handle",
    "talk",
    "wrap",
    "pause_duration",
)
_KNOWN_KEYS = frozenset(
    {
        "name",
        "agents",
        "hours",
        "abandon_target",
        "connect_limit_s",
        "no_answer_timeout_s",
        "live_answer_rate",
        "machine_rate",
        "busy_rate",
        "amd_false_positive",
        "answer_rate_by_hour",
        "pauses_per_agent_hour",
        "login_spread_s",
        "uk_mode",
        *_DURATION_KEYS,
    }
)


def parse_duration(value: Any, where: str) -> Duration:
    """A ``{dist = ...}`` table as a :class:`Duration`."""
    if not isinstance(value, Mapping):
        msg = f"{where}: a duration is a table like {{dist = 'constant', value = 8}}"
        raise ScenarioError(msg)
    kind = value.get("dist")
    try:
        if kind == "constant":
            duration = Duration("constant", float(value["value"]))
        elif kind == "uniform":
            duration = Duration("uniform", float(value["low"]), float(value["high"]))
            if duration.b < duration.a:
                msg = f"{where}: uniform high is below low"
                raise ScenarioError(msg)
        elif kind == "exponential":
            duration = Duration("exponential", float(value["mean"]))
        elif kind == "lognormal":
            duration = Duration("lognormal", float(value["mean"]), float(value["sd"]))
        else:
            msg = f"{where}: unknown distribution {kind!r}"
            raise ScenarioError(msg)
    except KeyError as missing:
        msg = f"{where}: a {kind} distribution needs {missing.args[0]!r}"
        raise ScenarioError(msg) from None
    if duration.a < 0 or duration.b < 0:
        msg = f"{where}: durations cannot be negative"
        raise ScenarioError(msg)
    if kind in ("exponential", "lognormal") and duration.a <= 0:
        msg = f"{where}: the mean must be positive"
        raise ScenarioError(msg)
    return duration


def _fraction(table: Mapping[str, Any], key: str, where: str) -> float:
    value = float(table[key])
    if not 0.0 <= value <= 1.0:
        msg = f"{where}: {key} must be a fraction between 0 and 1, not {value}"
        raise ScenarioError(msg)
    return value


def build_scenario(table: Mapping[str, Any]) -> Scenario:
    """A validated :class:`Scenario` from the merged defaults and scenario tables."""
    name = str(table.get("name", "")).strip()
    if not name:
        msg = "every [[scenario]] needs a name"
        raise ScenarioError(msg)
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        msg = f"scenario {name}: unknown keys {', '.join(unknown)}"
        raise ScenarioError(msg)
    required = ("agents", "live_answer_rate", "talk", "wrap", "answer_delay", "fail_duration")
    for key in required:
        if key not in table:
            msg = f"scenario {name}: {key} is missing"
            raise ScenarioError(msg)
    durations = {
        key: parse_duration(table[key], f"scenario {name}, {key}")
        for key in _DURATION_KEYS
        if key in table
    }
    agents = int(table["agents"])
    if agents < 1:
        msg = f"scenario {name}: agents must be at least 1"
        raise ScenarioError(msg)
    rates = {
        key: _fraction(table, key, f"scenario {name}")
        for key in ("live_answer_rate", "machine_rate", "busy_rate", "abandon_target")
        if key in table
    }
    by_hour = tuple(float(x) for x in table.get("answer_rate_by_hour", ()))
    if any(x < 0 for x in by_hour):
        msg = f"scenario {name}: answer_rate_by_hour cannot be negative"
        raise ScenarioError(msg)
    peak = rates["live_answer_rate"] * max(by_hour, default=1.0)
    if peak + rates.get("machine_rate", 0.0) + rates.get("busy_rate", 0.0) > 1.0 + 1e-9:
        msg = f"scenario {name}: live, machine and busy rates add up to more than all dials"
        raise ScenarioError(msg)
    timeout = float(table.get("no_answer_timeout_s", 25.0))
    if timeout < 15:
        msg = f"scenario {name}: no_answer_timeout_s must be at least 15 s (the law)"
        raise ScenarioError(msg)
    return Scenario(
        name=name,
        agents=agents,
        hours=float(table.get("hours", 8.0)),
        abandon_target=rates.get("abandon_target", 0.03),
        connect_limit_s=float(table.get("connect_limit_s", 2.0)),
        no_answer_timeout_s=timeout,
        live_answer_rate=rates["live_answer_rate"],
        machine_rate=rates.get("machine_rate", 0.0),
        busy_rate=rates.get("busy_rate", 0.0),
        answer_delay=durations["answer_delay"],
        fail_duration=durations["fail_duration"],
        amd_delay=durations.get("amd_delay", Duration("uniform", 2.5, 4.0)),
        amd_false_positive=_fraction(
            {"amd_false_positive": table.get("amd_false_positive", 0.0)},
            "amd_false_positive",
            f"scenario {name}",
        ),
        machine_handle=durations.get("machine_handle", Duration("constant", 8.0)),
        talk=durations["talk"],
        wrap=durations["wrap"],
        answer_rate_by_hour=by_hour,
        pauses_per_agent_hour=float(table.get("pauses_per_agent_hour", 0.0)),
        pause_duration=durations.get("pause_duration", Duration("constant", 300.0)),
        login_spread_s=float(table.get("login_spread_s", 0.0)),
        uk_mode=bool(table.get("uk_mode", False)),
    )


def load_scenarios(path: Path) -> list[Scenario]:
    """Every scenario in a TOML file, its ``[defaults]`` applied."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        msg = f"{path}: not valid TOML ({error})"
        raise ScenarioError(msg) from None
    defaults = data.get("defaults", {})
    tables = data.get("scenario", [])
    if not tables:
        msg = f"{path}: no [[scenario]] tables"
        raise ScenarioError(msg)
    scenarios = [build_scenario({**defaults, **table}) for table in tables]
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        msg = f"{path}: scenario names repeat: {', '.join(duplicates)}"
        raise ScenarioError(msg)
    return scenarios

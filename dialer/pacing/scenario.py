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
traceback from deep inside the simulation: a value of the wrong type (``agents = "ten"``,
``uk_mode = "false"``), a number that is not finite, a day shorter than a minute or longer than 24
hours, a login spread of half the day or more, hourly answer rates that do not cover each hour
of the day (a part hour counts), a duration longer than a day, a lognormal with no spread or
with an sd over 100 times its mean.
"""

from __future__ import annotations

import json
import math
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal, cast

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


#: Guards against typos that would make a run hang or take hours: a campaign day is at most a
#: day long, a team at most a large contact centre, breaks at most one a minute.
MAX_HOURS = 24.0
#: A shorter day holds no call: every figure would be 0 and every policy "under the cap".
MIN_HOURS = 1 / 60
MAX_AGENTS = 2000
MAX_PAUSES_PER_AGENT_HOUR = 60.0
#: No ring, call, wrap-up, break or limit lasts longer than the longest day.
MAX_SECONDS = MAX_HOURS * 3600
#: A lognormal whose sd is more than this many times its mean has nearly every call last almost
#: nothing and a few last for ever; past about 1e154 its parameters overflow.
MAX_LOGNORMAL_SPREAD = 100.0

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
_DURATION_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
}
_FRACTION = "a fraction like 0.03 (for 3%)"


def _shown(value: Any) -> str:
    """``value`` roughly as the scenario file wrote it, for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _number(value: Any, what: str, kind: str = "a number") -> float:
    """``value`` as a finite float; ``what`` names the scenario and key in the error."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{what} must be {kind}, not {_shown(value)}"
        raise ScenarioError(msg)
    try:
        number = float(value)
    except OverflowError:  # a whole number too large for a float: TOML allows any length
        number = math.inf
    if not math.isfinite(number):
        shown = _shown(value) if isinstance(value, float) else f"a {len(str(value))}-digit number"
        msg = f"{what} must be a finite number, not {shown}"
        raise ScenarioError(msg)
    return number


def _ranged(
    table: Mapping[str, Any],
    key: str,
    where: str,
    default: float,
    *,
    high: float = math.inf,
    zero_allowed: bool = True,
) -> float:
    """``table[key]`` (or ``default``), a finite number from 0 (or above 0) to ``high``."""
    value = _number(table.get(key, default), f"{where}: {key}")
    if value < 0 or (value == 0 and not zero_allowed) or value > high:
        bounds = ["at least 0" if zero_allowed else "above 0"]
        if high < math.inf:
            bounds.append(f"at most {high:g}")
        msg = f"{where}: {key} must be {' and '.join(bounds)}, not {value:g}"
        raise ScenarioError(msg)
    return value


def _fraction(
    table: Mapping[str, Any],
    key: str,
    where: str,
    default: float,
    *,
    zero_allowed: bool = True,
    one_allowed: bool = True,
) -> float:
    value = _number(table.get(key, default), f"{where}: {key}", _FRACTION)
    if (
        value < 0
        or value > 1
        or (value == 0 and not zero_allowed)
        or (value == 1 and not one_allowed)
    ):
        if zero_allowed and one_allowed:
            span = "between 0 and 1"
        else:
            low = "at least 0" if zero_allowed else "above 0"
            span = f"{low} and {'at most 1' if one_allowed else 'below 1'}"
        msg = f"{where}: {key} must be a fraction, {span}, not {value:g}"
        raise ScenarioError(msg)
    return value


def parse_duration(value: Any, where: str) -> Duration:
    """A ``{dist = ...}`` table as a :class:`Duration`."""
    if not isinstance(value, Mapping):
        msg = f'{where}: a duration is a table like {{dist = "constant", value = 8}}'
        raise ScenarioError(msg)
    kind = value.get("dist")
    if not isinstance(kind, str) or kind not in _DURATION_FIELDS:
        msg = f"{where}: unknown distribution {_shown(kind)} (known: {', '.join(_DURATION_FIELDS)})"
        raise ScenarioError(msg)
    fields = _DURATION_FIELDS[kind]
    missing = [field for field in fields if field not in value]
    if missing:
        msg = f"{where}: the {kind} distribution needs {' and '.join(map(repr, missing))}"
        raise ScenarioError(msg)
    extra = sorted(set(value) - {"dist", *fields})
    if extra:
        msg = (
            f"{where}: the {kind} distribution takes {' and '.join(fields)}, not {', '.join(extra)}"
        )
        raise ScenarioError(msg)
    numbers = [_number(value[field], f"{where}: {field}") for field in fields]
    if any(x < 0 for x in numbers):
        msg = f"{where}: durations cannot be negative"
        raise ScenarioError(msg)
    if any(x > MAX_SECONDS for x in numbers):
        msg = (
            f"{where}: durations are seconds, at most {MAX_SECONDS:g} (a day), not {max(numbers):g}"
        )
        raise ScenarioError(msg)
    if kind == "uniform" and numbers[1] < numbers[0]:
        msg = f"{where}: uniform high is below low"
        raise ScenarioError(msg)
    if kind in ("exponential", "lognormal") and numbers[0] <= 0:
        msg = f"{where}: the mean must be positive"
        raise ScenarioError(msg)
    if kind == "lognormal" and numbers[1] <= 0:
        msg = (
            f"{where}: a lognormal needs sd above 0; for a duration that never varies use "
            f'{{dist = "constant", value = {numbers[0]:g}}}'
        )
        raise ScenarioError(msg)
    if kind == "lognormal" and numbers[1] > MAX_LOGNORMAL_SPREAD * numbers[0]:
        msg = (
            f"{where}: a lognormal's sd can be at most {MAX_LOGNORMAL_SPREAD:g} times its mean, "
            f"not {numbers[1]:g} for a mean of {numbers[0]:g}"
        )
        raise ScenarioError(msg)
    b = numbers[1] if len(numbers) > 1 else 0.0
    return Duration(cast(DistributionKind, kind), numbers[0], b)


def _name(table: Mapping[str, Any]) -> str:
    name = table.get("name", "")
    if not isinstance(name, str) or not name.strip():
        given = f", not {_shown(name)}" if "name" in table else ""
        msg = f'every [[scenario]] needs a name, as text like name = "A-10"{given}'
        raise ScenarioError(msg)
    return name.strip()


def _agents(table: Mapping[str, Any], where: str) -> int:
    value = table["agents"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_AGENTS:
        msg = f"{where}: agents must be a whole number from 1 to {MAX_AGENTS}, not {_shown(value)}"
        raise ScenarioError(msg)
    return value


def _by_hour(table: Mapping[str, Any], where: str, hours: float) -> tuple[float, ...]:
    """The hourly multipliers of the live-answer rate: one per hour, a part hour counting."""
    if "answer_rate_by_hour" not in table:
        return ()
    value = table["answer_rate_by_hour"]
    if not isinstance(value, list):
        msg = (
            f"{where}: answer_rate_by_hour must be a list of hourly multipliers like "
            f"[0.8, 1.0, 1.2], not {_shown(value)}"
        )
        raise ScenarioError(msg)
    by_hour = tuple(_number(x, f"{where}: each answer_rate_by_hour value") for x in value)
    if any(x < 0 for x in by_hour):
        msg = f"{where}: answer_rate_by_hour cannot be negative"
        raise ScenarioError(msg)
    # A longer list is a shorter day of the same profile (a what-if on its first hours).
    expected = math.ceil(hours)
    if len(by_hour) < expected:
        msg = (
            f"{where}: answer_rate_by_hour holds one multiplier per hour of the day: the day "
            f"is {hours:g} hours long, so it needs {expected} values, not {len(by_hour)}"
        )
        raise ScenarioError(msg)
    return by_hour


def _check_outcomes_fit(
    where: str, live: float, machine: float, busy: float, by_hour: tuple[float, ...]
) -> None:
    """Refuse outcome rates that share out more than every dial, in any hour of the day."""
    rest = f"machine_rate {machine:g} + busy_rate {busy:g}"
    hour, peak = max(enumerate(by_hour, 1), key=lambda pair: pair[1], default=(0, 1.0))
    total = live * peak + machine + busy
    if total <= 1.0 + 1e-9:
        return
    if hour:
        shares = f"live_answer_rate {live:g} x answer_rate_by_hour {peak:g} (hour {hour}) + {rest}"
    else:
        shares = f"live_answer_rate {live:g} + {rest}"
    msg = f"{where}: {shares} = {total:g}: the outcome rates add up to more than all dials (1)"
    raise ScenarioError(msg)


def _uk_mode(table: Mapping[str, Any], where: str) -> bool:
    value = table.get("uk_mode", False)
    if not isinstance(value, bool):
        msg = f"{where}: uk_mode must be true or false (without quotes), not {_shown(value)}"
        raise ScenarioError(msg)
    return value


def build_scenario(table: Mapping[str, Any]) -> Scenario:
    """A validated :class:`Scenario` from the merged defaults and scenario tables."""
    name = _name(table)
    where = f"scenario {name}"
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        msg = f"{where}: unknown keys {', '.join(unknown)}"
        raise ScenarioError(msg)
    required = ("agents", "live_answer_rate", "talk", "wrap", "answer_delay", "fail_duration")
    for key in required:
        if key not in table:
            msg = f"{where}: {key} is missing"
            raise ScenarioError(msg)
    durations = {
        key: parse_duration(table[key], f"{where}, {key}") for key in _DURATION_KEYS if key in table
    }
    agents = _agents(table, where)
    hours = _ranged(table, "hours", where, 8.0, high=MAX_HOURS, zero_allowed=False)
    if hours < MIN_HOURS:
        msg = f"{where}: hours must be at least a minute ({MIN_HOURS:.4f} hours), not {hours:g}"
        raise ScenarioError(msg)
    live = _fraction(table, "live_answer_rate", where, 0.0)
    machine = _fraction(table, "machine_rate", where, 0.0)
    busy = _fraction(table, "busy_rate", where, 0.0)
    target = _fraction(table, "abandon_target", where, 0.03, zero_allowed=False, one_allowed=False)
    by_hour = _by_hour(table, where, hours)
    _check_outcomes_fit(where, live, machine, busy, by_hour[: math.ceil(hours)])
    timeout = _ranged(table, "no_answer_timeout_s", where, 25.0, high=MAX_SECONDS)
    if timeout < 15:
        msg = f"{where}: no_answer_timeout_s must be at least 15 s (the law)"
        raise ScenarioError(msg)
    spread = _ranged(table, "login_spread_s", where, 0.0)
    if spread >= hours * 1800:
        msg = (
            f"{where}: login_spread_s must be less than half the day ({hours * 1800:g} s): "
            f"agents log in over the first login_spread_s and out over the last, not {spread:g}"
        )
        raise ScenarioError(msg)
    return Scenario(
        name=name,
        agents=agents,
        hours=hours,
        abandon_target=target,
        connect_limit_s=_ranged(
            table, "connect_limit_s", where, 2.0, high=MAX_SECONDS, zero_allowed=False
        ),
        no_answer_timeout_s=timeout,
        live_answer_rate=live,
        machine_rate=machine,
        busy_rate=busy,
        answer_delay=durations["answer_delay"],
        fail_duration=durations["fail_duration"],
        amd_delay=durations.get("amd_delay", Duration("uniform", 2.5, 4.0)),
        amd_false_positive=_fraction(table, "amd_false_positive", where, 0.0, one_allowed=False),
        machine_handle=durations.get("machine_handle", Duration("constant", 8.0)),
        talk=durations["talk"],
        wrap=durations["wrap"],
        answer_rate_by_hour=by_hour,
        pauses_per_agent_hour=_ranged(
            table, "pauses_per_agent_hour", where, 0.0, high=MAX_PAUSES_PER_AGENT_HOUR
        ),
        pause_duration=durations.get("pause_duration", Duration("constant", 300.0)),
        login_spread_s=spread,
        uk_mode=_uk_mode(table, where),
    )


def _read(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``, every way of failing to read it a ScenarioError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        msg = f"{path}: not UTF-8 text (byte {error.start} cannot be read); save it as UTF-8"
        raise ScenarioError(msg) from None
    except OSError as error:
        msg = f"{path}: cannot read it ({error.strerror})"
        raise ScenarioError(msg) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        msg = f"{path}: not valid TOML ({error})"
        raise ScenarioError(msg) from None


def load_scenarios(path: Path) -> list[Scenario]:
    """Every scenario in a TOML file, its ``[defaults]`` applied."""
    data = _read(path)
    unknown = sorted(set(data) - {"defaults", "scenario"})
    if unknown:
        msg = (
            f"{path}: unknown top-level keys {', '.join(unknown)} "
            "(a scenario file holds [defaults] and [[scenario]] tables)"
        )
        raise ScenarioError(msg)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        msg = f"{path}: defaults must be a [defaults] table, not {_shown(defaults)}"
        raise ScenarioError(msg)
    tables = data.get("scenario", [])
    if not isinstance(tables, list):
        msg = f"{path}: scenario must be a list of [[scenario]] tables, not {_shown(tables)}"
        raise ScenarioError(msg)
    if not tables:
        msg = f"{path}: no [[scenario]] tables"
        raise ScenarioError(msg)
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            msg = f"{path}: scenario number {number} is {_shown(table)}, not a [[scenario]] table"
            raise ScenarioError(msg)
    scenarios = [build_scenario({**defaults, **table}) for table in tables]
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        msg = f"{path}: scenario names repeat: {', '.join(duplicates)}"
        raise ScenarioError(msg)
    return scenarios

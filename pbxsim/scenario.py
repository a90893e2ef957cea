"""Scenario files: a TOML description of a simulated day (outcome rates, timings, agents,
queues, scripted numbers, seed, time scale, where the IVR listens).

    [sim]
    dialplan = "recoup"        # Recoup's production dialplan (the default), or "lab"
    seed = 42
    time_scale = 60
    recordings_dir = "var/recordings"

    [outcomes]                 # relative weights
    answer = 0.35
    machine = 0.15
    busy = 0.10
    noanswer = 0.35
    congestion = 0.05

    [timing]                   # seconds: a number, or [low, high] drawn uniformly
    ring_time = [2, 12]
    talk_time = [30, 240]
    patience = [5, 40]
    agent_hangs_up = 0.5       # share of calls the agent ends

    [[queues]]                 # replaces the dialplan's queues; Recoup's from the
    name = "collections"       # [recoup-outbound-queue] template (timeout 3, retry 1)
    [[queues]]
    name = "recoup-spring"     # a campaign's own queue

    [[agents]]                 # Local/<name>@recoup-agents/n (lab: Local/<name>@agents/n)
    name = "1001"
    queues = ["recoup-spring"]
    logged_in = true

    [numbers]                  # scripted called parties (Recoup dials E.164: "+1...")
    "+15550001" = { outcome = "busy" }
    "+15550002" = { outcome = "answer", ring_time = 3, talk_time = 30 }

    [agi]
    port = 4573
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pbxsim.behaviour import BehaviourModel, HangupBy, Outcome, OutcomeRates, PartyBehaviour, Spread
from pbxsim.config import AgentConfig, AgiTarget, Dialplan, QueueConfig, SimConfig


class ScenarioError(ValueError):
    """The scenario file says something pbxsim cannot do."""


DIALPLANS: tuple[Dialplan, ...] = ("recoup", "lab")


def load_scenario(path: Path, *, dialplan: Dialplan | None = None) -> SimConfig:
    """The scenario in ``path``; ``dialplan`` overrides its ``[sim] dialplan``."""
    with path.open("rb") as handle:
        return scenario_config(tomllib.load(handle), dialplan=dialplan)


def scenario_config(data: dict[str, Any], *, dialplan: Dialplan | None = None) -> SimConfig:
    """A scenario's SimConfig. ``[sim] dialplan`` defaults to ``"recoup"`` (what a user runs)."""
    known = {"ami", "sim", "outcomes", "timing", "queues", "agents", "numbers", "agi"}
    unknown = set(data) - known
    if unknown:
        msg = f"unknown scenario sections: {', '.join(sorted(unknown))}"
        raise ScenarioError(msg)
    ami, sim, timing = data.get("ami", {}), data.get("sim", {}), data.get("timing", {})
    behaviour = BehaviourModel(
        seed=int(sim.get("seed", 1)),
        rates=OutcomeRates(**{k: float(v) for k, v in data.get("outcomes", {}).items()}),
        ring_time=Spread.parse(timing.get("ring_time", [2, 12])),
        talk_time=Spread.parse(timing.get("talk_time", [30, 240])),
        machine_greeting=Spread.parse(timing.get("machine_greeting", [8, 20])),
        patience=Spread.parse(timing.get("patience", [5, 40])),
        agent_hangs_up=float(timing.get("agent_hangs_up", 0.5)),
    )
    for number, spec in data.get("numbers", {}).items():
        behaviour.script(str(number), party(spec))
    chosen = dialplan or sim.get("dialplan", "recoup")
    if chosen not in DIALPLANS:
        msg = f"unknown dialplan {chosen!r}; use one of {list(DIALPLANS)}"
        raise ScenarioError(msg)
    config = SimConfig.recoup() if chosen == "recoup" else SimConfig()
    fields: dict[str, object] = {
        "host": str(ami.get("host", "127.0.0.1")),
        "port": int(ami.get("port", 5038)),
        "username": str(ami.get("username", "dialer")),
        "secret": str(ami.get("secret", "dialerpass")),
        "time_scale": float(sim.get("time_scale", 1.0)),
        "noise": float(sim.get("noise", 1.0)),
        "behaviour": behaviour,
        "auto_answer": bool(sim.get("auto_answer", True)),
        "agent_answer_delay": float(sim.get("agent_answer_delay", 0.5)),
        "queue_wait": float(sim.get("queue_wait", 60.0)),
        "recordings_dir": Path(sim.get("recordings_dir", "var/recordings")),
        "record": bool(sim.get("record", True)),
        "auth_failure_delay": float(sim.get("auth_failure_delay", 1.0)),
    }
    if "queue_wait" not in sim:
        del fields["queue_wait"]  # the dialplan's (Recoup: RECOUP_QUEUE_TIMEOUT, 3 s)
    for key, value in fields.items():
        setattr(config, key, value)
    if "queues" in data:
        template = QueueConfig.recoup_outbound() if chosen == "recoup" else QueueConfig()
        config.queues = [queue(spec, template) for spec in data["queues"]]
    config.agents = [
        AgentConfig(
            name=str(spec["name"]),
            interface=str(spec.get("interface", "")),
            queues=tuple(spec.get("queues", ["collections"])),
            logged_in=bool(spec.get("logged_in", True)),
            paused=bool(spec.get("paused", False)),
        )
        for spec in data.get("agents", [])
    ]
    agi = data.get("agi", {})
    config.agi = AgiTarget(
        host=str(agi.get("host", "127.0.0.1")),
        port=int(agi.get("port", 4573)),
        script=str(agi.get("script", config.agi.script)),
    )
    return config


def party(spec: dict[str, Any]) -> PartyBehaviour:
    try:
        outcome = Outcome(spec.get("outcome", "answer"))
    except ValueError as error:
        msg = f"unknown outcome {spec.get('outcome')!r}; use one of {[o.value for o in Outcome]}"
        raise ScenarioError(msg) from error
    return PartyBehaviour(
        outcome=outcome,
        ring_time=float(spec.get("ring_time", 0.0)),
        talk_time=float(spec.get("talk_time", 20.0)),
        patience=float(spec.get("patience", 60.0)),
        hangup_by=HangupBy(spec.get("hangup_by", "customer")),
    )


def queue(spec: dict[str, Any], default: QueueConfig | None = None) -> QueueConfig:
    default = default or QueueConfig()
    return QueueConfig(
        name=str(spec.get("name", default.name)),
        member_timeout=float(spec.get("member_timeout", default.member_timeout)),
        retry=float(spec.get("retry", default.retry)),
        joinempty=frozenset(spec.get("joinempty", default.joinempty)),
        leavewhenempty=frozenset(spec.get("leavewhenempty", default.leavewhenempty)),
    )

"""One dialer process under a contact centre's load: 250 agents, about 1,000 channels up at once.

What runs where:

* **pbxsim** (the Asterisk stand-in, Recoup's dialplan, AMI over real TCP) runs in a *child
  process* of its own (``multiprocessing``, spawn), so that the dialer process's CPU and latency
  are the dialer's alone. The child stamps every AMI event with the moment it wrote it
  (``X-Bench-Sent``, ``time.monotonic()``: on Linux one clock for every process) and samples
  how many channels are up.
* **The dialer process** (this one) runs what ``recoup dialer`` runs, composed as
  :func:`recoup.contact_centre.running_dialer` composes it (AmiSession + Dialer + DialerDesk,
  on SQLite by default or ``--database-url``), and ``--agents`` simulated agents
  (:class:`~dialer.engine.autopilot.AutoAgent`: log in, ready, read the screen pop, dispose after
  the call) working a predictive campaign of ``--debtors`` sample debtors with long talk times.
  Both sides share a :class:`~recoup.clock.ScaledClock` running ``--speed`` times faster than
  real time (the load on the dialer grows with it); every figure below is in *real* time.

The dialer's own answer-to-bridge latency
-----------------------------------------
Asterisk, not the dialer, bridges the debtor to an agent (the queue rings a ready member); the
dialer is on that path twice, and only those two stretches are counted, in real milliseconds:

1. **live**: the event saying a person is on the line (``CallAnswered`` with AMD off, or
   ``AmdResult`` HUMAN/NOTSURE) — from the moment pbxsim wrote its AMI bytes to the socket to
   the moment the dialer has folded it into its call book (the 2-second watch armed) *and*
   finished acting on it (attempt row marked live, abandon meter counted);
2. **connect**: the ``AgentConnected`` event of the same call — from pbxsim writing its bytes
   to the dialer having published the agent's ``AgentStateChanged`` (on call) *and* the
   agent's ``ScreenPopped`` (the debtor, debts and script on the agent's screen).

``answer_to_bridge_ms`` is their sum per connected call. It includes the kernel's loopback,
time the bytes waited while the dialer's event loop was busy, parsing, translating, waiting
behind earlier events in the dialer's queue and every database write on the way; it excludes
pbxsim's own simulated ringing and answering of the agent's phone (the dialer's built-in
``Dialer.answer_to_bridge``, which does include them, is reported beside it, in simulated s).
The stretches are also given separately, with ``*_from_parsed`` variants that start when the
dialer had parsed the message (the difference is time spent waiting to be read).

Instrumentation lives only here: a subclass of :class:`~dialer.engine.runner.Dialer` timestamps
``_fold`` / ``_act`` / ``publish`` / ``store.run`` and the session's ``on_message`` /
``on_event`` hooks.

Prints one JSON object. Run: ``.venv/bin/python bench/dialer_load.py [--duration S]
[--agents N] [--channels N] [--speed X] [--debtors N] [--database-url URL] [--profile FILE]``
(``make bench-dialer``). A PostgreSQL ``--database-url`` must name an empty database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession
from dialer.ami.session import AmiSettings as SessionSettings
from dialer.engine.agent_desk import DialerDesk
from dialer.engine.autopilot import AutoAgent
from dialer.engine.runner import Dialer, DialerSettings
from dialer.events import PbxEvent
from recoup.bus.local import InProcessBus
from recoup.clock import ScaledClock
from recoup.demo_centre import DEMO_CAMPAIGN, demo_start, prepare_demo
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade

log = logging.getLogger("bench.dialer_load")

T = TypeVar("T")
GOAL_P99_MS = 50.0


def say(message: str) -> None:
    print(f"[dialer_load] {message}", file=sys.stderr, flush=True)


# --- pbxsim, in a process of its own ------------------------------------------------------------
from load_pbx import PbxSpec, pbx_process  # noqa: E402 - bench/ is the script's folder
from load_probe import Probe, TimedDialer, percentiles  # noqa: E402


async def run_agents_staggered(agents: list[AutoAgent], over_s: float) -> None:
    """The agents start their shifts one by one over ``over_s`` real seconds, not all at once
    (as :func:`~dialer.engine.autopilot.run_agents` otherwise runs them)."""

    async def one(agent: AutoAgent, delay: float) -> None:
        await asyncio.sleep(delay)
        await agent.run()

    step = over_s / max(1, len(agents))
    results = await asyncio.gather(
        *(one(a, i * step) for i, a in enumerate(agents)), return_exceptions=True
    )
    for agent, result in zip(agents, results, strict=True):
        if isinstance(result, Exception):
            log.error("agent %s stopped: %s", agent.username, result)


async def loop_lag(samples: list[float], every_s: float = 0.01) -> None:
    """How late the event loop wakes a 10 ms sleeper: how long bytes can wait unread."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(every_s)
        samples.append(1000 * (time.monotonic() - before - every_s))


async def watch_calls(dialer: Dialer, peaks: dict[str, int]) -> None:
    while True:
        await asyncio.sleep(0.05)
        calls = len(dialer.book.calls)
        on_call = sum(
            1 for run in dialer.campaigns.values() for a in run.roster if a.call_id is not None
        )
        peaks["calls"] = max(peaks.get("calls", 0), calls)
        peaks["agents_with_a_call"] = max(peaks.get("agents_with_a_call", 0), on_call)


# --- the run -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Options:
    agents: int
    channels: int
    debtors: int
    speed: float
    duration: float
    warmup: float
    stagger: float
    talk_s: tuple[float, float]
    seed: int
    noise: float
    database_url: str | None
    profile: Path | None


async def run_bench(options: Options, work: Path) -> dict[str, Any]:
    url = options.database_url or f"sqlite+aiosqlite:///{work / 'dialer_load.db'}"
    engine = make_engine(url)
    start = demo_start()
    began = time.monotonic()
    say(f"preparing {options.debtors} debtors in {url.split('://')[0]} ...")
    await upgrade(url)
    prepared = await prepare_demo(
        engine, work / "debtors", debtors=options.debtors, seed=options.seed, now=start
    )
    prepare_s = time.monotonic() - began
    say(f"prepared in {prepare_s:.1f} s: {prepared}")

    clock = ScaledClock(options.speed, start=start)
    anchor = time.monotonic()
    spec = PbxSpec(options.speed, options.seed, options.talk_s, start, anchor, options.noise,
                   str(work / "recordings"))  # fmt: skip
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=pbx_process, args=(spec, theirs), name="pbxsim", daemon=True)
    child.start()
    try:
        if not await asyncio.to_thread(ours.poll, 30.0):
            raise RuntimeError("pbxsim did not start within 30 s")
        port = int(ours.recv())
        probe, window = await _drive(options, engine=engine, clock=clock, port=port, pipe=ours)
        facts: dict[str, Any] = {**prepared, "prepare_s": round(prepare_s, 1)}
        database = engine.url.get_backend_name()
        return report(options, database=database, prepared=facts, probe=probe, window=window)
    finally:
        with contextlib.suppress(OSError, BrokenPipeError):
            ours.send("exit")
        await asyncio.to_thread(child.join, 10.0)
        if child.is_alive():
            child.terminate()
        await engine.dispose()


@dataclass
class Window:
    """What the dialer process did in the measured window."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    user_s: float = 0.0
    system_s: float = 0.0
    max_rss_mb: float = 0.0
    handled: int = 0
    messages: int = 0
    placed: int = 0
    logged_in: int = 0
    backlog: int = 0
    gaps: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    peaks: dict[str, int] = field(default_factory=dict)
    pbx: dict[str, Any] = field(default_factory=dict)


async def _drive(
    options: Options, *, engine: AsyncEngine, clock: ScaledClock, port: int, pipe: Connection
) -> tuple[Probe, Window]:
    probe = Probe()
    bus = InProcessBus()
    events: asyncio.Queue[PbxEvent] = asyncio.Queue()
    ami = SessionSettings(host="127.0.0.1", port=port, username="dialer", secret="dialerpass",
                          pbx_name="pbxsim")  # fmt: skip
    session = AmiSession(
        ami, clock=clock, on_event=probe.forward(events.put_nowait), on_message=probe.on_message
    )
    await session.start()
    await session.wait_connected(within_s=10.0)
    dialer = TimedDialer(
        probe, engine=engine, pbx=AsteriskPbx(session), events=events, bus=bus, clock=clock,
        settings=DialerSettings(dialer_id="bench-dialer", claim_renew_s=30.0),
    )  # fmt: skip
    desk = DialerDesk(dialer)
    await dialer.start()
    rng = random.Random(options.seed)
    agents = [
        AutoAgent(f"agent{i + 1}", f"{1001 + i}", DEMO_CAMPAIGN, desk, bus, clock,
                  random.Random(rng.random()))
        for i in range(options.agents)
    ]  # fmt: skip
    window = Window()
    helpers = [
        asyncio.create_task(run_agents_staggered(agents, options.stagger)),
        asyncio.create_task(loop_lag(window.lag)),
        asyncio.create_task(watch_calls(dialer, window.peaks)),
    ]
    try:
        say(f"{options.agents} agents logging in; warming up for {options.warmup:g} s ...")
        await asyncio.sleep(options.warmup)
        await _measure(options, dialer, probe, pipe, window)
    finally:
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        await dialer.stop()
        await session.close()
    return probe, window


async def _measure(
    options: Options, dialer: Dialer, probe: Probe, pipe: Connection, window: Window
) -> None:
    run = dialer.campaigns[DEMO_CAMPAIGN]
    placed0, handled0, messages0 = run.placed, dialer.events_handled, probe.messages
    window.lag.clear()
    window.peaks.clear()
    profiler: Any = None
    if options.profile is not None:
        pyinstrument = importlib.import_module("pyinstrument")  # optional: pip install it
        profiler = pyinstrument.Profiler(async_mode="disabled")
        profiler.start()
    pipe.send("measure")
    probe.since = time.monotonic()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, wall0 = time.process_time(), time.monotonic()
    say(f"measuring for {options.duration:g} s ...")
    await asyncio.sleep(options.duration)
    window.cpu_s = time.process_time() - cpu0
    window.wall_s = time.monotonic() - wall0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    if profiler is not None and options.profile is not None:
        profiler.stop()
        options.profile.write_text(profiler.output_text(unicode=True, show_all=False))
        say(f"profile written to {options.profile}")
    window.user_s = usage1.ru_utime - usage0.ru_utime
    window.system_s = usage1.ru_stime - usage0.ru_stime
    window.max_rss_mb = usage1.ru_maxrss / 1024
    window.handled = dialer.events_handled - handled0
    window.messages = probe.messages - messages0
    window.placed = run.placed - placed0
    pipe.send("stop")
    window.pbx = await asyncio.to_thread(lambda: pipe.recv() if pipe.poll(10.0) else {})
    window.logged_in = run.agents_logged_in()
    window.backlog = dialer.events.qsize()
    window.gaps = sorted(dialer.answer_to_bridge)


def _by(samples: dict[str, list[float]]) -> dict[str, Any]:
    return {
        name: {**percentiles(ms), "total_s": round(sum(ms) / 1000, 2)}
        for name, ms in sorted(samples.items())
    }


def report(
    options: Options, *, database: str, prepared: dict[str, Any], probe: Probe, window: Window
) -> dict[str, Any]:
    w = window
    bridge = percentiles(probe.bridge_ms)
    p99 = bridge["p99"]
    channels = int(w.pbx.get("peak_channels", 0))
    return {
        "benchmark": "dialer_load",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "database": database,
        "agents": options.agents,
        "agents_logged_in": w.logged_in,
        "debtors": options.debtors,
        "leads": prepared["leads"],
        "prepare_s": prepared["prepare_s"],
        "speed": options.speed,
        "talk_s_simulated": list(options.talk_s),
        "ami_noise": options.noise,
        "warmup_s": options.warmup,
        "logins_staggered_over_s": options.stagger,
        "wall_s": round(w.wall_s, 2),
        "cpu_s": round(w.cpu_s, 2),
        "cpu_percent": round(100 * w.cpu_s / w.wall_s, 1),
        "cpu_user_s": round(w.user_s, 2),
        "cpu_system_s": round(w.system_s, 2),
        "max_rss_mb": round(w.max_rss_mb, 1),
        "events_handled": w.handled,
        "events_per_s": round(w.handled / w.wall_s, 1),
        "ami_messages": w.messages,
        "ami_messages_per_s": round(w.messages / w.wall_s, 1),
        "event_backlog_at_end": w.backlog,
        "calls_placed": w.placed,
        "calls_placed_per_s": round(w.placed / w.wall_s, 2),
        "calls_connected": bridge["n"],
        "peak_concurrent_channels": channels,
        "mean_concurrent_channels": w.pbx.get("mean_channels"),
        "peak_concurrent_calls": w.peaks.get("calls", 0),
        "peak_agents_with_a_call": w.peaks.get("agents_with_a_call", 0),
        "latency_definition": (
            "answer_to_bridge_ms, per connected call = (live: pbxsim wrote the AMI bytes of "
            "the person-on-the-line event -> the dialer folded it and finished acting on it) + "
            "(connect: pbxsim wrote AgentConnected -> the dialer published the agent's "
            "screen pop); real ms, dialer process only; pbxsim's ringing of the agent excluded"
        ),
        "answer_to_bridge_ms": bridge,
        "answer_to_bridge_from_parsed_ms": percentiles(probe.bridge_parsed_ms),
        "live_handled_ms": percentiles(probe.live_counted_ms),
        "connect_to_on_call_ms": percentiles(probe.state_ms),
        "connect_to_screen_pop_ms": percentiles(probe.pop_ms),
        "any_event_to_book_ms": percentiles(probe.fold_ms),
        "any_event_to_acted_ms": percentiles(probe.act_ms),
        "event_loop_lag_ms": percentiles(w.lag),
        "dialer_answer_to_agent_s_simulated_p50": (
            round(w.gaps[len(w.gaps) // 2], 3) if w.gaps else None
        ),
        "dialer_database_ms": _by(probe.database_ms),
        "dialer_act_ms_by_event": _by(probe.act_by_type),
        "dialer_queue_action_ms": percentiles(probe.queue_action_ms),
        "pbxsim_process": w.pbx,
        "goal_met": {
            "answer_to_bridge_p99_le_50ms": p99 is not None and float(p99) <= GOAL_P99_MS,
            "concurrent_channels": channels >= options.channels,
            "agents_logged_in": w.logged_in >= options.agents,
        },
    }


def parse_args(argv: list[str] | None = None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--agents", type=int, default=250)
    parser.add_argument("--channels", type=int, default=1000,
                        help="concurrent channels the run must reach (goal_met)")  # fmt: skip
    parser.add_argument("--debtors", type=int, default=6_000)
    parser.add_argument("--speed", type=float, default=4.0,
                        help="simulated seconds per real second (load grows with it)")  # fmt: skip
    parser.add_argument("--duration", type=float, default=90.0, help="measured real seconds")
    parser.add_argument("--warmup", type=float, default=40.0, help="real seconds before it")
    parser.add_argument("--stagger", type=float, default=20.0,
                        help="real seconds over which the agents log in, one by one")  # fmt: skip
    parser.add_argument("--talk", type=float, nargs=2, default=(90.0, 420.0),
                        metavar=("MIN", "MAX"), help="talk time, simulated seconds")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=1.0,
                        help="share of VarSet/Newexten events pbxsim sends (1: all)")  # fmt: skip
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile here")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    options = Options(
        agents=args.agents, channels=args.channels, debtors=args.debtors, speed=args.speed,
        duration=args.duration, warmup=args.warmup, stagger=args.stagger,
        talk_s=(args.talk[0], args.talk[1]), seed=args.seed, noise=args.noise,
        database_url=args.database_url, profile=args.profile,
    )  # fmt: skip
    return options, args.json


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    options, json_file = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dialer-load-") as folder:
        result = asyncio.run(run_bench(options, Path(folder)))
    text = json.dumps(result, indent=2)
    print(text)
    if json_file is not None:
        json_file.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

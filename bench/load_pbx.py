"""The pbxsim process of the dialer load bench: Asterisk's stand-in, on its own CPU."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from pbxsim import PbxSim
from pbxsim.channels import Fields
from recoup.clock import ScaledClock
from recoup.demo_centre import demo_pbx_config

log = logging.getLogger("bench.dialer_load")


SENT_HEADER = "X-Bench-Sent"


@dataclass(frozen=True, slots=True)
class PbxSpec:
    speed: float
    seed: int
    talk_s: tuple[float, float]
    start: datetime  # the simulated time at ``anchor``
    anchor: float  # time.monotonic() in the parent when its clock started
    noise: float
    recordings: str


def pbx_process(spec: PbxSpec, pipe: Connection) -> None:
    """The child: pbxsim until the parent says ``exit``."""
    asyncio.run(_serve_pbx(spec, pipe))


async def _serve_pbx(spec: PbxSpec, pipe: Connection) -> None:
    # The same simulated time as the parent's clock, give or take a microsecond.
    start = spec.start + timedelta(seconds=(time.monotonic() - spec.anchor) * spec.speed)
    clock = ScaledClock(spec.speed, start=start)
    config = demo_pbx_config(seed=spec.seed, talk_s=spec.talk_s)
    config.noise = spec.noise
    config.record = False  # MixMonitor's events are sent; no audio files are written
    config.recordings_dir = Path(spec.recordings)
    async with PbxSim(config, clock) as sim:
        broadcast = sim.server.broadcast

        def stamped(fields: Fields) -> None:
            broadcast([*fields, (SENT_HEADER, repr(time.monotonic()))])

        sim.pbx.sinks[sim.pbx.sinks.index(broadcast)] = stamped
        pipe.send(sim.port)
        live = sim.pbx.channels.live
        peak = samples = total = 0
        measuring = False
        cpu0 = wall0 = 0.0
        while True:
            await asyncio.sleep(0.05)
            if measuring:
                n = len(live)
                peak, samples, total = max(peak, n), samples + 1, total + n
            if not pipe.poll():
                continue
            word = pipe.recv()
            if word == "measure":
                measuring, cpu0, wall0 = True, time.process_time(), time.monotonic()
            elif word == "stop":
                wall = time.monotonic() - wall0
                cpu = time.process_time() - cpu0
                pipe.send(
                    {
                        "peak_channels": peak,
                        "mean_channels": round(total / samples, 1) if samples else 0,
                        "channels_at_stop": len(live),
                        "cpu_s": round(cpu, 2),
                        "cpu_percent": round(100 * cpu / wall, 1) if wall else 0.0,
                    }
                )
                measuring = False
            elif word == "exit":
                return


# --- the dialer, timed ---------------------------------------------------------------------------

"""Classic AGI: the same flows over a script's stdin/stdout, SIGHUP included."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import BinaryIO

from ivr.agi import AgiSession, AgiTimeouts, FlowOutcome, run_classic_agi
from ivr.agi.classic import pipe_streams

PROJECT_ROOT = Path(__file__).parents[3]
TIMEOUTS = AgiTimeouts(environment=1, command=1, media=1, application=1)
ENVIRONMENT = b"agi_request: recoup-ivr\nagi_channel: Local/s@inbound-00000042;2\nagi_arg_1: 7\n\n"

SCRIPT = """
import asyncio
from ivr.agi import run_classic_agi

async def flow(session):
    await session.answer()
    await session.wait_for_hangup()
    await session.set_variable("HUNG_UP", "yes")

asyncio.run(run_classic_agi(flow))
"""


def a_pipe() -> tuple[BinaryIO, BinaryIO]:
    read_end, write_end = os.pipe()
    return os.fdopen(read_end, "rb", buffering=0), os.fdopen(write_end, "wb", buffering=0)


async def test_a_flow_runs_over_a_pipe_pair_as_it_would_over_fastagi() -> None:
    script_stdin, asterisk_out = a_pipe()
    asterisk_in, script_stdout = a_pipe()
    with script_stdin, script_stdout, asterisk_in, asterisk_out:
        seen: list[object] = []

        async def flow(session: AgiSession) -> None:
            seen.append(session.environment.script)
            seen.append(session.environment.args)
            seen.append(await session.get_data("enter-amount", 5000, 6))

        asterisk = await pipe_streams(asterisk_in, asterisk_out)
        reader, writer = asterisk.reader, asterisk.writer
        script = asyncio.create_task(
            run_classic_agi(flow, stdin=script_stdin, stdout=script_stdout, timeouts=TIMEOUTS)
        )
        writer.write(ENVIRONMENT)
        assert await asyncio.wait_for(reader.readline(), 2) == b"GET DATA enter-amount 5000 6\n"
        writer.write(b"200 result=150\n")
        assert await asyncio.wait_for(script, 2) == FlowOutcome.COMPLETED
        assert await asyncio.wait_for(reader.read(), 2) == b""  # the script closed stdout
        assert seen == ["recoup-ivr", ("7",), ("150", False)]
        asterisk.close()


async def test_a_script_process_takes_sighup_as_the_hangup_and_exits_without_waiting() -> None:
    script = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    assert script.stdin is not None
    assert script.stdout is not None
    try:
        script.stdin.write(ENVIRONMENT)
        assert await asyncio.wait_for(script.stdout.readline(), 10) == b"ANSWER\n"
        script.stdin.write(b"200 result=0\n")
        await script.stdin.drain()
        script.send_signal(signal.SIGHUP)
        hung_up = await asyncio.wait_for(script.stdout.readline(), 5)
        assert hung_up == b'SET VARIABLE HUNG_UP "yes"\n'
        script.stdin.write(b"200 result=1\n")
        await script.stdin.drain()
        # Asterisk keeps stdin open until the process exits: the script must not wait for it.
        assert await asyncio.wait_for(script.wait(), 5) == 0
    finally:
        if script.returncode is None:
            script.kill()
            await script.wait()

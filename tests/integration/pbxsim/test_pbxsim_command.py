"""`python -m pbxsim` serves AMI until it is told to stop."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

from pbxsim_client import BareAmi


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_python_m_pbxsim_answers_ami_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pbxsim", "--port", str(port), "--agents", "2",
        "--recordings-dir", str(tmp_path), "--time-scale", "50",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    banner = await asyncio.wait_for(process.stderr.readline(), 10)

    client = await BareAmi.connect("127.0.0.1", port)
    status = await client.action("QueueStatus", Queue="collections")
    await client.wait_event("QueueStatusComplete")
    await client.close()
    process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), 10)

    assert f"AMI on 127.0.0.1:{port}" in banner.decode()
    assert status["EventList"] == "start"
    assert len(client.named("QueueMember")) == 2
    assert code == 0

"""``recoup demo`` as the quick start runs it: the contact centre up, where to look, logins that
work, and a clean stop on Ctrl-C with the campaign's summary."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_live_demo_serves_the_agent_api_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "RECOUP_VAR_DIR": str(tmp_path / "var"), "RECOUP_CONSOLE__PORT": str(port)}
    env.pop("RECOUP_MQTT_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "recoup", "demo", "--debtors", "10", "--agents", "2",
        "--speed", "20", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    shown: list[str] = []
    try:
        async with asyncio.timeout(90):
            while "Ctrl-C stops it." not in (line := (await process.stdout.readline()).decode()):
                assert line, "the demo ended before it was up"
                shown.append(line)
        text = "".join(shown)
        assert f"http://127.0.0.1:{port}/api/v1/openapi.json" in text
        assert "alice" in text
        assert "sam" in text
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            login = await http.post(
                "/api/v1/session", json={"username": "alice", "password": "alice-demo"}
            )
            assert login.status == 201, await login.text()
            token = (await login.json())["token"]
            campaigns = await http.get(
                "/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"}
            )
            assert campaigns.status == 200
            assert [c["id"] for c in (await campaigns.json())["campaigns"]] == ["demo"]
            supervisor = await http.post(
                "/api/v1/session", json={"username": "sam", "password": "sam-supervisor"}
            )
            assert supervisor.status == 201
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest, errors = await process.communicate()
        assert process.returncode == 0, errors.decode()[-2000:]
        assert "calls placed:" in rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

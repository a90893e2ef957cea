"""However a call flow ends, the call is logged and closed and nothing else is disturbed."""

from __future__ import annotations

import asyncio
import logging

import pytest
from scripted_asterisk import ScriptedAsterisk

from ivr.agi import AgiSession, AgiTimeout, CallerHungUp, FlowOutcome, run_flow

Call = tuple[AgiSession, ScriptedAsterisk]


async def test_a_flow_that_finishes_half_closes_the_call(call: Call) -> None:
    session, asterisk = call

    async def flow(_: AgiSession) -> None:
        return None

    finishing = asyncio.create_task(run_flow(flow, session))
    assert await asterisk.sent_nothing_more()
    await asterisk.send("HANGUP")
    asterisk.writer.close()
    assert await finishing == FlowOutcome.COMPLETED


async def test_a_caller_hanging_up_is_an_ordinary_end(call: Call) -> None:
    session, asterisk = call

    async def flow(_: AgiSession) -> None:
        raise CallerHungUp

    asterisk.writer.close()
    assert await run_flow(flow, session) == FlowOutcome.CALLER_HUNG_UP


async def test_an_agi_failure_is_logged_with_the_channel(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    session, asterisk = call

    async def flow(_: AgiSession) -> None:
        raise AgiTimeout("no reply to 'ANSWER'")

    asterisk.writer.close()
    with caplog.at_level(logging.WARNING, logger="ivr.agi.flow"):
        assert await run_flow(flow, session) == FlowOutcome.AGI_FAILED
    assert "Local/s@inbound-0000000b;2" in caplog.text
    assert "no reply to 'ANSWER'" in caplog.text


async def test_a_crashing_flow_is_logged_with_its_traceback(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    session, asterisk = call

    async def flow(_: AgiSession) -> None:
        raise ZeroDivisionError("promise amount / 0")

    asterisk.writer.close()
    with caplog.at_level(logging.ERROR, logger="ivr.agi.flow"):
        assert await run_flow(flow, session) == FlowOutcome.CRASHED
    assert "crashed" in caplog.text
    assert "ZeroDivisionError: promise amount / 0" in caplog.text

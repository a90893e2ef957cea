"""Classic AGI: Asterisk runs ``AGI(script)`` as a process and talks over its stdin/stdout.

The same flows run here as over FastAGI. Two differences from FastAGI: Asterisk reports a
hang-up with SIGHUP instead of a ``HANGUP`` line (unless ``AGISIGHUP=no``), and when the
script closes stdout, Asterisk waits for the process to exit before it closes anything, so the
script must not wait for it. stdout carries the protocol: a flow must never print to it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import IO, Any, NamedTuple

from ivr.agi.connection import MAX_LINE_BYTES, AgiTimeouts
from ivr.agi.errors import AgiError
from ivr.agi.flow import AgiFlow, FlowOutcome, run_flow
from ivr.agi.session import AgiSession

logger = logging.getLogger(__name__)


class PipeStreams(NamedTuple):
    """Asyncio streams over two pipes; unlike a socket, each pipe has its own transport."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    read_transport: asyncio.ReadTransport

    def close(self) -> None:
        """Close both pipes."""
        self.writer.close()
        self.read_transport.close()


async def pipe_streams(stdin: IO[Any], stdout: IO[Any]) -> PipeStreams:
    """Asyncio streams over a pair of pipes (or a process's stdin and stdout)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    read_transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), stdin
    )
    # A StreamReaderProtocol (over a reader nobody reads) gives the writer drain() and
    # wait_closed(), which a bare FlowControlMixin does not.
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), stdout
    )
    return PipeStreams(
        reader, asyncio.StreamWriter(transport, protocol, reader, loop), read_transport
    )


def _watch_sighup(session: AgiSession) -> bool:
    """Turn Asterisk's SIGHUP into a hang-up of the session, where the loop can take signals."""
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, session.notice_hangup)
    except (ValueError, RuntimeError, NotImplementedError, AttributeError) as error:
        # Not the main thread, or no SIGHUP here: the 511 replies still reveal the hang-up.
        logger.debug("classic AGI: cannot watch SIGHUP: %s", error)
        return False
    return True


async def run_classic_agi(
    flow: AgiFlow,
    *,
    stdin: IO[Any] | None = None,
    stdout: IO[Any] | None = None,
    timeouts: AgiTimeouts | None = None,
) -> FlowOutcome:
    """Run one call flow as a classic AGI script, on stdin/stdout unless told otherwise.

    A script is ``asyncio.run(run_classic_agi(my_flow))``.
    """
    pipes = await pipe_streams(stdin or sys.stdin, stdout or sys.stdout)
    try:
        session = await AgiSession.open(pipes.reader, pipes.writer, timeouts=timeouts)
    except AgiError as error:
        logger.warning("classic AGI: bad start: %s", error)
        pipes.close()
        return FlowOutcome.AGI_FAILED
    watching = _watch_sighup(session)
    try:
        return await run_flow(flow, session, wait_for_asterisk=False)
    finally:
        if watching:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        pipes.close()

"""The FastAGI server: Asterisk's ``AGI(agi://host:port/<script>)`` lands here.

Each connection gets its own task: read the ``agi_*`` block, pick the flow for the script
named in ``agi_request``, run it, close. A connection that sends garbage, or a flow that
crashes, ends that call only. ``max_sessions`` bounds the calls served at once: one more is
closed at once (the dialplan then goes on after ``AGI()``), so that an overload fails fast
instead of leaving callers in silence.

Asterisk reports every close as ``AGISTATUS=SUCCESS``, served or not, so Recoup's dialplan
(``recoup-after-hours``) plays its fallback prompt to a caller still on the line unless the
flow set ``RECOUP_IVR_RESULT``: a flow that hands the call back to the dialplan on purpose
sets it (``await session.set_variable("RECOUP_IVR_RESULT", "promise")``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Self

from ivr.agi.connection import AgiTimeouts
from ivr.agi.environment import AgiEnvironment
from ivr.agi.errors import AgiError
from ivr.agi.flow import AgiFlow, run_flow
from ivr.agi.session import AgiSession

logger = logging.getLogger(__name__)

FASTAGI_PORT = 4573
AgiRoutes = Mapping[str, AgiFlow] | AgiFlow


class FastAgiServer:
    """Serve call flows over FastAGI; ``routes`` maps a script name to its flow.

    ``routes`` may also be a single flow, which then serves every script.
    """

    def __init__(
        self,
        routes: AgiRoutes,
        *,
        host: str = "127.0.0.1",
        port: int = FASTAGI_PORT,
        max_sessions: int = 200,
        timeouts: AgiTimeouts | None = None,
        shutdown_grace_s: float = 5.0,
    ) -> None:
        self._routes = routes
        self._host = host
        self._port = port
        self._max_sessions = max_sessions
        self._timeouts = timeouts or AgiTimeouts()
        self._shutdown_grace_s = shutdown_grace_s
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port listened on (the real one when started with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def active_sessions(self) -> int:
        """Calls being served now."""
        return len(self._calls)

    def flow_for(self, environment: AgiEnvironment) -> AgiFlow | None:
        """The flow for the script Asterisk asked for, or None."""
        if isinstance(self._routes, Mapping):
            return self._routes.get(environment.script)
        return self._routes

    async def start(self) -> None:
        """Listen for Asterisk."""
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        logger.info("FastAGI listening on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        """Stop listening, give running calls ``shutdown_grace_s`` to end, then cut them."""
        if self._server is not None:
            self._server.close()
        calls = set(self._calls)
        if calls:
            _, unfinished = await asyncio.wait(calls, timeout=self._shutdown_grace_s)
            for call in unfinished:
                call.cancel()
            if unfinished:
                await asyncio.wait(unfinished)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if len(self._calls) >= self._max_sessions:
            logger.warning("FastAGI: %d calls already, refusing %s", self._max_sessions, peer)
            writer.close()
            return
        call = asyncio.create_task(self._serve(reader, writer, peer), name=f"fastagi {peer}")
        self._calls.add(call)
        call.add_done_callback(self._calls.discard)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: object
    ) -> None:
        try:
            session = await AgiSession.open(reader, writer, timeouts=self._timeouts)
        except Exception as error:
            # Whatever went wrong, close: Asterisk waits on an open socket for ever.
            if isinstance(error, AgiError):
                logger.warning("FastAGI: bad start from %s: %s", peer, error)
            else:
                logger.exception("FastAGI: bad start from %s: %r", peer, error)
            writer.close()
            return
        flow = self.flow_for(session.environment)
        if flow is None:
            logger.warning(
                "FastAGI: no flow for script %r (request %r)",
                session.environment.script,
                session.environment.request,
            )
            await session.close()
            return
        await run_flow(flow, session)


async def serve_fastagi(
    routes: AgiRoutes,
    host: str = "127.0.0.1",
    port: int = FASTAGI_PORT,
    *,
    max_sessions: int = 200,
    timeouts: AgiTimeouts | None = None,
) -> FastAgiServer:
    """Start a :class:`FastAgiServer` and return it (``await server.stop()`` to end)."""
    server = FastAgiServer(
        routes, host=host, port=port, max_sessions=max_sessions, timeouts=timeouts
    )
    await server.start()
    return server

"""The one owner of the AMI connection.

:class:`AmiSession` connects, logs in (plain or MD5 challenge), sends actions and matches their
answers by ActionID, gathers list replies (``EventList: start`` ... ``EventList: Complete``,
other events interleaved) into one :class:`AmiList`, and hands every other event to the
:class:`~dialer.ami.translate.CallTranslator`, whose domain events go to ``on_event``.

It never hangs a caller: every action has a timeout (:class:`ActionTimeout`), a dropped
connection fails every pending action with :class:`ConnectionLost` (a list cut short
included), and Asterisk's refusals become the exceptions of :mod:`dialer.ami.errors`. A Ping
every ``ping_interval`` notices a wedged peer: after ``pings_missed_limit`` unanswered pings the
connection is dropped. It then reconnects with exponential backoff and jitter, and after every
login it resyncs (CoreShowChannels, QueueStatus) and publishes
:class:`~dialer.events.ChannelsSnapshot` and :class:`~dialer.events.QueueSnapshot` so the dialer
rebuilds its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dialer.ami.errors import ActionFailed, ActionTimeout, ConnectionLost, error_for
from dialer.ami.protocol import AmiMessage, AmiParser, AmiProtocolError, encode
from dialer.ami.snapshot import channels_from, queues_from
from dialer.ami.translate import CallTranslator
from dialer.events import ChannelsSnapshot, PbxConnected, PbxDisconnected, PbxEvent, QueueSnapshot
from recoup.clock import Clock, SystemClock

log = logging.getLogger(__name__)

Fields = Sequence[tuple[str, str | int]]
READ_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class AmiSettings:
    """Where Asterisk is and how patient to be with it."""

    host: str
    username: str
    secret: str
    port: int = 5038
    auth: str = "md5"  # "md5" (challenge, the secret never crosses the wire) or "plain"
    events: str | None = None  # Login's Events header ("off", or a class list); None: all
    pbx_name: str = "asterisk"
    action_id_prefix: str = "recoup"
    connect_timeout_s: float = 5.0
    action_timeout_s: float = 10.0
    ping_interval_s: float = 20.0
    ping_timeout_s: float = 5.0
    pings_missed_limit: int = 2
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 30.0
    reconnect_jitter: float = 0.25  # +/- this fraction of each delay
    resync: bool = True


@dataclass(frozen=True, slots=True)
class AmiList:
    """A list action's answer: the Response, the items in order, and the closing event."""

    response: AmiMessage
    items: tuple[AmiMessage, ...]
    complete: AmiMessage


@dataclass(slots=True)
class _Pending:
    action: str
    is_list: bool
    future: asyncio.Future[AmiMessage | AmiList]
    response: AmiMessage | None = None
    items: list[AmiMessage] = field(default_factory=list)


def login_key(challenge: str, secret: str) -> str:
    """The ``Key`` of an MD5 Login: md5 of the challenge followed by the secret, in hex."""
    return hashlib.md5((challenge + secret).encode()).hexdigest()  # noqa: S324 - Asterisk's


class _Connection:
    """One TCP connection: its parser, its pending actions, its reader."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = AmiParser()
        self.pending: dict[str, _Pending] = {}
        self.banner: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.tasks: list[asyncio.Task[None]] = []
        self.ready = False  # logged in (or told not to log in): the dialer may send actions

    @property
    def lists_waiting(self) -> bool:
        return any(p.is_list for p in self.pending.values())

    def fail_all(self, reason: str) -> None:
        for action_id, pending in list(self.pending.items()):
            if not pending.future.done():
                what = f"{pending.action} (ActionID {action_id})"
                cut = " in the middle of its list" if pending.response is not None else ""
                pending.future.set_exception(ConnectionLost(f"{what}: {reason}{cut}"))
        self.pending.clear()


class AmiSession:
    """An asyncio AMI client session; see the module docstring."""

    def __init__(
        self,
        settings: AmiSettings,
        *,
        clock: Clock | None = None,
        translator: CallTranslator | None = None,
        on_event: Callable[[PbxEvent], None] | None = None,
        on_message: Callable[[AmiMessage], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.translator = translator or CallTranslator()
        self._on_event = on_event or (lambda _event: None)
        self._on_message = on_message or (lambda _message: None)
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        # OriginateResponse goes to every AMI session: another dialer, or this one before a
        # restart, counts from 1 too. A random token per session keeps the ActionIDs apart.
        self._id_stem = f"{settings.action_id_prefix}-{secrets.token_hex(4)}"
        self._conn: _Connection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False
        self._logged_in = asyncio.Event()
        self.connects = 0

    # --- lifecycle ----------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Logged in and up: an action sent now goes to Asterisk (not refused as too early)."""
        conn = self._conn
        return conn is not None and conn.ready and not conn.closed.done()

    async def start(self) -> None:
        """Connect and log in (errors reach the caller), then stay connected in the background."""
        await self.connect()
        self._supervisor = asyncio.create_task(self._stay_connected(), name="ami-reconnect")

    async def wait_connected(self, within_s: float | None = None) -> None:
        """Wait until logged in (after a reconnect, say)."""
        async with asyncio.timeout(within_s):
            await self._logged_in.wait()

    async def close(self) -> None:
        """Log off if possible and stop reconnecting."""
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        conn = self._conn
        if conn is not None and not conn.closed.done():
            with contextlib.suppress(ActionFailed, ConnectionLost, ActionTimeout, OSError):
                await self.send_action("Logoff", timeout_s=1.0)
            self._drop(conn, "closed by Recoup")
        if conn is not None:
            for task in conn.tasks:
                task.cancel()
            await asyncio.gather(*conn.tasks, return_exceptions=True)

    async def connect(self, *, login: bool = True) -> None:
        """Open one connection, wait for the banner, log in and resync."""
        s = self.settings
        try:
            async with asyncio.timeout(s.connect_timeout_s):
                reader, writer = await asyncio.open_connection(s.host, s.port)
        except (OSError, TimeoutError) as error:
            msg = f"cannot reach Asterisk AMI at {s.host}:{s.port}: {error}"
            raise ConnectionLost(msg) from error
        conn = _Connection(reader, writer)
        self._conn = conn
        conn.tasks.append(asyncio.create_task(self._read(conn), name="ami-reader"))
        try:
            async with asyncio.timeout(s.connect_timeout_s):
                banner = await asyncio.shield(conn.banner)
        except TimeoutError as error:
            self._drop(conn, "no AMI banner")
            msg = f"{s.host}:{s.port} sent no AMI banner within {s.connect_timeout_s:g} s"
            raise ConnectionLost(msg) from error
        if not login:
            conn.ready = True
            return
        try:
            await self._login()
        except BaseException:
            self._drop(conn, "login failed")
            raise
        self.connects += 1
        conn.ready = True
        self._logged_in.set()
        conn.tasks.append(asyncio.create_task(self._keep_alive(conn), name="ami-ping"))
        now = self.clock.now()
        self._emit(PbxConnected(pbx=s.pbx_name, at=now, banner=banner, reconnect=self.connects > 1))
        if s.resync:
            try:
                await self.resync()
            except BaseException:  # stale state is worse than a reconnect
                self._drop(conn, "resync after login failed")
                raise

    async def _login(self) -> None:
        s = self.settings
        fields: list[tuple[str, str | int]] = [("Username", s.username)]
        if s.auth == "md5":
            challenge = await self.send_action("Challenge", [("AuthType", "MD5")])
            key = login_key(challenge.get("Challenge") or "", s.secret)
            fields += [("AuthType", "MD5"), ("Key", key)]
        else:
            fields.append(("Secret", s.secret))
        if s.events is not None:
            fields.append(("Events", s.events))
        await self.send_action("Login", fields)

    async def resync(self) -> None:
        """Ask for every live channel and queue and publish them as snapshots."""
        name = self.settings.pbx_name
        channels = await self.send_list_action("CoreShowChannels")
        self._emit(
            ChannelsSnapshot(pbx=name, at=self.clock.now(), channels=channels_from(channels.items))
        )
        queues = await self.send_list_action("QueueStatus")
        self._emit(QueueSnapshot(pbx=name, at=self.clock.now(), queues=queues_from(queues.items)))

    async def _stay_connected(self) -> None:
        s = self.settings
        attempt = 0
        while not self._closing:
            conn = self._conn
            if conn is not None:
                await asyncio.shield(conn.closed)
            delay = min(s.reconnect_max_s, s.reconnect_initial_s * 2**attempt)
            delay *= 1 + s.reconnect_jitter * self._rng.uniform(-1.0, 1.0)
            attempt += 1
            await self.clock.sleep(delay)
            try:
                await self.connect()
            except (ActionFailed, ConnectionLost, ActionTimeout, OSError) as error:
                log.warning("AMI reconnect %d to %s failed: %s", attempt, s.host, error)
                self._conn = None
                continue
            attempt = 0

    def _drop(self, conn: _Connection, reason: str) -> None:
        if conn.closed.done():
            return
        conn.closed.set_result(reason)
        if self._conn is conn:
            self._logged_in.clear()
        conn.fail_all(reason)
        if not conn.banner.done():
            conn.banner.set_exception(ConnectionLost(reason))
            conn.banner.exception()  # retrieved: nobody may be waiting for it
        conn.writer.transport.abort()
        for task in conn.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self._emit(PbxDisconnected(pbx=self.settings.pbx_name, at=self.clock.now(), reason=reason))

    # --- reading ------------------------------------------------------------------------
    async def _read(self, conn: _Connection) -> None:
        reason = "Asterisk closed the connection"
        try:
            while True:
                data = await conn.reader.read(READ_CHUNK)
                if not data:
                    break
                for message in conn.parser.feed(data):
                    self._dispatch(conn, message)
        except AmiProtocolError as error:
            reason = f"AMI stream broken: {error}"
        except OSError as error:
            reason = f"AMI connection error: {error}"
        except Exception as error:  # a reader that died silently would leave a dead line up
            log.exception("the AMI reader failed")
            reason = f"AMI reader failed: {error!r}"
        self._drop(conn, reason)

    def _dispatch(self, conn: _Connection, message: AmiMessage) -> None:
        if message.is_banner:
            if not conn.banner.done():
                conn.banner.set_result(message.get("__banner__") or "")
            return
        if message.get("Event") is not None:
            if conn.lists_waiting:  # only then can an event be a list item
                action_id = message.action_id
                pending = conn.pending.get(action_id) if action_id is not None else None
                if pending is not None and pending.is_list:
                    self._list_item(conn, action_id or "", pending, message)
                    return
            self._hand_on(message)
            return
        action_id = message.action_id
        pending = conn.pending.get(action_id) if action_id is not None else None
        if pending is None:
            log.debug("AMI answer for no pending action: %r", message)
            return
        if pending.future.done():  # the caller stopped waiting (cancelled, timed out)
            conn.pending.pop(action_id or "", None)
            return
        if message.response not in {"Success", "Goodbye", "Follows"}:
            conn.pending.pop(action_id or "", None)
            pending.future.set_exception(error_for(pending.action, message))
        elif pending.is_list and (message.get("EventList") or "").lower() == "start":
            pending.response = message
        else:
            conn.pending.pop(action_id or "", None)
            pending.future.set_result(message)

    def _hand_on(self, message: AmiMessage) -> None:
        """An event to the subscriber and the translator: a failure there costs this event
        only, never the reader (and with it every later answer and event)."""
        try:
            self._on_message(message)
        except Exception:
            log.exception("an AMI message subscriber failed on %r", message)
        try:
            events = self.translator.translate(message, self.clock.now())
        except Exception:
            log.exception("the AMI translator failed on %r; event skipped", message)
            return
        for event in events:
            self._emit(event)

    def _list_item(
        self, conn: _Connection, action_id: str, pending: _Pending, message: AmiMessage
    ) -> None:
        if pending.future.done():  # the caller stopped waiting: the rest is not wanted
            conn.pending.pop(action_id, None)
        elif (message.get("EventList") or "").lower() == "complete":
            conn.pending.pop(action_id, None)
            response = pending.response or message
            pending.future.set_result(AmiList(response, tuple(pending.items), message))
        else:
            pending.items.append(message)

    def _emit(self, event: PbxEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("an AMI event subscriber failed on %r", event)

    # --- sending ------------------------------------------------------------------------
    def next_action_id(self) -> str:
        return f"{self._id_stem}-{next(self._ids)}"

    async def send_action(
        self,
        action: str,
        fields: Fields = (),
        *,
        action_id: str | None = None,
        timeout_s: float | None = None,
    ) -> AmiMessage:
        """Send ``action`` and return its Response; Asterisk's refusals raise."""
        answer = await self._send(action, fields, action_id, timeout_s, is_list=False)
        assert isinstance(answer, AmiMessage)
        return answer

    async def send_list_action(
        self,
        action: str,
        fields: Fields = (),
        *,
        action_id: str | None = None,
        timeout_s: float | None = None,
    ) -> AmiList:
        """Send a list action and return the whole list once ``EventList: Complete`` came."""
        answer = await self._send(action, fields, action_id, timeout_s, is_list=True)
        if isinstance(answer, AmiMessage):  # a list action answered without a list
            return AmiList(answer, (), answer)
        return answer

    async def _send(
        self,
        action: str,
        fields: Fields,
        action_id: str | None,
        timeout_s: float | None,
        *,
        is_list: bool,
    ) -> AmiMessage | AmiList:
        conn = self._conn
        if conn is None or conn.closed.done():
            msg = f"{action}: not connected to Asterisk"
            raise ConnectionLost(msg)
        if not conn.ready and action not in {"Challenge", "Login"}:
            msg = f"{action}: not logged in to Asterisk yet (reconnecting)"
            raise ConnectionLost(msg)
        action_id = action_id or self.next_action_id()
        if action_id in conn.pending:
            msg = f"{action}: ActionID {action_id} is already waiting for an answer"
            raise ValueError(msg)
        data = encode([("Action", action), ("ActionID", action_id), *fields])
        if action in {"Originate", "Redirect"}:
            self.translator.note_action(AmiParser(expect_banner=False).feed(data)[0])
        future: asyncio.Future[AmiMessage | AmiList] = asyncio.get_running_loop().create_future()
        conn.pending[action_id] = _Pending(action, is_list, future)
        limit = self.settings.action_timeout_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(limit):
                conn.writer.write(data)
                await conn.writer.drain()
                return await future
        except TimeoutError as error:
            raise ActionTimeout(action, action_id, limit) from error
        except OSError as error:
            msg = f"{action} (ActionID {action_id}): {error}"
            raise ConnectionLost(msg) from error
        finally:
            conn.pending.pop(action_id, None)

    async def _keep_alive(self, conn: _Connection) -> None:
        s = self.settings
        missed = 0
        while not conn.closed.done():
            await self.clock.sleep(s.ping_interval_s)
            try:
                await self.send_action("Ping", timeout_s=s.ping_timeout_s)
                missed = 0
            except ActionTimeout:
                missed += 1
                if missed >= s.pings_missed_limit:
                    self._drop(conn, f"Asterisk is wedged: {missed} pings unanswered")
                    return
            except (ConnectionLost, ActionFailed):
                return

"""The AGI boundary: the only place in Recoup that knows AGI text.

Call flows are ``async def flow(session: AgiSession) -> None`` and run unchanged over
FastAGI (TCP, :class:`FastAgiServer`) and classic AGI (stdin/stdout, :func:`run_classic_agi`)::

    async def after_hours(session: AgiSession) -> None:
        await session.answer()
        entered = await session.get_data("enter-amount", timeout_ms=5000, max_digits=6)
        ...

    server = await serve_fastagi({"after-hours": after_hours}, "127.0.0.1", 4573)
    ...
    await server.stop()

Session API (every method is a coroutine):

* commands needing a live channel (raise :class:`CallerHungUp` unsent once it is gone):
  ``answer()``, ``hangup(channel=None)``, ``channel_status(channel=None) -> ChannelState``,
  ``stream_file(file, escape_digits="", offset=None) -> Playback(digit, endpos)``,
  ``get_data(file, timeout_ms=None, max_digits=None) -> DigitsEntered(digits, timed_out)``,
  ``wait_for_digit(timeout_ms) -> str | None``,
  ``say_number/say_digits/say_alpha/say_date/say_time(value, escape_digits="") -> str | None``,
  ``say_datetime(when, escape_digits="", format=None, timezone=None)``,
  ``record_file(file, format="wav", escape_digits="#", timeout_ms=-1, *, offset=None,
  beep=False, silence_s=None) -> Recording(ended_by=DTMF|TIMEOUT|SILENCE, endpos, digit,
  ms_left)``, ``set_music(on, music_class=None)``;
* commands Asterisk also runs on a dead channel: ``set_variable(name, value)``,
  ``get_variable(name) -> str | None``, ``get_full_variable(expression, channel=None)``,
  ``exec(application, args="" | [..]) -> int``, ``database_get/put/del``,
  ``verbose(message, level=1)``, ``noop()``;
* ``command(text, timeout_s=None) -> AgiReply`` sends a raw line (quote its arguments with
  ``ivr.agi.arguments``); ``hung_up``, ``channel_gone``, ``wait_for_hangup()``,
  ``until_hangup(awaitable)`` (cancels non-AGI work, e.g. a ledger query, when the caller
  hangs up, and raises CallerHungUp),
  ``environment`` (:class:`AgiEnvironment`: ``script``, ``params``, ``channel``,
  ``uniqueid``, ``callerid`` …, ``args``, ``extra``), ``close()``.

Errors: :class:`CallerHungUp` (the call is over; ``.reply`` may hold e.g. a recording's
endpos), :class:`AgiTimeout`, :class:`AgiProtocolError`, :class:`AgiConnectionLost`,
:class:`AgiCommandError` (510/520), :class:`AgiCommandFailed` (``result=-1`` on a live
channel, e.g. a missing sound file), :class:`UnknownApplication`, :class:`AgiArgumentError`
(a newline in an argument is refused: it would inject a command).

Wire contract, for pbxsim's FastAGI client (it plays Asterisk 22; the captures in
``tests/fixtures/agi/`` are the reference). ``ivr.agi.environment.environment_block(fields)``
writes step 1's bytes and ``ivr.agi.arguments.split_command_line(line)`` splits a command
into its words exactly as ``res_agi.c`` does:

1. Connect to the server and send ``agi_<name>: <value>\\n`` lines, then ``\\n``. Needed:
   ``agi_request: agi://<host>:<port>/<script>[?k=v&...]`` (the route); expected:
   ``agi_network: yes``, ``agi_network_script``, ``agi_channel``, ``agi_uniqueid``,
   ``agi_callerid``, ``agi_calleridname``, ``agi_dnid``, ``agi_context``, ``agi_extension``,
   ``agi_priority``, and ``agi_arg_1`` … for ``AGI(agi://…,arg1,…)``.
2. Read one command line (``\\n``-terminated) at a time and answer each with exactly one
   reply: ``200 result=<r>[ (<data>)][ endpos=<n>]\\n``, ``510 Invalid or unknown command``,
   ``511 Command Not Permitted on a dead channel or intercept routine``, or the 520 block.
   Arguments are quoted as ``res_agi.c`` parses them (``"`` and ``\\`` escapes).
3. When the caller hangs up: finish the running command (``200 result=-1 …``), send
   ``HANGUP\\n`` once, then answer only GET/SET VARIABLE, GET FULL VARIABLE, EXEC, DATABASE *,
   VERBOSE and NOOP; answer 511 to the rest.
4. When the server half-closes (end of the flow), send ``HANGUP\\n`` and close the socket.
"""

from ivr.agi.classic import run_classic_agi
from ivr.agi.connection import AgiTimeouts
from ivr.agi.environment import AgiEnvironment
from ivr.agi.errors import (
    AgiArgumentError,
    AgiCommandError,
    AgiCommandFailed,
    AgiConnectionLost,
    AgiError,
    AgiProtocolError,
    AgiTimeout,
    CallerHungUp,
    UnknownApplication,
)
from ivr.agi.fastagi import FastAgiServer, serve_fastagi
from ivr.agi.flow import AgiFlow, FlowOutcome, run_flow
from ivr.agi.reply import AgiReply
from ivr.agi.session import (
    AgiSession,
    ChannelState,
    DigitsEntered,
    Playback,
    Recording,
    RecordingEnd,
)

__all__ = [
    "AgiArgumentError",
    "AgiCommandError",
    "AgiCommandFailed",
    "AgiConnectionLost",
    "AgiEnvironment",
    "AgiError",
    "AgiFlow",
    "AgiProtocolError",
    "AgiReply",
    "AgiSession",
    "AgiTimeout",
    "AgiTimeouts",
    "CallerHungUp",
    "ChannelState",
    "DigitsEntered",
    "FastAgiServer",
    "FlowOutcome",
    "Playback",
    "Recording",
    "RecordingEnd",
    "UnknownApplication",
    "run_classic_agi",
    "run_flow",
    "serve_fastagi",
]

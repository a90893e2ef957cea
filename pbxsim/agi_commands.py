"""The AGI commands a collections IVR uses, answered in Asterisk 22's words (f1, f2, l).

Prompt playback, digit collection, recording and Say* take simulated time; the scripted
caller's digits arrive at their moments, and the caller's hangup interrupts what runs.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pbxsim.numbers import atoi, leading_int
from pbxsim.recording import synthesise, write_wav

if TYPE_CHECKING:
    from pbxsim.fastagi import FastAgiCall

DEAD: Final = "511 Command Not Permitted on a dead channel or intercept routine"
UNKNOWN: Final = "510 Invalid or unknown command"
GET_DATA_USAGE: Final = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
    "Returns the digits received from the channel at the other end.\n"
    "520 End of proper usage."
)
WAIT_FOR_DIGIT_USAGE: Final = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Waits up to <replaceable>timeout</replaceable> milliseconds for channel to receive a "
    "DTMF digit.\n"
    "520 End of proper usage."
)
RECORD_FILE_USAGE: Final = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Record to a file until a given dtmf digit in the sequence is received.\n"
    "520 End of proper usage."
)
ALL_DIGITS: Final = "0123456789*#ABCD"
DIGIT_GAP: Final = 0.25
#: prompt lengths in seconds (beep's endpos 3404 in capture l); others default to 2 s
PROMPTS: Final = {"beep": 3404 / 8000, "demo-congrats": 5.7, "vm-goodbye": 0.9}
KNOWN_APPS: Final = {
    "playback", "background", "verbose", "noop", "wait", "set", "sayunixtime", "queue",
    "saydigits", "saynumber", "playtones", "stopplaytones", "answer", "log", "mixmonitor",
    "stopmixmonitor", "goto", "gosub", "dial", "userevent", "morsecode", "echo", "milliwatt",
}  # fmt: skip
#: commands that still work once the caller has hung up (capture f2)
ALLOWED_DEAD: Final = {"GET", "SET VARIABLE", "VERBOSE", "DATABASE", "NOOP"}

QueueHandler = Callable[[str], str]  # EXEC Queue args -> QUEUESTATUS


class DeadChannel(Exception):  # noqa: N818 - named after Asterisk's own notion
    """The caller hung up while a command ran."""


class AgiCommands:
    """State of one AGI session's channel and the command table."""

    def __init__(self, call: FastAgiCall, started: float) -> None:
        self.call = call
        self.clock = call.clock
        self.started = started
        self.up = False
        self.dead = False
        self.busy = False
        self.hangup_pending = False
        self.hangup_announced = False
        self.database: dict[tuple[str, str], str] = {}
        self.record_dir: Path | None = call.record_dir
        self.queue_handler: QueueHandler | None = call.queue_handler
        self._wake = asyncio.Event()
        self.command_began = 0.0
        self.dead_at = 0.0  # when the caller hung up (seconds since the session began)
        # "120#" at t: one key every DIGIT_GAP seconds from t, like a person typing
        self._digits = sorted(
            (at + i * DIGIT_GAP, key)
            for at, keys in call.script.digits
            for i, key in enumerate(keys)
        )

    def now(self) -> float:
        return self.clock.monotonic() - self.started

    def interrupt(self) -> None:
        self._wake.set()

    def press(self, keys: str) -> None:
        now = self.now()
        self._digits = sorted(
            [*self._digits, *((now + i * DIGIT_GAP, key) for i, key in enumerate(keys))]
        )
        self._wake.set()

    # --- time and digits -------------------------------------------------------------------
    async def listen(self, seconds: float | None, accept: str) -> tuple[str | None, float]:
        """Wait ``seconds`` (None: for ever) for a digit in ``accept``; (digit, elapsed)."""
        began = self.now()
        end = math.inf if seconds is None else began + seconds
        while True:
            if self.dead:
                raise DeadChannel
            now = self.now()
            while self._digits and self._digits[0][0] <= now:
                at, digit = self._digits.pop(0)
                if at < self.command_began and not self.call.script.type_ahead:
                    continue  # pressed while no command listened: lost
                if digit in accept:
                    return digit, max(0.0, at - began)  # when it was pressed, not seen
            if now >= end:
                return None, now - began
            wake_at = min(end, self._digits[0][0] if self._digits else math.inf)
            await self._sleep(None if wake_at == math.inf else wake_at - now)

    async def _sleep(self, seconds: float | None) -> None:
        self._wake.clear()
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._wake.wait())}
        if seconds is not None:
            waits.add(asyncio.ensure_future(self.clock.sleep(max(0.0, seconds))))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    # --- dispatch --------------------------------------------------------------------------
    async def run(self, line: str) -> str:
        from pbxsim.fastagi import split_command

        words = split_command(line)
        if not words:
            return UNKNOWN
        verb = words[0].upper()
        two = " ".join(w.upper() for w in words[:2])
        if self.dead and verb not in ALLOWED_DEAD and two not in ALLOWED_DEAD:
            return DEAD
        if verb == "GET" and len(words) > 1 and words[1].upper() == "VARIABLE":
            return self.get_variable(words[2:])
        self.busy = True
        self.command_began = self.now()
        try:
            return await self._dispatch(verb, two, words)
        except DeadChannel:
            return self._interrupted_reply
        finally:
            self.busy = False

    _interrupted_reply = "200 result=-1"

    async def _dispatch(self, verb: str, two: str, words: list[str]) -> str:
        args = words[2:] if len(words) > 1 else []
        handlers: dict[str, Callable[[], Any]] = {
            "ANSWER": self.answer,
            "HANGUP": self.hangup,
            "NOOP": lambda: self.ok(0),
            "VERBOSE": lambda: self.ok(1),
            "CHANNEL STATUS": lambda: self.ok(6 if self.up else 4),
            "SET VARIABLE": lambda: self.set_variable(args),
            "GET FULL": lambda: self.get_full_variable(words[3:]),
            "STREAM FILE": lambda: self.stream_file(args),
            "GET DATA": lambda: self.get_data(args),
            "WAIT FOR": lambda: self.wait_for_digit(words[3:]),
            "SAY DIGITS": lambda: self.say(args, per_char=0.8),
            "SAY NUMBER": lambda: self.say(args, per_char=1.2),
            "SAY ALPHA": lambda: self.say(args, per_char=0.75),
            "SAY PHONETIC": lambda: self.say(args, per_char=0.9),
            "SAY DATE": lambda: self.say(args, fixed=6.5),
            "SAY TIME": lambda: self.say(args, fixed=2.5),
            "SAY DATETIME": lambda: self.say(args, fixed=6.4),
            "EXEC": lambda: self.exec_app(words[1:]),
            "RECORD FILE": lambda: self.record_file(args),
            "DATABASE PUT": lambda: self.database_put(args),
            "DATABASE GET": lambda: self.database_get(args),
            "DATABASE DEL": lambda: self.database_del(args),
            "SET MUSIC": lambda: self.ok(0),
            "SET CONTEXT": lambda: self.ok(0),
            "SET EXTENSION": lambda: self.ok(0),
            "SET PRIORITY": lambda: self.ok(0),
            "SET CALLERID": lambda: self.ok(1),
            "SET AUTOHANGUP": lambda: self.ok(0),
        }
        handler = handlers.get(two) or handlers.get(verb)
        if handler is None:
            return UNKNOWN
        result = handler()
        if asyncio.iscoroutine(result):
            result = await result
        return str(result)

    @staticmethod
    def ok(result: int | str) -> str:
        return f"200 result={result}"

    # --- channel -------------------------------------------------------------------------------
    def answer(self) -> str:
        self.up = True
        return self.ok(0)

    def hangup(self) -> str:
        self.dead = True
        self.hangup_pending = True
        return self.ok(1)

    def set_variable(self, args: list[str]) -> str:
        if args:
            self.call.variables[args[0]] = args[1] if len(args) > 1 else ""
        return self.ok(1)

    def get_variable(self, args: list[str]) -> str:
        value = self.call.variables.get(args[0]) if args else None
        return self.ok(0) if value is None else f"200 result=1 ({value})"

    def get_full_variable(self, args: list[str]) -> str:
        from pbxsim.fastagi import expand

        text = expand(args[0] if args else "", self.call.variables, self.call.script, self.up)
        return f"200 result=1 ({text})"

    # --- media ---------------------------------------------------------------------------------
    async def stream_file(self, args: list[str]) -> str:
        if not args:
            return GET_DATA_USAGE.replace("Stream the given", "Send the given")
        name, escapes = args[0], (args[1] if len(args) > 1 else "")
        if name.startswith("no-such"):
            return "200 result=-1 endpos=0"
        length = PROMPTS.get(name, 2.0)
        began = self.now()
        try:
            digit, elapsed = await self.listen(length, escapes)
        except DeadChannel:
            played = max(0.0, self.dead_at - began)
            self._interrupted_reply = f"200 result=-1 endpos={int(played * 8000)}"
            raise
        if digit is not None:
            return f"200 result={ord(digit)} endpos={int(elapsed * 8000)}"
        return f"200 result=0 endpos={int(length * 8000)}"

    async def get_data(self, args: list[str]) -> str:
        if not args:
            return GET_DATA_USAGE
        prompt = args[0]
        # res_agi reads it with atoi(): 0 (or none) is the default of 5 s, below 0 for ever
        timeout_ms = atoi(args[1]) if len(args) > 1 else 0
        timeout = timeout_ms / 1000 if timeout_ms else 5.0
        most = atoi(args[2]) if len(args) > 2 and atoi(args[2]) > 0 else 1024
        self._interrupted_reply = "200 result=-1"
        digit, _ = await self.listen(PROMPTS.get(prompt, 2.0), ALL_DIGITS)
        collected = ""
        while True:
            if digit == "#":
                return self.ok(collected)
            if digit is not None:
                collected += digit
                if len(collected) >= most:
                    return self.ok(collected)
            digit, _ = await self.listen(timeout if timeout > 0 else None, ALL_DIGITS)
            if digit is None:
                return f"200 result={collected} (timeout)"

    async def wait_for_digit(self, args: list[str]) -> str:
        ms = leading_int(args[0]) if len(args) == 1 else None
        if ms is None:
            return WAIT_FOR_DIGIT_USAGE
        self._interrupted_reply = "200 result=-1"
        digit, _ = await self.listen(None if ms < 0 else ms / 1000, ALL_DIGITS)
        return self.ok(ord(digit) if digit else 0)

    async def say(self, args: list[str], *, per_char: float = 0.0, fixed: float = 0.0) -> str:
        what = args[0] if args else ""
        escapes = args[1] if len(args) > 1 else ""
        self._interrupted_reply = "200 result=-1"
        digit, _ = await self.listen(fixed or per_char * max(1, len(what)), escapes)
        return self.ok(ord(digit) if digit else 0)

    async def exec_app(self, words: list[str]) -> str:
        app = words[1] if len(words) > 1 else ""
        data = words[2] if len(words) > 2 else ""
        if app.lower() not in KNOWN_APPS:
            return self.ok(-2)
        self._interrupted_reply = "200 result=-1"
        lower = app.lower()
        if lower in ("playback", "background"):
            await self.listen(sum(PROMPTS.get(p, 2.0) for p in data.split("&")), "")
        elif lower == "wait" and data.replace(".", "", 1).isdigit():
            await self.listen(float(data), "")
        elif lower == "sayunixtime":
            await self.listen(6.4, "")
        elif lower == "queue":
            status = self.queue_handler(data) if self.queue_handler else "JOINEMPTY"
            self.call.variables["QUEUESTATUS"] = status
        return self.ok(0)

    async def record_file(self, args: list[str]) -> str:
        """``RECORD FILE <file> <format> <escapes> <timeout ms> [offset] [BEEP] [s=<secs>]``"""
        scanned = leading_int(args[3]) if len(args) >= 4 else None
        if scanned is None:
            return RECORD_FILE_USAGE
        path, fmt, escapes, timeout_ms = args[0], args[1], args[2], scanned
        # s= is read with atoi(); 0 (or s=x) is no silence detection
        silence = next((atoi(a[2:]) or None for a in args[4:] if a.startswith("s=")), None)
        limit = None if timeout_ms < 0 else timeout_ms / 1000
        self._interrupted_reply = "200 result=-1 (hangup) endpos=0"
        if not self.call.script.talks and silence is not None:
            limit = silence if limit is None else min(limit, silence)
        digit, elapsed = await self.listen(limit, escapes)
        await self._keep(path, fmt, elapsed)
        if digit is not None:
            return f"200 result={ord(digit)} (dtmf) endpos={int(elapsed * 8000)}"
        if not self.call.script.talks and silence is not None:
            left = max(0, timeout_ms - int(elapsed * 1000)) if timeout_ms >= 0 else 0
            return f"200 result={left} (timeout) endpos={int((silence - 1) * 8000) + 160}"
        return f"200 result=0 (timeout) endpos={int(elapsed * 8000)}"

    async def _keep(self, path: str, fmt: str, seconds: float) -> None:
        """Write the caller's message when a recordings folder is set (its base name only)."""
        if self.record_dir is None or fmt.lower() not in ("wav", "wav16"):
            return
        target = self.record_dir / f"{Path(path).name}.wav"
        pcm = await asyncio.to_thread(synthesise, seconds if self.call.script.talks else 0, [], 3)
        await asyncio.to_thread(write_wav, target, pcm)

    # --- astdb -----------------------------------------------------------------------------------
    def database_put(self, args: list[str]) -> str:
        if len(args) >= 3:
            self.database[(args[0], args[1])] = args[2]
        return self.ok(1)

    def database_get(self, args: list[str]) -> str:
        value = self.database.get((args[0], args[1])) if len(args) >= 2 else None
        return self.ok(0) if value is None else f"200 result=1 ({value})"

    def database_del(self, args: list[str]) -> str:
        found = len(args) >= 2 and self.database.pop((args[0], args[1]), None) is not None
        return self.ok(1 if found else 0)

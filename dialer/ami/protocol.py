"""AMI framing as a pure function of bytes.

The Asterisk Manager Interface is line based: ``Key: Value`` lines ending in ``\\r\\n``, and a
message ends with an empty line. A client first receives a one-line banner
(``Asterisk Call Manager/11.0.0``) with no empty line after it. Headers can repeat (several
``Variable:`` in an action, several ``Output:`` lines in a ``Command`` response) and every one
is kept, in order.

:class:`AmiParser` owns a byte buffer and nothing else: feed it bytes as they come off the
socket, in chunks of any size, and it returns the complete messages. Text is decoded only once a
whole message has arrived, so a multi-byte UTF-8 character split across TCP chunks is never
damaged. Bytes that are not UTF-8 are decoded with replacement characters and the message is
flagged, never dropped.

:func:`encode` is the way back: it refuses values that would break the framing (a CR or LF
inside a value would let a caller's name inject a header).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Final

BANNER_PREFIX: Final = "Asterisk Call Manager/"
DEFAULT_MAX_MESSAGE_BYTES: Final = 8 * 1024 * 1024


class AmiProtocolError(Exception):
    """The byte stream cannot be AMI (an oversized message, or a value that cannot be sent)."""


class AmiMessage:
    """One AMI message: ordered headers, repeated ones kept, looked up case-insensitively.

    A message off the wire keeps its text and is split into headers only when something needs
    more than a lookup: most events (Newexten, VarSet, DeviceStateChange ...) are looked at for
    one or two headers and dropped, and a header spelt as Asterisk spells it is found in the
    text directly (``\\r\\nKey: `` starts a line: a value never holds a line break).
    """

    __slots__ = ("_exact", "_folded", "_headers", "_malformed", "_text", "not_utf8")

    def __init__(
        self,
        headers: Sequence[tuple[str, str]],
        *,
        malformed_lines: Sequence[str] = (),
        not_utf8: bool = False,
    ) -> None:
        self._text: str | None = None
        self._headers: tuple[tuple[str, str], ...] | None = tuple(headers)
        self._malformed: tuple[str, ...] = tuple(malformed_lines)
        self.not_utf8 = not_utf8
        # First value per key as spelt on the wire; the case-folded index of every value is
        # built only when needed.
        self._exact: dict[str, str] | None = dict(reversed(self._headers))
        self._folded: dict[str, list[str]] | None = None

    @classmethod
    def from_text(cls, text: str, *, not_utf8: bool = False) -> AmiMessage:
        """A message from its decoded text (without the final blank line), split lazily."""
        message = cls.__new__(cls)
        message._text = text
        message._headers = None
        message._malformed = ()
        message.not_utf8 = not_utf8
        message._exact = None
        message._folded = None
        return message

    def _split(self) -> dict[str, str]:
        """Split the text into headers (once) and return the first value per key."""
        exact = self._exact
        if exact is None:
            parsed = parse_text(self._text or "", not_utf8=self.not_utf8)
            self._headers = parsed.headers
            self._malformed = parsed.malformed_lines
            exact = self._exact = parsed._exact or {}
        return exact

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        if self._headers is None:
            self._split()
        return self._headers or ()

    @property
    def malformed_lines(self) -> tuple[str, ...]:
        """Lines that were not ``Key: Value`` (kept aside, never silently dropped)."""
        if self._headers is None:
            self._split()
        return self._malformed

    def _fold(self) -> dict[str, list[str]]:
        folded = self._folded
        if folded is None:
            folded = {}
            for key, value in self.headers:
                folded.setdefault(key.lower(), []).append(value)
            self._folded = folded
        return folded

    def _find(self, key: str) -> str | None:
        """The first value of ``key`` spelt exactly so, straight from the text, if present."""
        text = self._text or ""
        if text.startswith(key + ": "):
            begin = len(key) + 2
        else:
            at = text.find("\r\n" + key + ": ")
            if at < 0:
                return None
            begin = at + len(key) + 4
        end = text.find("\n", begin)
        value = text[begin:] if end < 0 else text[begin:end]
        return value.removesuffix("\r")

    # --- lookup -------------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of ``key`` (case-insensitive), or ``default``."""
        exact = self._exact
        value = self._find(key) if exact is None else exact.get(key)
        if value is not None:
            return value
        values = self._fold().get(key.lower())
        return values[0] if values else default

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        exact = self._exact
        found = self._find(key) is not None if exact is None else key in exact
        return found or key.lower() in self._fold()

    def get_all(self, key: str) -> list[str]:
        """Every value of a repeated header, in order (empty if absent)."""
        return list(self._fold().get(key.lower(), ()))

    def as_dict(self) -> dict[str, str | list[str]]:
        """Headers as a dict; a repeated header becomes a list of its values."""
        out: dict[str, str | list[str]] = {}
        for key, value in self.headers:
            previous = out.get(key)
            if previous is None:
                out[key] = value
            elif isinstance(previous, list):
                previous.append(value)
            else:
                out[key] = [previous, value]
        return out

    # --- kind ---------------------------------------------------------------------------
    @property
    def is_banner(self) -> bool:
        return self._exact is not None and "__banner__" in self._exact

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action(self) -> str | None:
        return self.get("Action")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmiMessage) and self.headers == other.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        return f"AmiMessage({list(self.headers)!r})"


def banner(version_line: str) -> AmiMessage:
    """The message the parser yields for the greeting line."""
    return AmiMessage([("__banner__", version_line)])


class AmiParser:
    """Incremental AMI parser: ``feed(bytes) -> list[AmiMessage]``.

    ``expect_banner`` is true on the client side: the first line from Asterisk is the
    greeting. ``max_message_bytes`` bounds one message; a larger one raises
    :class:`AmiProtocolError` (the session then drops the connection and reconnects) rather than
    growing the buffer without end.
    """

    __slots__ = ("_buffer", "_expect_banner", "_scan_from", "max_message_bytes")

    def __init__(
        self,
        *,
        expect_banner: bool = True,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self._buffer = bytearray()
        self._expect_banner = expect_banner
        self._scan_from = 0  # bytes before this offset hold no end of message
        self.max_message_bytes = max_message_bytes

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for the end of a message."""
        return len(self._buffer)

    def reset(self, *, expect_banner: bool = True) -> None:
        """Forget everything (after a reconnect)."""
        self._buffer.clear()
        self._expect_banner = expect_banner
        self._scan_from = 0

    def feed(self, data: bytes) -> list[AmiMessage]:
        """Append ``data`` and return every message now complete."""
        buffer = self._buffer
        buffer += data
        messages: list[AmiMessage] = []
        if self._expect_banner and not self._take_banner(messages):
            self._check_size()
            return messages
        if buffer.find(b"\n\n", self._scan_from) < 0:
            self._split_crlf(messages)
        else:
            self._split_careful(messages)
        # A marker is at most 4 bytes: the next search need not look further back than this.
        self._scan_from = max(0, len(buffer) - 3)
        self._check_size()
        return messages

    def _take_banner(self, messages: list[AmiMessage]) -> bool:
        """Consume the greeting line; false while it has not fully arrived."""
        buffer = self._buffer
        end = buffer.find(b"\n")
        if end < 0:
            return False
        line = bytes(buffer[:end]).rstrip(b"\r").decode("utf-8", "replace")
        del buffer[: end + 1]
        self._expect_banner = False
        if line.startswith(BANNER_PREFIX) or ":" not in line:
            messages.append(banner(line))
        else:  # no banner (a proxy, or a resumed stream): treat it as a header line
            buffer[0:0] = line.encode() + b"\r\n"
        return True

    def _split_crlf(self, messages: list[AmiMessage]) -> None:
        """Only CRLF markers (what Asterisk sends): split every complete message in one pass."""
        buffer = self._buffer
        if buffer.find(b"\r\n\r\n", self._scan_from) < 0:
            return
        data = bytes(buffer)
        cut = data.rfind(b"\r\n\r\n")
        del buffer[: cut + 4]
        try:  # complete messages only: no character is cut in two here
            texts = data[:cut].decode("utf-8").split("\r\n\r\n")
        except UnicodeDecodeError:
            blocks = data[:cut].split(b"\r\n\r\n")
            messages.extend(parse_block(b) for b in blocks if b.strip())
        else:
            from_text = AmiMessage.from_text
            messages.extend(from_text(t) for t in texts if t.strip())

    def _split_careful(self, messages: list[AmiMessage]) -> None:
        """Bare-LF markers somewhere: find each message's end one at a time."""
        buffer = self._buffer
        start = 0
        search_from = self._scan_from
        while True:
            end, sep_len = _find_block_end(buffer, search_from)
            if end < 0:
                break
            block = bytes(buffer[start:end])
            start = search_from = end + sep_len
            if block.strip():
                messages.append(parse_block(block))
        if start:
            del buffer[:start]

    def _check_size(self) -> None:
        if len(self._buffer) > self.max_message_bytes:
            size = len(self._buffer)
            self._buffer.clear()
            self._scan_from = 0
            msg = (
                f"an AMI message grew past {self.max_message_bytes} bytes ({size} buffered) "
                "without ending; the stream was discarded"
            )
            raise AmiProtocolError(msg)


def _find_block_end(buffer: bytearray, start: int) -> tuple[int, int]:
    """Where the message starting at ``start`` ends, and the length of its blank-line marker.

    Asterisk sends ``\\r\\n\\r\\n``; a bare ``\\n\\n`` (a hand-written capture, a proxy) is
    accepted too. The bare-LF search is bounded by the CRLF marker, so a long CRLF stream is
    scanned once, not once per message.
    """
    crlf = buffer.find(b"\r\n\r\n", start)
    if crlf >= 0:
        lf = buffer.find(b"\n\n", start, crlf + 2)
        if lf >= 0:  # a bare-LF block ends first (or "\r\n\n")
            return lf, 2
        return crlf, 4
    lf = buffer.find(b"\n\n", start)
    if lf >= 0:
        return lf, 2
    return -1, 0


def parse_block(block: bytes) -> AmiMessage:
    """Parse one message without its final blank line."""
    try:
        return parse_text(block.decode("utf-8"))
    except UnicodeDecodeError:
        return parse_text(block.decode("utf-8", "replace"), not_utf8=True)


def parse_text(text: str, *, not_utf8: bool = False) -> AmiMessage:
    """Parse one decoded message without its final blank line."""
    if text.count(":") == text.count(": ") and text.count("\n") == text.count("\r\n"):
        # The common shape: CRLF lines, one ": " per line, no other colon. All in C.
        pairs = [line.split(": ", 1) for line in text.split("\r\n")]
        flat = list(chain.from_iterable(pairs))
        if len(flat) == 2 * len(pairs):
            return AmiMessage(list(zip(flat[0::2], flat[1::2], strict=True)), not_utf8=not_utf8)
    if text.count("\n") == text.count("\r\n"):
        lines = text.split("\r\n")
    else:
        lines = [line.removesuffix("\r") for line in text.split("\n")]
    parts = [line.partition(": ") for line in lines if line]
    headers = [(key, value) for key, sep, value in parts if sep and key and ":" not in key]
    if len(headers) == len(parts):
        return AmiMessage(headers, not_utf8=not_utf8)
    return _parse_lines([line for line in lines if line], not_utf8)


def _parse_lines(lines: list[str], not_utf8: bool) -> AmiMessage:
    """The careful path: ``Key:Value`` without a space, and lines that are not headers."""
    headers: list[tuple[str, str]] = []
    malformed: list[str] = []
    for line in lines:
        colon = line.find(":")
        if colon <= 0:
            malformed.append(line)
            continue
        headers.append((line[:colon], line[colon + 1 :].removeprefix(" ")))
    return AmiMessage(headers, malformed_lines=malformed, not_utf8=not_utf8)


def encode(fields: Iterable[tuple[str, str | int]]) -> bytes:
    """Serialise one message: ``Key: Value\\r\\n`` lines and the closing blank line.

    A key or value that holds CR or LF would let data inject headers; it is refused.
    """
    parts: list[str] = []
    for key, raw in fields:
        value = str(raw)
        if not key or any(c in key for c in "\r\n:") or "\r" in value or "\n" in value:
            msg = f"cannot send AMI header {key!r}: {value!r} (line breaks or a bad key)"
            raise AmiProtocolError(msg)
        parts.append(f"{key}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")

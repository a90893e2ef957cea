"""What can go wrong at the AGI boundary, as exceptions a call flow can tell apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.agi.reply import AgiReply


class AgiError(Exception):
    """Base of every error raised by ``ivr.agi``."""


class CallerHungUp(AgiError):  # noqa: N818 - it names what happened on the call, not a failure
    """The channel is gone: Asterisk said ``HANGUP``, answered 511, or the flow hung up itself.

    ``reply`` is the reply that revealed it, when there was one: a message flow that was
    recording when the caller hung up finds the recording's ``endpos`` there.
    """

    def __init__(
        self, message: str = "the caller hung up", *, reply: AgiReply | None = None
    ) -> None:
        super().__init__(message)
        self.reply = reply


class AgiTimeout(AgiError):  # noqa: N818 - the name the IVR flows catch
    """Asterisk did not answer in time (the environment block or a command's reply)."""


class AgiProtocolError(AgiError):
    """Asterisk (or whatever is on the socket) sent something that is not AGI."""


class AgiConnectionLost(AgiError):  # noqa: N818 - names what happened
    """The socket closed, or failed, while the channel was still up."""


class AgiCommandError(AgiError):
    """Asterisk refused the command: 510 (unknown command) or 520 (wrong syntax)."""

    def __init__(self, message: str, *, reply: AgiReply) -> None:
        super().__init__(message)
        self.reply = reply


class AgiCommandFailed(AgiError):  # noqa: N818 - names what happened
    """The command ran and failed on a live channel, e.g. a sound file that does not exist."""

    def __init__(self, message: str, *, reply: AgiReply) -> None:
        super().__init__(message)
        self.reply = reply


class UnknownApplication(AgiCommandFailed):
    """``EXEC`` of an application Asterisk does not have (``200 result=-2``)."""


class AgiArgumentError(AgiError, ValueError):
    """An argument that cannot go on the wire: a newline (command injection) or a bad value."""

"""What can go wrong at the AMI boundary, as exceptions a caller can tell apart.

Asterisk answers a refused action with ``Response: Error`` and a ``Message``; the message text
is the only thing that says why (see ``g1``, ``g1b``, ``g2``, ``g3`` and ``j`` captures).
:func:`error_for` turns it into the matching exception. The names follow the brief the dialer
engine is written against, hence no ``Error`` suffix on some of them.
"""

from __future__ import annotations

from dialer.ami.protocol import AmiMessage


class AmiError(Exception):
    """Base of every AMI boundary failure."""


class ConnectionLost(AmiError, ConnectionError):  # noqa: N818 - the domain's word
    """The AMI connection dropped (or was dropped as wedged) before the answer came."""


class ActionTimeout(AmiError, TimeoutError):  # noqa: N818 - the domain's word
    """Asterisk did not answer an action in time; the action's pending entry is gone."""

    def __init__(self, action: str, action_id: str, timeout: float) -> None:
        super().__init__(f"{action} (ActionID {action_id}) got no answer within {timeout:g} s")
        self.action = action
        self.action_id = action_id
        self.timeout = timeout


class ActionFailed(AmiError):  # noqa: N818 - the domain's word
    """Asterisk answered ``Response: Error`` (or Failure); ``message`` is its reason."""

    def __init__(self, action: str, message: str, response: AmiMessage | None = None) -> None:
        super().__init__(f"{action} failed: {message}" if message else f"{action} failed")
        self.action = action
        self.message = message
        self.response = response


class AuthenticationFailed(ActionFailed):
    """Wrong username or secret. Asterisk closes the connection right after saying so."""


class PermissionDenied(ActionFailed):
    """Not logged in yet, or the AMI user lacks the class this action needs."""


class UnknownAction(ActionFailed):
    """Asterisk has no such action (``Invalid/unknown command``), e.g. PauseMonitor in 22."""


class ExtensionDoesNotExist(ActionFailed):
    """An Originate or Redirect to a Context/Exten that does not exist."""


class NoSuchChannel(ActionFailed):
    """The channel is gone (``No such channel``, ``Channel does not exist: ...``)."""


def error_for(action: str, response: AmiMessage) -> ActionFailed:
    """The exception for an error response to ``action``."""
    message = response.get("Message") or ""
    lowered = message.lower()
    kind: type[ActionFailed] = ActionFailed
    if lowered.startswith("authentication failed"):
        kind = AuthenticationFailed
    elif lowered.startswith("permission denied"):
        kind = PermissionDenied
    elif lowered.startswith("invalid/unknown command"):
        kind = UnknownAction
    elif lowered.startswith("extension does not exist"):
        kind = ExtensionDoesNotExist
    elif lowered.startswith(("no such channel", "channel does not exist")):
        kind = NoSuchChannel
    return kind(action, message, response)

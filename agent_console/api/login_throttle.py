"""How many passwords may be tried for one username: a few, then a pause.

Each username may fail ``limit`` times in any ``window``; one more try inside the window is
refused before the password is even checked (so a right password cannot be found by going on),
until the oldest failure leaves the window. An unknown username is held like a real one, so the
pause says nothing about who exists. A try counts as failed from the moment it starts and is
taken back when the password is right: a burst of guesses sent at once gets no more tries than
the same guesses one by one. A right password forgets the username's earlier failures; a try
that never checked the password (the database was away) is taken back.

Pure: no I/O, no clock of its own (``now`` comes in).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

#: usernames remembered at most; past it, the quietest are forgotten first
MAX_TRACKED = 10_000


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    limit: int = 5
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= timedelta(0):
            msg = f"a login policy needs a positive limit and window, not {self}"
            raise ValueError(msg)


class LoginThrottle:
    """Failed logins by username, within the policy's window."""

    def __init__(self, policy: LoginPolicy) -> None:
        self.policy = policy
        self._failures: dict[str, deque[datetime]] = {}

    def begin(self, username: str, now: datetime) -> float | None:
        """Start a try: None when it may go on (it counts as failed until :meth:`succeeded`),
        or the seconds to wait before the next try."""
        failures = self._recent(username, now)
        if len(failures) >= self.policy.limit:
            wait = (failures[0] + self.policy.window - now).total_seconds()
            return max(1.0, float(math.ceil(wait)))
        failures.append(now)
        self._forget_quietest()
        return None

    def taken_back(self, username: str, began: datetime) -> None:
        """The try begun at ``began`` never checked the password (the database was away): it
        is not a failure."""
        failures = self._failures.get(username)
        if failures is not None and began in failures:
            failures.remove(began)

    def succeeded(self, username: str) -> None:
        """The password was right: the username's failures are forgotten."""
        self._failures.pop(username, None)

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, username: str, now: datetime) -> deque[datetime]:
        failures = self._failures.pop(username, deque())
        while failures and failures[0] + self.policy.window <= now:
            failures.popleft()
        self._failures[username] = failures  # last in order: the most recently tried
        return failures

    def _forget_quietest(self) -> None:
        # dicts keep insertion order and _recent re-inserts on every try: the first is quietest
        while len(self._failures) > MAX_TRACKED:
            del self._failures[next(iter(self._failures))]

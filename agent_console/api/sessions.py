"""Who is logged in to the agent API: server-side sessions and the password check.

A session is a random token (``secrets.token_urlsafe``) handed to the browser once, kept here
only as its SHA-256 digest, and valid until ``ttl`` after login by the injected clock. Sessions
live in memory: a restart logs everybody out, which for a contact centre's shift is acceptable.
An open session reads its account again at most every ``ACCOUNT_CHECK_EVERY``: a disabled
account's sessions are closed, a changed role applies, without waiting for the session to end.

The password check reads the ``app_user`` row and verifies the argon2 hash on a small pool of
threads of its own (argon2 is slow by design, and would otherwise stall every call on the event
loop, or queue the process's other thread work behind a flood of logins). An unknown
or disabled user is checked against a decoy hash, so the answer takes as long and says as
little as for a wrong password.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.clock import Clock
from recoup.domain.model import Role
from recoup.storage import tables as t
from recoup.users.accounts import User, hash_password, password_matches


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    display_name: str
    roles: frozenset[Role]
    extension: str
    expires_at: datetime
    #: when the account was last read: its roles then, and that it was active
    checked_at: datetime

    def has(self, role: Role) -> bool:
        """Whether the user holds ``role`` (an admin holds every role)."""
        return role in self.roles or Role.ADMIN in self.roles


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    """Open sessions by token digest; expired ones are forgotten when met or at the next login."""

    def __init__(self, clock: Clock, ttl: timedelta) -> None:
        if ttl <= timedelta(0):
            msg = f"a session lifetime must be positive, not {ttl}"
            raise ValueError(msg)
        self._clock = clock
        self.ttl = ttl
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def open(self, user: User) -> tuple[str, Session]:
        """A new token for ``user`` and its session."""
        now = self._clock.now()
        self._sweep(now)
        token = secrets.token_urlsafe(32)
        session = Session(
            username=user.username,
            display_name=user.display_name,
            roles=user.roles,
            extension=user.extension,
            expires_at=now + self.ttl,
            checked_at=now,
        )
        self._sessions[_digest(token)] = session
        return token, session

    def due_for_check(self, session: Session) -> bool:
        """Whether the session's account should be read again (it may be disabled by now)."""
        return self._clock.now() - session.checked_at >= ACCOUNT_CHECK_EVERY

    def checked(self, token: str, user: User | None) -> Session | None:
        """The session after reading its account again: closed (None) when the account is
        gone or disabled, else holding the account's roles of now."""
        key = _digest(token)
        session = self._sessions.get(key)
        if session is None or user is None or user.username != session.username:
            self._sessions.pop(key, None)
            return None
        session = replace(
            session,
            display_name=user.display_name,
            roles=user.roles,
            extension=user.extension,
            checked_at=self._clock.now(),
        )
        self._sessions[key] = session
        return session

    def find(self, token: str) -> Session | None:
        """The live session of ``token``, or None (unknown or expired)."""
        key = _digest(token)
        session = self._sessions.get(key)
        if session is None:
            return None
        if session.expires_at <= self._clock.now():
            del self._sessions[key]
            return None
        return session

    def close(self, token: str) -> None:
        self._sessions.pop(_digest(token), None)

    def _sweep(self, now: datetime) -> None:
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]


#: how long an open session trusts what it read of its account: a user disabled, or a role
#: taken away, loses it within this time on every open session
ACCOUNT_CHECK_EVERY = timedelta(seconds=60)


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(24))


def _verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        password_matches(_decoy_hash(), password)
        return False
    return password_matches(password_hash, password)


#: password checks run at once (argon2 is CPU and 64 MiB of memory each), and at most waiting
CHECK_WORKERS = 2
MAX_CHECKS_IN_LINE = 16


class PasswordChecksBusyError(Exception):
    """More logins are waiting for a password check than the line holds: come back shortly."""


class PasswordChecks:
    """argon2 verifications on threads of their own, with a bounded line: a flood of logins
    neither queues the process's other thread work (asyncio's default threads run the
    dialer's name lookups) nor holds an ever longer line of requests."""

    def __init__(self, workers: int = CHECK_WORKERS, max_in_line: int = MAX_CHECKS_IN_LINE) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="password-check")
        self.max_in_line = max_in_line
        self._in_line = 0

    @property
    def full(self) -> bool:
        """Whether the line is full: a login now should be told to come back shortly."""
        return self._in_line >= self.max_in_line

    @contextlib.contextmanager
    def admitted(self) -> Iterator[None]:
        """A place in the line for one login, or :class:`PasswordChecksBusyError`."""
        if self.full:
            msg = f"{self._in_line} logins are waiting for a password check"
            raise PasswordChecksBusyError(msg)
        self._in_line += 1
        try:
            yield
        finally:
            self._in_line -= 1

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches (None: an unknown user, checked against a decoy)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _verify, password_hash, password)

    async def warm_up(self) -> None:
        """Make the decoy hash now, so that the first unknown user takes no longer than a
        known one."""
        await asyncio.get_running_loop().run_in_executor(self._pool, _decoy_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


async def check_credentials(
    engine: AsyncEngine, checks: PasswordChecks, username: str, password: str
) -> User | None:
    """The active user with this password, or None: no hint whether the user exists."""
    async with engine.connect() as connection:
        result = await connection.execute(
            select(t.app_user).where(t.app_user.c.username == username)
        )
        row = result.mappings().first()
    usable = row is not None and bool(row["active"])
    password_hash = str(row["password_hash"]) if row is not None and usable else None
    if not await checks.verify(password_hash, password) or row is None:
        return None
    return _account(row)


def _account(row: RowMapping) -> User:
    return User(
        username=str(row["username"]),
        display_name=str(row["display_name"]),
        roles=frozenset(Role(r) for r in str(row["roles"]).split(",") if r),
        extension=str(row["extension"]),
        active=True,
    )


async def active_account(engine: AsyncEngine, username: str) -> User | None:
    """The account of ``username`` as it is now, or None when it is gone or disabled."""
    async with engine.connect() as connection:
        result = await connection.execute(
            select(t.app_user).where(t.app_user.c.username == username)
        )
        row = result.mappings().first()
    if row is None or not row["active"]:
        return None
    return _account(row)

"""User accounts: argon2 password hashes, roles, an agent's phone extension."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import Role
from recoup.storage import tables as t

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """A user that cannot be created as asked."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display_name: str
    roles: frozenset[Role]
    extension: str
    active: bool

    def has(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        msg = (
            f"username {username!r}: 2-64 lower-case letters, digits, . _ -, starting with a letter"
        )
        raise UserError(msg)
    return username


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
        raise UserError(msg)
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def add_user(
    connection: AsyncConnection,
    username: str,
    password: str,
    roles: frozenset[Role],
    *,
    now: datetime,
    display_name: str = "",
    extension: str = "",
) -> User:
    check_username(username)
    if not roles:
        msg = "a user needs at least one role"
        raise UserError(msg)
    existing = await connection.execute(
        select(t.app_user.c.username).where(t.app_user.c.username == username)
    )
    if existing.first() is not None:
        msg = f"user {username} exists already"
        raise UserError(msg)
    await connection.execute(
        insert(t.app_user).values(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            roles=",".join(sorted(r.value for r in roles)),
            extension=extension,
            created_at=now,
        )
    )
    return User(username, display_name or username, roles, extension, True)


async def authenticate(connection: AsyncConnection, username: str, password: str) -> User | None:
    """The user, if the password is right and the account active; ``None`` otherwise."""
    row = (
        (await connection.execute(select(t.app_user).where(t.app_user.c.username == username)))
        .mappings()
        .first()
    )
    if row is None or not row["active"] or not password_matches(row["password_hash"], password):
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        await connection.execute(
            update(t.app_user)
            .where(t.app_user.c.username == username)
            .values(password_hash=_hasher.hash(password))
        )
    return _user(row)


async def change_user(
    connection: AsyncConnection,
    username: str,
    *,
    active: bool | None = None,
    password: str | None = None,
    roles: frozenset[Role] | None = None,
) -> None:
    """Switch an account off or on, set a new password or new roles. An open console session
    reads its account again within a minute, so a disabled account or a role taken away stops
    working then."""
    values: dict[str, object] = {}
    if active is not None:
        values["active"] = active
    if password is not None:
        values["password_hash"] = hash_password(password)
    if roles is not None:
        if not roles:
            msg = "a user needs at least one role"
            raise UserError(msg)
        values["roles"] = ",".join(sorted(r.value for r in roles))
    if not values:
        return
    result = await connection.execute(
        update(t.app_user).where(t.app_user.c.username == username).values(**values)
    )
    if result.rowcount == 0:
        msg = f"no user {username}"
        raise UserError(msg)


async def list_users(connection: AsyncConnection) -> list[User]:
    rows = (await connection.execute(select(t.app_user).order_by(t.app_user.c.username))).mappings()
    return [_user(r) for r in rows]


def _user(row: object) -> User:
    r = dict(row)  # type: ignore[call-overload]
    roles = frozenset(Role(x) for x in str(r["roles"]).split(",") if x)
    return User(r["username"], r["display_name"], roles, r["extension"], bool(r["active"]))

"""``recoup user``: an admin adds a user, and when someone leaves or forgets their password,
switches the account off or sets a new one, without touching the database by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from recoup.storage.engine import make_engine
from recoup.users.accounts import authenticate

PASSWORD, NEW_PASSWORD = "correct horse battery", "staple battery horse"


def recoup(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")}
    env["RECOUP_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


async def can_log_in(url: str, username: str, password: str) -> bool:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            return await authenticate(connection, username, password) is not None
    finally:
        await engine.dispose()


async def test_an_admin_disables_re_enables_and_resets_an_agents_account(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    added = recoup(url, "user", "add", "ana", "--role", "agent", "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    assert await can_log_in(url, "ana", PASSWORD)

    assert recoup(url, "user", "disable", "ana").stdout.strip() == "ana disabled"
    assert not await can_log_in(url, "ana", PASSWORD)
    assert "(disabled)" in recoup(url, "user", "list").stdout

    assert recoup(url, "user", "enable", "ana").returncode == 0
    reset = recoup(url, "user", "password", "ana", stdin=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert reset.returncode == 0, reset.stderr
    assert not await can_log_in(url, "ana", PASSWORD)
    assert await can_log_in(url, "ana", NEW_PASSWORD)

    promoted = recoup(url, "user", "roles", "ana", "--role", "agent", "--role", "supervisor")
    assert promoted.stdout.strip() == "ana: agent, supervisor"
    assert "agent,supervisor" in recoup(url, "user", "list").stdout


def test_changing_a_user_who_is_not_there_or_a_short_password_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    assert (
        recoup(url, "user", "add", "ana", "--role", "agent", "--password", PASSWORD).returncode == 0
    )
    nobody = recoup(url, "user", "disable", "bob")
    assert (nobody.returncode, nobody.stderr.strip()) == (2, "error: no user bob")
    short = recoup(url, "user", "password", "ana", "--password", "short")
    assert (short.returncode, "at least 10 characters" in short.stderr) == (2, True)

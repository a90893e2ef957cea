"""``recoup campaign``: a collections manager defines a campaign from a file, switches it on
and builds its dialing list, without writing code; a file that does not hold stores nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def recoup(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")}
    env["RECOUP_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    imported = recoup(url, "import", "accounts", str(EXAMPLES / "accounts.csv"))
    assert imported.returncode == 0, imported.stderr
    return url


def test_a_manager_defines_a_campaign_switches_it_on_and_builds_its_list(url: str) -> None:
    created = recoup(url, "campaign", "create", "late-retail", str(EXAMPLES / "campaign.toml"),
                     "--name", "Late retail")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "campaign late-retail: created, predictive, inactive" in created.stdout
    assert recoup(url, "campaign", "activate", "late-retail").returncode == 0

    built = recoup(url, "campaign", "build", "--active")
    assert built.returncode == 0, built.stderr
    first = built.stdout.splitlines()[0]
    assert first.startswith("campaign late-retail: ")
    assert " added, 0 already there" in first
    on_list = int(first.split(": ")[1].split()[0])
    assert on_list > 0
    assert "not added:" in built.stdout  # the debtor flagged do-not-call, at least

    again = recoup(url, "campaign", "build", "late-retail")
    assert f"{on_list} leads on the list (0 added, {on_list} already there" in again.stdout

    listed = recoup(url, "campaign", "list")
    assert "late-retail  active  predictive  abandon target 3%  Late retail" in listed.stdout
    assert f"leads: ready {on_list}" in listed.stdout
    shown = recoup(url, "campaign", "show", "late-retail")
    assert '"caller_id": "+12125550100"' in shown.stdout


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ('caller_id = "+12125550100"\nspeed = 3\n', "speed: unknown key"),
        ('caller_id = "555-0100"\n', "is not an E.164 number"),
        ('caller_id = "+12125550100"\n[window]\nstart = 07:00:00\n', "allow_outside_legal_hours"),
        ('caller_id = "+12125550100"\nabandon_target = 0.05\n', "allow_abandon_above_legal"),
        ('caller_id = "+12125550100"\n[[scripts]]\nscript_id = "nowhere.en"\n',
         "scripts: no script nowhere.en"),
        ('caller_id = "+12125550100"\n[window\n', "cannot be read as toml"),
    ],
)  # fmt: skip
def test_a_campaign_file_that_does_not_hold_is_refused_and_nothing_is_stored(
    url: str, tmp_path: Path, settings: str, why: str
) -> None:
    file = tmp_path / "campaign.toml"
    file.write_text(settings, encoding="utf-8")
    refused = recoup(url, "campaign", "create", "late", str(file))
    assert refused.returncode == 2, refused.stdout
    assert why.lower() in refused.stderr.lower(), refused.stderr
    assert "Traceback" not in refused.stderr
    assert "no campaign yet" in recoup(url, "campaign", "list").stdout


def test_an_id_taken_or_unknown_is_refused(url: str) -> None:
    example = str(EXAMPLES / "campaign.toml")
    assert recoup(url, "campaign", "create", "late", example).returncode == 0
    twice = recoup(url, "campaign", "create", "late", example)
    assert (twice.returncode, "exists already" in twice.stderr) == (2, True)
    for command in (["build", "early"], ["activate", "early"], ["show", "early"],
                    ["update", "early", example]):  # fmt: skip
        unknown = recoup(url, "campaign", *command)
        assert (unknown.returncode, "no campaign 'early'" in unknown.stderr) == (2, True), command
    bad_id = recoup(url, "campaign", "create", "late retail/1", example)
    assert bad_id.returncode == 2

"""``recoup import`` as a user runs it: exit codes, reports, the database left behind."""

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def recoup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECOUP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"}
    env.pop("RECOUP_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_importing_the_sample_files_takes_every_row_and_exits_zero(tmp_path: Path) -> None:
    accounts = recoup(tmp_path, "import", "accounts", str(EXAMPLES / "accounts.csv"))
    assert accounts.returncode == 0, accounts.stderr
    assert "imported 16 of 16 account rows" in accounts.stdout
    payments = recoup(tmp_path, "import", "payments", "--json", str(EXAMPLES / "payments.csv"))
    assert payments.returncode == 0, payments.stderr
    report = json.loads(payments.stdout)
    assert (report["taken"], report["rejected"]) == (7, [])
    assert "6 debts paid off" in report["notes"][0]


def test_a_file_with_a_bad_row_exits_two_and_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "account_id,debt_id,first_name,last_name,phone,original_balance,currency,due_date\n"
        "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01\n"
        "A2,D2,Bob,Ray,(212) 555-0143,-1,USD,2026-10-01\n"
    )
    result = recoup(tmp_path, "import", "accounts", str(path))
    assert result.returncode == 2
    assert "imported 1 of 2" in result.stdout
    assert "line 3 (D2): amounts cannot be negative" in result.stdout


def test_a_file_that_cannot_be_read_as_accounts_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name,amount\nAnn,1\n")
    result = recoup(tmp_path, "import", "accounts", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: a.csv lacks the column(s) account_id")
    assert "Traceback" not in result.stderr


def test_every_command_has_help(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["import", "--help"],
        ["import", "accounts", "--help"],
        ["import", "payments", "--help"],
        ["db", "--help"],
        ["db", "upgrade", "--help"],
    ):
        result = recoup(tmp_path, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout


def test_the_demo_builds_its_database_and_works_a_campaign_headless(tmp_path: Path) -> None:
    env = {**os.environ, "RECOUP_VAR_DIR": str(tmp_path / "var")}
    env.pop("RECOUP_MQTT_URL", None)
    summary_file = tmp_path / "summary.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "recoup",
            "demo",
            "--headless",
            "--debtors",
            "12",
            "--agents",
            "2",
            "--speed",
            "40",
            "--hours",
            "1",
            "--json",
            str(summary_file),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "imported 16 of 16 account rows" in result.stdout
    assert "imported 7 of 7 payment rows" in result.stdout
    assert "Linda Okafor" in result.stdout
    assert "habitual_late" in result.stdout
    assert (tmp_path / "var" / "demo.db").is_file()
    assert "agent occupancy:" in result.stdout
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["agents"] == 2
    assert summary["calls"] >= summary["prepared"]["leads"] - summary["refusals_by_rule"].get(
        "calling_window", 0
    )
    assert sum(summary["calls_by_outcome"].values()) == summary["calls"]

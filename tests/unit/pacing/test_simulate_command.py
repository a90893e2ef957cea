"""``recoup simulate``: tiny runs through the command, as a supervisor would type them."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from matplotlib.figure import Figure

from dialer.pacing import cli
from dialer.pacing.cli import simulate_command
from dialer.pacing.what_if import PolicyDay
from tests.unit.pacing.scenario_files import QUARTER_HOUR_DEFAULTS

TINY = (
    QUARTER_HOUR_DEFAULTS
    + """
[[scenario]]
name = "tiny"
agents = 3
live_answer_rate = 0.3

[[scenario]]
name = "strict"
agents = 3
live_answer_rate = 0.3
abandon_target = 0.001
"""
)


def scenarios_file(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "scenarios.toml"
    path.write_text(text)
    return path


def simulate(*args: str) -> Result:
    return CliRunner().invoke(simulate_command, [*args, "--jobs", "1"])


def test_a_scenario_where_no_vicidial_setting_kept_the_cap_says_so(tmp_path: Path) -> None:
    path = scenarios_file(tmp_path)
    result = simulate(
        str(path), "--scenario", "strict", "--policy", "vicidial_best", "--seeds", "1"
    )
    assert result.exit_code == 0, result.output
    assert "0 of 1 seeds had a compliant setting" in result.output


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    return line


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('agents = "ten"', "agents"),
        ('abandon_target = "3%"', "abandon_target"),
        ("hours = inf", "hours"),
        ('talk = {dist = "constant", value = "long"}', "talk"),
    ],
)
def test_a_mistake_in_the_scenario_file_is_one_line_and_exit_2(
    tmp_path: Path, line: str, key: str
) -> None:
    keys = {"agents": "agents = 3", "live_answer_rate": "live_answer_rate = 0.3"}
    keys[line.split("=", maxsplit=1)[0].strip()] = line
    text = TINY + '\n[[scenario]]\nname = "typo"\n' + "\n".join(keys.values()) + "\n"
    error = one_error_line(simulate(str(scenarios_file(tmp_path, text))))
    assert "scenario typo" in error
    assert key in error


def test_a_scenario_file_that_is_not_utf8_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(TINY.replace("tiny", "caf\xe9").encode("latin-1"))
    assert "UTF-8" in one_error_line(simulate(str(path)))


def test_an_unknown_scenario_name_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    path = scenarios_file(tmp_path)
    error = one_error_line(simulate(str(path), "--scenario", "tiny", "--scenario", "nosuch"))
    assert '"nosuch"' in error
    assert "tiny, strict" in error


def test_a_plot_not_named_png_is_refused_before_the_run(tmp_path: Path) -> None:
    path, out = scenarios_file(tmp_path), tmp_path / "days.json"
    result = simulate(str(path), "--json", str(out), "--plot", str(tmp_path / "noext"))
    assert ".png" in one_error_line(result)
    assert "occupancy" not in result.output  # refused before any day was simulated
    assert not out.exists()


@pytest.mark.parametrize("option", ["--json", "--plot"])
def test_an_output_folder_that_is_a_file_is_refused_before_the_run(
    tmp_path: Path, option: str
) -> None:
    path = scenarios_file(tmp_path)
    (tmp_path / "reports").write_text("not a folder")
    result = simulate(str(path), option, str(tmp_path / "reports" / "days.png"))
    error = one_error_line(result)
    assert "reports" in error
    assert "not a folder" in error
    assert "occupancy" not in result.output


def test_the_same_file_for_json_and_plot_is_refused(tmp_path: Path) -> None:
    path, out = scenarios_file(tmp_path), str(tmp_path / "days.png")
    assert "same file" in one_error_line(simulate(str(path), "--json", out, "--plot", out))


def test_the_json_and_plot_go_into_new_folders(tmp_path: Path) -> None:
    path = scenarios_file(tmp_path)
    out, png = tmp_path / "new" / "days.json", tmp_path / "newer" / "days.png"
    args = ["--scenario", "tiny", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args, "--json", str(out), "--plot", str(png))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())[0]["scenario"] == "tiny"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert f"wrote {png}" in result.output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_plot_that_fails_after_the_json_says_so_and_leaves_no_half_drawn_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_half_way(self: Figure, fname: Path, **kwargs: object) -> None:
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", fail_half_way)
    path, out, png = scenarios_file(tmp_path), tmp_path / "days.json", tmp_path / "days.png"
    args = ["--scenario", "tiny", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args, "--json", str(out), "--plot", str(png))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"wrote {out}" in result.output
    assert f"could not write the plot {png}" in result.stderr
    assert "No space left" in result.stderr
    assert json.loads(out.read_text())
    assert not png.exists()
    assert leftovers(tmp_path) == []


def test_a_json_that_cannot_be_put_in_place_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = scenarios_file(tmp_path), tmp_path / "days.json"
    out.write_text("[]\n")

    def refuse(self: Path, target: Path) -> Path:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    args = ["--scenario", "tiny", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args, "--json", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"could not write {out}" in result.stderr
    assert out.read_text() == "[]\n"
    assert leftovers(tmp_path) == []


def test_a_policy_named_twice_is_run_and_counted_once(tmp_path: Path) -> None:
    path, out = scenarios_file(tmp_path), tmp_path / "days.json"
    args = ["--scenario", "tiny", "--policy", "progressive", "--policy", "progressive"]
    result = simulate(str(path), *args, "--seeds", "1", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())) == 1
    (line,) = [line for line in result.output.splitlines() if line.startswith("tiny ")]
    assert " 1/1 " in line


def test_a_figure_that_is_not_a_number_never_reaches_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = cli.run_what_if

    def with_a_nan(*args: object, **kwargs: object) -> list[PolicyDay]:
        rows = real_run(*args, **kwargs)  # type: ignore[arg-type]
        return [replace(rows[0], day=replace(rows[0].day, occupancy=math.nan)), *rows[1:]]

    monkeypatch.setattr(cli, "run_what_if", with_a_nan)
    path, out = scenarios_file(tmp_path), tmp_path / "days.json"
    args = ["--scenario", "tiny", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args, "--json", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "occupancy of tiny, progressive, seed 1 is nan" in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_an_empty_scenario_name_is_shown_as_such(tmp_path: Path) -> None:
    error = one_error_line(simulate(str(scenarios_file(tmp_path)), "--scenario", ""))
    assert 'no scenario named "" in' in error


def test_a_scenario_name_is_matched_as_the_file_reads_it_without_outer_spaces(
    tmp_path: Path,
) -> None:
    path = scenarios_file(tmp_path)
    args = ["--scenario", " tiny ", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args)
    assert result.exit_code == 0, result.output
    assert any(line.startswith("tiny ") for line in result.output.splitlines())


def test_a_plot_that_cannot_be_written_names_the_plot_not_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def vanish(self: Figure, fname: Path, **kwargs: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(fname))

    monkeypatch.setattr(Figure, "savefig", vanish)
    path, png = scenarios_file(tmp_path), tmp_path / "days.png"
    args = ["--scenario", "tiny", "--policy", "progressive", "--seeds", "1"]
    result = simulate(str(path), *args, "--plot", str(png))
    assert result.exit_code == 1
    assert f"could not write the plot {png}: No such file or directory" in result.stderr
    assert ".part" not in result.stderr

from pathlib import Path

import pytest
from pydantic import ValidationError

from recoup.settings import Settings


def test_defaults_need_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("RECOUP_DATABASE_URL", "RECOUP_MQTT_URL", "RECOUP_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    settings = Settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")
    assert settings.mqtt_url is None


def test_environment_beats_the_toml_file_which_beats_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "recoup.toml"
    config.write_text(
        'default_timezone = "America/Chicago"\nmqtt_url = "mqtt://broker:1883"\n'
        '[ami]\nhost = "pbx.internal"\nport = 5039\n[profile]\nlate_grace_days = 9\n'
    )
    monkeypatch.setenv("RECOUP_CONFIG", str(config))
    monkeypatch.setenv("RECOUP_AMI__PORT", "6000")
    settings = Settings()
    assert settings.default_timezone == "America/Chicago"
    assert settings.ami.host == "pbx.internal"
    assert settings.ami.port == 6000
    assert settings.profile.policy().late_grace_days == 9


def test_a_wrong_timezone_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUP_DEFAULT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="not an IANA timezone"):
        Settings()


def test_a_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUP_CONFIG", "/nonexistent/recoup.toml")
    with pytest.raises(FileNotFoundError, match="names no file"):
        Settings()


def test_mqtt_urls_must_be_mqtt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUP_MQTT_URL", "http://broker")
    with pytest.raises(ValidationError, match="mqtt://"):
        Settings()

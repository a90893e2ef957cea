"""One typed settings object, from ``RECOUP_*`` environment variables and an optional TOML file.

Precedence, highest first: values passed to ``Settings(...)``, environment variables
(``RECOUP_DATABASE_URL``; nested ones with ``__``: ``RECOUP_AMI__SECRET``), the TOML file named
by ``RECOUP_CONFIG`` (sections mirror the nested models: ``[ami]``, ``[profile]`` ...), then the
defaults. The defaults need no server: SQLite under ``./var/`` and the in-process bus.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from recoup.rules.payment_profile import ProfilePolicy

CONFIG_ENV = "RECOUP_CONFIG"


class AmiSettings(BaseModel):
    """Where the dialer reaches Asterisk's manager interface (manager.conf's dialer user)."""

    host: str = "127.0.0.1"
    port: int = Field(5038, ge=1, le=65535)
    username: str = "recoup"
    secret: SecretStr = SecretStr("change-me")
    action_timeout_s: float = Field(10.0, gt=0)
    ping_interval_s: float = Field(20.0, gt=0)


class AgiSettings(BaseModel):
    """Where the IVR's FastAGI server listens (``AGI(agi://host:port/flow)`` in the dialplan)."""

    host: str = "127.0.0.1"
    port: int = Field(4573, ge=1, le=65535)


class ConsoleSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


class ProfileSettings(BaseModel):
    """Thresholds of the payment-profile classification (see ``recoup.rules.payment_profile``)."""

    late_grace_days: int = Field(5, ge=0)
    lookback_days: int = Field(365, ge=1)
    habitual_late_min_late_payments: int = Field(2, ge=1)
    habitual_late_share: float = Field(0.5, gt=0, le=1)
    broken_promise_lookback_days: int = Field(90, ge=0)
    promise_grace_days: int = Field(2, ge=0)
    high_balance_minor: int = Field(500_000, ge=1)  # 5,000.00 in a two-decimal currency

    def policy(self) -> ProfilePolicy:
        return ProfilePolicy(**self.model_dump())


class Settings(BaseSettings):
    """Everything Recoup can be told. See the README's "Configuration" for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="RECOUP_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database_url: str = "sqlite+aiosqlite:///var/recoup.db"
    database_schema: str | None = None  # PostgreSQL only: keep Recoup's tables in this schema
    mqtt_url: str | None = None
    var_dir: Path = Path("var")
    default_timezone: str = "America/New_York"
    default_phone_region: str = Field("US", min_length=2, max_length=2)
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    console: ConsoleSettings = ConsoleSettings()
    profile: ProfileSettings = ProfileSettings()

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"{value!r} is not an IANA timezone name (e.g. America/Chicago)"
            raise ValueError(msg) from None
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("mqtt://", "mqtts://")):
            msg = "RECOUP_MQTT_URL must look like mqtt://host:1883 or mqtts://host:8883"
            raise ValueError(msg)
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                msg = f"{CONFIG_ENV}={config_file} names no file"
                raise FileNotFoundError(msg)
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a clear ``ValueError`` names the variable that is wrong."""
    return Settings(**overrides)

"""Settings read from ``BIRTEREZE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'birtereze.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BIRTEREZE_", extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    redis_url: str | None = None
    secret_key: str = "dev-secret-change-me"  # noqa: S105 - overridden in production
    default_locale: str = "kk"
    timezone: str = "Asia/Almaty"
    log_level: str = "INFO"
    log_json: bool = True
    # The embedded worker (normative checks, jobs) runs inside the web process unless disabled.
    embedded_worker: bool = True
    alert_check_interval_s: float = 15.0
    # Connections per process; unset: 1 on SQLite (one writer at a time, taken in order), 16 on PostgreSQL.
    db_pool_size: int | None = None
    token_cache_ttl_s: float = 30.0
    ticket_token_max_age_days: int = 2
    # Prefix of the Redis pub/sub channels: installations (or test runs) sharing one Redis differ by it.
    live_channel_prefix: str = "birtereze:"
    # The voice announcements' phrase clips, made once by espeak-ng (queue.announce).
    voice_cache_dir: Path = PROJECT_ROOT / "var" / "voice"
    # Network ticket printers (ESC/POS over TCP, "host" or "host:port", port 9100 by default) by the
    # kiosk account that prints on them, as JSON: {"kiosk.tur": "10.20.0.31"}. A kiosk without one
    # prints through its browser (the 80 mm slip).
    kiosk_printers: dict[str, str] = Field(default_factory=dict)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

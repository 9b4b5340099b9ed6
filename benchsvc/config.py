"""Settings from the environment (BENCHSVC_*) with their defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return user_data_path("benchsvc", appauthor=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BENCHSVC_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None

    # The API (benchsvc serve).
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(default=1, ge=1)
    # Reads are open, as in LNT; set this to require a token (any scope) for every read.
    api_require_read_token: bool = False
    # Largest request body the API accepts; a run document is normally well under 1 MiB.
    api_max_body_bytes: int = Field(default=8 * 2**20, ge=1024)
    # Apply pending migrations when `benchsvc serve` starts; when false it refuses to start instead.
    api_migrate_on_start: bool = True
    # Keep answers of expensive reads (series, pages) until the data changes; false recomputes each time.
    api_read_cache: bool = True

    # The nightly suite (benchsvc schedule / benchsvc agent).
    schedule_cron: str = "0 2 * * *"
    # An IANA name such as Europe/Berlin; None means the machine's local time zone.
    schedule_timezone: str | None = None
    # A night missed while the scheduler was down still runs once if it starts within this time.
    schedule_misfire_grace_seconds: int = Field(default=12 * 3600, ge=1)
    # TOML file describing the suite; None means data_dir/suite.toml when it exists, else defaults.
    suite_file: Path | None = None

    # Where an agent or `benchsvc post` sends runs.
    server_url: str | None = None
    token: str | None = None

    # Regression detection: None keeps the detector's defaults (benchsvc/analysis/detection.py,
    # measured in docs/dashboard.md).
    regression_alpha: float | None = Field(default=None, gt=0, lt=1)
    regression_min_change: float | None = Field(default=None, ge=0)
    # New regressions are POSTed here as JSON when set.
    webhook_url: str | None = None
    # The web address of the measured repository (https://github.com/org/repo): commit ids
    # on the dashboard become links to <url>/commit/<sha> and ranges to <url>/compare/<a>...<b>.
    repository_url: str | None = None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'benchsvc.sqlite3'}"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def outbox_dir(self) -> Path:
        """Runs an agent measured and has not yet delivered to its server."""
        return self.data_dir / "outbox"

    @property
    def effective_suite_file(self) -> Path:
        return self.suite_file or self.data_dir / "suite.toml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

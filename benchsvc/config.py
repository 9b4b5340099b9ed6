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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'benchsvc.sqlite3'}"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

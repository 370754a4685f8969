"""Settings, read from the environment once, in one typed place."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

from pipelines.calendar import parse_holidays

DEFAULT_CATEGORIES = ("cs.*", "stat.ML")


class ConfigError(ValueError):
    """A setting a user can get wrong; the CLI prints its message as one line."""


class Settings(BaseModel):
    """Everything the pipeline reads from the environment."""

    data_dir: Path = Path("data")
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_delay_seconds: float = Field(3.0, ge=0)
    arxiv_page_size: int = Field(2000, ge=1, le=2000)
    x_api_url: str = "https://api.x.com/2"
    x_bearer_token: SecretStr | None = None
    x_window_days: float = Field(3.0, gt=0, le=7)
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    holidays: frozenset[date] = frozenset()
    min_score: int = Field(50, ge=0)
    embed_min_score: int = Field(25, ge=0)
    embed_limit: int = Field(10, ge=0)
    refresh_listings: int = Field(3, ge=0, le=20)
    http_timeout_seconds: float = Field(30.0, gt=0)
    http_retries: int = Field(5, ge=0)
    reading_lists_dir: Path | None = None  # Markdown reading lists; None: <data_dir>/reading_lists

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(c for c in value.replace(",", " ").split() if c)
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _parse_holidays(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_holidays(value)
        return value

    @model_validator(mode="after")
    def _default_reading_lists_dir(self) -> "Settings":
        if self.reading_lists_dir is None:
            self.reading_lists_dir = self.data_dir / "reading_lists"
        return self

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def build_db_path(self) -> Path:
        """The pipeline's own database; users read data/warehouse.duckdb instead."""
        return self.data_dir / "build" / "pipeline.duckdb"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def digests_dir(self) -> Path:
        return self.data_dir / "digests"

    @property
    def sample_dir(self) -> Path:
        """The embedded sample ships with the code, whatever the data directory is."""
        return Path(__file__).resolve().parent.parent / "data" / "sample"


_ENV = {
    "HOTPAPERS_DATA_DIR": "data_dir",
    "ARXIV_API_URL": "arxiv_api_url",
    "ARXIV_DELAY_SECONDS": "arxiv_delay_seconds",
    "ARXIV_PAGE_SIZE": "arxiv_page_size",
    "X_API_URL": "x_api_url",
    "X_BEARER_TOKEN": "x_bearer_token",
    "X_WINDOW_DAYS": "x_window_days",
    "HOTPAPERS_CATEGORIES": "categories",
    "HOTPAPERS_HOLIDAYS": "holidays",
    "HOTPAPERS_MIN_SCORE": "min_score",
    "HOTPAPERS_EMBED_MIN_SCORE": "embed_min_score",
    "HOTPAPERS_EMBED_LIMIT": "embed_limit",
    "HOTPAPERS_REFRESH_LISTINGS": "refresh_listings",
    "HOTPAPERS_HTTP_TIMEOUT_SECONDS": "http_timeout_seconds",
    "HOTPAPERS_HTTP_RETRIES": "http_retries",
    "HOTPAPERS_READING_LISTS_DIR": "reading_lists_dir",
}


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables; a bad value becomes one ConfigError line."""
    env = os.environ if environ is None else environ
    values = {field: env[var] for var, field in _ENV.items() if env.get(var, "") != ""}
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = first["loc"][0] if first["loc"] else "?"
        var = next((v for v, f in _ENV.items() if f == field), field)
        raise ConfigError(f"invalid {var}: {first['msg']}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

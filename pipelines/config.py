"""Settings, read from the environment once, in one typed place."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

from pipelines.calendar import parse_holidays

DEFAULT_CATEGORIES = ("cs.*", "stat.ML")
ENGAGEMENT_SOURCES = ("x", "hf", "hn", "bluesky")  # the `source` values of the engagement models
_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9._:-]*")  # handles, user names, numeric ids, DIDs


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(%|[kmgt]i?b)", re.IGNORECASE)  # what DuckDB's memory_limit accepts


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
    # DuckDB's memory_limit for the pipeline's build connection (e.g. 1GB, 512MiB, 50%); None: DuckDB's
    # default, 80 % of RAM. Above it DuckDB spills to <data>/build/pipeline.duckdb.tmp/.
    duckdb_memory_limit: str | None = None
    hf_api_url: str = "https://huggingface.co/api"
    hn_api_url: str = "https://hn.algolia.com/api/v1"
    bsky_api_url: str = "https://bsky.social/xrpc"
    bsky_handle: str | None = None
    bsky_app_password: SecretStr | None = None
    # The combined score: weight × (reposts + likes) per source, see sql/intermediate/int_paper_engagement_summed.sql.
    weight_x: float = Field(1.0, ge=0, allow_inf_nan=False)
    weight_hf: float = Field(1.0, ge=0, allow_inf_nan=False)
    weight_hn: float = Field(1.0, ge=0, allow_inf_nan=False)
    weight_bluesky: float = Field(1.0, ge=0, allow_inf_nan=False)
    account_cap: float = Field(1.0, gt=0, le=1)
    ignore_accounts: tuple[str, ...] = ()

    @field_validator("ignore_accounts", mode="before")
    @classmethod
    def _parse_ignore_accounts(cls, value: object) -> object:
        entries = value.replace(",", " ").split() if isinstance(value, str) else value
        if not isinstance(entries, (list, tuple)):
            return value
        accounts = []
        for entry in entries:
            source, _, account = str(entry).strip().partition(":")
            account = account.strip().removeprefix("@").lower()
            if source.lower() not in ENGAGEMENT_SOURCES or not _ACCOUNT.fullmatch(account):
                raise ValueError(
                    f"{entry!r} is not <source>:<account> with source one of {', '.join(ENGAGEMENT_SOURCES)} "
                    "(e.g. x:some_bot bluesky:bot.bsky.social)"
                )
            accounts.append(f"{source.lower()}:{account}")
        return tuple(dict.fromkeys(accounts))

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _check_memory_limit(cls, value: str | None) -> str | None:
        if value is not None and not _MEMORY.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a size like 1GB, 512MiB or 50%")
        return None if value is None else value.strip()

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(c for c in value.replace(",", " ").split() if c)
            if not value:  # e.g. " , ": an empty listing would pass for a quiet day
                raise ValueError("no category given (e.g. cs.* stat.ML)")
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
    def site_dir(self) -> Path:
        """The static HTML site the pipeline keeps up to date (``hotpapers site --out`` writes others)."""
        return self.data_dir / "site"

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
    "HOTPAPERS_DUCKDB_MEMORY_LIMIT": "duckdb_memory_limit",
    "HF_API_URL": "hf_api_url",
    "HN_API_URL": "hn_api_url",
    "BSKY_API_URL": "bsky_api_url",
    "BSKY_HANDLE": "bsky_handle",
    "BSKY_APP_PASSWORD": "bsky_app_password",
    "HOTPAPERS_WEIGHT_X": "weight_x",
    "HOTPAPERS_WEIGHT_HF": "weight_hf",
    "HOTPAPERS_WEIGHT_HN": "weight_hn",
    "HOTPAPERS_WEIGHT_BLUESKY": "weight_bluesky",
    "HOTPAPERS_ACCOUNT_CAP": "account_cap",
    "HOTPAPERS_IGNORE_ACCOUNTS": "ignore_accounts",
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

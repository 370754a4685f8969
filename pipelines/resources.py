"""The one resource assets use to reach the outside: settings, and where listings and tweets come from."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Iterator

import dagster as dg

from pipelines.config import Settings, load_settings
from pipelines.sources.replay import RecordedApi, ReplayServer

SOURCES = ("sample", "live")


class SourceUnavailable(ValueError):
    """The chosen source cannot serve this run (no sample for the date, no X token)."""


@dataclass(frozen=True)
class Endpoints:
    arxiv_api_url: str
    arxiv_delay_seconds: float
    x_api_url: str
    x_token: str
    live: bool


def sample_dates(settings: Settings) -> list[date]:
    folders = settings.sample_dir.glob("*/manifest.json") if settings.sample_dir.exists() else []
    return sorted(date.fromisoformat(p.parent.name) for p in folders)


class HotPapersResource(dg.ConfigurableResource):
    """Settings come from the environment (never run config: the X token must not be logged)."""

    source: str = "sample"

    def settings(self) -> Settings:
        return load_settings()

    @contextmanager
    def endpoints(self, listing_date: date, settings: Settings) -> Iterator[Endpoints]:
        """Live API URLs, or a loopback server replaying the embedded sample for that date."""
        if self.source == "live":
            if settings.x_bearer_token is None:
                raise SourceUnavailable("--source live needs X_BEARER_TOKEN in the environment")
            yield Endpoints(
                settings.arxiv_api_url,
                settings.arxiv_delay_seconds,
                settings.x_api_url,
                settings.x_bearer_token.get_secret_value(),
                live=True,
            )
            return
        if self.source != "sample":
            raise SourceUnavailable(f"unknown source {self.source!r}: use one of {', '.join(SOURCES)}")
        folder = settings.sample_dir / listing_date.isoformat()
        if not (folder / "manifest.json").exists():
            dates = ", ".join(d.isoformat() for d in sample_dates(settings)) or "none"
            raise SourceUnavailable(f"the embedded sample has no listing {listing_date} (sample dates: {dates})")
        with ReplayServer(RecordedApi(folder)) as server:
            yield Endpoints(server.arxiv_api_url, 0.0, server.x_api_url, "sample-token", live=False)

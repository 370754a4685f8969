"""The one resource assets use to reach the outside: settings, and where listings and tweets come from."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Iterator

import dagster as dg

from pipelines.config import Settings, load_settings
from pipelines.sources.replay import RecordedApi, ReplayServer

SOURCES = ("sample", "live")


# The engagement sources, by ingestion asset: display name, and the sample manifest key recording it.
ENGAGEMENT_SOURCES = {
    "raw_x__tweets": ("X", "x_pages"),
    "raw_hf__daily_papers": ("Hugging Face", "hf_pages"),
    "raw_hn__stories": ("Hacker News", "hn_pages"),
    "raw_bluesky__posts": ("Bluesky", "bluesky_pages"),
}


class SourceUnavailable(ValueError):
    """The chosen source cannot serve this run (no sample for the date)."""


@dataclass(frozen=True)
class Endpoints:
    """Where each source answers; an empty URL (or no token) means the source is skipped this run."""

    arxiv_api_url: str
    arxiv_delay_seconds: float
    x_api_url: str
    x_token: str | None
    live: bool
    hf_api_url: str = ""
    hn_api_url: str = ""
    bsky_api_url: str = ""
    bsky_handle: str | None = None
    bsky_password: str | None = None


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
            bluesky = settings.bsky_handle is not None and settings.bsky_app_password is not None
            yield Endpoints(
                settings.arxiv_api_url,
                settings.arxiv_delay_seconds,
                settings.x_api_url,
                settings.x_bearer_token.get_secret_value() if settings.x_bearer_token else None,
                live=True,
                hf_api_url=settings.hf_api_url,
                hn_api_url=settings.hn_api_url,
                bsky_api_url=settings.bsky_api_url if bluesky else "",
                bsky_handle=settings.bsky_handle,
                bsky_password=settings.bsky_app_password.get_secret_value() if bluesky else None,
            )
            return
        if self.source != "sample":
            raise SourceUnavailable(f"unknown source {self.source!r}: use one of {', '.join(SOURCES)}")
        folder = settings.sample_dir / listing_date.isoformat()
        if not (folder / "manifest.json").exists():
            dates = ", ".join(d.isoformat() for d in sample_dates(settings)) or "none"
            raise SourceUnavailable(f"the embedded sample has no listing {listing_date} (sample dates: {dates})")
        recorded = RecordedApi(folder)
        with ReplayServer(recorded) as server:
            yield Endpoints(
                server.arxiv_api_url,
                0.0,
                server.x_api_url,
                "sample-token",
                live=False,
                hf_api_url=server.hf_api_url if recorded.hf_by_page else "",
                hn_api_url=server.hn_api_url if recorded.hn_by_page else "",
                bsky_api_url=server.bsky_api_url if recorded.bluesky_by_cursor else "",
                bsky_handle="sample.bsky.social",
                bsky_password="sample-app-password",
            )

    def skip_reasons(self, listing_date: date, settings: Settings) -> dict[str, str]:
        """The engagement sources this run cannot use, by asset, each with its one-line reason.

        Live: X without X_BEARER_TOKEN, Bluesky without BSKY_HANDLE and BSKY_APP_PASSWORD (Hugging Face
        and Hacker News need no key). Sample: the sources the date's folder has no recording of.
        """
        if self.source == "live":
            reasons = {}
            if settings.x_bearer_token is None:
                reasons["raw_x__tweets"] = "skipped X: no X_BEARER_TOKEN"
            if settings.bsky_handle is None or settings.bsky_app_password is None:
                reasons["raw_bluesky__posts"] = "skipped Bluesky: no BSKY_HANDLE and BSKY_APP_PASSWORD"
            return reasons
        manifest_path = settings.sample_dir / listing_date.isoformat() / "manifest.json"
        if self.source != "sample" or not manifest_path.exists():
            return {}
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {
            asset: f"skipped {name}: the sample of {listing_date} has no {name} recording"
            for asset, (name, key) in ENGAGEMENT_SOURCES.items()
            if not manifest.get(key)
        }

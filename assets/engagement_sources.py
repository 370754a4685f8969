"""Engagement beyond X: Hugging Face Daily Papers, Hacker News and Bluesky, one raw Parquet partition
per listing date each, through the same resource (live APIs or the replayed sample).

A source the run cannot use (no Bluesky credentials, no recording in the sample) is skipped with a
one-line reason in the metadata and leaves its previous partition as it was, so the digest is still built.
"""

from datetime import date, datetime, timedelta, timezone
from typing import Callable

import dagster as dg
import pyarrow as pa

from pipelines.calendar import announcement_time
from pipelines.config import Settings
from pipelines.partitions import LISTING_DATES
from pipelines.rawstore import write_partition
from pipelines.resources import ENGAGEMENT_SOURCES, Endpoints, HotPapersResource
from pipelines.sources import bluesky, hf_daily_papers, hn_algolia
from pipelines.sources.http import RequestStats, SourceError

Fetch = Callable[[date, Endpoints, Settings, RequestStats], tuple[pa.Table, dict]]


def post_window(listing_date: date, window_days: float, live: bool) -> tuple[datetime, datetime]:
    """Posts from the listing's announcement for ``window_days`` (X_WINDOW_DAYS), live: up to now."""
    start = announcement_time(listing_date)
    end = start + timedelta(days=window_days)
    if live:
        end = min(end, datetime.now(timezone.utc) - timedelta(seconds=15))
        if end <= start:
            raise SourceError(f"listing {listing_date} is not announced yet (at {start:%Y-%m-%d %H:%M} UTC)")
    return start, end


def fetch_hf(listing_date: date, endpoints: Endpoints, settings: Settings, stats: RequestStats) -> tuple[pa.Table, dict]:
    table, not_arxiv = hf_daily_papers.fetch_daily_papers(
        listing_date,
        api_url=endpoints.hf_api_url,
        min_interval=hf_daily_papers.MIN_INTERVAL_SECONDS if endpoints.live else 0.0,
        timeout=settings.http_timeout_seconds,
        retries=settings.http_retries,
        stats=stats,
    )
    return table, {"daily_date": listing_date.isoformat(), "not_arxiv_dropped": not_arxiv}


def fetch_hn(listing_date: date, endpoints: Endpoints, settings: Settings, stats: RequestStats) -> tuple[pa.Table, dict]:
    start, end = post_window(listing_date, settings.x_window_days, endpoints.live)
    table, elsewhere = hn_algolia.fetch_stories(
        listing_date,
        api_url=endpoints.hn_api_url,
        start=start,
        end=end,
        min_interval=hn_algolia.MIN_INTERVAL_SECONDS if endpoints.live else 0.0,
        timeout=settings.http_timeout_seconds,
        retries=settings.http_retries,
        stats=stats,
    )
    return table, {"window_start": start.isoformat(), "window_end": end.isoformat(), "not_arxiv_dropped": elsewhere}


def fetch_bluesky(listing_date: date, endpoints: Endpoints, settings: Settings, stats: RequestStats) -> tuple[pa.Table, dict]:
    start, end = post_window(listing_date, settings.x_window_days, endpoints.live)
    table, not_posts = bluesky.fetch_posts(
        listing_date,
        api_url=endpoints.bsky_api_url,
        handle=endpoints.bsky_handle or "",
        password=endpoints.bsky_password or "",
        start=start,
        end=end,
        min_interval=bluesky.MIN_INTERVAL_SECONDS if endpoints.live else 0.0,
        timeout=settings.http_timeout_seconds,
        retries=settings.http_retries,
        stats=stats,
    )
    return table, {"window_start": start.isoformat(), "window_end": end.isoformat(), "not_posts_dropped": not_posts}


def engagement_asset(key: str, raw_table: str, url_field: str, fetch: Fetch, description: str) -> dg.AssetsDefinition:
    name = ENGAGEMENT_SOURCES[key][0]

    @dg.asset(
        key=key,
        partitions_def=LISTING_DATES,
        group_name="ingestion",
        kinds={"python", "parquet"},
        owners=["team:hotpapers"],
        description=description,
    )
    def _ingest(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
        listing_date = date.fromisoformat(context.partition_key)
        settings = hotpapers.settings()
        reason = hotpapers.skip_reasons(listing_date, settings).get(key)
        stats = RequestStats()
        if reason is None:
            with hotpapers.endpoints(listing_date, settings) as endpoints:
                if getattr(endpoints, url_field):
                    table, extra = fetch(listing_date, endpoints, settings, stats)
                else:
                    reason = f"skipped {name}: the {hotpapers.source} source has no endpoint for it"
        if reason is not None:
            context.log.info(reason)
            return dg.MaterializeResult(metadata={"skipped": reason, "source": hotpapers.source})
        path = write_partition(settings.raw_dir, raw_table, listing_date, table)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": table.num_rows,
                **extra,
                "path": dg.MetadataValue.path(str(path)),
                "source": hotpapers.source,
                **stats.as_metadata(),
            }
        )

    return _ingest


raw_hf__daily_papers = engagement_asset(
    "raw_hf__daily_papers",
    "hf_daily_papers",
    "hf_api_url",
    fetch_hf,
    "Papers on Hugging Face Daily Papers on the listing date, with upvotes and comment counts: a snapshot.",
)
raw_hn__stories = engagement_asset(
    "raw_hn__stories",
    "hn_stories",
    "hn_api_url",
    fetch_hn,
    "Hacker News stories linking an arXiv paper, submitted from the listing's announcement on: a snapshot.",
)
raw_bluesky__posts = engagement_asset(
    "raw_bluesky__posts",
    "bluesky_posts",
    "bsky_api_url",
    fetch_bluesky,
    "Bluesky posts linking arXiv, posted from the listing's announcement on (never reposts): a snapshot.",
)

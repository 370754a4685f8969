"""Ingestion: one raw Parquet partition per listing date, from arXiv and from X."""


from datetime import date, datetime, timedelta, timezone

import dagster as dg

from pipelines.calendar import announcement_time
from pipelines.partitions import LISTING_DATES
from pipelines.rawstore import write_partition
from pipelines.resources import HotPapersResource
from pipelines.sources.arxiv_listing import fetch_listing
from pipelines.sources.http import RequestStats, SourceError
from pipelines.sources.x_search import RECENT_SEARCH_DAYS, fetch_tweets, search_window


@dg.asset(
    key="raw_arxiv__papers",
    partitions_def=LISTING_DATES,
    group_name="ingestion",
    kinds={"python", "parquet"},
    owners=["team:hotpapers"],
)
def raw_arxiv__papers(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
    """arXiv papers announced on the listing date (v1 submissions of its window) in the configured categories."""
    listing_date = date.fromisoformat(context.partition_key)
    settings = hotpapers.settings()
    stats = RequestStats()
    with hotpapers.endpoints(listing_date, settings) as endpoints:
        papers = fetch_listing(
            listing_date,
            api_url=endpoints.arxiv_api_url,
            categories=settings.categories,
            holidays=settings.holidays,
            delay_seconds=endpoints.arxiv_delay_seconds,
            page_size=settings.arxiv_page_size,
            timeout=settings.http_timeout_seconds,
            retries=settings.http_retries,
            stats=stats,
        )
    path = write_partition(settings.raw_dir, "arxiv_papers", listing_date, papers)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": papers.num_rows,
            "path": dg.MetadataValue.path(str(path)),
            "source": hotpapers.source,
            **stats.as_metadata(),
        }
    )


@dg.asset(
    key="raw_x__tweets",
    partitions_def=LISTING_DATES,
    group_name="ingestion",
    kinds={"python", "parquet"},
    owners=["team:hotpapers"],
)
def raw_x__tweets(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
    """Original tweets linking to arXiv, posted from the listing's announcement on: an engagement snapshot."""
    listing_date = date.fromisoformat(context.partition_key)
    settings = hotpapers.settings()
    if reason := hotpapers.skip_reasons(listing_date, settings).get("raw_x__tweets"):
        context.log.info(reason)  # e.g. no X_BEARER_TOKEN: the other sources still make a digest
        return dg.MaterializeResult(metadata={"skipped": reason, "source": hotpapers.source})
    stats = RequestStats()
    announced = announcement_time(listing_date)
    with hotpapers.endpoints(listing_date, settings) as endpoints:
        if endpoints.live:
            start, end = live_window(listing_date, announced, settings.x_window_days)
        else:
            start, end = announced, announced + timedelta(days=settings.x_window_days)
        tweets, retweets = fetch_tweets(
            listing_date,
            api_url=endpoints.x_api_url,
            token=endpoints.x_token,
            start=start,
            end=end,
            timeout=settings.http_timeout_seconds,
            retries=settings.http_retries,
            stats=stats,
        )
    path = write_partition(settings.raw_dir, "x_tweets", listing_date, tweets)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": tweets.num_rows,
            "retweets_dropped": retweets,
            "window_start": start.isoformat(),
            "window_end": end.isoformat(),
            "path": dg.MetadataValue.path(str(path)),
            "source": hotpapers.source,
            **stats.as_metadata(),
        }
    )


def live_window(listing_date: date, announced: datetime, window_days: float) -> tuple[datetime, datetime]:
    """The live search window, refused when the API cannot serve it (not announced yet, or too old)."""
    now = datetime.now(timezone.utc)
    start, end = search_window(announced, window_days, now)
    oldest = now - timedelta(days=RECENT_SEARCH_DAYS) + timedelta(minutes=1)
    if end <= start:
        raise SourceError(f"X recent search for listing {listing_date}: not announced yet (at {announced:%Y-%m-%d %H:%M} UTC)")
    if end <= oldest:
        raise SourceError(
            f"X recent search for listing {listing_date}: its window ended {end:%Y-%m-%d %H:%M} UTC, "
            f"older than the API's {RECENT_SEARCH_DAYS}-day limit; the previous snapshot is kept"
        )
    return max(start, oldest), end

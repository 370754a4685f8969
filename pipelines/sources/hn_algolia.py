"""Hacker News stories linking to arXiv, from the Algolia HN Search API, as engagement snapshots.

``GET {HN_API_URL}/search_by_date?query=arxiv.org&restrictSearchableAttributes=url&tags=story
&numericFilters=created_at_i>=S,created_at_i<E&hitsPerPage=100&page=N`` (no key) answers
``{"hits": [{"objectID", "title", "url", "author", "points", "num_comments", "created_at_i"}, ...],
"page", "nbPages", "nbHits", "hitsPerPage"}``, pages numbered from 0. The query matches text in the
URL, so a story counts only when its URL is itself an arxiv.org paper page (``ids_from_url``).

A story's points are attributed to the account that submitted it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterator

import pyarrow as pa
import requests

from pipelines.arxiv_ids import ids_from_url
from pipelines.sources.http import ApiSession, RequestStats, SourceError, one_line
from pipelines.sources.json_api import HeaderRetry, count, get_json, paced_session, parse_time
from pipelines.sources.text import clean_text

SOURCE = "Hacker News search"
PAGE_SIZE = 100
MAX_PAGES = 10  # Algolia serves at most the first 1,000 hits of a query
MIN_INTERVAL_SECONDS = 0.5  # the API allows 10,000 requests an hour per IP: one every 0.36 s

STORIES_SCHEMA = pa.schema(
    [
        ("listing_date", pa.date32()),
        ("story_id", pa.string()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("author", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("cited_arxiv_ids", pa.list_(pa.string())),
        ("points", pa.int64()),
        ("comment_count", pa.int64()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class AlgoliaRetry(HeaderRetry):
    """Algolia sends no reset header with a 429: the exponential backoff (and Retry-After, if any) rules."""


def search_params(start: datetime, end: datetime, page: int) -> dict[str, str]:
    return {
        "query": "arxiv.org",
        "restrictSearchableAttributes": "url",
        "tags": "story",
        "numericFilters": f"created_at_i>={int(start.timestamp())},created_at_i<{int(end.timestamp())}",
        "hitsPerPage": str(PAGE_SIZE),
        "page": str(page),
    }


def iter_pages(session: ApiSession, api_url: str, start: datetime, end: datetime) -> Iterator[tuple[dict, datetime]]:
    """Yield (page body, snapshot time) for every page, up to ``nbPages``."""
    url = api_url.rstrip("/") + "/search_by_date"
    for page in range(MAX_PAGES):
        body, fetched_at = get_json(session, url, dict, params=search_params(start, end, page))
        if not isinstance(body.get("hits"), list):
            raise ValueError(f"page {page} has no hits array")
        session.stats.add(pages=1)
        yield body, fetched_at
        if not body["hits"] or page + 1 >= count(body.get("nbPages")):
            return


def story_row(hit: Any, fetched_at: datetime, listing_date: date) -> dict | None:
    """One row, or None when the story's URL is not an arXiv paper; a malformed hit raises ValueError."""
    if not isinstance(hit, dict) or not hit.get("objectID"):
        raise ValueError("a hit has no objectID")
    url = clean_text(hit.get("url"))
    cited = ids_from_url(url) if url else []
    if not cited:
        return None
    return {
        "listing_date": listing_date,
        "story_id": clean_text(hit["objectID"]),
        "title": clean_text(hit.get("title")),
        "url": url,
        "author": clean_text(hit.get("author")),
        "created_at": parse_time(hit.get("created_at_i")) or parse_time(hit.get("created_at")),
        "cited_arxiv_ids": cited,
        "points": count(hit.get("points")),
        "comment_count": count(hit.get("num_comments")),
        "fetched_at": fetched_at,
    }


def fetch_stories(
    listing_date: date,
    *,
    api_url: str,
    start: datetime,
    end: datetime,
    min_interval: float = MIN_INTERVAL_SECONDS,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> tuple[pa.Table, int]:
    """Stories linking an arXiv paper submitted in [start, end); also how many hits linked elsewhere."""
    stats = stats or RequestStats()
    session = paced_session(AlgoliaRetry, min_interval=min_interval, timeout=timeout, retries=retries, stats=stats)
    rows: dict[str, dict] = {}
    elsewhere = 0
    try:
        for body, fetched_at in iter_pages(session, api_url, start, end):
            for hit in body["hits"]:
                row = story_row(hit, fetched_at, listing_date)
                if row is None:
                    elsewhere += 1
                else:
                    rows[row["story_id"]] = row  # repeated across pages: keep the newest copy
    except (requests.RequestException, ValueError) as exc:
        raise SourceError(
            f"{SOURCE} for listing {listing_date}: {one_line(exc)} "
            f"(after {stats.requests} requests, {stats.retries} retries, to {api_url})"
        ) from None
    finally:
        session.close()
    ordered = sorted(rows.values(), key=lambda r: r["story_id"])
    return pa.Table.from_pylist(ordered, schema=STORIES_SCHEMA), elsewhere

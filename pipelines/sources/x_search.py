"""Tweets linking to arXiv, from the X API v2 recent search, as engagement snapshots.

Each page's metrics are a snapshot taken when the server answered (its ``Date`` header).
Retweets are dropped: their public metrics mirror the original's and would count it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pyarrow as pa
import requests

from pipelines.arxiv_ids import extract_arxiv_ids
from pipelines.sources.http import ApiSession, RequestStats, SourceError, one_line

SEARCH_QUERY = '(url:"arxiv.org" OR arxiv) -is:retweet'
PAGE_SIZE = 100
MAX_PAGES = 10_000
RECENT_SEARCH_DAYS = 7

TWEETS_SCHEMA = pa.schema(
    [
        ("listing_date", pa.date32()),
        ("tweet_id", pa.string()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("author_handle", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("expanded_urls", pa.list_(pa.string())),
        ("cited_arxiv_ids", pa.list_(pa.string())),
        ("retweet_count", pa.int64()),
        ("like_count", pa.int64()),
        ("reply_count", pa.int64()),
        ("quote_count", pa.int64()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


def search_params(start: datetime, end: datetime, next_token: str | None = None) -> dict[str, str]:
    params = {
        "query": SEARCH_QUERY,
        "start_time": _iso(start),
        "end_time": _iso(end),
        "max_results": str(PAGE_SIZE),
        "tweet.fields": "created_at,public_metrics,entities,referenced_tweets,lang,author_id",
        "expansions": "author_id",
        "user.fields": "name,username",
    }
    if next_token:
        params["next_token"] = next_token
    return params


def search_window(announced_at: datetime, window_days: float, now: datetime) -> tuple[datetime, datetime]:
    """From the listing's announcement until now, capped at ``window_days``.

    The API wants ``end_time`` at least 10 s in the past and serves only the last 7 days.
    """
    end = min(now - timedelta(seconds=15), announced_at + timedelta(days=window_days))
    return announced_at, end


def iter_pages(
    session: ApiSession, api_url: str, token: str, start: datetime, end: datetime
) -> Iterator[tuple[dict[str, Any], datetime]]:
    """Yield (page body, snapshot time) for every page, following ``next_token``."""
    url = api_url.rstrip("/") + "/tweets/search/recent"
    headers = {"Authorization": f"Bearer {token}"}
    next_token: str | None = None
    seen_tokens: set[str] = set()
    for _ in range(MAX_PAGES):
        response = session.get(url, params=search_params(start, end, next_token), headers=headers)
        if response.status_code != 200:
            raise _http_error(response)
        try:
            body = response.json()
        except ValueError:
            raise ValueError("response is not JSON") from None
        if not isinstance(body, dict):
            raise ValueError("response is not a JSON object")
        session.stats.add(pages=1)
        yield body, session.last_server_time or datetime.now(timezone.utc)
        next_token = (body.get("meta") or {}).get("next_token")
        if not next_token or next_token in seen_tokens:
            return
        seen_tokens.add(next_token)


def parse_page(body: dict[str, Any], fetched_at: datetime, listing_date) -> tuple[list[dict], int]:
    """Rows for the original tweets of one page, and how many retweets were dropped."""
    users = {u.get("id"): u for u in (body.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
    rows: list[dict] = []
    retweets = 0
    for tweet in body.get("data") or []:
        if not isinstance(tweet, dict) or not tweet.get("id"):
            continue
        if any(ref.get("type") == "retweeted" for ref in tweet.get("referenced_tweets") or []):
            retweets += 1
            continue
        rows.append(tweet_row(tweet, users.get(tweet.get("author_id"), {}), fetched_at, listing_date))
    return rows, retweets


def tweet_row(tweet: dict, user: dict, fetched_at: datetime, listing_date) -> dict:
    metrics = tweet.get("public_metrics") or {}
    urls = [
        u.get("expanded_url") or u.get("url")
        for u in ((tweet.get("entities") or {}).get("urls") or [])
        if isinstance(u, dict) and (u.get("expanded_url") or u.get("url"))
    ]
    text = str(tweet.get("text") or "")
    return {
        "listing_date": listing_date,
        "tweet_id": str(tweet["id"]),
        "author_id": str(tweet.get("author_id") or ""),
        "author_name": str(user.get("name") or ""),
        "author_handle": str(user.get("username") or ""),
        "created_at": _parse_time(tweet.get("created_at")),
        "text": text,
        "lang": tweet.get("lang"),
        "expanded_urls": urls,
        "cited_arxiv_ids": extract_arxiv_ids(urls, text),
        "retweet_count": _count(metrics.get("retweet_count")),
        "like_count": _count(metrics.get("like_count")),
        "reply_count": _count(metrics.get("reply_count")),
        "quote_count": _count(metrics.get("quote_count")),
        "fetched_at": fetched_at,
    }


def fetch_tweets(
    listing_date,
    *,
    api_url: str,
    token: str,
    start: datetime,
    end: datetime,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> tuple[pa.Table, int]:
    """All original tweets citing arXiv in [start, end); returns the table and the retweets dropped."""
    stats = stats or RequestStats()
    session = ApiSession(min_interval=0.0, timeout=timeout, retries=retries, stats=stats)
    rows: dict[str, dict] = {}
    retweets = 0
    try:
        for body, fetched_at in iter_pages(session, api_url, token, start, end):
            page_rows, page_retweets = parse_page(body, fetched_at, listing_date)
            retweets += page_retweets
            for row in page_rows:
                rows[row["tweet_id"]] = row  # a tweet repeated across pages: keep the newest copy
    except (requests.RequestException, ValueError) as exc:
        raise SourceError(
            f"X recent search for listing {listing_date}: gave up after {stats.requests} requests "
            f"({stats.retries} retries) to {api_url}: {one_line(exc)}"
        ) from None
    finally:
        session.close()
    ordered = sorted(rows.values(), key=lambda r: r["tweet_id"])
    return pa.Table.from_pylist(ordered, schema=TWEETS_SCHEMA), retweets


def _http_error(response: requests.Response) -> requests.HTTPError:
    detail = ""
    try:
        body = response.json()
        detail = body.get("title") or body.get("detail") or ""
    except ValueError:
        pass
    return requests.HTTPError(f"HTTP {response.status_code} {detail}".strip())


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def _count(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


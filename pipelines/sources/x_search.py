"""Tweets linking to arXiv, from the X API v2 recent search, as engagement snapshots.

Each page's metrics are a snapshot taken when the server answered (its ``Date`` header).
Retweets are dropped: their public metrics mirror the original's and would count it twice.
Pages are read defensively: whatever shape a field arrives in, a page gives rows (tweets without a
numeric id are skipped) or a ``BadResponse``, never another exception.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pyarrow as pa
import requests

from pipelines.arxiv_ids import extract_arxiv_ids
from pipelines.sources.http import ApiSession, BadResponse, RequestStats, SourceError, request_failure
from pipelines.sources.json_api import as_dict, as_list
from pipelines.sources.text import clean_text

SEARCH_QUERY = '(url:"arxiv.org" OR arxiv) -is:retweet'
PAGE_SIZE = 100
MAX_PAGES = 10_000
RECENT_SEARCH_DAYS = 7
INT64_MAX = 2**63 - 1
_TWEET_ID = re.compile(r"[1-9][0-9]{0,19}")  # X ids are positive 64-bit integers, sent as strings

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
        body = session.fetch(url, read_page, params=search_params(start, end, next_token), headers=headers)
        session.stats.add(pages=1)
        yield body, session.last_server_time or datetime.now(timezone.utc)
        next_token = as_dict(body.get("meta")).get("next_token")
        if not isinstance(next_token, str) or not next_token or next_token in seen_tokens:
            return
        seen_tokens.add(next_token)


def read_page(response: requests.Response) -> dict[str, Any]:
    """The JSON object of one response; a body that is not one is a ``BadResponse`` (retried)."""
    if response.status_code != 200:
        raise _http_error(response)
    try:
        body = response.json()
    except ValueError:
        raise BadResponse("response is not JSON") from None
    if not isinstance(body, dict):
        raise BadResponse("response is not a JSON object")
    return body


def parse_page(body: dict[str, Any], fetched_at: datetime, listing_date) -> tuple[list[dict], int]:
    """Rows for the original tweets of one page, and how many retweets were dropped."""
    users: dict[str, dict] = {}
    for user in as_list(as_dict(body.get("includes")).get("users")):
        if isinstance(user, dict) and isinstance(user.get("id"), (str, int)):
            users[str(user["id"])] = user
    rows: list[dict] = []
    retweets = 0
    for tweet in as_list(body.get("data")):
        if not isinstance(tweet, dict) or not _TWEET_ID.fullmatch(str(tweet.get("id"))):
            continue
        refs = as_list(tweet.get("referenced_tweets"))
        if any(isinstance(ref, dict) and ref.get("type") == "retweeted" for ref in refs):
            retweets += 1
            continue
        author_id = tweet.get("author_id")
        user = users.get(str(author_id), {}) if isinstance(author_id, (str, int)) else {}
        rows.append(tweet_row(tweet, user, fetched_at, listing_date))
    return rows, retweets


def tweet_row(tweet: dict, user: dict, fetched_at: datetime, listing_date) -> dict:
    metrics = as_dict(tweet.get("public_metrics"))
    urls = [
        clean_text(u.get("expanded_url") or u.get("url"))
        for u in as_list(as_dict(tweet.get("entities")).get("urls"))
        if isinstance(u, dict) and isinstance(u.get("expanded_url") or u.get("url"), str)
    ]
    text = clean_text(tweet.get("text"), keep_lines=True)
    return {
        "listing_date": listing_date,
        "tweet_id": str(tweet["id"]),
        "author_id": clean_text(tweet.get("author_id")),
        "author_name": clean_text(user.get("name")),
        "author_handle": clean_text(user.get("username")),
        "created_at": _parse_time(tweet.get("created_at")),
        "text": text,
        "lang": clean_text(tweet.get("lang")) or None,
        "expanded_urls": urls,
        "cited_arxiv_ids": extract_arxiv_ids(urls, text),
        "retweet_count": _count(metrics.get("retweet_count")),
        "like_count": _count(metrics.get("like_count")),
        "reply_count": _count(metrics.get("reply_count")),
        "quote_count": _count(metrics.get("quote_count")),
        "fetched_at": fetched_at,
    }


def tweets_table(rows: list[dict]) -> pa.Table:
    """The raw tweets table: one row per tweet id (the newest copy when a page repeated it), by id."""
    newest = {row["tweet_id"]: row for row in rows}
    return pa.Table.from_pylist(sorted(newest.values(), key=lambda r: r["tweet_id"]), schema=TWEETS_SCHEMA)


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
    rows: list[dict] = []
    retweets = 0
    try:
        for body, fetched_at in iter_pages(session, api_url, token, start, end):
            page_rows, page_retweets = parse_page(body, fetched_at, listing_date)
            retweets += page_retweets
            rows.extend(page_rows)
    except (requests.RequestException, BadResponse) as exc:
        reason = request_failure(exc)
        if len(token) >= 8:  # a real token; a short test value would blank out ordinary words
            reason = reason.replace(token, "[redacted]")
        raise SourceError(
            f"X recent search for listing {listing_date}: gave up after {stats.tried()} to {api_url}: {reason}"
        ) from None
    finally:
        session.close()
    return tweets_table(rows), retweets


def _http_error(response: requests.Response) -> requests.HTTPError:
    """``HTTP <status> <title>``, with the title of an API error body when there is one."""
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = next((v for v in (body.get("title"), body.get("detail")) if isinstance(v, str) and v), "")
    return requests.HTTPError(" ".join(f"HTTP {response.status_code} {clean_text(detail)[:200]}".split()))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as UTC (a time without zone is taken as UTC); None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _count(value: Any) -> int:
    """A metric as a non-negative int64; anything else (text, null, inf, a list) counts 0."""
    if isinstance(value, bool):
        return 0
    try:
        return min(max(int(value), 0), INT64_MAX)
    except (TypeError, ValueError, OverflowError):
        return 0

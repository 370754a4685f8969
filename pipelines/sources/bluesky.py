"""Bluesky posts linking to arXiv, from ``app.bsky.feed.searchPosts``, as engagement snapshots.

Search needs a session (unauthenticated search is disabled): ``POST {BSKY_API_URL}/com.atproto.server.
createSession`` with the handle and an app password answers an ``accessJwt``, sent as a Bearer token to
``GET {BSKY_API_URL}/app.bsky.feed.searchPosts?q=arxiv&domain=arxiv.org&since=…&until=…&sort=latest
&limit=100&cursor=…``, which answers ``{"posts": [PostView, ...], "cursor"}``.

Reposts are not posts: search returns ``app.bsky.feed.post`` records only (a quote post is a post of its
own), and a repost exists only as the ``repostCount`` of the post it reposts; any other record type is
dropped. The password is sent once, to log in; it and the tokens stay in memory, never in a row,
a message or a log line.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import Any, Iterator, Mapping

import pyarrow as pa
import requests

from pipelines.arxiv_ids import extract_arxiv_ids
from pipelines.sources.http import ApiSession, RequestStats, SourceError, one_line
from pipelines.sources.json_api import HeaderRetry, as_list, count, get_json, http_error, iso_z, paced_session, parse_time
from pipelines.sources.text import clean_text

SOURCE = "Bluesky search"
SEARCH_QUERY = "arxiv"
DOMAIN = "arxiv.org"
PAGE_SIZE = 100
MAX_PAGES = 100
MIN_INTERVAL_SECONDS = 0.5  # the service allows 3,000 requests per 5 minutes per IP: one every 0.1 s
POST_TYPE = "app.bsky.feed.post"
LINK_FACET = "app.bsky.richtext.facet#link"

POSTS_SCHEMA = pa.schema(
    [
        ("listing_date", pa.date32()),
        ("uri", pa.string()),
        ("cid", pa.string()),
        ("author_did", pa.string()),
        ("author_handle", pa.string()),
        ("author_name", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("linked_urls", pa.list_(pa.string())),
        ("cited_arxiv_ids", pa.list_(pa.string())),
        ("like_count", pa.int64()),
        ("repost_count", pa.int64()),
        ("quote_count", pa.int64()),
        ("reply_count", pa.int64()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class BlueskyRetry(HeaderRetry):
    """Bluesky's 429s carry ``RateLimit-Reset``: the Unix time the window resets."""

    def reset_seconds(self, headers: Mapping[str, str]) -> float | None:
        reset = headers.get("RateLimit-Reset")
        return float(reset) - time.time() if reset else None


def create_session(session: ApiSession, api_url: str, handle: str, password: str) -> str:
    """Log in once and return the access token. Never retried: logins are limited to 30 per 5 minutes."""
    session.stats.add(requests=1)
    response = session.post(
        api_url.rstrip("/") + "/com.atproto.server.createSession",
        json={"identifier": handle, "password": password},
    )
    if response.status_code != 200:
        error = http_error(response)
        hint = " (check BSKY_HANDLE and BSKY_APP_PASSWORD)" if response.status_code in (400, 401) else ""
        reset = response.headers.get("RateLimit-Reset") if response.status_code == 429 else None
        if reset and reset.isdigit():
            hint = f" (logins are limited; try again after {datetime.fromtimestamp(int(reset), timezone.utc):%Y-%m-%d %H:%M} UTC)"
        raise requests.HTTPError(f"login as {handle} refused: {error}{hint}")
    try:
        token = response.json().get("accessJwt")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise ValueError(f"login as {handle}: the answer has no accessJwt")
    return token


def search_params(start: datetime, end: datetime, cursor: str | None) -> dict[str, str]:
    params = {
        "q": SEARCH_QUERY,
        "domain": DOMAIN,
        "since": iso_z(start),
        "until": iso_z(end),
        "sort": "latest",
        "limit": str(PAGE_SIZE),
    }
    if cursor:
        params["cursor"] = cursor
    return params


def iter_pages(
    session: ApiSession, api_url: str, token: str, start: datetime, end: datetime
) -> Iterator[tuple[dict, datetime]]:
    """Yield (page body, snapshot time) for every page, following ``cursor``."""
    url = api_url.rstrip("/") + "/app.bsky.feed.searchPosts"
    headers = {"Authorization": f"Bearer {token}"}
    cursor: str | None = None
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        body, fetched_at = get_json(session, url, dict, params=search_params(start, end, cursor), headers=headers)
        if not isinstance(body.get("posts"), list):
            raise ValueError(f"page {page} has no posts array")
        session.stats.add(pages=1)
        yield body, fetched_at
        cursor = body.get("cursor")
        if not body["posts"] or not isinstance(cursor, str) or not cursor or cursor in seen:
            return
        seen.add(cursor)


def linked_urls(record: dict) -> list[str]:
    """Every URL the post links: its link facets, then its link card (also inside a record-with-media embed)."""
    urls = []
    for facet in as_list(record.get("facets")):
        for feature in as_list(facet.get("features") if isinstance(facet, dict) else None):
            if isinstance(feature, dict) and feature.get("$type") == LINK_FACET and feature.get("uri"):
                urls.append(clean_text(feature["uri"]))
    embed = record.get("embed") if isinstance(record.get("embed"), dict) else {}
    for holder in (embed, embed.get("media") if isinstance(embed.get("media"), dict) else {}):
        external = holder.get("external")
        if isinstance(external, dict) and external.get("uri"):
            urls.append(clean_text(external["uri"]))
    return list(dict.fromkeys(urls))


def post_row(post: Any, fetched_at: datetime, listing_date: date) -> dict | None:
    """One row, or None when the record is not a post; a malformed post raises ValueError."""
    if not isinstance(post, dict) or not post.get("uri") or not isinstance(post.get("record"), dict):
        raise ValueError("a post has no uri or record")
    record = post["record"]
    if record.get("$type", POST_TYPE) != POST_TYPE:
        return None
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    text = clean_text(record.get("text"), keep_lines=True)
    urls = linked_urls(record)
    langs = record.get("langs") or []
    return {
        "listing_date": listing_date,
        "uri": clean_text(post["uri"]),
        "cid": clean_text(post.get("cid")),
        "author_did": clean_text(author.get("did")),
        "author_handle": clean_text(author.get("handle")),
        "author_name": clean_text(author.get("displayName")),
        "created_at": parse_time(record.get("createdAt")),
        "text": text,
        "lang": clean_text(langs[0]) or None if isinstance(langs, list) and langs else None,
        "linked_urls": urls,
        "cited_arxiv_ids": extract_arxiv_ids(urls, text),
        "like_count": count(post.get("likeCount")),
        "repost_count": count(post.get("repostCount")),
        "quote_count": count(post.get("quoteCount")),
        "reply_count": count(post.get("replyCount")),
        "fetched_at": fetched_at,
    }


def fetch_posts(
    listing_date: date,
    *,
    api_url: str,
    handle: str,
    password: str,
    start: datetime,
    end: datetime,
    min_interval: float = MIN_INTERVAL_SECONDS,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> tuple[pa.Table, int]:
    """Posts linking arXiv made in [start, end); also how many records were not posts (e.g. reposts)."""
    stats = stats or RequestStats()
    session = paced_session(BlueskyRetry, min_interval=min_interval, timeout=timeout, retries=retries, stats=stats)
    rows: dict[str, dict] = {}
    not_posts = 0
    try:
        token = create_session(session, api_url, handle, password)
        for body, fetched_at in iter_pages(session, api_url, token, start, end):
            for post in body["posts"]:
                row = post_row(post, fetched_at, listing_date)
                if row is None:
                    not_posts += 1
                elif row["cited_arxiv_ids"]:
                    rows[row["uri"]] = row  # repeated across pages: keep the newest copy
    except (requests.RequestException, ValueError) as exc:
        message = one_line(exc).replace(password, "***") if password else one_line(exc)
        raise SourceError(
            f"{SOURCE} for listing {listing_date}: {message} "
            f"(after {stats.requests} requests, {stats.retries} retries, to {api_url})"
        ) from None
    finally:
        session.close()
    ordered = sorted(rows.values(), key=lambda r: r["uri"])
    return pa.Table.from_pylist(ordered, schema=POSTS_SCHEMA), not_posts

"""Hugging Face Daily Papers: the papers featured on one day, with their upvotes and comment counts.

``GET {HF_API_URL}/daily_papers?date=YYYY-MM-DD&limit=100&p=N`` (no key) answers a JSON array of
``{"paper": {"id", "upvotes", "submittedOnDailyBy", ...}, "numComments", "submittedBy", ...}``. Pages are
numbered from 0; a page shorter than ``limit`` is the last. The counts are a snapshot taken when the
server answered (its ``Date`` header).

A paper's upvotes are attributed to the account that submitted it to Daily Papers: that is the
"account" the ignore list and the per-account cap of the score apply to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterator, Mapping

import pyarrow as pa
import requests

from pipelines.arxiv_ids import ids_from_url
from pipelines.sources.http import ApiSession, RequestStats, SourceError, one_line
from pipelines.sources.json_api import HeaderRetry, count, get_json, paced_session, parse_time
from pipelines.sources.text import clean_text

SOURCE = "Hugging Face Daily Papers"
PAGE_SIZE = 100
MAX_PAGES = 50
MIN_INTERVAL_SECONDS = 1.0  # one or two pages a date: stay far below the Hub's per-IP limits

PAPERS_SCHEMA = pa.schema(
    [
        ("listing_date", pa.date32()),
        ("arxiv_id", pa.string()),
        ("daily_date", pa.date32()),
        ("title", pa.string()),
        ("upvotes", pa.int64()),
        ("comment_count", pa.int64()),
        ("submitted_by", pa.string()),
        ("submitted_by_name", pa.string()),
        ("submitted_at", pa.timestamp("us", tz="UTC")),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class HubRetry(HeaderRetry):
    """The Hub's 429s carry ``RateLimit: "api";r=0;t=<seconds until reset>`` (IETF draft syntax)."""

    def reset_seconds(self, headers: Mapping[str, str]) -> float | None:
        for part in (headers.get("RateLimit") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "t" and value:
                return float(value)
        return None


def iter_pages(session: ApiSession, api_url: str, day: date) -> Iterator[tuple[list, datetime]]:
    """Yield (items, snapshot time) per page of one day, until a short page."""
    url = api_url.rstrip("/") + "/daily_papers"
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        params = {"date": day.isoformat(), "limit": str(PAGE_SIZE), "p": str(page)}
        body, fetched_at = get_json(session, url, list, params=params)
        session.stats.add(pages=1)
        yield body, fetched_at
        ids = {str(_paper(item).get("id")) for item in body}
        if len(body) < PAGE_SIZE or ids <= seen:  # the last page, or a server ignoring ``p``
            return
        seen |= ids


def paper_row(item: Any, fetched_at: datetime, listing_date: date, day: date) -> dict | None:
    """One row, or None when the paper is not an arXiv paper; a malformed item raises ValueError."""
    paper = _paper(item)
    if not paper.get("id"):
        raise ValueError("an item has no paper.id")
    found = ids_from_url(f"https://arxiv.org/abs/{clean_text(paper['id'])}")
    if not found:
        return None
    by = paper.get("submittedOnDailyBy") or item.get("submittedBy") or {}
    by = by if isinstance(by, dict) else {}
    return {
        "listing_date": listing_date,
        "arxiv_id": found[0],
        "daily_date": day,
        "title": clean_text(paper.get("title") or item.get("title")),
        "upvotes": count(paper.get("upvotes", item.get("upvotes"))),
        "comment_count": count(item.get("numComments", paper.get("numComments"))),
        "submitted_by": clean_text(by.get("user") or by.get("name")),
        "submitted_by_name": clean_text(by.get("fullname")),
        "submitted_at": parse_time(paper.get("submittedOnDailyAt")),
        "fetched_at": fetched_at,
    }


def fetch_daily_papers(
    listing_date: date,
    *,
    api_url: str,
    day: date | None = None,
    min_interval: float = MIN_INTERVAL_SECONDS,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> tuple[pa.Table, int]:
    """The arXiv papers on Daily Papers of ``day`` (default: the listing date); also how many were not arXiv."""
    day = day or listing_date
    stats = stats or RequestStats()
    session = paced_session(HubRetry, min_interval=min_interval, timeout=timeout, retries=retries, stats=stats)
    rows: dict[str, dict] = {}
    not_arxiv = 0
    try:
        for items, fetched_at in iter_pages(session, api_url, day):
            for item in items:
                row = paper_row(item, fetched_at, listing_date, day)
                if row is None:
                    not_arxiv += 1
                else:
                    rows[row["arxiv_id"]] = row
    except (requests.RequestException, ValueError) as exc:
        raise SourceError(
            f"{SOURCE} of {day} for listing {listing_date}: {one_line(exc)} "
            f"(after {stats.requests} requests, {stats.retries} retries, to {api_url})"
        ) from None
    finally:
        session.close()
    ordered = sorted(rows.values(), key=lambda r: r["arxiv_id"])
    return pa.Table.from_pylist(ordered, schema=PAPERS_SCHEMA), not_arxiv


def _paper(item: Any) -> dict:
    paper = item.get("paper") if isinstance(item, dict) else None
    return paper if isinstance(paper, dict) else {}

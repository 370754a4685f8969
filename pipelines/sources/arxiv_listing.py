"""arXiv listings through the `arxiv` package: the papers announced on one listing date.

The `arxiv` Client keeps the *policy* (page size, empty-page retries); our ApiSession underneath it
adds request spacing, timeouts and backoff, which the package lacks.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import arxiv
import pyarrow as pa
import requests

from pipelines.calendar import submission_window
from pipelines.categories import category_matches, expand_categories
from pipelines.sources.http import ApiSession, RequestStats, SourceError, one_line

PAPERS_SCHEMA = pa.schema(
    [
        ("listing_date", pa.date32()),
        ("arxiv_id", pa.string()),
        ("version", pa.int32()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("abstract", pa.string()),
        ("primary_category", pa.string()),
        ("categories", pa.list_(pa.string())),
        ("published", pa.timestamp("us", tz="UTC")),
        ("updated", pa.timestamp("us", tz="UTC")),
        ("comment", pa.string()),
        ("journal_ref", pa.string()),
        ("doi", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)

_ENTRY_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")


def listing_query(categories: tuple[str, ...], start: datetime, end: datetime) -> str:
    """One query for all categories: ``(cat:a OR cat:b) AND submittedDate:[start TO end]``.

    arXiv's ``submittedDate`` is inclusive and to the minute (UTC), so the exclusive end
    becomes the minute before it.
    """
    cats = " OR ".join(f"cat:{c}" for c in expand_categories(categories))
    last = end - timedelta(minutes=1)
    return f"({cats}) AND submittedDate:[{start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"


def make_client(api_url: str, session: ApiSession, page_size: int) -> arxiv.Client:
    """An arxiv Client on our session; pacing is the session's job, so the Client's own delay is 0."""
    client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=3)
    client.query_url_format = api_url + "?{}"
    client._session = session  # the package exposes no other way to set timeouts and backoff
    return client


def fetch_listing(
    listing_date: date,
    *,
    api_url: str,
    categories: tuple[str, ...],
    holidays: frozenset[date],
    delay_seconds: float,
    page_size: int,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> pa.Table:
    """Fetch every v1 submission of the listing's window in the configured categories."""
    start, end = submission_window(listing_date, holidays)
    stats = stats or RequestStats()
    session = ApiSession(min_interval=delay_seconds, timeout=timeout, retries=retries, stats=stats)
    client = make_client(api_url, session, page_size)
    search = arxiv.Search(
        query=listing_query(categories, start, end),
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )
    try:
        results = list(client.results(search))
    except (arxiv.ArxivError, requests.RequestException) as exc:
        raise SourceError(
            f"arXiv listing {listing_date}: gave up after {stats.requests} requests "
            f"({stats.retries} retries) to {api_url}: {one_line(exc)}"
        ) from None
    finally:
        stats.pages = stats.requests
        session.close()
    fetched_at = session.last_server_time or datetime.now(timezone.utc)
    rows = [
        row
        for row in (paper_row(r, listing_date, fetched_at) for r in results)
        if start <= row["published"] < end and any(category_matches(c, categories) for c in row["categories"])
    ]
    return papers_table(rows)


def paper_row(result: arxiv.Result, listing_date: date, fetched_at: datetime) -> dict:
    """One raw row from an arxiv Result: id without version, whitespace of the Atom text collapsed."""
    match = _ENTRY_ID.search(result.entry_id)
    arxiv_id = match.group("id") if match else result.get_short_id()
    version = int(match.group("version")) if match and match.group("version") else 1
    return {
        "listing_date": listing_date,
        "arxiv_id": arxiv_id,
        "version": version,
        "title": _squash(result.title),
        "authors": [_squash(a.name) for a in result.authors],
        "abstract": _squash(result.summary),
        "primary_category": result.primary_category,
        "categories": list(dict.fromkeys(result.categories)),
        "published": result.published,
        "updated": result.updated,
        "comment": _squash(result.comment) if result.comment else None,
        "journal_ref": _squash(result.journal_ref) if result.journal_ref else None,
        "doi": result.doi or None,
        "fetched_at": fetched_at,
    }


def papers_table(rows: list[dict]) -> pa.Table:
    rows = sorted(rows, key=lambda r: r["arxiv_id"])
    return pa.Table.from_pylist(rows, schema=PAPERS_SCHEMA)


def _squash(text: str) -> str:
    return " ".join(text.split())


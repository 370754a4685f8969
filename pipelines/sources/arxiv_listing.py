"""arXiv listings through the `arxiv` package: the papers announced on one listing date.

The package's Client keeps the *question* (``Search``) and the *answer* (``Result``, its Atom
parser); ``ArxivClient`` replaces its request and paging policy, which does not hold up against the
real API:

* every request goes through our ApiSession (spacing, timeouts, backoff, ``Retry-After``), which is
  the only retry layer: the package's own retries (``num_retries``) would multiply its budget;
* our User-Agent is sent (the package overrides the session's with its own);
* a page cut off mid-body, not well-formed, or empty although results remain (a known arXiv
  quirk) is retried, never taken as the end of the listing;
* every page must agree on ``totalResults`` and exactly that many entries must arrive; otherwise
  the listing fails instead of being silently incomplete.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import arxiv
import pyarrow as pa
import requests
from arxiv import _feed  # the package's Atom parser (the Client's own, used the same way)
from lxml import etree

from pipelines.arxiv_ids import ids_from_url
from pipelines.calendar import submission_window
from pipelines.categories import category_matches, expand_categories
from pipelines.sources.http import ApiSession, BadResponse, RequestStats, SourceError, one_line, request_failure
from pipelines.sources.text import clean_text

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

# The package logs each entry it skips; we count them (entries_skipped) instead of printing them.
logging.getLogger("arxiv").addHandler(logging.NullHandler())

_VERSION = re.compile(r"v(\d+)$")
MAX_VERSION_DIGITS = 4  # v1 … v9999; anything else is not a version arXiv issues
_ATOM = "{http://www.w3.org/2005/Atom}"


def listing_query(categories: tuple[str, ...], start: datetime, end: datetime) -> str:
    """One query for all categories: ``(cat:a OR cat:b) AND submittedDate:[start TO end]``.

    arXiv's ``submittedDate`` is inclusive and to the minute (UTC), so the exclusive end
    becomes the minute before it.
    """
    cats = " OR ".join(f"cat:{c}" for c in expand_categories(categories))
    last = end - timedelta(minutes=1)
    return f"({cats}) AND submittedDate:[{start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"


@dataclass(frozen=True)
class Page:
    """One parsed API page, and how many ``<entry>`` elements it held (some may not parse)."""

    feed: _feed.ParsedFeed
    entries: int


def read_page(response: requests.Response, *, first_page: bool, trust_empty_first_page: bool = False) -> Page:
    """Parse one API response; refuse (``BadResponse``, retried) what cannot be the whole page.

    A later page without entries is always refused (we only ask for it while results remain); an
    empty first page is the answer when its ``totalResults`` is 0, or always when trusted.
    """
    if response.status_code != 200:
        raise arxiv.HTTPError(response.url, 0, response.status_code)
    content = response.content
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        cut = not content.rstrip().endswith(b"</feed>")
        raise BadResponse("response cut off mid-body" if cut else f"response is not well-formed XML ({one_line(exc)})") from None
    if root is None or root.tag != f"{_ATOM}feed":
        raise BadResponse("response is not an Atom feed")
    try:
        feed = _feed.parse(content)
    except (ValueError, TypeError) as exc:  # e.g. a date that is not RFC 3339
        raise BadResponse(f"response has an unreadable entry ({one_line(exc)})") from None
    entries = len(root.findall(f"{_ATOM}entry"))
    header = feed.header
    if entries == 0 and (not first_page or (header.total_results > 0 and not trust_empty_first_page)):
        raise BadResponse(f"page at start={header.start_index} was empty although results remain")
    return Page(feed, entries)


class ArxivClient(arxiv.Client):
    """The `arxiv` package's Client with our request and paging policy (see the module docstring)."""

    trust_empty_first_page = False  # a lookup's empty answer is real; a listing's may be arXiv's glitch

    def __init__(self, api_url: str, session: ApiSession, page_size: int):
        super().__init__(page_size=page_size, delay_seconds=0, num_retries=0)
        self.query_url_format = api_url + "?{}"
        self._session = session

    @property
    def stats(self) -> RequestStats:
        return self._session.stats

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> _feed.ParsedFeed:
        return self._page(url, first_page).feed

    def _page(self, url: str, first_page: bool) -> Page:
        def check(response: requests.Response) -> Page:
            return read_page(response, first_page=first_page, trust_empty_first_page=self.trust_empty_first_page)

        try:
            page = self._session.fetch(url, check)
        except BadResponse as exc:
            raise arxiv.ArxivError(url, 0, str(exc)) from None
        self.stats.add(pages=1, entries_skipped=page.entries - len(page.feed.results))
        return page

    def _results(self, search: arxiv.Search, offset: int = 0) -> Iterator[arxiv.Result]:
        """Page on until ``totalResults`` entries arrived; pages that disagree on it are refused."""
        page = self._page(self._format_url(search, offset, self.page_size), first_page=True)
        total = page.feed.header.total_results
        received = 0
        seen: set[str] = set()
        while True:
            for result in page.feed.results:
                if result.entry_id in seen:
                    raise arxiv.ArxivError(search.query, 0, f"{result.entry_id} came twice: results shifted while paging")
                seen.add(result.entry_id)
                yield result
            received += page.entries
            if received >= total or page.entries == 0:
                break
            url = self._format_url(search, offset + received, self.page_size)
            page = self._page(url, first_page=False)
            if page.feed.header.total_results != total:
                raise arxiv.ArxivError(
                    url, 0, f"totalResults changed from {total} to {page.feed.header.total_results} while paging"
                )
        if received != total:
            raise arxiv.ArxivError(search.query, 0, f"the API announced {total} results but sent {received}")


def failure_reason(exc: BaseException) -> str:
    """Why an arXiv request failed, short: the package's messages repeat the ~2 KB query URL."""
    if isinstance(exc, arxiv.HTTPError):
        return f"HTTP {exc.status}"
    if isinstance(exc, arxiv.ArxivError):
        return " ".join(exc.message.split())
    return request_failure(exc)


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
    client = ArxivClient(api_url, session, page_size)
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
            f"arXiv listing {listing_date}: gave up after {stats.tried()} to {api_url}: {failure_reason(exc)}"
        ) from None
    finally:
        session.close()
    fetched_at = session.last_server_time or datetime.now(timezone.utc)
    rows = []
    for result in results:
        row = paper_row(result, listing_date, fetched_at)
        if row is None:
            stats.add(entries_skipped=1)
        elif start <= row["published"] < end and any(category_matches(c, categories) for c in row["categories"]):
            rows.append(row)
    return papers_table(rows)


def paper_row(result: arxiv.Result, listing_date: date, fetched_at: datetime) -> dict | None:
    """One raw row from an arxiv Result: id without version, text cleaned; None when it is no paper's id."""
    version = _VERSION.search(result.entry_id)
    ids = ids_from_url(result.entry_id[: version.start()] if version else result.entry_id)
    digits = version.group(1) if version else "1"
    if not ids or len(digits) > MAX_VERSION_DIGITS or int(digits) == 0:
        return None
    return {
        "listing_date": listing_date,
        "arxiv_id": ids[0],
        "version": int(digits),
        "title": clean_text(result.title),
        "authors": [clean_text(a.name) for a in result.authors],
        "abstract": clean_text(result.summary),
        "primary_category": clean_text(result.primary_category),
        "categories": list(dict.fromkeys(clean_text(c) for c in result.categories)),
        "published": result.published,
        "updated": result.updated,
        "comment": clean_text(result.comment) or None,
        "journal_ref": clean_text(result.journal_ref) or None,
        "doi": clean_text(result.doi) or None,
        "fetched_at": fetched_at,
    }


def papers_table(rows: list[dict]) -> pa.Table:
    """The raw papers table: one row per arXiv id (the newest version when an id came twice), by id."""
    newest: dict[str, dict] = {}
    for row in rows:
        if row["arxiv_id"] not in newest or row["version"] > newest[row["arxiv_id"]]["version"]:
            newest[row["arxiv_id"]] = row
    return pa.Table.from_pylist(sorted(newest.values(), key=lambda r: r["arxiv_id"]), schema=PAPERS_SCHEMA)

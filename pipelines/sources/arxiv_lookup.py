"""arXiv metadata for reading-list entries: papers by id (``id_list`` batches) and by title (``ti:``).

Same client as the listing (``arxiv_listing.ArxivClient``): the `arxiv` package's Client on our
ApiSession, which spaces every request by ARXIV_DELAY_SECONDS, sets timeouts and retries 5xx/429 and
cut-off bodies with backoff. Two differences, both about paging:

* a lookup is always answered by one page (≤ 100 ids, or a few title hits), so the Client asks for
  that page only. The package would otherwise page on whenever arXiv returns fewer entries than its
  ``totalResults`` — which happens when an id of the batch does not exist — into repeats or empty
  pages it retries (lukasschwab/arxiv.py#82);
* an empty first page is an answer (none of the ids exist), not arXiv's empty-page glitch. As in
  the listing, the session is the only retry layer, and a 400 for a malformed id would not improve.
  Only ids that ``pipelines.arxiv_ids`` accepts are ever sent.

``look_up`` turns a reading list's (arXiv id, title as written) pairs into the raw table
``arxiv_looked_up_papers``: one row per (id, written title) pair — the paper arXiv has for the id,
and how close its title is to the written one — and one row per written title that does not match
the paper its link resolves to (or has no arXiv link): the paper that title identifies, found among
the papers the lists already link (``answered_by = 'reading_list'``, no request) or by an arXiv title
search (``'title_search'``). Earlier answers can be passed in and are reused without a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import arxiv
import pyarrow as pa
import requests

from pipelines.reading_list import TITLE_MATCH_THRESHOLD, normalize_title, title_similarity
from pipelines.sources.arxiv_listing import ArxivClient, failure_reason, paper_row
from pipelines.sources.http import ApiSession, RequestStats, SourceError

LOOKUPS_TABLE, LOOKUPS_SOURCE = "arxiv_looked_up_papers", "raw_arxiv__looked_up_papers"
BATCH_SIZE = 100  # ids per request: longer id_lists hit HTTP 414
TITLE_SEARCH_RESULTS = 5

BY_ID, BY_TITLE = "id", "title"
ID_LIST, TITLE_SEARCH, READING_LIST = "id_list", "title_search", "reading_list"

LOOKUPS_SCHEMA = pa.schema(
    [
        ("looked_up_by", pa.string()),  # 'id' or 'title'
        ("query", pa.string()),  # the arXiv id asked for, or the title as written
        ("written_title", pa.string()),  # the entry title the similarity is measured against
        ("answered_by", pa.string()),  # 'id_list', 'title_search' or 'reading_list'
        ("arxiv_id", pa.string()),  # the paper found; null: arXiv has none
        ("version", pa.int32()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("primary_category", pa.string()),
        ("categories", pa.list_(pa.string())),
        ("published", pa.timestamp("us", tz="UTC")),
        ("updated", pa.timestamp("us", tz="UTC")),
        ("title_similarity", pa.float64()),
        ("title_matches", pa.bool_()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)
_PAPER_FIELDS = ("arxiv_id", "version", "title", "authors", "primary_category", "categories", "published", "updated")


@dataclass(frozen=True)
class Answer:
    """What arXiv answered for one id or title: a paper (its fields) or none, and when."""

    paper: dict[str, Any] | None
    fetched_at: datetime


class OnePageClient(ArxivClient):
    """An arxiv Client that fetches the first page of a search and stops (see the module docstring)."""

    trust_empty_first_page = True

    def _results(self, search: arxiv.Search, offset: int = 0) -> Iterator[arxiv.Result]:
        size = min(self.page_size, search.max_results or self.page_size)
        feed = self._parse_feed(self._format_url(search, offset, size), first_page=True)
        yield from feed.results


class ArxivLookup:
    """Asks arXiv for papers by id and by title through one paced session; close it when done."""

    def __init__(
        self, api_url: str, *, delay_seconds: float, timeout: float, retries: int, stats: RequestStats | None = None
    ):
        self.api_url = api_url
        self.stats = stats or RequestStats()
        self.session = ApiSession(min_interval=delay_seconds, timeout=timeout, retries=retries, stats=self.stats)
        self.client = OnePageClient(api_url, self.session, BATCH_SIZE)

    def __enter__(self) -> "ArxivLookup":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def by_ids(self, ids: Iterable[str]) -> dict[str, Answer]:
        """Every id's paper (None when arXiv has none), ≤ BATCH_SIZE ids a request."""
        wanted = list(dict.fromkeys(ids))
        answers: dict[str, Answer] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            results, fetched_at = self._fetch(search, f"lookup of {len(batch)} ids ({batch[0]} …)")
            papers = {row["arxiv_id"]: row for row in (_paper(r) for r in results) if row}
            for arxiv_id in batch:
                answers[arxiv_id] = Answer(papers.get(arxiv_id), fetched_at)
        return answers

    def by_title(self, title: str) -> Answer:
        """The search hit whose title matches ``title`` best (at the threshold or above), else none."""
        phrase = normalize_title(title)
        results, fetched_at = self._fetch(
            arxiv.Search(query=f'ti:"{phrase}"', max_results=TITLE_SEARCH_RESULTS), f"title search for {title!r}"
        )
        return Answer(best_match(title, (p for p in map(_paper, results) if p)), fetched_at)

    def _fetch(self, search: arxiv.Search, what: str) -> tuple[list[arxiv.Result], datetime]:
        try:
            results = list(self.client.results(search))
        except (arxiv.ArxivError, requests.RequestException) as exc:
            raise SourceError(f"arXiv {what} at {self.api_url} failed: {failure_reason(exc)}") from None
        return results, self.session.last_server_time or datetime.now(timezone.utc)


def best_match(title: str, papers: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The paper whose title is most similar to ``title``, if it matches; the first wins a tie."""
    best, best_score = None, TITLE_MATCH_THRESHOLD
    for paper in papers:
        score = title_similarity(title, paper["title"])
        if score >= best_score and (best is None or score > best_score):
            best, best_score = paper, score
    return best


def look_up(
    entries: Iterable[tuple[str | None, str]],
    lookup: ArxivLookup | None,
    previous: pa.Table | None = None,
) -> pa.Table:
    """The raw lookups table for these (arXiv id or None, title as written) pairs.

    ``previous`` (an earlier lookups table) answers what it already holds without a request; with
    ``lookup`` None nothing is requested at all, and pairs it cannot answer get no row ("not checked").
    """
    pairs = sorted(set(entries), key=lambda p: (p[0] or "", p[1]))
    id_answers, title_answers = cached_answers(previous)
    ids = [arxiv_id for arxiv_id in dict.fromkeys(p[0] for p in pairs) if arxiv_id]
    if lookup is not None and (unknown := [i for i in ids if i not in id_answers]):
        id_answers.update(lookup.by_ids(unknown))

    rows = []
    unmatched: list[str] = []
    for arxiv_id, title in pairs:
        answer = id_answers.get(arxiv_id) if arxiv_id else None
        if arxiv_id and answer is None:
            continue  # not looked up
        if answer is not None:
            rows.append(_row(BY_ID, arxiv_id, title, ID_LIST, answer))
            if answer.paper and rows[-1]["title_matches"]:
                continue
        unmatched.append(title)

    linked = [id_answers[i] for i in ids if i in id_answers and id_answers[i].paper]
    for title in dict.fromkeys(t for t in unmatched if normalize_title(t)):
        on_list = best_match(title, (a.paper for a in linked))
        if on_list is not None:
            answer = next(a for a in linked if a.paper is on_list)
            rows.append(_row(BY_TITLE, title, title, READING_LIST, answer))
            continue
        answer = title_answers.get(title)
        if answer is None and lookup is not None:
            answer = title_answers[title] = lookup.by_title(title)
        if answer is not None:
            rows.append(_row(BY_TITLE, title, title, TITLE_SEARCH, answer))
    rows.sort(key=lambda r: (r["looked_up_by"], r["query"], r["written_title"]))
    return pa.Table.from_pylist(rows, schema=LOOKUPS_SCHEMA)


def cached_answers(previous: pa.Table | None) -> tuple[dict[str, Answer], dict[str, Answer]]:
    """Answers an earlier lookups table holds: by id, and by title from arXiv title searches."""
    by_id: dict[str, Answer] = {}
    by_title: dict[str, Answer] = {}
    if previous is None:
        return by_id, by_title
    for row in previous.to_pylist():
        paper = {f: row[f] for f in _PAPER_FIELDS} if row["arxiv_id"] else None
        answer = Answer(paper, row["fetched_at"])
        if row["looked_up_by"] == BY_ID:
            by_id[row["query"]] = answer
        elif row["answered_by"] == TITLE_SEARCH:
            by_title[row["query"]] = answer
    return by_id, by_title


def _row(looked_up_by: str, query: str, written_title: str, answered_by: str, answer: Answer) -> dict[str, Any]:
    paper = answer.paper or {}
    similarity = title_similarity(written_title, paper["title"]) if paper else None
    return {
        "looked_up_by": looked_up_by,
        "query": query,
        "written_title": written_title,
        "answered_by": answered_by,
        **{f: paper.get(f) for f in _PAPER_FIELDS},
        "title_similarity": similarity,
        "title_matches": similarity is not None and similarity >= TITLE_MATCH_THRESHOLD,
        "fetched_at": answer.fetched_at,
    }


def _paper(result: arxiv.Result) -> dict[str, Any] | None:
    """The paper fields of a result; None for arXiv's error entries (``…/api/errors#…``)."""
    row = paper_row(result, listing_date=None, fetched_at=None)  # type: ignore[arg-type]
    return {f: row[f] for f in _PAPER_FIELDS} if row else None

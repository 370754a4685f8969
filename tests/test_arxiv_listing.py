"""fetch_listing through the real `arxiv` Client and our ApiSession, against a loopback arXiv API."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from pipelines.categories import expand_categories
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA, fetch_listing
from pipelines.sources.http import RequestStats, SourceError
from tests.loopback import ARXIV_PATH, FakeApi, arxiv_responder, error, http_date

CATEGORIES = ("cs.*", "stat.ML")
FRIDAY = date(2021, 6, 4)  # window [2021-06-02 18:00Z, 2021-06-03 18:00Z)
TOLERANCE = 0.01  # seconds of scheduling slack between client send and server arrival


def fetch(api: FakeApi, listing_date: date, **overrides):
    stats = overrides.pop("stats", None) or RequestStats()
    options = dict(
        api_url=api.url(ARXIV_PATH),
        categories=CATEGORIES,
        holidays=frozenset(),
        delay_seconds=0.0,
        page_size=100,
        timeout=5.0,
        retries=2,
        stats=stats,
    )
    options.update(overrides)
    return fetch_listing(listing_date, **options), stats


def entry(arxiv_id: str, published: str, categories=("cs.LG",), **extra) -> dict:
    return {"id": arxiv_id, "published": published, "categories": list(categories), **extra}


def in_window_entries(n: int) -> list[dict]:
    """n entries published inside the Friday 2021-06-04 window, in submission order."""
    return [entry(f"2106.0{1000 + i}v1", f"2021-06-02T{19 + i:02d}:00:00Z") for i in range(n)]


def submitted_range(search_query: str) -> str:
    match = re.search(r"submittedDate:\[(\d{12} TO \d{12})\]", search_query)
    assert match, search_query
    return match.group(1)


# --- the query ----------------------------------------------------------------------------------


def test_friday_query_has_utc_window_and_all_categories_in_one_request() -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder([]))
        table, stats = fetch(api, FRIDAY)

    assert table.num_rows == 0
    (request,) = api.requests
    query = request.param("search_query")
    assert submitted_range(query) == "202106021800 TO 202106031759"
    cats = re.findall(r"cat:([\w.-]+)", query)
    assert cats == expand_categories(CATEGORIES)
    assert cats[0] == "cs.AI" and cats[-1] == "stat.ML" and len(cats) == 41
    assert query.startswith("(cat:cs.AI OR ") and ") AND submittedDate:[" in query
    assert request.param("sortBy") == "submittedDate"
    assert request.param("sortOrder") == "ascending"
    assert request.param("start") == "0"
    assert request.param("max_results") == "100"
    assert stats.requests == 1 and stats.pages == 1 and stats.retries == 0


@pytest.mark.parametrize(
    ("listing_date", "holidays", "expected"),
    [
        # Tuesday after a weekend: Fri 14:00 EDT -> Mon 14:00 EDT
        (date(2021, 6, 8), (), "202106041800 TO 202106071759"),
        # DST starts Sun 2021-03-14: Monday's window is all EST, Tuesday's spans the change
        (date(2021, 3, 15), (), "202103111900 TO 202103121859"),
        (date(2021, 3, 16), (), "202103121900 TO 202103151759"),
        # DST ends Sun 2021-11-07: Fri 14:00 EDT (18:00Z) -> Mon 14:00 EST (19:00Z)
        (date(2021, 11, 8), (), "202111041800 TO 202111051759"),
        (date(2021, 11, 9), (), "202111051800 TO 202111081859"),
        # a Monday holiday merges its window into Tuesday's
        (date(2021, 7, 6), (date(2021, 7, 5),), "202107011800 TO 202107051759"),
    ],
)
def test_query_window_across_weekends_dst_and_holidays(listing_date, holidays, expected) -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder([]))
        fetch(api, listing_date, holidays=frozenset(holidays))
    (request,) = api.requests
    assert submitted_range(request.param("search_query")) == expected


def test_dst_window_edges_filter_published_times() -> None:
    # Tuesday 2021-03-16: [2021-03-12 19:00Z, 2021-03-15 18:00Z)
    entries = [
        entry("2103.07001v1", "2021-03-12T18:59:59Z"),  # last second of Monday's window
        entry("2103.07002v1", "2021-03-12T19:00:00Z"),  # first second: kept
        entry("2103.08003v1", "2021-03-15T17:59:59Z"),  # last second (EDT already): kept
        entry("2103.08004v1", "2021-03-15T18:00:00Z"),  # the cutoff itself belongs to Wednesday
    ]
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder(entries))
        table, _ = fetch(api, date(2021, 3, 16))
    assert table.column("arxiv_id").to_pylist() == ["2103.07002", "2103.08003"]


# --- paging, pacing, retries --------------------------------------------------------------------


def test_pages_until_total_results_with_increasing_start() -> None:
    entries = in_window_entries(5)
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder(entries))
        table, stats = fetch(api, FRIDAY, page_size=2)

    requests = api.requests
    assert [r.param("start") for r in requests] == ["0", "2", "4"]
    assert {r.param("max_results") for r in requests} == {"2"}
    assert len({r.param("search_query") for r in requests}) == 1
    assert table.num_rows == 5
    assert table.column("arxiv_id").to_pylist() == [f"2106.0{1000 + i}" for i in range(5)]
    assert stats.pages == 3 and stats.requests == 3


def test_requests_are_spaced_by_delay_seconds() -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder(in_window_entries(5)))
        table, stats = fetch(api, FRIDAY, page_size=2, delay_seconds=0.3)

    arrivals = [r.arrived for r in api.requests]
    assert len(arrivals) == 3
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= 0.3 - TOLERANCE, gaps
    assert table.num_rows == 5
    assert stats.rate_limit_wait_seconds > 0


def test_spacing_holds_around_a_retry() -> None:
    entries = in_window_entries(5)
    with FakeApi() as api:
        # page 1 ok, page 2 fails once with 503, then pages 2 and 3 ok
        api.enqueue(ARXIV_PATH, arxiv_responder(entries), error(503))
        api.default(ARXIV_PATH, arxiv_responder(entries))
        table, stats = fetch(api, FRIDAY, page_size=2, delay_seconds=0.3)

    requests = api.requests
    assert [r.param("start") for r in requests] == ["0", "2", "2", "4"]
    gaps = [b.arrived - a.arrived for a, b in zip(requests, requests[1:])]
    assert min(gaps) >= 0.3 - TOLERANCE, gaps
    assert table.num_rows == 5
    assert stats.retries >= 1


def test_503_then_success_returns_rows_and_counts_retry() -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, error(503))
        api.default(ARXIV_PATH, arxiv_responder(in_window_entries(3)))
        table, stats = fetch(api, FRIDAY)

    assert len(api.requests) == 2
    assert api.requests[0].query == api.requests[1].query  # the same page, retried
    assert table.num_rows == 3
    assert stats.retries >= 1


def test_429_without_retry_after_is_retried() -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, error(429))
        api.default(ARXIV_PATH, arxiv_responder(in_window_entries(2)))
        table, stats = fetch(api, FRIDAY)
    assert len(api.requests) == 2
    assert table.num_rows == 2
    assert stats.retries >= 1


def test_persistent_503_raises_one_line_source_error() -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, error(503))
        with pytest.raises(SourceError) as caught:
            fetch(api, FRIDAY, retries=1)

    message = str(caught.value)
    assert "arXiv" in message
    assert "2021-06-04" in message
    assert "503" in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(api.requests) >= 2  # it did retry before giving up
    assert {r.param("start") for r in api.requests} == {"0"}


def test_unreachable_server_raises_source_error() -> None:
    with FakeApi() as api:
        dead_url = api.url(ARXIV_PATH)
    # the server is shut down and its port closed: connection refused
    with pytest.raises(SourceError) as caught:
        fetch_listing(
            FRIDAY,
            api_url=dead_url,
            categories=CATEGORIES,
            holidays=frozenset(),
            delay_seconds=0.0,
            page_size=10,
            timeout=2.0,
            retries=0,
        )
    message = str(caught.value)
    assert "arXiv" in message and "2021-06-04" in message and "\n" not in message


# --- row content --------------------------------------------------------------------------------


def test_rows_parse_ids_versions_text_and_drop_out_of_window_or_category() -> None:
    served_at = datetime(2021, 6, 6, 22, 19, 10, tzinfo=timezone.utc)
    entries = [
        entry(
            "2106.01548v2",
            "2021-06-03T17:59:00Z",
            categories=("cs.LG", "cs.AI", "stat.ML"),
            updated="2021-06-05T10:00:00Z",
            title="When Vision Transformers Outperform\n      ResNets   without Pretraining",
            summary="  Vision Transformers (ViTs) and MLPs signal\nfurther efforts   on replacing\n\nhand-wired features.\n",
            authors=["Xiangning  Chen", "Cho-Jui Hsieh", "Boqing Gong"],
            comment="  19 pages,\n  5 figures ",
            journal_ref="ICLR 2022",
            doi="10.48550/arXiv.2106.01548",
        ),
        entry("2106.01700v1", "2021-06-02T18:00:00Z", categories=("stat.ML",)),  # window start: kept
        entry("2106.01800v3", "2021-06-02T20:00:00Z", categories=("math.AG", "cs.CG")),  # cross-list: kept
        entry("2106.01900v1", "2021-06-02T21:00:00Z", categories=("math.AG",)),  # no matching category
        entry("2106.01100v1", "2021-06-02T17:59:59Z"),  # before the window
        entry("2106.02000v1", "2021-06-03T18:00:00Z"),  # at the (exclusive) end
    ]
    with FakeApi() as api:
        api.default(ARXIV_PATH, arxiv_responder(entries, date=http_date(served_at)))
        table, _ = fetch(api, FRIDAY)

    assert table.schema == PAPERS_SCHEMA
    rows = {r["arxiv_id"]: r for r in table.to_pylist()}
    assert list(rows) == ["2106.01548", "2106.01700", "2106.01800"]  # sorted by id, dropped ones gone

    paper = rows["2106.01548"]
    assert paper["version"] == 2
    assert paper["listing_date"] == FRIDAY
    assert paper["title"] == "When Vision Transformers Outperform ResNets without Pretraining"
    assert paper["abstract"] == (
        "Vision Transformers (ViTs) and MLPs signal further efforts on replacing hand-wired features."
    )
    assert paper["authors"] == ["Xiangning Chen", "Cho-Jui Hsieh", "Boqing Gong"]
    assert paper["primary_category"] == "cs.LG"
    assert paper["categories"] == ["cs.LG", "cs.AI", "stat.ML"]
    assert paper["published"] == datetime(2021, 6, 3, 17, 59, tzinfo=timezone.utc)
    assert paper["updated"] == datetime(2021, 6, 5, 10, 0, tzinfo=timezone.utc)
    assert paper["comment"] == "19 pages, 5 figures"
    assert paper["journal_ref"] == "ICLR 2022"
    assert paper["doi"] == "10.48550/arXiv.2106.01548"
    assert paper["fetched_at"] == served_at  # the server's Date header, not our clock

    assert rows["2106.01700"]["version"] == 1
    assert rows["2106.01700"]["comment"] is None and rows["2106.01700"]["doi"] is None
    assert rows["2106.01800"]["version"] == 3
    assert rows["2106.01800"]["primary_category"] == "math.AG"
    assert rows["2106.01800"]["categories"] == ["math.AG", "cs.CG"]

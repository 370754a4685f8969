"""Network faults against the real arXiv and X clients on loopback HTTP: survived, or one clear failure.

Each fault is served once (then the normal answer: the fetch must give exactly the undisturbed
rows) and for ever (the fetch must stop after ``retries + 1`` requests with one line naming the
source, the listing date, what was tried and why).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from pipelines.sources.arxiv_listing import fetch_listing
from pipelines.sources.http import RequestStats, SourceError
from pipelines.sources.x_search import fetch_tweets
from tests.loopback import (
    ARXIV_PATH,
    X_SEARCH_PATH,
    Canned,
    FakeApi,
    arxiv_responder,
    atom_feed,
    atom_response,
    connection_reset,
    error,
    http_date,
    tweet,
    with_fault,
    x_page,
    x_response,
)

FRIDAY = date(2021, 6, 4)
SERVED = http_date(datetime(2021, 6, 6, 22, 19, 10, tzinfo=timezone.utc))
TIMEOUT = 0.4
ENTRIES = [
    {"id": f"2106.0{1000 + i}v1", "published": f"2021-06-02T{19 + i:02d}:00:00Z", "categories": ["cs.LG"]}
    for i in range(5)
]
ARXIV_OK = arxiv_responder(ENTRIES, date=SERVED)
X_PAGES = [
    x_page([tweet("1401", text="arXiv:2106.01000", metrics={"like_count": 9})], next_token="t2"),
    x_page([tweet("1402", urls=["https://arxiv.org/abs/2106.01001"]), tweet("1403", text="no citation")]),
]


def x_ok(request) -> Canned:
    return x_response(X_PAGES[1] if request.param("next_token") == "t2" else X_PAGES[0], date=SERVED)


SOURCES = {
    "arxiv": (ARXIV_PATH, ARXIV_OK, "arXiv listing 2021-06-04"),
    "x": (X_SEARCH_PATH, x_ok, "X recent search for listing 2021-06-04"),
}
# fault name -> (how to make the faulty answer from the normal one, the reason the error line gives)
FAULTS = {
    "reset": (lambda ok: connection_reset(), "connection failed (Connection reset by peer)"),
    "cut_off": (lambda ok: with_fault(ok, cut_after=120), "response cut off mid-body"),
    "cut_off_close_framed": (lambda ok: with_fault(ok, cut_after=120, send_length=False), None),
    "timeout": (lambda ok: with_fault(ok, delay=TIMEOUT * 2), "timed out"),
    "stall_mid_body": (lambda ok: with_fault(ok, cut_after=120, stall=TIMEOUT * 2), "timed out"),
    "http_500": (lambda ok: error(500), "HTTP 500"),
    "http_503": (lambda ok: error(503), "HTTP 503"),
    "http_429": (lambda ok: error(429), "HTTP 429"),
    "not_the_format": (lambda ok: Canned(200, b"<html>maintenance</html>", {}, "text/html", fault="HTML page"), None),
}
CLOSE_FRAMED_REASON = {"arxiv": "response cut off mid-body", "x": "response is not JSON"}
FORMAT_REASON = {"arxiv": "response is not an Atom feed", "x": "response is not JSON"}


def fetch(source: str, api: FakeApi, retries: int):
    stats = RequestStats()
    if source == "arxiv":
        table = fetch_listing(
            FRIDAY, api_url=api.url(ARXIV_PATH), categories=("cs.*",), holidays=frozenset(),
            delay_seconds=0.0, page_size=2, timeout=TIMEOUT, retries=retries, stats=stats,
        )
    else:
        start, end = datetime(2021, 6, 4, tzinfo=timezone.utc), datetime(2021, 6, 6, tzinfo=timezone.utc)
        table, _ = fetch_tweets(FRIDAY, api_url=api.url("/2"), token="test-token-0123", start=start, end=end,
                                timeout=TIMEOUT, retries=retries, stats=stats)
    return table, stats


@pytest.fixture(scope="module")
def undisturbed():
    tables = {}
    for source, (path, ok, _) in SOURCES.items():
        with FakeApi() as api:
            api.default(path, ok)
            tables[source] = fetch(source, api, retries=0)[0]
    assert tables["arxiv"].num_rows == 5 and tables["x"].num_rows == 3
    return tables


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("source", SOURCES)
def test_a_fault_on_the_second_page_is_survived(source, fault, undisturbed, tally) -> None:
    path, ok, _ = SOURCES[source]
    make, _ = FAULTS[fault]
    with FakeApi() as api:
        api.enqueue(path, ok, make(ok))  # page 1 fine, page 2 faulty once, then fine
        api.default(path, ok)
        table, stats = fetch(source, api, retries=2)
        tally.add(faults=api.faults_served, rows_lost=max(undisturbed[source].num_rows - table.num_rows, 0))
        assert api.faults_served == 1
    assert table.equals(undisturbed[source])
    assert stats.retries == 1


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("source", SOURCES)
def test_a_persistent_fault_ends_in_one_clear_line(source, fault, tally) -> None:
    path, ok, prefix = SOURCES[source]
    make, reason = FAULTS[fault]
    reason = reason or (CLOSE_FRAMED_REASON if fault == "cut_off_close_framed" else FORMAT_REASON)[source]
    with FakeApi() as api:
        api.default(path, make(ok))
        with pytest.raises(SourceError) as failure:
            fetch(source, api, retries=1)
        sent = len(api.requests)
        tally.add(faults=api.faults_served)
    message = str(failure.value)
    assert sent == 2  # bounded: the first try and one retry
    assert message.startswith(f"{prefix}: gave up after 2 requests (1 retry) to http://127.0.0.1:")
    assert reason in message and "\n" not in message and len(message) < 300, message


def test_backoff_grows_between_retries(tally) -> None:
    with FakeApi() as api:
        api.enqueue(X_SEARCH_PATH, error(503), error(502), error(503))
        api.default(X_SEARCH_PATH, x_ok)
        table, stats = fetch("x", api, retries=3)
        tally.add(faults=api.faults_served)
    arrivals = [r.arrived for r in api.requests[:4]]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert gaps[1] >= 0.95 and gaps[2] >= 1.95 and gaps[2] > gaps[1] > gaps[0], gaps
    assert stats.retries == 3 and table.num_rows == 3


def test_429_with_retry_after_waits_what_the_server_asks(tally) -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, error(429, retry_after=1))
        api.default(ARXIV_PATH, ARXIV_OK)
        table, _ = fetch("arxiv", api, retries=1)
        tally.add(faults=api.faults_served)
    first, second = api.requests[:2]
    assert second.arrived - first.arrived >= 0.99 and table.num_rows == 5


# --- arXiv paging quirks --------------------------------------------------------------------------


def _page(entries, total, start, fault: str) -> Canned:
    """One arXiv page saying ``totalResults = total``; ``fault`` names what is wrong with it (for the tally)."""
    feed = atom_feed(entries, total_results=total, start_index=start, items_per_page=2)
    return replace(atom_response(feed, date=SERVED), fault=fault)


def test_empty_pages_mid_listing_and_first_are_retried(undisturbed, tally) -> None:
    with FakeApi() as api:
        api.enqueue(
            ARXIV_PATH,
            _page([], 5, 0, "empty first page"),  # totalResults says 5: not an empty listing
            ARXIV_OK,
            _page([], 5, 2, "empty page"),
            _page([], 0, 2, "empty page reporting 0 results"),
        )
        api.default(ARXIV_PATH, ARXIV_OK)
        table, stats = fetch("arxiv", api, retries=3)
        tally.add(faults=api.faults_served)
    assert [r.param("start") for r in api.requests] == ["0", "0", "2", "2", "2", "4"]
    assert table.equals(undisturbed["arxiv"]) and stats.pages == 3


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ([_page(ENTRIES[:2], 5, 0, ""), _page(ENTRIES[2:4], 6, 2, "total changed")], "totalResults changed from 5 to 6"),
        ([_page(ENTRIES[:5], 3, 0, "more than announced")], "the API announced 3 results but sent 5"),
        ([_page(ENTRIES[:2], 5, 0, ""), _page(ENTRIES[1:3], 5, 2, "shifted")], "came twice: results shifted while paging"),
    ],
    ids=["total_changes_while_paging", "more_than_announced", "result_set_shifted"],
)
def test_total_results_disagreeing_with_what_arrives_fails_clearly(script, reason, tally) -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, *script)
        api.default(ARXIV_PATH, ARXIV_OK)
        with pytest.raises(SourceError) as failure:
            fetch("arxiv", api, retries=1)
        tally.add(faults=api.faults_served)
    assert str(failure.value).startswith("arXiv listing 2021-06-04: gave up after") and reason in str(failure.value)


def test_fewer_entries_than_announced_fails_after_retrying_the_missing_page(tally) -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, _page(ENTRIES[:2], 3, 0, "fewer than announced"))
        api.default(ARXIV_PATH, _page([], 3, 2, "empty page"))
        with pytest.raises(SourceError) as failure:
            fetch("arxiv", api, retries=1)
        tally.add(faults=api.faults_served)
    assert [r.param("start") for r in api.requests] == ["0", "2", "2"]
    assert "page at start=2 was empty although results remain" in str(failure.value)

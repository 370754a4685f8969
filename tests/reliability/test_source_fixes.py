"""Bugs found in pipelines/sources/, each pinned by a test through the real clients on loopback HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.sources.arxiv_listing import fetch_listing
from pipelines.sources.http import ApiSession, RequestStats, SourceError
from pipelines.sources.x_search import fetch_tweets, parse_page
from tests.loopback import (
    ARXIV_PATH,
    X_SEARCH_PATH,
    Canned,
    FakeApi,
    arxiv_responder,
    atom_feed,
    atom_response,
    error,
    json_response,
    tweet,
    with_fault,
    x_page,
    x_response,
)
from tests.reliability.world import MARKER

FRIDAY = date(2021, 6, 4)
ENTRIES_0604 = [
    {"id": f"2106.0{1000 + i}v1", "published": f"2021-06-02T{19 + i:02d}:00:00Z", "categories": ["cs.LG"]} for i in range(5)
]


def listing(api: FakeApi, **overrides):
    stats = RequestStats()
    options = dict(
        api_url=api.url(ARXIV_PATH), categories=("cs.*",), holidays=frozenset(), delay_seconds=0.0,
        page_size=2, timeout=2.0, retries=2, stats=stats,
    )
    options.update(overrides)
    return fetch_listing(FRIDAY, **options), stats


def tweets(api: FakeApi, **overrides):
    from datetime import datetime, timezone

    stats = RequestStats()
    options = dict(
        api_url=api.url("/2"), token=MARKER, start=datetime(2021, 6, 4, tzinfo=timezone.utc),
        end=datetime(2021, 6, 6, tzinfo=timezone.utc), timeout=2.0, retries=2, stats=stats,
    )
    options.update(overrides)
    table, _ = fetch_tweets(FRIDAY, **options)
    return table, stats


def test_retry_after_shorter_than_the_arxiv_pacing_waits_the_pacing(tally) -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, error(503, retry_after=1))
        api.default(ARXIV_PATH, arxiv_responder(ENTRIES_0604))
        table, stats = listing(api, page_size=10, delay_seconds=1.5)
        tally.add(faults=api.faults_served)
    first, retry = api.requests
    assert retry.arrived - first.arrived >= 1.49  # Retry-After said 1 s; arXiv's spacing is 1.5 s
    assert table.num_rows == 5 and stats.retries == 1


def test_retries_and_requests_count_what_was_sent(tally) -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, error(503))
        with pytest.raises(SourceError) as failure:
            listing(api, retries=1)
        tally.add(faults=api.faults_served)
        sent = len(api.requests)
    assert sent == 2
    assert "gave up after 2 requests (1 retry)" in str(failure.value)  # not "2 retries": giving up is no retry


def test_pages_count_pages_not_requests(tally) -> None:
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, arxiv_responder(ENTRIES_0604), error(503))
        api.default(ARXIV_PATH, arxiv_responder(ENTRIES_0604))
        table, stats = listing(api)
        tally.add(faults=api.faults_served)
    assert table.num_rows == 5
    assert (stats.pages, stats.requests, stats.retries) == (3, 4, 1)  # 5 results, 2 a page: 3 pages


def test_one_bounded_retry_layer_for_arxiv(tally) -> None:
    """The package's own num_retries multiplied ours: 503s and empty pages now cost retries + 1 requests."""
    with FakeApi() as api:
        api.default(ARXIV_PATH, error(503))
        with pytest.raises(SourceError):
            listing(api, retries=2)
        assert len(api.requests) == 3
        tally.add(faults=api.faults_served)
    empty_middle = atom_response(atom_feed([], total_results=5, start_index=2, items_per_page=2))
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, arxiv_responder(ENTRIES_0604))
        api.default(ARXIV_PATH, with_fault(empty_middle, fault="empty page"))
        with pytest.raises(SourceError) as failure:
            listing(api, retries=2)
        assert len(api.requests) == 1 + 3
        tally.add(faults=api.faults_served)
    assert "empty although results remain" in str(failure.value)


def test_status_body_and_empty_page_retries_share_one_budget(tally) -> None:
    empty_middle = atom_response(atom_feed([], total_results=5, start_index=2, items_per_page=2))
    script = [arxiv_responder(ENTRIES_0604), error(503), with_fault(empty_middle, fault="empty page"),
              with_fault(arxiv_responder(ENTRIES_0604), cut_after=200)]
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, *script)
        api.default(ARXIV_PATH, arxiv_responder(ENTRIES_0604))
        with pytest.raises(SourceError):
            listing(api, retries=2)  # the second page meets three faults: one more than its budget
        assert len(api.requests) == 4
        tally.add(faults=api.faults_served)
    with FakeApi() as api:
        api.enqueue(ARXIV_PATH, *script)
        api.default(ARXIV_PATH, arxiv_responder(ENTRIES_0604))
        table, stats = listing(api, retries=3)
        tally.add(faults=api.faults_served)
    assert table.num_rows == 5 and stats.retries == 3


def test_arxiv_failure_message_is_short_and_sent_with_our_user_agent(tally) -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, error(500))
        with pytest.raises(SourceError) as failure:
            listing(api, retries=0)
        tally.add(faults=api.faults_served)
        (request,) = api.requests
    message = str(failure.value)
    assert message == f"arXiv listing 2021-06-04: gave up after 1 request (0 retries) to {api.url(ARXIV_PATH)}: HTTP 500"
    assert request.headers["user-agent"].startswith("hotpapers/")  # the arxiv package sent its own


@pytest.mark.parametrize("body", [["not", "an", "object"], "just a string", 42, None])
def test_x_error_body_that_is_not_an_object(body, tally) -> None:
    with FakeApi() as api:
        api.default(X_SEARCH_PATH, json_response(body, status=400))
        with pytest.raises(SourceError) as failure:
            tweets(api)
    tally.add(bad_inputs=1)
    assert str(failure.value).endswith("HTTP 400")


def test_x_error_echoing_the_token_is_redacted(tally) -> None:
    with FakeApi() as api:
        api.default(X_SEARCH_PATH, json_response({"title": f"Unauthorized: Bearer {MARKER} is not valid"}, status=401))
        with pytest.raises(SourceError) as failure:
            tweets(api)
    tally.add(bad_inputs=1, secrets_leaked=str(failure.value).count(MARKER))
    assert MARKER not in str(failure.value) and "HTTP 401 Unauthorized: Bearer [redacted]" in str(failure.value)


def test_referenced_tweets_entries_that_are_not_objects(tally) -> None:
    page = x_page([tweet("1", text="arXiv:2106.01548"), tweet("2", text="RT arXiv:2106.01548")])
    page["data"][0]["referenced_tweets"] = ["123", None, 7, {"type": "quoted", "id": "5"}]
    page["data"][1]["referenced_tweets"] = [None, {"type": "retweeted", "id": "1"}]
    rows, retweets = parse_page(page, None, FRIDAY)
    tally.add(bad_inputs=1)
    assert [r["tweet_id"] for r in rows] == ["1"] and retweets == 1


def test_x_body_cut_off_is_retried_not_a_crash(tally) -> None:
    with FakeApi() as api:
        full = x_response(x_page([tweet("77", text="arXiv:2106.01548")]))
        api.enqueue(X_SEARCH_PATH, with_fault(full, cut_after=20), with_fault(full, cut_after=20, send_length=False))
        api.default(X_SEARCH_PATH, full)
        table, stats = tweets(api)
        tally.add(faults=api.faults_served)
    assert table.column("tweet_id").to_pylist() == ["77"] and stats.retries == 2


def test_session_fetch_hands_urllib3_only_the_remaining_budget(tally) -> None:
    """A cut-off body after two 503s leaves nothing of a budget of 2: no fresh urllib3 budget per request."""
    with FakeApi() as api:
        api.enqueue("/x", error(503), error(503), Canned(200, b"0123456789", cut_after=3), error(503))
        api.default("/x", Canned(200, b"ok"))
        session = ApiSession(min_interval=0.0, timeout=2.0, retries=2)
        with pytest.raises(Exception):
            session.fetch(api.url("/x"), lambda response: response.content)
        assert len(api.requests) == 3
        tally.add(faults=api.faults_served)


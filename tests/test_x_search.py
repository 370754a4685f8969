"""The X API v2 recent-search client through real `requests`, against a loopback X API."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pipelines.calendar import NEW_YORK, announcement_time
from pipelines.sources.http import ApiSession, RequestStats, SourceError
from pipelines.sources.x_search import TWEETS_SCHEMA, fetch_tweets, iter_pages, parse_page, search_window
from tests.loopback import X_SEARCH_PATH, Canned, FakeApi, error, http_date, json_response, tweet, x_page, x_response

LISTING = date(2021, 6, 4)
TOKEN = "AAAAtest-bearer-Zq8Xk3"
# announced Thu 2021-06-03 20:00 New York = 2021-06-04 00:00Z; given in New York time on purpose
START = datetime(2021, 6, 3, 20, 0, tzinfo=NEW_YORK)
END = datetime(2021, 6, 6, 22, 19, 2, tzinfo=timezone.utc)
UTC = timezone.utc


def fetch(api: FakeApi, **overrides):
    stats = overrides.pop("stats", None) or RequestStats()
    options = dict(
        api_url=api.url("/2"), token=TOKEN, start=START, end=END, timeout=5.0, retries=2, stats=stats
    )
    options.update(overrides)
    table, retweets = fetch_tweets(LISTING, **options)
    return table, retweets, stats


def served(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2021, 6, day, hour, minute, second, tzinfo=UTC)


# --- requests and paging -------------------------------------------------------------------------


def test_requests_carry_token_query_window_and_follow_next_token() -> None:
    pages = [
        x_page([tweet("1401", urls=["https://arxiv.org/abs/2106.01548"])], next_token="tok2"),
        x_page([tweet("1402", text="arXiv:2106.02000")], next_token="tok3"),
        x_page([tweet("1403", text="see arxiv.org/abs/2106.03000v1")]),
    ]
    with FakeApi() as api:
        api.enqueue(X_SEARCH_PATH, *(x_response(p) for p in pages))
        table, retweets, stats = fetch(api)
        leftover = api.pending(X_SEARCH_PATH)

    requests = api.requests
    assert [r.path for r in requests] == [X_SEARCH_PATH] * 3
    assert [r.param("next_token") for r in requests] == [None, "tok2", "tok3"]
    for request in requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        query = request.param("query")
        assert "-is:retweet" in query and "arxiv" in query
        assert request.param("max_results") == "100"
        assert request.param("start_time") == "2021-06-04T00:00:00Z"
        assert request.param("end_time") == "2021-06-06T22:19:02Z"
        assert request.param("expansions") == "author_id"
        fields = set(request.param("tweet.fields").split(","))
        assert {"created_at", "public_metrics", "entities", "referenced_tweets", "author_id"} <= fields
        assert set(request.param("user.fields").split(",")) >= {"name", "username"}
        assert TOKEN not in request.path and all(TOKEN not in v for vs in request.query.values() for v in vs)
    assert leftover == 0
    assert stats.pages == 3 and stats.requests == 3 and stats.retries == 0
    assert retweets == 0
    assert table.schema == TWEETS_SCHEMA
    assert table.column("tweet_id").to_pylist() == ["1401", "1402", "1403"]
    assert table.column("cited_arxiv_ids").to_pylist() == [["2106.01548"], ["2106.02000"], ["2106.03000"]]


def test_repeated_next_token_stops_paging() -> None:
    with FakeApi() as api:
        api.enqueue(
            X_SEARCH_PATH,
            x_response(x_page([tweet("1")], next_token="loop")),
            x_response(x_page([tweet("2")], next_token="loop")),
        )
        api.default(X_SEARCH_PATH, x_response(x_page([tweet("3")], next_token="loop")))
        table, _, stats = fetch(api)
    assert len(api.requests) == 2
    assert stats.pages == 2
    assert table.column("tweet_id").to_pylist() == ["1", "2"]


def test_iter_pages_yields_each_body_with_its_server_time() -> None:
    dates = [served(6, 22, 19, 17), served(6, 22, 19, 18)]
    with FakeApi() as api:
        api.enqueue(
            X_SEARCH_PATH,
            x_response(x_page([tweet("1")], next_token="n2"), date=http_date(dates[0])),
            x_response(x_page([tweet("2")]), date=http_date(dates[1])),
        )
        session = ApiSession(min_interval=0.0, timeout=5.0, retries=0)
        try:
            pages = list(iter_pages(session, api.url("/2/"), TOKEN, START, END))
        finally:
            session.close()
    assert [body["data"][0]["id"] for body, _ in pages] == ["1", "2"]
    assert [when for _, when in pages] == dates
    assert session.stats.pages == 2


# --- row content ---------------------------------------------------------------------------------


def test_retweets_dropped_and_counted_quotes_kept() -> None:
    page = x_page(
        [
            tweet("2001", urls=["https://arxiv.org/abs/2106.01548"], author_id="7"),
            tweet("2002", text="RT @someone: arXiv:2106.01548", retweet_of="2001", author_id="8"),
            tweet("2003", text="so good arXiv:2106.01548", quote_of="2001", author_id="9"),
            tweet("2004", text="RT again", retweet_of="2003", author_id="8"),
        ]
    )
    with FakeApi() as api:
        api.enqueue(X_SEARCH_PATH, x_response(page))
        table, retweets, _ = fetch(api)
    assert retweets == 2
    assert table.column("tweet_id").to_pylist() == ["2001", "2003"]
    assert table.column("author_handle").to_pylist() == ["user7", "user9"]


def test_parse_page_maps_users_metrics_and_drops_retweets() -> None:
    fetched_at = served(6, 22, 19, 17)
    body = x_page(
        [
            tweet(
                "3001",
                text="Our new paper",
                author_id="42",
                created_at="2021-06-04T01:26:32.000Z",
                urls=["https://arxiv.org/pdf/2106.01548v2.pdf", "https://github.com/x/y"],
                metrics={"retweet_count": 171, "like_count": 761, "reply_count": 1, "quote_count": 3},
                lang="pt",
            ),
            tweet("3002", retweet_of="3001", author_id="43"),
        ],
        users=[{"id": "42", "name": "Arash V", "username": "ArashV"}, {"id": "43", "name": "B", "username": "b"}],
    )
    rows, retweets = parse_page(body, fetched_at, LISTING)
    assert retweets == 1
    (row,) = rows
    assert row["tweet_id"] == "3001"
    assert row["author_id"] == "42" and row["author_name"] == "Arash V" and row["author_handle"] == "ArashV"
    assert row["created_at"] == datetime(2021, 6, 4, 1, 26, 32, tzinfo=UTC)
    assert row["expanded_urls"] == ["https://arxiv.org/pdf/2106.01548v2.pdf", "https://github.com/x/y"]
    assert row["cited_arxiv_ids"] == ["2106.01548"]
    assert (row["retweet_count"], row["like_count"], row["reply_count"], row["quote_count"]) == (171, 761, 1, 3)
    assert row["lang"] == "pt"
    assert row["fetched_at"] == fetched_at and row["listing_date"] == LISTING


def test_fetched_at_is_page_date_and_repeated_tweet_kept_once() -> None:
    first, second = served(6, 22, 19, 17), served(6, 22, 19, 21)
    page1 = x_page(
        [
            tweet("4001", urls=["https://arxiv.org/pdf/2106.01548v2.pdf"], metrics={"like_count": 10}),
            tweet("4002", text="Worth reading: arXiv:2103.14749 and https://arxiv.org/abs/2106.01548"),
        ],
        next_token="p2",
    )
    page2 = x_page(
        [
            # the same tweet again, a few seconds later, with newer metrics
            tweet("4001", urls=["https://arxiv.org/pdf/2106.01548v2.pdf"], metrics={"like_count": 12}),
            tweet("4003", urls=["https://example.com/not-arxiv"]),
        ]
    )
    with FakeApi() as api:
        api.enqueue(
            X_SEARCH_PATH,
            x_response(page1, date=http_date(first)),
            x_response(page2, date=http_date(second)),
        )
        table, _, _ = fetch(api)

    rows = {r["tweet_id"]: r for r in table.to_pylist()}
    assert table.column("tweet_id").to_pylist() == ["4001", "4002", "4003"]  # 4001 once
    assert rows["4002"]["fetched_at"] == first
    assert rows["4003"]["fetched_at"] == second
    assert rows["4001"]["fetched_at"] == second and rows["4001"]["like_count"] == 12  # newest snapshot
    assert rows["4001"]["cited_arxiv_ids"] == ["2106.01548"]
    assert rows["4002"]["cited_arxiv_ids"] == ["2103.14749", "2106.01548"]
    assert rows["4003"]["cited_arxiv_ids"] == []


# --- retries and errors --------------------------------------------------------------------------


def test_429_with_retry_after_waits_before_retrying() -> None:
    with FakeApi() as api:
        api.enqueue(
            X_SEARCH_PATH,
            error(429, retry_after=1),
            x_response(x_page([tweet("5001", text="arXiv:2106.01548")])),
        )
        table, _, stats = fetch(api)

    first, retry = api.requests
    assert retry.arrived - first.arrived >= 1.0 - 0.01
    assert retry.query == first.query
    assert table.column("tweet_id").to_pylist() == ["5001"]
    assert stats.retries >= 1 and stats.retry_wait_seconds >= 0.99


def test_429_without_retry_after_is_retried() -> None:
    with FakeApi() as api:
        api.enqueue(X_SEARCH_PATH, error(429), x_response(x_page([tweet("5101")])))
        table, _, stats = fetch(api)
    assert len(api.requests) == 2
    assert table.column("tweet_id").to_pylist() == ["5101"]
    assert stats.retries >= 1


def test_503_then_success() -> None:
    with FakeApi() as api:
        api.enqueue(X_SEARCH_PATH, error(503), x_response(x_page([tweet("6001"), tweet("6002")])))
        table, _, stats = fetch(api)
    assert len(api.requests) == 2
    assert table.num_rows == 2
    assert stats.retries >= 1


def test_persistent_500_raises_source_error_without_the_token() -> None:
    body = {"title": "Internal Server Error", "detail": "Something\nwent wrong.", "type": "about:blank", "status": 500}
    with FakeApi() as api:
        api.default(X_SEARCH_PATH, json_response(body, status=500))
        with pytest.raises(SourceError) as caught:
            fetch(api, retries=1)

    message = str(caught.value)
    assert "X " in message and "2021-06-04" in message
    assert "500" in message
    assert TOKEN not in message and "Bearer" not in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.__cause__ is None
    assert len(api.requests) == 2  # the first try and one retry


def test_non_json_page_raises_source_error() -> None:
    with FakeApi() as api:
        api.default(X_SEARCH_PATH, Canned(200, b"<html>maintenance</html>", {}, "text/html"))
        with pytest.raises(SourceError) as caught:
            fetch(api)
    message = str(caught.value)
    assert "X " in message and "2021-06-04" in message and "not JSON" in message and TOKEN not in message


# --- the search window ---------------------------------------------------------------------------


def test_search_window_capped_at_window_days() -> None:
    announced = announcement_time(LISTING)
    assert announced == datetime(2021, 6, 4, 0, 0, tzinfo=UTC)
    now = datetime(2021, 6, 20, tzinfo=UTC)
    start, end = search_window(announced, 3.0, now)
    assert start == announced
    assert end == datetime(2021, 6, 7, 0, 0, tzinfo=UTC)


def test_search_window_capped_at_now_minus_15_seconds() -> None:
    announced = announcement_time(LISTING)
    now = datetime(2021, 6, 5, 12, 0, 0, tzinfo=UTC)
    start, end = search_window(announced, 3.0, now)
    assert start == announced
    assert end == now - timedelta(seconds=15)
    assert end < now - timedelta(seconds=10)  # the API's minimum distance from now

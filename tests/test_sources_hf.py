"""The Hugging Face Daily Papers client through real `requests`, against a loopback Hub API."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pipelines.sources.hf_daily_papers import PAPERS_SCHEMA, fetch_daily_papers
from pipelines.sources.http import RequestStats, SourceError
from tests.engagement_loopback import HF_PATH, EngagementApi, hf_item
from tests.loopback import Canned, error, http_date, json_response

LISTING = date(2026, 11, 20)
SERVED = datetime(2026, 11, 23, 2, 30, 30, tzinfo=timezone.utc)


def fetch(api: EngagementApi, **overrides):
    stats = RequestStats()
    options = dict(api_url=api.hf_url, min_interval=0.0, timeout=5.0, retries=2, stats=stats)
    options.update(overrides)
    table, not_arxiv = fetch_daily_papers(LISTING, **options)
    return table, not_arxiv, stats


def test_pages_by_p_until_a_short_page_and_reads_each_paper() -> None:
    full = [hf_item(f"2611.{n:05d}", upvotes=n, comments=1) for n in range(1, 101)]
    last = [hf_item("2611.00101v2", upvotes=7, comments=3, submitter="akhaliq"), hf_item("not-arxiv", upvotes=9)]
    with EngagementApi() as api:
        api.enqueue(HF_PATH, json_response(full), json_response(last, date=http_date(SERVED)))
        table, not_arxiv, stats = fetch(api)
        requests = api.requests_to(HF_PATH)

    assert [(r.param("date"), r.param("limit"), r.param("p")) for r in requests] == [
        ("2026-11-20", "100", "0"),
        ("2026-11-20", "100", "1"),
    ]
    assert stats.pages == 2 and stats.requests == 2 and stats.retries == 0
    assert table.schema == PAPERS_SCHEMA
    assert table.num_rows == 101 and not_arxiv == 1
    row = next(r for r in table.to_pylist() if r["arxiv_id"] == "2611.00101")
    assert (row["upvotes"], row["comment_count"], row["submitted_by"]) == (7, 3, "akhaliq")  # version dropped
    assert row["fetched_at"] == SERVED and row["daily_date"] == LISTING and row["listing_date"] == LISTING
    assert row["submitted_at"] == datetime(2026, 11, 20, 3, 12, 44, tzinfo=timezone.utc)


def test_a_server_that_ignores_p_does_not_loop() -> None:
    full = [hf_item(f"2611.{n:05d}") for n in range(1, 101)]
    with EngagementApi() as api:
        api.default(HF_PATH, json_response(full))
        table, _, stats = fetch(api)
    assert stats.requests == 2 and table.num_rows == 100


def test_429_waits_for_retry_after_then_succeeds() -> None:
    with EngagementApi() as api:
        api.enqueue(HF_PATH, error(429, retry_after=1), json_response([hf_item("2611.00001", upvotes=5)]))
        table, _, stats = fetch(api)
        first, second = api.requests_to(HF_PATH)
    assert second.arrived - first.arrived >= 0.95
    assert stats.retries == 1 and stats.requests == 2 and stats.retry_wait_seconds >= 0.95
    assert table.column("upvotes").to_pylist() == [5]


def test_429_without_retry_after_reads_the_hubs_ratelimit_header() -> None:
    """The Hub's own ``RateLimit: "api";r=0;t=<seconds>`` sets the wait; the plain backoff would retry at once."""
    limited = Canned(429, b'{"error":"Too Many Requests"}', {"RateLimit": '"api";r=0;t=1'}, "application/json")
    with EngagementApi() as api:
        api.enqueue(HF_PATH, limited, json_response([]))
        table, _, stats = fetch(api)
        first, second = api.requests_to(HF_PATH)
    assert second.arrived - first.arrived >= 0.95
    assert stats.retries == 1 and table.num_rows == 0


def test_requests_are_paced() -> None:
    full = [hf_item(f"2611.{n:05d}") for n in range(1, 101)]
    with EngagementApi() as api:
        api.enqueue(HF_PATH, json_response(full), json_response([]))
        fetch(api, min_interval=0.4)
        first, second = api.requests_to(HF_PATH)
    assert second.arrived - first.arrived >= 0.38


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (Canned(200, b"<html>maintenance</html>", content_type="text/html"), "response is not JSON"),
        (json_response({"error": "Invalid date"}), "response is not a JSON array"),
        (json_response([{"title": "no paper object"}]), "an item has no paper.id"),
        (json_response({"error": "Service unavailable"}, status=503), "HTTP 503 Service unavailable"),
    ],
)
def test_a_malformed_or_failing_answer_is_one_source_error(answer: Canned, fragment: str) -> None:
    with EngagementApi() as api:
        api.default(HF_PATH, answer)
        with pytest.raises(SourceError) as caught:
            fetch(api, retries=1)
        requests = len(api.requests_to(HF_PATH))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Hugging Face Daily Papers of 2026-11-20 for listing 2026-11-20: ")
    assert fragment in message and api.hf_url in message
    assert requests == (1 if "paper.id" in fragment else 2)  # a bad body or status is retried once; a bad item is not

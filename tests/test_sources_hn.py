"""The Hacker News (Algolia search) client through real `requests`, against a loopback Algolia API."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pipelines.sources.hn_algolia import STORIES_SCHEMA, fetch_stories
from pipelines.sources.http import RequestStats, SourceError
from tests.engagement_loopback import HN_PATH, EngagementApi, hn_hit, hn_page
from tests.loopback import Canned, error, http_date, json_response

LISTING = date(2026, 11, 20)
START = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)  # the announcement: 1795136400
END = START + timedelta(days=3)  # 1795395600
SERVED = datetime(2026, 11, 23, 2, 31, tzinfo=timezone.utc)


def fetch(api: EngagementApi, **overrides):
    stats = RequestStats()
    options = dict(api_url=api.hn_url, start=START, end=END, min_interval=0.0, timeout=5.0, retries=2, stats=stats)
    options.update(overrides)
    table, elsewhere = fetch_stories(LISTING, **options)
    return table, elsewhere, stats


def test_query_window_and_paging_by_nb_pages() -> None:
    first = hn_page([hn_hit(101, "https://arxiv.org/abs/2611.00001", points=75, comments=31)], page=0, nb_pages=2)
    second = hn_page([hn_hit(102, "https://arxiv.org/pdf/2611.00002v3", points=7, comments=2, author="pdfer")], page=1, nb_pages=2)
    with EngagementApi() as api:
        api.enqueue(HN_PATH, json_response(first), json_response(second, date=http_date(SERVED)))
        table, elsewhere, stats = fetch(api)
        requests = api.requests_to(HN_PATH)
        leftover = api.pending(HN_PATH)

    assert [r.param("page") for r in requests] == ["0", "1"] and leftover == 0
    for request in requests:
        assert request.param("query") == "arxiv.org"
        assert request.param("restrictSearchableAttributes") == "url"
        assert request.param("tags") == "story"
        assert request.param("numericFilters") == "created_at_i>=1795136400,created_at_i<1795395600"
        assert request.param("hitsPerPage") == "100"
    assert stats.pages == 2 and stats.requests == 2 and elsewhere == 0
    assert table.schema == STORIES_SCHEMA
    rows = sorted(table.to_pylist(), key=lambda r: r["story_id"])
    assert [(r["story_id"], r["cited_arxiv_ids"], r["points"], r["comment_count"], r["author"]) for r in rows] == [
        ("101", ["2611.00001"], 75, 31, "hnuser"),
        ("102", ["2611.00002"], 7, 2, "pdfer"),
    ]
    assert rows[1]["fetched_at"] == SERVED
    assert rows[0]["created_at"] == datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def test_only_stories_whose_url_is_an_arxiv_paper_count() -> None:
    hits = [
        hn_hit(1, "https://arxiv.org/abs/2611.00001", points=3),
        hn_hit(2, "https://arxiv.org/list/cs.LG/recent", points=50),  # an arXiv page, not a paper
        hn_hit(3, "https://example.com/why-arxiv.org-matters", points=40),  # the query matched the URL text
        hn_hit(4, None, points=30),  # Ask HN: no URL
        hn_hit(5, "https://export.arxiv.org/abs/hep-th/9901001v2", points=1),
    ]
    with EngagementApi() as api:
        api.default(HN_PATH, json_response(hn_page(hits)))
        table, elsewhere, _ = fetch(api)
    assert elsewhere == 3
    rows = sorted((r["story_id"], r["cited_arxiv_ids"]) for r in table.to_pylist())
    assert rows == [("1", ["2611.00001"]), ("5", ["hep-th/9901001"])]


def test_a_story_repeated_on_the_next_page_counts_once_with_its_newest_figures() -> None:
    first = hn_page([hn_hit(7, "https://arxiv.org/abs/2611.00001", points=10)], page=0, nb_pages=2)
    second = hn_page([hn_hit(7, "https://arxiv.org/abs/2611.00001", points=12)], page=1, nb_pages=2)
    with EngagementApi() as api:
        api.enqueue(HN_PATH, json_response(first), json_response(second))
        table, _, _ = fetch(api)
    assert table.column("points").to_pylist() == [12]


def test_429_without_retry_after_backs_off_and_with_it_waits() -> None:
    page = json_response(hn_page([hn_hit(1, "https://arxiv.org/abs/2611.00001", points=3)]))
    with EngagementApi() as api:
        api.enqueue(HN_PATH, error(429), error(429, retry_after=1), page)
        table, _, stats = fetch(api)
        first, second, third = api.requests_to(HN_PATH)
    assert third.arrived - second.arrived >= 0.95  # Retry-After: 1
    assert stats.retries == 2 and stats.requests == 3 and table.num_rows == 1


def test_rate_limit_that_never_lifts_gives_up_after_the_retries() -> None:
    with EngagementApi() as api:
        api.default(HN_PATH, error(429, body=b'{"message":"Too many requests","status":429}'))
        with pytest.raises(SourceError) as caught:
            fetch(api, retries=1)
        requests = len(api.requests_to(HN_PATH))
    assert requests == 2
    assert str(caught.value).startswith("Hacker News search for listing 2026-11-20: HTTP 429 Too many requests")


@pytest.mark.parametrize(
    ("answer", "fragment", "requests"),
    [
        (Canned(200, b'{"hits": [', content_type="application/json"), "response is not JSON", 2),
        (json_response([]), "response is not a JSON object", 2),
        (json_response({"message": "ok", "nbPages": 1}), "page 0 has no hits array", 1),
        (json_response(hn_page([{"title": "no objectID", "url": "https://arxiv.org/abs/2611.00001"}])), "a hit has no objectID", 1),
    ],
)
def test_a_malformed_answer_is_one_source_error(answer: Canned, fragment: str, requests: int) -> None:
    with EngagementApi() as api:
        api.default(HN_PATH, answer)
        with pytest.raises(SourceError) as caught:
            fetch(api, retries=1)
        made = len(api.requests_to(HN_PATH))
    message = str(caught.value)
    assert "\n" not in message and message.startswith("Hacker News search for listing 2026-11-20: ")
    assert fragment in message
    assert made == requests

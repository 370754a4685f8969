"""The Bluesky client (app-password login, then searchPosts) through real `requests`, against a loopback PDS."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.rawstore import write_partition
from pipelines.sources.bluesky import POSTS_SCHEMA, fetch_posts
from pipelines.sources.http import RequestStats, SourceError
from tests.engagement_loopback import BSKY_LOGIN_PATH, BSKY_SEARCH_PATH, EngagementApi, bsky_page, bsky_post, bsky_session
from tests.loopback import Canned, http_date, json_response

LISTING = date(2026, 11, 20)
START = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
END = START + timedelta(days=3)
SERVED = datetime(2026, 11, 23, 2, 31, 31, tzinfo=timezone.utc)
HANDLE = "tester.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"  # the app-password shape
ACCESS = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.test-access.sig"


def fetch(api: EngagementApi, **overrides):
    stats = RequestStats()
    options = dict(
        api_url=api.bsky_url, handle=HANDLE, password=PASSWORD, start=START, end=END,
        min_interval=0.0, timeout=5.0, retries=2, stats=stats,
    )
    options.update(overrides)
    table, not_posts = fetch_posts(LISTING, **options)
    return table, not_posts, stats


def serve_login(api: EngagementApi) -> None:
    api.default(BSKY_LOGIN_PATH, json_response(bsky_session(ACCESS)))


def test_logs_in_once_then_searches_with_the_token_following_the_cursor() -> None:
    pages = [
        bsky_page([bsky_post("3a", links=["https://arxiv.org/abs/2611.00001"], likes=4)], cursor="c1"),
        bsky_page([bsky_post("3b", links=["https://arxiv.org/abs/2611.00002"], likes=5)], cursor="c2"),
        bsky_page([bsky_post("3c", links=["https://arxiv.org/abs/2611.00003"], likes=6)]),
    ]
    with EngagementApi() as api:
        serve_login(api)
        api.enqueue(BSKY_SEARCH_PATH, *(json_response(p) for p in pages[:2]), json_response(pages[2], date=http_date(SERVED)))
        table, _, stats = fetch(api)
        logins, searches, posted = api.requests_to(BSKY_LOGIN_PATH), api.requests_to(BSKY_SEARCH_PATH), api.posted

    assert [r.method for r in logins] == ["POST"]
    assert json.loads(posted[0]) == {"identifier": HANDLE, "password": PASSWORD}
    assert [r.param("cursor") for r in searches] == [None, "c1", "c2"]
    for request in searches:
        assert request.headers["authorization"] == f"Bearer {ACCESS}"
        assert (request.param("q"), request.param("domain"), request.param("sort"), request.param("limit")) == (
            "arxiv", "arxiv.org", "latest", "100"
        )
        assert (request.param("since"), request.param("until")) == ("2026-11-20T01:00:00Z", "2026-11-23T01:00:00Z")
        assert PASSWORD not in json.dumps(request.query) and "authorization" not in json.dumps(request.query)
    assert stats.requests == 4 and stats.pages == 3
    assert table.schema == POSTS_SCHEMA
    assert table.column("like_count").to_pylist() == [4, 5, 6]
    assert table.to_pylist()[-1]["fetched_at"] == SERVED


def test_links_from_facets_and_cards_count_once_per_paper_and_reposts_are_not_posts() -> None:
    posts = [
        # two papers in one post: it cites both
        bsky_post("3a", text="Two:", links=["https://arxiv.org/abs/2611.00001", "https://arxiv.org/pdf/2611.00002v2"],
                  likes=6, reposts=2, quotes=1, replies=3, handle="reader.bsky.social"),
        # the same paper as a facet and as a link card: cited once
        bsky_post("3b", links=["https://arxiv.org/abs/2611.00001"], card="https://arxiv.org/abs/2611.00001v1", likes=40),
        # a link card only (no facet), the id also in the text
        bsky_post("3c", text="See arXiv:2611.00003", card="https://www.arxiv.org/abs/2611.00003", likes=1),
        # a repost record is not a post: dropped, never counted
        bsky_post("3d", links=["https://arxiv.org/abs/2611.00001"], likes=999, record_type="app.bsky.feed.repost"),
        # a post linking arxiv.org but no paper: nothing to count
        bsky_post("3e", card="https://arxiv.org/list/cs.LG/recent", likes=3),
    ]
    with EngagementApi() as api:
        serve_login(api)
        api.default(BSKY_SEARCH_PATH, json_response(bsky_page(posts)))
        table, not_posts, _ = fetch(api)
    rows = {r["uri"].rsplit("/", 1)[1]: r for r in table.to_pylist()}
    assert not_posts == 1
    assert sorted(rows) == ["3a", "3b", "3c"]
    assert rows["3a"]["cited_arxiv_ids"] == ["2611.00001", "2611.00002"]
    assert (rows["3a"]["like_count"], rows["3a"]["repost_count"], rows["3a"]["quote_count"], rows["3a"]["reply_count"]) == (6, 2, 1, 3)
    assert rows["3a"]["author_handle"] == "reader.bsky.social" and rows["3a"]["author_did"].startswith("did:plc:")
    assert rows["3b"]["cited_arxiv_ids"] == ["2611.00001"]
    assert rows["3c"]["cited_arxiv_ids"] == ["2611.00003"]


def test_a_refused_login_is_one_line_naming_the_settings_and_never_the_password() -> None:
    with EngagementApi() as api:
        api.default(BSKY_LOGIN_PATH, json_response({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, status=401))
        with pytest.raises(SourceError) as caught:
            fetch(api)
        searches, logins = api.requests_to(BSKY_SEARCH_PATH), api.requests_to(BSKY_LOGIN_PATH)
    message = str(caught.value)
    assert message.startswith(
        f"Bluesky search for listing 2026-11-20: login as {HANDLE} refused: HTTP 401 AuthenticationRequired: "
        "Invalid identifier or password (check BSKY_HANDLE and BSKY_APP_PASSWORD)"
    )
    assert PASSWORD not in message and "\n" not in message
    assert len(logins) == 1 and searches == []


def test_a_rate_limited_login_is_not_retried() -> None:
    reset = int(time.time()) + 3600
    limited = Canned(429, b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
                     {"RateLimit-Reset": str(reset)}, "application/json")
    with EngagementApi() as api:
        api.default(BSKY_LOGIN_PATH, limited)
        with pytest.raises(SourceError) as caught:
            fetch(api)
        logins = len(api.requests_to(BSKY_LOGIN_PATH))
    assert logins == 1
    assert "HTTP 429 RateLimitExceeded" in str(caught.value) and "logins are limited; try again after" in str(caught.value)


def test_a_rate_limited_search_waits_for_ratelimit_reset() -> None:
    """No Retry-After, only Bluesky's ``RateLimit-Reset`` (Unix time): the retry waits for it."""
    page = json_response(bsky_page([bsky_post("3a", links=["https://arxiv.org/abs/2611.00001"], likes=1)]))
    with EngagementApi() as api:
        serve_login(api)
        api.enqueue(BSKY_SEARCH_PATH, lambda _: Canned(
            429, b'{"error":"RateLimitExceeded"}', {"RateLimit-Reset": str(int(time.time()) + 2)}, "application/json"
        ), page)
        table, _, stats = fetch(api)
        first, second = api.requests_to(BSKY_SEARCH_PATH)
    assert second.arrived - first.arrived >= 0.95
    assert stats.retries == 1 and table.num_rows == 1


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (Canned(200, b"not json", content_type="application/json"), "response is not JSON"),
        (json_response({"cursor": "x"}), "page 0 has no posts array"),
        (json_response({"posts": [{"cid": "bafy", "record": {}}]}), "a post has no uri or record"),
        (json_response({"error": "ExpiredToken", "message": "Token has expired"}, status=400), "HTTP 400 ExpiredToken: Token has expired"),
    ],
)
def test_a_malformed_search_answer_is_one_source_error(answer: Canned, fragment: str) -> None:
    with EngagementApi() as api:
        serve_login(api)
        api.default(BSKY_SEARCH_PATH, answer)
        with pytest.raises(SourceError) as caught:
            fetch(api, retries=1)
    message = str(caught.value)
    assert message.startswith("Bluesky search for listing 2026-11-20: ") and fragment in message
    assert "\n" not in message and PASSWORD not in message and ACCESS not in message


def test_nothing_written_holds_the_password_or_the_token(tmp_path: Path) -> None:
    post = bsky_post("3a", text="mentioning my handle tester.bsky.social", links=["https://arxiv.org/abs/2611.00001"])
    with EngagementApi() as api:
        serve_login(api)
        api.default(BSKY_SEARCH_PATH, json_response(bsky_page([post])))
        table, _, stats = fetch(api)
    path = write_partition(tmp_path, "bluesky_posts", LISTING, table)
    stored = pq.read_table(path)  # compressed on disk: compare the decoded values
    written = json.dumps([stored.to_pylist(), str(stored.schema), stats.as_metadata()], default=str)
    assert stored.num_rows == 1 and "tester.bsky.social" in written  # the check can see what was stored
    assert PASSWORD not in written and ACCESS not in written

"""Fuzzing the Atom and X JSON readers: any body gives typed rows or our SourceError, nothing else.

Bodies are served over loopback HTTP to the real clients (``fetch_listing``, ``fetch_tweets``):
feeds and pages in the real formats whose every field may be valid, odd or of the wrong JSON type,
and raw byte soup (truncated, bit-flipped). The id extractor and the calendar have their own
property tests (tests/test_arxiv_ids.py, tests/test_calendar.py).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sources.arxiv_listing import PAPERS_SCHEMA, fetch_listing
from pipelines.sources.http import SourceError
from pipelines.sources.x_search import TWEETS_SCHEMA, fetch_tweets
from tests.loopback import ARXIV_PATH, X_SEARCH_PATH, Canned, FakeApi, atom_feed

FRIDAY = date(2021, 6, 4)
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def api():
    with FakeApi() as server:
        yield server


# --- arXiv Atom -----------------------------------------------------------------------------------

ids = st.one_of(
    st.from_regex(r"\A2106\.0[0-9]{4}(v[0-9]{1,6})?\Z"),
    st.from_regex(r"\A(hep-th|math\.AG|cs)/0[0-9]{6}(v[0-9])?\Z"),
    st.text(max_size=30),
)
times = st.one_of(
    st.datetimes(min_value=datetime(2021, 6, 1), max_value=datetime(2021, 6, 5)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.just("2021-06-02T20:00:00Z"),
    st.text(max_size=25),
)
texts = st.text(max_size=60)  # any code point: control characters make the XML itself invalid
categories = st.lists(st.one_of(st.sampled_from(["cs.LG", "stat.ML", "math.AG", "cs.CV"]), st.text(max_size=8)), max_size=3)
entries = st.fixed_dictionaries(
    {"id": ids, "published": times, "updated": times, "title": texts, "summary": texts,
     "authors": st.lists(texts, max_size=3), "categories": categories.filter(bool)},
    optional={"comment": texts, "journal_ref": texts, "doi": texts, "primary_category": st.text(max_size=8)},
)


@st.composite
def atom_bodies(draw) -> bytes:
    feed_entries = draw(st.lists(entries, max_size=4))
    total = draw(st.one_of(st.just(len(feed_entries)), st.integers(0, 10)))
    body = atom_feed(feed_entries, total_results=total, items_per_page=100)
    mutation = draw(st.sampled_from(["none", "none", "truncate", "flip", "insert"]))
    if mutation == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif mutation == "flip":
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
    elif mutation == "insert":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=12)) + body[at:]
    return body


@FUZZ
@given(body=atom_bodies())
def test_any_atom_body_gives_rows_or_a_source_error(api: FakeApi, body: bytes, tally) -> None:
    api.default(ARXIV_PATH, Canned(200, body, {}, "application/atom+xml"))
    tally.add(bad_inputs=1)
    try:
        table = fetch_listing(
            FRIDAY, api_url=api.url(ARXIV_PATH), categories=("cs.*", "stat.ML"), holidays=frozenset(),
            delay_seconds=0.0, page_size=100, timeout=5.0, retries=0,
        )
    except SourceError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("arXiv listing 2021-06-04: ")
        return
    assert table.schema == PAPERS_SCHEMA
    assert len(set(table.column("arxiv_id").to_pylist())) == table.num_rows
    for row in table.to_pylist():
        assert 1 <= row["version"] <= 9999 and row["published"] is not None
        assert all(ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F for ch in row["title"] + row["abstract"])


# --- X JSON ---------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def maybe(strategy):
    """The field as the API sends it, or any JSON value at all."""
    return st.one_of(strategy, strategy, json_values)


urls = st.one_of(
    st.sampled_from([
        "https://arxiv.org/abs/2106.01548", "https://arxiv.org/pdf/2106.01548v2.pdf", "https://arxiv.org.evil.com/abs/2106.01548",
        "https://notarxiv.org/abs/2106.01548", "https://arxiv.org/abs/2113.01548",
    ]),
    st.text(max_size=40),
)
tweets = st.fixed_dictionaries(
    {
        "id": maybe(st.one_of(st.from_regex(r"\A[1-9][0-9]{0,19}\Z"), st.text(max_size=10))),
        "text": maybe(st.text(max_size=80)),
        "author_id": maybe(st.sampled_from(["1", "2", "3"])),
        "created_at": maybe(st.one_of(st.just("2021-06-04T01:00:00.000Z"), st.text(max_size=25))),
        "lang": maybe(st.sampled_from(["en", "he", "ar", "und"])),
        "public_metrics": maybe(st.dictionaries(
            st.sampled_from(["retweet_count", "like_count", "reply_count", "quote_count"]),
            st.one_of(st.integers(), st.floats(), st.text(max_size=5), json_values), max_size=4,
        )),
        "entities": maybe(st.fixed_dictionaries({"urls": maybe(st.lists(maybe(st.fixed_dictionaries(
            {"expanded_url": maybe(urls)}, optional={"url": maybe(urls)}
        )), max_size=3))})),
        "referenced_tweets": maybe(st.lists(maybe(st.fixed_dictionaries(
            {"type": maybe(st.sampled_from(["retweeted", "quoted", "replied_to"])), "id": maybe(st.just("5"))}
        )), max_size=2)),
    }
)
users = st.fixed_dictionaries({"id": maybe(st.sampled_from(["1", "2", "3"])), "name": maybe(st.text(max_size=20)),
                               "username": maybe(st.text(max_size=15))})
pages = st.fixed_dictionaries(
    {
        "data": maybe(st.lists(maybe(tweets), max_size=4)),
        "includes": maybe(st.fixed_dictionaries({"users": maybe(st.lists(maybe(users), max_size=3))})),
        "meta": maybe(st.fixed_dictionaries({}, optional={"next_token": maybe(st.text(max_size=5)), "result_count": json_values})),
    }
)


@st.composite
def x_bodies(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=60))
    body = json.dumps(draw(st.one_of(pages, pages, pages, json_values))).encode()
    if draw(st.integers(0, 9)) == 0:
        body = body[: draw(st.integers(0, len(body)))]
    return body


@FUZZ
@given(body=x_bodies())
def test_any_x_body_gives_rows_or_a_source_error(api: FakeApi, body: bytes, tally) -> None:
    api.default(X_SEARCH_PATH, Canned(200, body, {}, "application/json"))
    tally.add(bad_inputs=1)
    try:
        table, retweets = fetch_tweets(
            FRIDAY, api_url=api.url("/2"), token="test-token-0123", start=datetime(2021, 6, 4, tzinfo=timezone.utc),
            end=datetime(2021, 6, 6, tzinfo=timezone.utc), timeout=5.0, retries=0,
        )
    except SourceError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("X recent search for listing 2021-06-04: ")
        return
    assert table.schema == TWEETS_SCHEMA and retweets >= 0
    ids = table.column("tweet_id").to_pylist()
    assert len(set(ids)) == len(ids) and all(i.isdigit() for i in ids)
    for row in table.to_pylist():
        assert all(0 <= row[c] < 2**63 for c in ("retweet_count", "like_count", "reply_count", "quote_count"))
        cited_somewhere = " ".join([row["text"], *row["expanded_urls"]])
        # lookalike hosts and month 13 never count; anything else cited is really in the tweet
        assert all(c == "2106.01548" or c in cited_somewhere for c in row["cited_arxiv_ids"])

"""Several listing dates served by one loopback FakeApi, in the real wire formats.

arXiv requests are routed to a listing date by the submission window in their ``search_query``
(``submittedDate:[start TO end]``), X recent-search requests by their ``start_time`` (the listing's
announcement). The other engagement sources (Hugging Face Daily Papers by ``date``, Hacker News by
its ``created_at_i>=`` filter) are routed too and answer empty pages. Each date's pages carry a fixed
``Date`` header, so two runs against two servers built from the same world ingest identical
snapshots. A date in ``failing`` answers 503 to arXiv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from pipelines.calendar import announcement_time, submission_window
from tests.loopback import (
    ARXIV_PATH,
    X_SEARCH_PATH,
    Canned,
    FakeApi,
    RecordedRequest,
    atom_feed,
    atom_response,
    error,
    http_date,
    json_response,
    tweet,
    x_page,
    x_response,
)

_WINDOW = re.compile(r"submittedDate:\[(\d{12}) TO")
HF_PATH = "/hf/daily_papers"
HN_PATH = "/hn/search_by_date"


@dataclass
class ListingDay:
    listing_date: date
    entries: list[dict[str, Any]]
    tweets: list[dict[str, Any]]
    served_at: datetime


@dataclass
class ListingWorld:
    days: dict[date, ListingDay]
    failing: set[date] = field(default_factory=set)

    def date_of(self, request: RecordedRequest) -> date | None:
        """The listing date a recorded request asked about (None when it matches none)."""
        if request.path == ARXIV_PATH:
            match = _WINDOW.search(request.param("search_query") or "")
            for day in self.days:
                if match and match.group(1) == f"{submission_window(day)[0]:%Y%m%d%H%M}":
                    return day
        if request.path == X_SEARCH_PATH:
            for day in self.days:
                if request.param("start_time") == announcement_time(day).strftime("%Y-%m-%dT%H:%M:%SZ"):
                    return day
        if request.path == HF_PATH:
            for day in self.days:
                if request.param("date") == day.isoformat():
                    return day
        if request.path == HN_PATH:
            for day in self.days:
                if (request.param("numericFilters") or "").startswith(f"created_at_i>={int(announcement_time(day).timestamp())},"):
                    return day
        return None

    def arxiv(self, request: RecordedRequest) -> Canned:
        day = self.date_of(request)
        if day is None:
            return error(400, body=b"unexpected query")
        if day in self.failing:
            return error(503)
        start, size = int(request.param("start") or 0), int(request.param("max_results") or 10)
        entries = self.days[day].entries
        feed = atom_feed(entries[start : start + size], total_results=len(entries), start_index=start, items_per_page=size)
        return atom_response(feed, date=http_date(self.days[day].served_at))

    def x(self, request: RecordedRequest) -> Canned:
        day = self.date_of(request)
        if day is None:
            return error(400, body=b"unexpected start_time")
        return x_response(x_page(self.days[day].tweets), date=http_date(self.days[day].served_at))

    def empty(self, body: Any) -> Callable[[RecordedRequest], Canned]:
        def respond(request: RecordedRequest) -> Canned:
            day = self.date_of(request)
            if day is None:
                return error(400, body=b"unexpected query")
            return json_response(body, date=http_date(self.days[day].served_at))

        return respond

    def serve(self) -> FakeApi:
        api = FakeApi()
        api.default(ARXIV_PATH, self.arxiv)
        api.default(X_SEARCH_PATH, self.x)
        api.default(HF_PATH, self.empty([]))
        api.default(HN_PATH, self.empty({"hits": [], "nbPages": 0, "page": 0}))
        return api

    def requests_for(self, api: FakeApi, day: date) -> list[RecordedRequest]:
        return [r for r in api.requests if self.date_of(r) == day]


def live_env(api: FakeApi) -> dict[str, str]:
    """Environment pointing `--source live` at the loopback server, fast and without retries."""
    return {
        "ARXIV_API_URL": api.url(ARXIV_PATH),
        "X_API_URL": api.url("/2"),
        "X_BEARER_TOKEN": "test-token",
        "ARXIV_DELAY_SECONDS": "0",
        "HOTPAPERS_HTTP_RETRIES": "0",
        "HF_API_URL": api.url("/hf"),
        "HN_API_URL": api.url("/hn"),
    }


def paper(arxiv_id: str, listing_date: date, title: str, minutes: int = 60, categories=("cs.LG",)) -> dict[str, Any]:
    """An arXiv entry submitted ``minutes`` into the listing's submission window."""
    published = submission_window(listing_date)[0] + timedelta(minutes=minutes)
    return {
        "id": f"{arxiv_id}v1",
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": title,
        "categories": list(categories),
    }


def share(tweet_id: str, listing_date: date, arxiv_id: str, retweets: int, likes: int, minutes: int = 2) -> dict[str, Any]:
    """An original tweet linking to a paper, posted ``minutes`` after the listing's announcement."""
    created = (announcement_time(listing_date) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return tweet(
        tweet_id,
        text=f"worth reading {tweet_id}",
        author_id=f"7{tweet_id}",
        created_at=created,
        urls=[f"https://arxiv.org/abs/{arxiv_id}"],
        metrics={"retweet_count": retweets, "like_count": likes},
    )


def snapshot_time(listing_date: date, now: datetime) -> datetime:
    """A fixed, past snapshot time for a date's pages: a day after its announcement, or a minute ago."""
    return min(announcement_time(listing_date) + timedelta(days=1), now - timedelta(minutes=1)).replace(microsecond=0)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)

"""One live listing date full of awkward data, served over loopback in the real wire formats.

Used by the CLI-level reliability tests (`hotpapers run --source live` in a subprocess): the newest
announced listing date, an arXiv listing with TeX, entities, control characters, a withdrawn paper,
odd versions and entries missing fields, and two X pages with every kind of awkward tweet (a tweet
repeated across pages, lookalike hosts, month 13, emoji/RTL/combining text, 10k characters,
HTML/script in text and names). Every page carries a fixed ``Date`` header, so two runs ingest the
same snapshot; faults are queued in front of the normal answers (``FakeApi.enqueue``).

The expected facts below are written by hand from this data, not computed by the code under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipelines.calendar import announcement_time, latest_listing_date, submission_window
from tests.loopback import (
    ARXIV_PATH,
    X_SEARCH_PATH,
    Canned,
    FakeApi,
    RecordedRequest,
    arxiv_responder,
    http_date,
    json_response,
    tweet,
    x_page,
    x_response,
)

MARKER = "hp-secret-marker-7Qx3ZrT9"  # the X token of every run here: it must never be written anywhere
HF_PATH, HN_PATH = "/hf/daily_papers", "/hn/search_by_date"
REPO = Path(__file__).resolve().parents[2]

LISTING = latest_listing_date(datetime.now(timezone.utc) - timedelta(minutes=10))
ANNOUNCED = announcement_time(LISTING)
SERVED_AT = min(ANNOUNCED + timedelta(days=1), datetime.now(timezone.utc) - timedelta(minutes=2)).replace(microsecond=0)
_YYMM = f"{LISTING:%y%m}"


def arxiv_id(n: int) -> str:
    return f"{_YYMM}.{n:05d}"


HOT, LONG, QUIET = arxiv_id(1), arxiv_id(2), arxiv_id(3)
TEX, WITHDRAWN, V12 = arxiv_id(4), arxiv_id(5), arxiv_id(6)
# ids of entries that must not become papers: version 0, version 99999, no <published>
BAD_VERSION_0, BAD_VERSION_HUGE, NO_PUBLISHED = arxiv_id(7), arxiv_id(8), arxiv_id(9)
PAPERS = sorted([HOT, LONG, QUIET, TEX, WITHDRAWN, V12])
TEX_TITLE = r"Learning $\alpha$-divergences in $\mathcal{O}(n \log n)$: \emph{fast} & <b>bold</b> &eacute;"


def _published(minutes: int) -> str:
    return (submission_window(LISTING)[0] + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


ENTRIES: list[dict[str, Any]] = [
    {"id": f"{HOT}v1", "published": _published(10), "title": "A Hot Paper", "categories": ["cs.LG", "stat.ML"]},
    {"id": f"{LONG}v1", "published": _published(20), "title": "A Paper Cited by a Very Long Tweet", "categories": ["cs.CL"]},
    {"id": f"{QUIET}v1", "published": _published(30), "title": "A Quiet Paper", "categories": ["cs.CV"]},
    {
        "id": f"{TEX}v1",
        "published": _published(40),
        "title": TEX_TITLE + "\u0085\u007f",  # C1 control and DEL: legal XML, cleaned to nothing
        "summary": "Abstract with\u0085 a C1 control, TeX $x^2$ and an entity &amp; HTML <i>tags</i>.",
        "authors": ["Zoë Ünal", "Алексей Петров", "李雷"],
        "categories": ["cs.LG"],
    },
    {
        "id": f"{WITHDRAWN}v2",
        "published": _published(50),
        "updated": _published(60 * 24),
        "title": "A Withdrawn Paper",
        "summary": "This paper has been withdrawn by the author due to an error in Lemma 2.",
        "comment": "This paper has been withdrawn",
        "categories": ["cs.AI"],
    },
    {"id": f"{V12}v12", "published": _published(70), "title": "A Paper at Version 12", "categories": ["cs.LG"]},
    {"id": f"{BAD_VERSION_0}v0", "published": _published(80), "title": "Version Zero", "categories": ["cs.LG"]},
    {"id": f"{BAD_VERSION_HUGE}v99999", "published": _published(90), "title": "Version 99999", "categories": ["cs.LG"]},
    {"id": f"{NO_PUBLISHED}v1", "published": "", "title": "No Published Date", "categories": ["cs.LG"]},
]

SCRIPT_NAME = "<script>alert('name')</script> Mallory"
RTL_TEXT = "🔥🔥 שלום עולם مرحبا e\u0301\u0301 n\u0303 👩🏽‍🔬"
LONG_TEXT = "long " * 2000  # 10,000 characters before the citation


def created(minutes: int) -> str:
    """A tweet time, ``minutes`` after the announcement."""
    return (ANNOUNCED + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _tweets_page_1() -> list[dict[str, Any]]:
    return [
        # repeated on page 2 with newer metrics: counted once, with the newer ones
        tweet("9000001", text="read this", author_id="11", created_at=created(5),
              urls=[f"https://arxiv.org/abs/{HOT}"], metrics={"retweet_count": 20, "like_count": 30}),
        tweet("9000002", text=f"{RTL_TEXT} arXiv:{HOT}", author_id="12", created_at=created(6), lang="he",
              metrics={"retweet_count": 15, "like_count": 25}),
        tweet("9000003", text=f"<script>alert(1)</script><img src=x onerror=alert(2)> arXiv:{HOT}",
              author_id="13", created_at=created(7), metrics={"retweet_count": 14, "like_count": 20}),
        tweet("9000004", text="no links at all, just vibes \u0000\u0007 \ud800", author_id="14",
              created_at=created(8), metrics={"retweet_count": 500, "like_count": 500}),
    ]


def _tweets_page_2() -> list[dict[str, Any]]:
    lookalikes = tweet(
        "9000005",
        text=f"notarxiv.org/abs/{QUIET} and arxiv.org.evil.com/abs/{QUIET} and arXiv:{_YYMM[:2]}13.00003",
        author_id="15",
        created_at=created(9),
        urls=[f"https://arxiv.org.evil.com/abs/{QUIET}", f"https://notarxiv.org/abs/{QUIET}"],
        metrics={"retweet_count": 900, "like_count": 900},
    )
    weird_metrics = tweet("9000006", text=f"arXiv:{TEX}", author_id="16", created_at=created(10))
    weird_metrics["public_metrics"] = {"retweet_count": -5, "like_count": "lots", "reply_count": 1e30}
    return [
        tweet("9000001", text="read this", author_id="11", created_at=created(5),
              urls=[f"https://arxiv.org/abs/{HOT}"], metrics={"retweet_count": 21, "like_count": 32}),
        tweet("9000007", text=LONG_TEXT + f"arxiv.org/abs/{LONG}", author_id="17", created_at=created(11),
              metrics={"retweet_count": 3, "like_count": 4}),
        lookalikes,
        weird_metrics,
        {"id": "not-a-number", "text": f"arXiv:{HOT}", "author_id": "18"},
        {"id": "9000008", "text": "a retweet", "author_id": "19",
         "referenced_tweets": ["9000001", None, {"type": "retweeted", "id": "9000001"}]},
    ]


def x_pages() -> list[dict[str, Any]]:
    users = [
        {"id": "11", "name": "Ada", "username": "ada"},
        {"id": "12", "name": "נועה", "username": "noa"},
        {"id": "13", "name": SCRIPT_NAME, "username": 'mallory"><script>x</script>'},
        {"id": "14", "name": "Vibes", "username": "vibes"},
        {"id": "15", "name": "Evil", "username": "evil"},
        {"id": "16", "name": "Metric", "username": "metric"},
        {"id": "17", "name": "Longform", "username": "longform"},
        {"id": "19", "name": "RT", "username": "rt"},
    ]
    second = {"data": _tweets_page_2(), "includes": {"users": users}, "meta": {"result_count": 6}}
    return [x_page(_tweets_page_1(), users=users, next_token="page2"), second]


# hand-written expectations -----------------------------------------------------------------------
EXPECTED_TWEET_IDS = ["9000001", "9000002", "9000003", "9000004", "9000005", "9000006", "9000007"]
EXPECTED_CITATIONS = {  # tweet id -> papers it cites
    "9000001": [HOT], "9000002": [HOT], "9000003": [HOT], "9000004": [],
    "9000005": [], "9000006": [TEX], "9000007": [LONG],
}
HOT_RETWEETS, HOT_LIKES = 21 + 15 + 14, 32 + 25 + 20  # 9000001 counted once, at its newer metrics


def x_responder(request: RecordedRequest) -> Canned:
    first, second = x_pages()
    page = second if request.param("next_token") == "page2" else first
    return x_response(page, date=http_date(SERVED_AT))


def empty_json(body: Any):
    def respond(request: RecordedRequest) -> Canned:
        return json_response(body, date=http_date(SERVED_AT))

    return respond


HN_EMPTY = {"hits": [], "nbPages": 0, "page": 0}


def arxiv_ok():
    """The arXiv API's answer for LISTING (pages by ``start`` and ``max_results``)."""
    return arxiv_responder(ENTRIES, date=http_date(SERVED_AT))


def serve() -> FakeApi:
    """A FakeApi answering arXiv, X, Hugging Face and Hacker News for LISTING (not started)."""
    api = FakeApi()
    api.default(ARXIV_PATH, arxiv_ok())
    api.default(X_SEARCH_PATH, x_responder)
    api.default(HF_PATH, empty_json([]))
    api.default(HN_PATH, empty_json(HN_EMPTY))
    return api


def live_env(api: FakeApi, **extra: str) -> dict[str, str]:
    """`--source live` against the loopback server: the marker token, fast pacing, two retries."""
    return {
        "ARXIV_API_URL": api.url(ARXIV_PATH),
        "X_API_URL": api.url("/2"),
        "HF_API_URL": api.url("/hf"),
        "HN_API_URL": api.url("/hn"),
        "X_BEARER_TOKEN": MARKER,
        "ARXIV_DELAY_SECONDS": "0",
        "HOTPAPERS_HTTP_RETRIES": "2",
        "HOTPAPERS_HTTP_TIMEOUT_SECONDS": "1",
        "ARXIV_PAGE_SIZE": "4",
        **extra,
    }


@dataclass
class Run:
    """One finished CLI run: its exit code and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


def hotpapers_run(data_dir: Path, env: dict[str, str], *args: str, launcher: list[str] | None = None, **popen: Any):
    """`hotpapers run --source live --date LISTING` in a subprocess (``launcher`` replaces ``-m pipelines.cli``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_", "HF_", "HN_", "BSKY_"))}
    full_env.update({"HOTPAPERS_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), **env})
    command = [sys.executable, *(launcher or ["-m", "pipelines.cli"]), "run", "--source", "live", "--date", LISTING.isoformat(), *args]
    return subprocess.Popen(command, env=full_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process: subprocess.Popen, timeout: float = 240) -> Run:
    """Wait for a run; one that hangs is killed (and fails the test) rather than left running."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"the run hung for {timeout} s and was killed; stderr: {stderr[-2000:]}") from None
    return Run(process.returncode, stdout, stderr)


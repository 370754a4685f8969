"""One engagement model over four sources: the counting rules, weights, the ignore list and the per-account
cap, with figures worked out by hand; live runs through the CLI that skip what is not configured and
never write a secret.

The recent sample date (data/sample/2026-11-20, see data/sample/README.md) is designed so every
figure below can be added up by hand from its table.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.calendar import announcement_time, latest_listing_date, submission_window
from pipelines.config import Settings
from pipelines.rawstore import write_partition
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.bluesky import POSTS_SCHEMA
from pipelines.sources.hn_algolia import STORIES_SCHEMA
from pipelines.sources.x_search import TWEETS_SCHEMA
from pipelines.sqlmodels import build_partition, build_session, count_failures, discover, discover_tests, rebuild
from tests.conftest import hotpapers
from tests.engagement_loopback import (
    BSKY_LOGIN_PATH,
    BSKY_SEARCH_PATH,
    HF_PATH,
    HN_PATH,
    EngagementApi,
    bsky_page,
    bsky_post,
    bsky_session,
    hf_item,
    hn_hit,
    hn_page,
)
from tests.loopback import ARXIV_PATH, X_SEARCH_PATH, arxiv_responder, json_response, tweet, x_page, x_response

RECENT = date(2026, 11, 20)
P = {n: f"2611.9910{n}" for n in range(1, 9)}  # the sample's papers 1..8
DIGEST_COLUMNS = (
    "rank, arxiv_id, score, retweets, favorites, tweet_count, on_hf_daily_papers, hf_upvotes, hf_comments, "
    "hn_stories, hn_points, hn_comments, bluesky_posts, bluesky_likes, bluesky_reposts, bluesky_quotes, bluesky_replies"
)


def rows(con: duckdb.DuckDBPyConnection, query: str, *params: object) -> list[tuple]:
    return con.execute(query, list(params)).fetchall()


# --- the recent sample through the CLI ------------------------------------------------------------


@pytest.fixture(scope="module")
def recent_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("recent-sample")
    result = hotpapers("run", "--date", RECENT.isoformat(), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout


def test_recent_sample_digest_adds_every_source_as_worked_out_by_hand(recent_sample: tuple[Path, str]) -> None:
    data_dir, stdout = recent_sample
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        digest = rows(con, f"select {DIGEST_COLUMNS} from digest_daily where listing_date = ? order by rank", RECENT)
        below = rows(con, "select arxiv_id, score, retweets, favorites, hf_upvotes, hn_points from paper_engagement"
                          " where listing_date = ? and score < 50 order by arxiv_id", RECENT)
        embeds = rows(con, "select arxiv_id, author_handle, score from digest_tweets where listing_date = ? order by arxiv_id", RECENT)
    finally:
        con.close()
    # paper 1: X 30+90 + 2+8, HF 48, HN 75, Bluesky 40+12 (own post) + 6+2 (a post citing papers 1 and 5) = 313
    # paper 5: X 20+56 + 4+11 (one account) + 1+4, Bluesky 6+2 (the same two-paper post) = 104
    assert digest == [
        (1, P[1], 313, 32, 98, 2, True, 48, 6, 1, 75, 31, 2, 46, 14, 3, 6),
        (2, P[5], 104, 25, 71, 3, False, 0, 0, 0, 0, 0, 1, 6, 2, 0, 1),
        (3, P[2], 64, 0, 0, 0, True, 64, 9, 0, 0, 0, 0, 0, 0, 0, 0),
        (4, P[3], 58, 0, 0, 0, False, 0, 0, 2, 58, 42, 0, 0, 0, 0, 0),
        (5, P[4], 56, 0, 0, 0, False, 0, 0, 0, 0, 0, 1, 45, 11, 1, 4),
    ]
    # paper 6: X 5+15, HF 17, HN 12 = 49, one short; paper 7: nothing; paper 8 (math.AG) is not listed at all
    assert below == [(P[6], 49, 5, 15, 17, 12), (P[7], 0, 0, 0, 0, 0)]
    assert embeds == [(P[1], "sample_lab", 120), (P[5], "sample_paper_bot", 76)]
    assert "engagement: 6 tweets (X), 3 papers on Hugging Face, 4 Hacker News stories, 3 Bluesky posts" in stdout
    assert "skipped" not in stdout


def test_recent_sample_post_shows_each_sources_figures(recent_sample: tuple[Path, str]) -> None:
    data_dir, _ = recent_sample
    post = (data_dir / "digests" / "hot-papers-2026-11-20.md").read_text(encoding="utf-8")
    lines = post.splitlines()
    expected = [
        "- retweets: 32, favorites: 98 (11/23/2026 02:31:31)",
        "- Hugging Face: 48 upvotes, 6 comments | Hacker News: 75 points, 31 comments"
        " | Bluesky: 46 likes, 14 reposts, 3 quotes, 6 replies (2 posts) | score: 313",
        "- retweets: 25, favorites: 71 (11/23/2026 02:31:31)",
        "- Bluesky: 6 likes, 2 reposts, 0 quotes, 1 reply | score: 104",
        "- Hugging Face: 64 upvotes, 9 comments | score: 64",
        "- Hacker News: 58 points, 42 comments (2 stories) | score: 58",
        "- Bluesky: 45 likes, 11 reposts, 1 quote, 4 replies | score: 56",
    ]
    for line in expected:
        assert line in lines, line
    assert [line for line in lines if line.startswith("# ")] == [
        "# 1. [Sample] A Paper Shared Everywhere",
        "# 2. [Sample] A Paper One Account Pushes",
        "# 3. [Sample] A Paper Only Hugging Face Noticed",
        "# 4. [Sample] A Paper Only Hacker News Noticed",
        "# 5. [Sample] A Paper Only Bluesky Noticed",
    ]


# --- settings: weights, ignore list, per-account cap (the same raw data, models rebuilt in-process) ---


@contextmanager
def built(data_dir: Path, listing_date: date, **settings: object) -> Iterator[duckdb.DuckDBPyConnection]:
    """The real SQL models behind the digest, built for one date in data_dir's build database."""
    models = {m.name: m for m in discover()}
    needed: set[str] = set()
    stack = ["digest_daily", "digest_tweets", "paper_engagement"]
    while stack:
        name = stack.pop()
        if name in models and name not in needed:
            needed.add(name)
            stack.extend(models[name].reads)
    with build_session(Settings(data_dir=data_dir, **settings)) as con:
        for model in discover():
            if model.name in needed:
                build_partition(con, model, listing_date) if model.partitioned else rebuild(con, model)
        failures = {
            f"{t.table}:{t.name}": count_failures(con, t, listing_date) for t in discover_tests() if t.table in needed
        }
        con.execute("reset variable listing_date")
        assert failures and not any(failures.values()), failures  # the data tests hold under every setting
        yield con


def scores(con: duckdb.DuckDBPyConnection, listing_date: date) -> dict[str, tuple[int, int]]:
    found = rows(con, "select arxiv_id, score, score_before_cap from paper_engagement where listing_date = ?", listing_date)
    return {arxiv_id: (score, before) for arxiv_id, score, before in found}


def digest(con: duckdb.DuckDBPyConnection, listing_date: date) -> list[tuple[str, int]]:
    return rows(con, "select arxiv_id, score from digest_daily where listing_date = ? order by rank", listing_date)


@pytest.fixture
def sample_raw(recent_sample: tuple[Path, str], tmp_path: Path) -> Path:
    """A fresh data directory holding only the recent sample's raw Parquet."""
    shutil.copytree(recent_sample[0] / "raw", tmp_path / "raw")
    return tmp_path


def test_cap_limits_each_accounts_share_of_a_papers_score(sample_raw: Path) -> None:
    """HOTPAPERS_ACCOUNT_CAP=0.5: no account may contribute more than half a paper's score before capping."""
    with built(sample_raw, RECENT, account_cap=0.5) as con:
        got, top = scores(con, RECENT), digest(con, RECENT)
    # paper 5: sample_paper_bot's two tweets 76 + 15 = 91 of 104 → capped at 52; + 5 + 8 = 65
    assert got[P[5]] == (65, 104)
    assert got[P[1]] == (313, 313)  # its biggest account (sample_lab, 120) is under 156.5
    assert got[P[2]] == (32, 64)  # a single account: half of 64
    assert got[P[3]] == (36, 58)  # sample_hn_user 51 → 29; + sample_hn_other 7
    assert got[P[4]] == (28, 56)
    assert got[P[6]] == (49, 49)  # 20, 17, 12: none above 24.5
    assert top == [(P[1], 313), (P[5], 65)]


def test_ignored_accounts_count_nowhere(sample_raw: Path) -> None:
    ignore = "x:sample_lab bluesky:Sample-Reader.bsky.social"  # handles, any case
    with built(sample_raw, RECENT, ignore_accounts=ignore) as con:
        got, top = scores(con, RECENT), digest(con, RECENT)
        paper1 = rows(con, "select retweets, favorites, tweet_count, bluesky_posts, bluesky_likes, bluesky_reposts"
                           " from digest_daily where arxiv_id = ?", P[1])
        embeds = rows(con, "select arxiv_id, author_handle from digest_tweets where listing_date = ? order by arxiv_id", RECENT)
    # paper 1 loses sample_lab's tweet (120) and the reader's two-paper Bluesky post (8): 313 - 128
    assert got[P[1]][0] == 185 and paper1 == [(2, 8, 1, 1, 40, 12)]
    assert got[P[4]][0] == 0  # its only post was the reader's
    assert got[P[5]][0] == 96  # the two-paper post is gone from paper 5 too
    assert top == [(P[1], 185), (P[5], 96), (P[2], 64), (P[3], 58)]
    assert embeds == [(P[5], "sample_paper_bot")]  # sample_lab's tweet is no longer embedded


def test_ignoring_the_announcing_account_drops_its_paper(sample_raw: Path) -> None:
    with built(sample_raw, RECENT, ignore_accounts="x:sample_paper_bot") as con:
        got, top = scores(con, RECENT), digest(con, RECENT)
    assert got[P[5]][0] == 13  # the reader's tweet 5 + the Bluesky post 8
    assert top == [(P[1], 313), (P[2], 64), (P[3], 58), (P[4], 56)]


def test_weights_scale_each_source(sample_raw: Path) -> None:
    with built(sample_raw, RECENT, weight_hf=2, weight_hn=2, weight_bluesky=0) as con:
        top = digest(con, RECENT)
    # paper 1: X 130 + HF 2×48 + HN 2×75 + Bluesky 0 = 376; paper 6: 20 + 34 + 24 = 78 now passes
    assert top == [(P[1], 376), (P[2], 128), (P[3], 116), (P[5], 96), (P[6], 78)]


def test_cap_with_several_capped_accounts_and_a_post_citing_two_papers(tmp_path: Path) -> None:
    """Paper Q: X account a (two tweets, 40 + 30), b 20, c 10; HN account d 100; a Bluesky post by e citing Q
    and R, fetched twice (6 + 4, then 16 + 4 the next listing day: only the newest snapshot counts, 20, for
    each paper). Q = 220 before capping; cap 0.3 → 66 per account: a and d are capped, so
    Q = 66 + 66 + 20 + 10 + 20 = 182. R has e's 20 only → 6."""
    listing = date(2026, 11, 20)
    fetched = datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)
    posted = announcement_time(listing) + timedelta(hours=2)
    published = submission_window(listing)[0] + timedelta(hours=1)
    paper = dict(listing_date=listing, version=1, title="t", authors=["A"], abstract="a", primary_category="cs.LG",
                 categories=["cs.LG"], published=published, updated=published, comment=None, journal_ref=None,
                 doi=None, fetched_at=fetched)
    write_partition(tmp_path / "raw", "arxiv_papers", listing, pa.Table.from_pylist(
        [{**paper, "arxiv_id": "2611.00001"}, {**paper, "arxiv_id": "2611.00002"}], schema=PAPERS_SCHEMA))

    def tweet_row(tweet_id: str, author: str, retweets: int, likes: int) -> dict:
        return dict(listing_date=listing, tweet_id=tweet_id, author_id=f"id-{author}", author_name=author,
                    author_handle=author, created_at=posted, text="t", lang="en", expanded_urls=[],
                    cited_arxiv_ids=["2611.00001"], retweet_count=retweets, like_count=likes, reply_count=0,
                    quote_count=0, fetched_at=fetched)

    write_partition(tmp_path / "raw", "x_tweets", listing, pa.Table.from_pylist([
        tweet_row("1", "a", 10, 30), tweet_row("2", "a", 5, 25), tweet_row("3", "b", 5, 15), tweet_row("4", "c", 2, 8),
    ], schema=TWEETS_SCHEMA))
    write_partition(tmp_path / "raw", "hn_stories", listing, pa.Table.from_pylist([dict(
        listing_date=listing, story_id="9", title="t", url="https://arxiv.org/abs/2611.00001", author="d",
        created_at=posted, cited_arxiv_ids=["2611.00001"], points=100, comment_count=4, fetched_at=fetched,
    )], schema=STORIES_SCHEMA))
    for fetch_date, likes, at in ((listing, 6, fetched), (date(2026, 11, 23), 16, fetched + timedelta(days=1))):
        write_partition(tmp_path / "raw", "bluesky_posts", fetch_date, pa.Table.from_pylist([dict(
            listing_date=fetch_date, uri="at://did:plc:e/app.bsky.feed.post/1", cid="c", author_did="did:plc:e",
            author_handle="e.bsky.social", author_name="E", created_at=posted, text="t", lang="en", linked_urls=[],
            cited_arxiv_ids=["2611.00001", "2611.00002"], like_count=likes, repost_count=4, quote_count=0,
            reply_count=0, fetched_at=at,
        )], schema=POSTS_SCHEMA))

    with built(tmp_path, listing) as con:
        assert scores(con, listing) == {"2611.00001": (220, 220), "2611.00002": (20, 20)}
    with built(tmp_path, listing, account_cap=0.3) as con:
        assert scores(con, listing) == {"2611.00001": (182, 220), "2611.00002": (6, 20)}
        linked = rows(con, "select arxiv_id, source, count(*) from int_engagement_linked_to_papers"
                           " group by all order by all")
    assert linked == [("2611.00001", "bluesky", 1), ("2611.00001", "hn", 1), ("2611.00001", "x", 4),
                      ("2611.00002", "bluesky", 1)]


def test_a_bad_ignore_list_is_one_line_before_any_work(tmp_path: Path) -> None:
    result = hotpapers("run", data_dir=tmp_path / "data", env={"HOTPAPERS_IGNORE_ACCOUNTS": "twitter:somebot"})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: invalid HOTPAPERS_IGNORE_ACCOUNTS: ") and len(result.stderr.splitlines()) == 1
    assert "'twitter:somebot' is not <source>:<account>" in result.stderr
    assert not (tmp_path / "data").exists()


# --- live runs through the CLI against loopback servers -----------------------------------------------

X_TOKEN = "AAAAx-live-bearer-Qm4Zt7"
BSKY_PASSWORD = "zyxw-vuts-rqpo-nmlk"
BSKY_ACCESS = "eyJhbGciOiJFUzI1NksifQ.live-access-jwt.Zk9"


def live_world(api: EngagementApi, listing_date: date) -> None:
    """Three papers: L1 on X (70) and Hugging Face (55), L2 on Hacker News (60), L3 on Bluesky (55)."""
    published = (submission_window(listing_date)[0] + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    announced = announcement_time(listing_date)
    entries = [{"id": f"2611.0000{n}v1", "published": published, "title": f"Live Paper {n}", "categories": ["cs.LG"]}
               for n in (1, 2, 3)]
    created = (announced + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    api.default(ARXIV_PATH, arxiv_responder(entries))
    api.default(X_SEARCH_PATH, x_response(x_page([tweet("5001", text="look", created_at=created, urls=[
        "https://arxiv.org/abs/2611.00001"], metrics={"retweet_count": 30, "like_count": 40})])))
    api.default(HF_PATH, json_response([hf_item("2611.00001", upvotes=55, comments=2)]))
    api.default(HN_PATH, json_response(hn_page([hn_hit(77, "https://arxiv.org/abs/2611.00002", points=60,
                                                        created_at_i=int(announced.timestamp()) + 3600)])))
    api.default(BSKY_LOGIN_PATH, json_response(bsky_session(BSKY_ACCESS)))
    api.default(BSKY_SEARCH_PATH, json_response(bsky_page([bsky_post("3l", links=["https://arxiv.org/abs/2611.00003"],
                                                                      likes=50, reposts=5)])))


def live_env(api: EngagementApi, **extra: str) -> dict[str, str]:
    return {
        "ARXIV_API_URL": api.url(ARXIV_PATH),
        "ARXIV_DELAY_SECONDS": "0",
        "X_API_URL": api.url("/2"),
        "HF_API_URL": api.hf_url,
        "HN_API_URL": api.hn_url,
        "BSKY_API_URL": api.bsky_url,
        "BSKY_HANDLE": "",
        "BSKY_APP_PASSWORD": "",
        "HOTPAPERS_HTTP_RETRIES": "0",
        **extra,
    }


def live_digest(data_dir: Path, listing_date: date) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return rows(con, "select arxiv_id, score, retweets, hf_upvotes, hn_points, bluesky_likes from digest_daily"
                         " where listing_date = ? order by rank", listing_date)
    finally:
        con.close()


def test_live_with_no_credentials_uses_the_free_sources_and_says_what_it_skipped(tmp_path: Path) -> None:
    listing_date = latest_listing_date(datetime.now(timezone.utc) - timedelta(minutes=5))
    with EngagementApi() as api:
        live_world(api, listing_date)
        result = hotpapers("run", "--source", "live", "--date", listing_date.isoformat(), data_dir=tmp_path, env=live_env(api))
        asked = {r.path for r in api.requests}
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert skipped == ["skipped X: no X_BEARER_TOKEN", "skipped Bluesky: no BSKY_HANDLE and BSKY_APP_PASSWORD"]
    assert asked == {ARXIV_PATH, HF_PATH, HN_PATH}  # nothing asked of X or Bluesky
    assert live_digest(tmp_path, listing_date) == [("2611.00002", 60, 0, 0, 60, 0), ("2611.00001", 55, 0, 55, 0, 0)]


def test_live_with_every_source_writes_no_secret_anywhere(tmp_path: Path) -> None:
    listing_date = latest_listing_date(datetime.now(timezone.utc) - timedelta(minutes=5))
    env = {"X_BEARER_TOKEN": X_TOKEN, "BSKY_HANDLE": "tester.bsky.social", "BSKY_APP_PASSWORD": BSKY_PASSWORD}
    with EngagementApi() as api:
        live_world(api, listing_date)
        result = hotpapers("run", "--source", "live", "--date", listing_date.isoformat(), data_dir=tmp_path,
                           env=live_env(api, **env))
        x_auth = {r.headers.get("authorization") for r in api.requests_to(X_SEARCH_PATH)}
        bsky_auth = {r.headers.get("authorization") for r in api.requests_to(BSKY_SEARCH_PATH)}
        login_bodies = list(api.posted)
    assert result.returncode == 0, result.stderr
    assert "skipped" not in result.stdout
    assert live_digest(tmp_path, listing_date) == [
        ("2611.00001", 125, 30, 55, 0, 0), ("2611.00002", 60, 0, 0, 60, 0), ("2611.00003", 55, 0, 0, 0, 50),
    ]
    # the secrets did go where they belong ...
    assert x_auth == {f"Bearer {X_TOKEN}"} and bsky_auth == {f"Bearer {BSKY_ACCESS}"}
    assert len(login_bodies) == 1 and BSKY_PASSWORD.encode() in login_bodies[0]
    # ... and nowhere else: every file the run wrote (Parquet and DuckDB decoded), the run's output
    written = {"stdout": result.stdout, "stderr": result.stderr, **everything_written(tmp_path)}
    assert len(written) > 20 and any("2611.00003" in text for text in written.values())
    for secret in (X_TOKEN, BSKY_PASSWORD, BSKY_ACCESS):
        assert [name for name, text in written.items() if secret in text] == [], secret


def everything_written(data_dir: Path) -> dict[str, str]:
    """Every file under data_dir as text: Parquet and DuckDB files decoded (they compress), the rest as bytes."""
    texts = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(data_dir))
        if path.suffix == ".parquet":
            texts[name] = repr(pq.read_table(path).to_pylist())
        elif path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            try:
                tables = [t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()]
                texts[name] = repr({t: con.execute(f'select * from "{t}"').fetchall() for t in tables})
            finally:
                con.close()
        else:
            texts[name] = path.read_bytes().decode("utf-8", errors="replace")
    return texts

"""Weekly and monthly rollups, the snapshot history and the rising papers, built by the real SQL models in a
real DuckDB file from raw Parquet written here; every expected figure is worked out in plain Python from
those raw rows, never by the SQL under test."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.config import Settings
from pipelines.rawstore import write_partition
from pipelines.snapshots import SNAPSHOTS_TABLE, keep_snapshot, snapshot_files
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.x_search import TWEETS_SCHEMA
from pipelines.sqlmodels import build_partition, build_session, count_failures, discover, discover_tests, rebuild

MIN_SCORE = 50
# Three listing dates in the week of Mon 2024-03-04, one the next week (same month), one in April.
DATES = [date(2024, 3, 4), date(2024, 3, 6), date(2024, 3, 8), date(2024, 3, 12), date(2024, 4, 2)]
CATEGORIES = ["cs.LG", "cs.CV", "cs.CL", "stat.ML"]
ROLLUP_TESTS = {
    "digest_weekly", "digest_monthly", "digest_category_weekly", "digest_category_monthly", "rising_papers",
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def papers_table(listing_date: date, rng: random.Random, count: int = 7) -> list[dict]:
    rows = []
    for i in range(count):
        categories = rng.sample(CATEGORIES, rng.randint(1, 2))
        rows.append({
            "listing_date": listing_date,
            "arxiv_id": f"{listing_date:%y%m}.{listing_date.day:02d}{i:03d}",
            "version": 1,
            "title": f"Paper {i} of {listing_date}",
            "authors": [f"Author {i}"],
            "abstract": "An abstract.",
            "primary_category": categories[0],
            "categories": categories,
            "published": utc(listing_date.year, listing_date.month, listing_date.day) - timedelta(days=1),
            "updated": utc(listing_date.year, listing_date.month, listing_date.day) - timedelta(days=1),
            "comment": None,
            "journal_ref": None,
            "doi": None,
            "fetched_at": utc(listing_date.year, listing_date.month, listing_date.day, 1),
        })
    return rows


def tweet_row(listing_date: date, tweet_id: str, cites: list[str], retweets: int, likes: int, fetched_at: datetime) -> dict:
    return {
        "listing_date": listing_date,
        "tweet_id": tweet_id,
        "author_id": f"u{tweet_id}",
        "author_name": f"User {tweet_id}",
        "author_handle": f"user{tweet_id}",
        "created_at": fetched_at - timedelta(hours=5),
        "text": "see " + " ".join(f"arXiv:{c}" for c in cites),
        "lang": "en",
        "expanded_urls": [],
        "cited_arxiv_ids": cites,
        "retweet_count": retweets,
        "like_count": likes,
        "reply_count": 0,
        "quote_count": 0,
        "fetched_at": fetched_at,
    }


class World:
    """Raw listings and X fetches for DATES; ``fetches[d]`` lists each fetch of d as rows, oldest first."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.papers = {d: papers_table(d, rng) for d in DATES}
        self.fetches: dict[date, list[list[dict]]] = {}
        counter = 0
        for d in DATES:
            ids = [p["arxiv_id"] for p in self.papers[d]]
            first_fetch = utc(d.year, d.month, d.day, 22)
            base = []
            for paper_id in ids[:-1]:  # the last paper of each date is never shared
                for _ in range(rng.randint(1, 3)):
                    counter += 1
                    cites = [paper_id] + ([rng.choice(ids)] if rng.random() < 0.2 else [])
                    base.append(tweet_row(d, str(1000 + counter), sorted(set(cites)), rng.randint(0, 60), rng.randint(0, 80), first_fetch))
            self.fetches[d] = [base]
        # Later fetches of 2024-03-12: some tweets grow, one new tweet appears, one paper stays flat.
        d = date(2024, 3, 12)
        first = self.fetches[d][0]
        flat = self.papers[d][2]["arxiv_id"]
        for hours, bump in ((20, 25), (44, 35)):  # likes so far: +25, then +35 in all
            at = utc(d.year, d.month, d.day, 22) + timedelta(hours=hours)
            rows = [
                {**row, "fetched_at": at, "like_count": row["like_count"] + (bump if flat not in row["cited_arxiv_ids"] else 0)}
                for row in first
            ]
            if hours == 44:
                rows.append(tweet_row(d, "9001", [self.papers[d][1]["arxiv_id"]], 7, 8, at))
            self.fetches[d].append(rows)
        # A tweet fetched for 2024-03-08 that cites a paper of 2024-03-06 (within its 7-day window).
        late = self.fetches[date(2024, 3, 8)][0]
        late.append(tweet_row(date(2024, 3, 8), "8001", [self.papers[date(2024, 3, 6)][0]["arxiv_id"]], 40, 35, late[0]["fetched_at"]))

    def write(self, raw_dir: Path) -> None:
        for d in DATES:
            write_partition(raw_dir, "arxiv_papers", d, pa.Table.from_pylist(self.papers[d], schema=PAPERS_SCHEMA))
            for rows in self.fetches[d]:
                keep_snapshot(raw_dir, d, pa.Table.from_pylist(rows, schema=TWEETS_SCHEMA))
            write_partition(raw_dir, "x_tweets", d, pa.Table.from_pylist(self.fetches[d][-1], schema=TWEETS_SCHEMA))


# --- expected figures, in plain Python over the raw Parquet ----------------------------------------


def read_raw(raw_dir: Path, table: str) -> list[dict]:
    return [row for path in sorted((raw_dir / table).glob("*/data.parquet")) for row in pq.read_table(path).to_pylist()]


def expected_engagement(raw_dir: Path) -> dict[str, dict]:
    """Per paper: retweets, favorites, score from each tweet's latest fetch within the paper's 7-day window."""
    papers = {p["arxiv_id"]: p for p in read_raw(raw_dir, "arxiv_papers")}
    tweets = read_raw(raw_dir, "x_tweets")
    figures = {}
    for arxiv_id, paper in papers.items():
        latest: dict[str, dict] = {}
        for t in tweets:
            in_window = paper["listing_date"] <= t["listing_date"] <= paper["listing_date"] + timedelta(days=7)
            if in_window and arxiv_id in t["cited_arxiv_ids"]:
                if t["tweet_id"] not in latest or t["fetched_at"] > latest[t["tweet_id"]]["fetched_at"]:
                    latest[t["tweet_id"]] = t
        retweets = sum(t["retweet_count"] for t in latest.values())
        favorites = sum(t["like_count"] for t in latest.values())
        figures[arxiv_id] = {**paper, "retweets": retweets, "favorites": favorites, "score": retweets + favorites}
    return figures


def ranked(papers: list[dict]) -> list[dict]:
    return sorted(papers, key=lambda p: (-p["score"], -p["retweets"], p["arxiv_id"]))


def expected_rollup(figures: dict[str, dict], bucket) -> dict:
    daily_rank = {}
    by_date = defaultdict(list)
    for p in figures.values():
        if p["score"] >= MIN_SCORE:
            by_date[p["listing_date"]].append(p)
    for papers in by_date.values():
        for i, p in enumerate(ranked(papers), 1):
            daily_rank[p["arxiv_id"]] = i
    periods = defaultdict(list)
    for papers in by_date.values():
        for p in papers:
            periods[bucket(p["listing_date"])].append(p)
    return {
        start: [(i, p["arxiv_id"], p["listing_date"], daily_rank[p["arxiv_id"]], p["score"]) for i, p in enumerate(ranked(papers), 1)]
        for start, papers in periods.items()
    }


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def first_of_month(d: date) -> date:
    return d.replace(day=1)


# --- the built warehouse ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("rollups")
    settings = Settings(data_dir=data_dir, min_score=MIN_SCORE)
    World().write(settings.raw_dir)
    with build_session(settings) as con:
        for model in discover():
            rebuild(con, model)
    return settings


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with build_session(settings) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize(
    ("table", "period", "bucket", "first_period_dates"),
    [
        ("digest_weekly", "week_start", monday, DATES[:3]),
        ("digest_monthly", "month_start", first_of_month, DATES[:4]),
    ],
)
def test_rollup_ranks_the_period_across_its_listing_dates(
    built: Settings, table: str, period: str, bucket, first_period_dates: list[date]
) -> None:
    expected = expected_rollup(expected_engagement(built.raw_dir), bucket)
    rows = query(built, f"select {period}, rank, arxiv_id, listing_date, daily_rank, score from {table} order by {period}, rank")
    actual = defaultdict(list)
    for start, *rest in rows:
        actual[start].append(tuple(rest))
    assert dict(actual) == expected
    # the first period really mixes several listing dates, and its top is the best of their daily tops
    first = expected[bucket(DATES[0])]
    assert {row[2] for row in first} == set(first_period_dates)
    daily_tops = [max(r[4] for r in first if r[2] == d) for d in first_period_dates]
    assert first[0][4] == max(daily_tops) and len(set(daily_tops)) > 1
    assert len(expected) == len({bucket(d) for d in DATES})


@pytest.mark.parametrize(
    ("table", "period", "bucket"),
    [("digest_category_weekly", "week_start", monday), ("digest_category_monthly", "month_start", first_of_month)],
)
def test_category_rollup_ranks_within_each_category(built: Settings, table: str, period: str, bucket) -> None:
    figures = expected_engagement(built.raw_dir)
    overall = expected_rollup(figures, bucket)
    expected = {}
    for start, rows in overall.items():
        for category in CATEGORIES:
            in_category = [r for r in rows if category in figures[r[1]]["categories"]]
            if in_category:
                expected[(start, category)] = [(i, r[1], r[0]) for i, r in enumerate(in_category, 1)]
    actual = defaultdict(list)
    for start, category, rank, arxiv_id, overall_rank in query(
        built, f"select {period}, category, rank, arxiv_id, overall_rank from {table} order by {period}, category, rank"
    ):
        actual[(start, category)].append((rank, arxiv_id, overall_rank))
    assert dict(actual) == expected


def expected_history(raw_dir: Path) -> dict[tuple[date, str], list[int]]:
    """Per paper: its score at each kept fetch (of its listing date or the 7 days after) that saw one of
    its tweets, each tweet counted with its figures as of that fetch."""
    fetches = []
    for path in (raw_dir / SNAPSHOTS_TABLE).glob("*/snapshot=*/data.parquet"):
        rows = pq.read_table(path).to_pylist()
        fetches.append((min(r["fetched_at"] for r in rows), rows[0]["listing_date"], rows))
    fetches.sort(key=lambda f: f[0])
    history: dict[tuple[date, str], list[int]] = defaultdict(list)
    for paper in read_raw(raw_dir, "arxiv_papers"):
        listed, arxiv_id = paper["listing_date"], paper["arxiv_id"]
        seen: dict[str, int] = {}
        for _, fetched_for, rows in fetches:
            citing = [t for t in rows if arxiv_id in t["cited_arxiv_ids"]]
            if citing and listed <= fetched_for <= listed + timedelta(days=7):
                seen.update({t["tweet_id"]: t["retweet_count"] + t["like_count"] for t in citing})
                history[(listed, arxiv_id)].append(sum(seen.values()))
    return dict(history)


def test_snapshot_history_keeps_every_fetch_once(built: Settings) -> None:
    d = date(2024, 3, 12)
    files = snapshot_files(built.raw_dir, d)
    assert [f.parent.name for f in files] == [
        "snapshot=20240312T220000Z", "snapshot=20240313T180000Z", "snapshot=20240314T180000Z"
    ]
    world = World()
    for rows in world.fetches[d]:  # the same fetches again: same files, no new rows
        keep_snapshot(built.raw_dir, d, pa.Table.from_pylist(rows, schema=TWEETS_SCHEMA))
    assert snapshot_files(built.raw_dir, d) == files
    rows_on_disk = sum(pq.read_metadata(f).num_rows for f in files)
    assert rows_on_disk == sum(len(rows) for rows in world.fetches[d])
    assert keep_snapshot(built.raw_dir, d, pa.Table.from_pylist([], schema=TWEETS_SCHEMA)) is None
    assert all((built.raw_dir / SNAPSHOTS_TABLE / f"listing_date={x}").is_dir() for x in DATES)


def test_history_and_rising_follow_the_snapshots(built: Settings) -> None:
    history = expected_history(built.raw_dir)
    rows = query(
        built,
        "select listing_date, arxiv_id, list(score order by snapshot_number) from paper_engagement_history "
        "group by listing_date, arxiv_id",
    )
    assert {(d, a): scores for d, a, scores in rows} == history
    # a paper's newest snapshot is the engagement the digest counts
    now = query(built, "select listing_date, arxiv_id, score from paper_engagement where tweet_count > 0")
    assert {(d, a): score for d, a, score in now} == {k: v[-1] for k, v in history.items()}

    gains = {k: v[-1] - v[-2] for k, v in history.items() if len(v) >= 2 and v[-1] > v[-2]}
    expected = sorted(gains, key=lambda k: (k[0], -gains[k], -history[k][-1], k[1]))
    rising = query(
        built,
        "select listing_date, rank, arxiv_id, score_gained, score, previous_score, snapshots "
        "from rising_papers order by listing_date, rank",
    )
    assert [(r[0], r[2], r[3]) for r in rising] == [(d, a, gains[(d, a)]) for d, a in expected]
    assert all(score - previous == gained for *_, gained, score, previous, _ in rising)
    assert {r[6] for r in rising if r[0] == date(2024, 3, 12)} == {3}
    by_date = defaultdict(list)
    for r in rising:
        by_date[r[0]].append(r[1])
    assert all(ranks == list(range(1, len(ranks) + 1)) for ranks in by_date.values())
    # 2024-03-12 was fetched three times, with tweets that grew and one that did not; a paper of 2024-03-06
    # gained from a tweet that only the 2024-03-08 fetch found; dates fetched once have nothing rising
    twelfth = [k for k in history if k[0] == date(2024, 3, 12) and len(history[k]) >= 2]
    assert 0 < sum(1 for k in twelfth if k in gains) < len(twelfth)
    assert {d for d, _ in gains} == {date(2024, 3, 6), date(2024, 3, 12)}


def test_partitioned_builds_equal_the_full_rebuild(built: Settings) -> None:
    tables = ["stg_x__tweet_snapshots", "paper_engagement_history", "rising_papers"]
    full = {t: sorted(query(built, f"select * from {t}"), key=repr) for t in tables}
    with build_session(built) as con:
        models = {m.name: m for m in discover()}
        for table in tables:
            con.execute(f"delete from {table}")
        for table in tables:  # upstream first: a history partition reads the fetches of the next days
            for d in DATES:
                build_partition(con, models[table], d)
        rebuilt = {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in tables}
    assert rebuilt == full


def test_data_tests_pass_and_catch_a_broken_ranking(built: Settings) -> None:
    tests = [t for t in discover_tests() if t.table in ROLLUP_TESTS]
    assert {t.table for t in tests} == ROLLUP_TESTS
    with build_session(built) as con:
        assert {t.path.name: count_failures(con, t, None) for t in tests} == {t.path.name: 0 for t in tests}
        broken = {}
        for table in ROLLUP_TESTS:
            con.execute("begin transaction")
            con.execute(f"update {table} set rank = rank + 1 where rank = 2")  # a gap after rank 1
            broken[table] = sum(count_failures(con, t, None) for t in tests if t.table == table)
            con.execute("rollback")
    assert all(n > 0 for n in broken.values()), broken

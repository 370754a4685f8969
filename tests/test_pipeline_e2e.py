"""The whole path through the public interface: the `hotpapers` CLI, real Dagster runs, a real DuckDB file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.calendar import announcement_time, latest_listing_date, submission_window
from tests.conftest import SAMPLE_DATES, hotpapers
from tests.loopback import ARXIV_PATH, X_SEARCH_PATH, FakeApi, arxiv_responder, http_date, json_response, tweet, x_page, x_response

REFERENCE = Path(__file__).parent / "fixtures" / "reference"
WAREHOUSE_TABLES = [
    "stg_arxiv__papers",
    "stg_x__tweets",
    "int_tweets_linked_to_papers",
    "int_paper_engagement_summed",
    "paper_engagement",
    "digest_daily",
    "digest_category_daily",
    "digest_tweets",
]


def reference_facts(path: Path) -> tuple[list[tuple[str, int, int]], dict[str, list[str]]]:
    """(arxiv id, retweets, favorites) in post order, and the embedded tweet ids of each paper."""
    papers: list[tuple[str, int, int]] = []
    embeds: dict[str, list[str]] = {}
    figures = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"- retweets: (\d+), favorites: (\d+)", line):
            figures = int(m.group(1)), int(m.group(2))
        elif m := re.match(r"- links: \[abs\]\(https://arxiv\.org/abs/([^)]+)\)", line):
            papers.append((m.group(1), *figures))
            embeds[m.group(1)] = []
        elif line.startswith('<blockquote class="twitter-tweet">'):
            embeds[papers[-1][0]].append(re.search(r"/status/(\d+)", line).group(1))
    return papers, embeds


def table_counts(data_dir: Path) -> dict[str, int]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in WAREHOUSE_TABLES}
    finally:
        con.close()
    for raw in sorted((data_dir / "raw").glob("*/*/data.parquet")):
        counts[str(raw.relative_to(data_dir))] = pq.read_metadata(raw).num_rows
    return counts


@pytest.mark.parametrize("listing_date", SAMPLE_DATES)
def test_sample_digest_reproduces_the_reference_post(sample_run: Path, listing_date: str) -> None:
    expected, expected_embeds = reference_facts(REFERENCE / f"hot-papers-{listing_date}.md")
    post = sample_run / "digests" / f"hot-papers-{listing_date}.md"
    rendered, rendered_embeds = reference_facts(post)
    assert rendered == expected
    assert rendered_embeds == expected_embeds

    con = duckdb.connect(str(sample_run / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select rank, arxiv_id, retweets, favorites, score from digest_daily where listing_date = ? order by rank",
            [listing_date],
        ).fetchall()
    finally:
        con.close()
    assert [(r[1], r[2], r[3]) for r in rows] == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert all(score == rt + fav for _, _, rt, fav, score in rows)


@pytest.mark.parametrize("listing_date", SAMPLE_DATES)
def test_rendered_post_is_clean_utf8_with_escaped_tweets(sample_run: Path, listing_date: str) -> None:
    text = (sample_run / "digests" / f"hot-papers-{listing_date}.md").read_text(encoding="utf-8")
    assert not re.search(r"‚Ä|√[´©§®]|üì", text), "mojibake copied from the reference"
    assert text.startswith(f"---\ntitle: Hot Papers {listing_date}\n")
    for line in text.splitlines():
        if line.startswith("<blockquote"):
            paragraph = re.search(r'<p lang="[^"]*" dir="(ltr|rtl)">(.*)</p>', line).group(2)
            stripped = re.sub(r'<a href="[^"<>]*">[^<>]*</a>|<br>', "", paragraph)
            assert "<" not in stripped and ">" not in stripped, line
        elif "<" in line:
            assert line.startswith('<script async src="https://platform.twitter.com/widgets.js"'), line


def test_sample_excludes_retweets_and_papers_outside_the_categories(sample_run: Path) -> None:
    con = duckdb.connect(str(sample_run / "warehouse.duckdb"), read_only=True)
    try:
        retweets = con.execute("select count(*) from stg_x__tweets where text like 'RT @%'").fetchone()[0]
        outside = con.execute(
            "select count(*) from stg_arxiv__papers "
            "where len(list_filter(categories, lambda c: c like 'cs.%' or c = 'stat.ML')) = 0"
        ).fetchone()[0]
        below = con.execute("select count(*) from paper_engagement where score < 50").fetchone()[0]
    finally:
        con.close()
    assert retweets == 0
    assert outside == 0
    assert below > 0, "papers under the threshold stay queryable"


def test_second_sample_run_changes_nothing(sample_run: Path) -> None:
    before = table_counts(sample_run)
    post = sample_run / "digests" / "hot-papers-2021-06-04.md"
    text_before = post.read_text(encoding="utf-8")
    result = hotpapers("run", "--date", "2021-06-04", data_dir=sample_run)
    assert result.returncode == 0, result.stderr
    assert table_counts(sample_run) == before
    assert post.read_text(encoding="utf-8") == text_before


def test_digest_command_prints_the_post_and_a_category(sample_run: Path) -> None:
    result = hotpapers("digest", "--date", "2021-06-04", data_dir=sample_run)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (sample_run / "digests" / "hot-papers-2021-06-04.md").read_text(encoding="utf-8")
    cv = hotpapers("digest", "--date", "2021-06-04", "--category", "cs.CV", data_dir=sample_run)
    assert cv.returncode == 0, cv.stderr
    headings = re.findall(r"^# (\d+)\. ", cv.stdout, flags=re.M)
    assert headings == [str(i) for i in range(1, len(headings) + 1)] and headings
    assert "[abs](https://arxiv.org/abs/2106.01784)" not in cv.stdout  # cs.CY/cs.AI only


def test_sql_command_reads_the_warehouse(sample_run: Path) -> None:
    result = hotpapers(
        "sql", "select arxiv_id, score from digest_daily where listing_date = '2021-06-04' and rank = 1",
        data_dir=sample_run,
    )
    assert result.returncode == 0, result.stderr
    assert "2106.01548" in result.stdout and "8091" in result.stdout


# --- live path against loopback servers --------------------------------------------------------


def _live_fixture(listing_date, bump: int) -> tuple[list[dict], dict]:
    start, _ = submission_window(listing_date)
    announced = announcement_time(listing_date)
    published = (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = [
        {"id": "2601.00001v1", "published": published, "title": "A Shared Paper", "categories": ["cs.LG"]},
        {"id": "2601.00002v1", "published": published, "title": "A Quiet Paper", "categories": ["stat.ML"]},
    ]
    created = (announced + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    tweets = [
        tweet("1001", text="look", created_at=created, urls=["https://arxiv.org/abs/2601.00001"],
              metrics={"retweet_count": 10 + bump, "like_count": 30 + bump}),
        tweet("1002", text="both arXiv:2601.00002", created_at=created, urls=["https://arxiv.org/pdf/2601.00001v1.pdf"],
              metrics={"retweet_count": 5 + bump, "like_count": 25 + bump}),
        tweet("1003", text="RT", created_at=created, urls=["https://arxiv.org/abs/2601.00001"], retweet_of="1001",
              metrics={"retweet_count": 10 + bump, "like_count": 30 + bump}),
    ]
    return entries, x_page(tweets)


def test_live_rerun_keeps_row_counts_and_takes_newer_metrics(tmp_path: Path) -> None:
    listing_date = latest_listing_date(datetime.now(timezone.utc) - timedelta(minutes=5))
    snapshots = []
    for run, bump in enumerate((0, 1)):
        entries, page = _live_fixture(listing_date, bump)
        served_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=run)
        with FakeApi() as api:
            api.default(ARXIV_PATH, arxiv_responder(entries))
            api.default(X_SEARCH_PATH, x_response(page, date=http_date(served_at)))
            api.default("/hf/daily_papers", json_response([]))  # the free sources answer, with nothing
            api.default("/hn/search_by_date", json_response({"hits": [], "nbPages": 0, "page": 0}))
            env = {
                "ARXIV_API_URL": api.url(ARXIV_PATH),
                "X_API_URL": api.url("/2"),
                "X_BEARER_TOKEN": "test-token",
                "ARXIV_DELAY_SECONDS": "0",
                "HF_API_URL": api.url("/hf"),
                "HN_API_URL": api.url("/hn"),
            }
            result = hotpapers("run", "--source", "live", "--date", listing_date.isoformat(), data_dir=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
            arxiv_requests = len(api.requests_to(ARXIV_PATH))
        assert arxiv_requests == (1 if run == 0 else 0), "an ingested listing is kept on re-run"
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            digest = con.execute(
                "select arxiv_id, retweets, favorites, tweet_count, as_of from digest_daily order by rank"
            ).fetchall()
        finally:
            con.close()
        snapshots.append((table_counts(tmp_path), digest, served_at.replace(tzinfo=None)))

    (counts1, digest1, at1), (counts2, digest2, at2) = snapshots
    assert counts1 == counts2
    # the retweet (1003) is not counted; 1002 cites both papers and counts for each
    assert digest1 == [("2601.00001", 15, 55, 2, at1)]
    assert digest2 == [("2601.00001", 17, 57, 2, at2)]

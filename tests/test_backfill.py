"""`hotpapers backfill` through the real CLI: real Dagster runs, real DuckDB, the real arXiv and X
clients against loopback servers speaking the APIs' wire formats.

A backfill stopped half-way (the arXiv server fails the second date) and started again redoes nothing
of the first date (no request, no file rewritten) and ends where an uninterrupted backfill ends. A
failing blocking check stops the assets downstream of it (instance records) and the CLI says which
check in one line. Bad ranges are refused in one line without writing anything.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.calendar import latest_listing_date, previous_listing_date
from tests.conftest import hotpapers
from tests.listing_world import ListingDay, ListingWorld, live_env, paper, share, snapshot_time, utc_now


SAMPLE_FOLDERS = sorted(p.parent.name for p in (Path(__file__).parents[1] / "data" / "sample").glob("*/manifest.json"))


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def recent_listing_dates(count: int) -> list[date]:
    """The newest ``count`` listing dates announced at least 5 minutes ago, oldest first (X's
    recent search only serves the last 7 days)."""
    dates = [latest_listing_date(utc_now() - timedelta(minutes=5))]
    while len(dates) < count:
        dates.insert(0, previous_listing_date(dates[0]))
    return dates


def three_day_world() -> ListingWorld:
    d1, d2, d3 = recent_listing_dates(3)
    now = utc_now()
    return ListingWorld(
        {
            d1: ListingDay(
                d1,
                [paper("2611.10001", d1, "Attention Again"), paper("2611.10002", d1, "A Quiet One", categories=("stat.ML",))],
                [share("8101", d1, "2611.10001", 40, 70), share("8102", d1, "2611.10002", 1, 2)],
                snapshot_time(d1, now),
            ),
            d2: ListingDay(
                d2,
                [paper("2611.20001", d2, "Diffusion Everywhere")],
                # 8103 cites a d1 paper: d2's fetch holds it too (d1's engagement window is still open)
                [share("8201", d2, "2611.20001", 25, 60), share("8103", d2, "2611.10001", 5, 50, minutes=30)],
                snapshot_time(d2, now),
            ),
            d3: ListingDay(
                d3,
                [paper("2611.30001", d3, "Scaling Laws for Cats"), paper("2611.30002", d3, "Graphs, Briefly")],
                [share("8301", d3, "2611.30001", 90, 300), share("8302", d3, "2611.30002", 20, 31)],
                snapshot_time(d3, now),
            ),
        }
    )


def date_files(data_dir: Path, listing_date: date) -> dict[str, tuple[int, int]]:
    """Every file of one listing date (raw, published models, post) → (inode, mtime in ns)."""
    files = list(data_dir.glob(f"*/*/listing_date={listing_date.isoformat()}/data.parquet"))
    files.append(data_dir / "digests" / f"hot-papers-{listing_date.isoformat()}.md")
    return {str(p.relative_to(data_dir)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in files if p.exists()}


def listing_tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every warehouse table/view with a listing_date column, all its rows in a stable order."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select distinct table_name from information_schema.columns where column_name = 'listing_date' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def test_an_interrupted_backfill_resumes_and_redoes_nothing_complete(tmp_path: Path) -> None:
    world = three_day_world()
    d1, d2, d3 = sorted(world.days)
    args = ("backfill", "--source", "live", "--start", d1.isoformat(), "--end", d3.isoformat())

    # 1. arXiv fails every request for the second date: the backfill stops there.
    interrupted = tmp_path / "interrupted"
    world.failing = {d2}
    with world.serve() as api:
        first = hotpapers(*args, data_dir=interrupted, env=live_env(api))
        first_requests = {d: len(world.requests_for(api, d)) for d in (d1, d2, d3)}
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    [line] = error_lines(first.stderr)
    assert line.startswith(f"error: backfill stopped at {d2} (1 of 3 dates done, kept; the same command resumes there): ")
    assert "arXiv listing" in line and "503" in line, line
    assert first_requests[d1] >= 2 and first_requests[d2] >= 1 and first_requests[d3] == 0, first_requests
    assert (interrupted / "digests" / f"hot-papers-{d1}.md").is_file()
    assert not (interrupted / "digests" / f"hot-papers-{d2}.md").exists()
    d1_files = date_files(interrupted, d1)
    assert len(d1_files) > 10, d1_files  # raw, every partitioned model, the post

    # 2. Same command, healthy server: d1 is skipped without a request or a write; d2 and d3 built.
    world.failing = set()
    with world.serve() as api:
        second = hotpapers(*args, data_dir=interrupted, env=live_env(api))
        second_requests = {d: len(world.requests_for(api, d)) for d in (d1, d2, d3)}
        unrouted = [r for r in api.requests if world.date_of(r) is None]
    assert second.returncode == 0, second.stderr
    assert second_requests[d1] == 0
    assert second_requests[d2] >= 2 and second_requests[d3] >= 2  # at least one arXiv page and one X page
    assert not unrouted
    assert date_files(interrupted, d1) == d1_files
    assert f"[1/3] {d1}: already complete, skipped" in second.stderr
    assert f"[2/3] {d2}: built" in second.stderr and f"[3/3] {d3}: built" in second.stderr
    assert "2 built, 1 already complete" in second.stdout

    # 3. The result equals an uninterrupted backfill of the same world.
    straight = tmp_path / "straight"
    with world.serve() as api:
        third = hotpapers(*args, data_dir=straight, env=live_env(api))
    assert third.returncode == 0, third.stderr
    assert "3 built, 0 already complete" in third.stdout
    resumed_tables, straight_tables = listing_tables(interrupted), listing_tables(straight)
    assert resumed_tables == straight_tables
    for listing_date in (d1, d2, d3):
        post = f"digests/hot-papers-{listing_date}.md"
        assert (interrupted / post).read_text() == (straight / post).read_text()

    # ... and that result is the world's: digests ranked by retweets + likes, threshold 50.
    con = duckdb.connect(str(straight / "warehouse.duckdb"), read_only=True)
    try:
        digest = con.execute("select listing_date, rank, arxiv_id, score from digest_daily order by listing_date, rank").fetchall()
    finally:
        con.close()
    assert digest == [
        (d1, 1, "2611.10001", 110),
        (d2, 1, "2611.20001", 85),
        (d3, 1, "2611.30001", 390),
        (d3, 2, "2611.30002", 51),
    ]


def descendants(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    found, frontier = set(), [key]
    while frontier:
        for child in graph.get(frontier.pop()).child_keys:
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def test_a_failing_blocking_check_stops_the_assets_downstream(tmp_path: Path) -> None:
    """The same paper announced in two listings: the digest of the second has a paper that does not
    belong to it, so `digest_daily:papers_belong_to_listing` fails and blocks what reads digest_daily."""
    d1, d2 = recent_listing_dates(2)
    now = utc_now()
    world = ListingWorld(
        {
            d1: ListingDay(d1, [paper("2611.40001", d1, "Twice Listed")], [share("8401", d1, "2611.40001", 30, 40)], snapshot_time(d1, now)),
            d2: ListingDay(
                d2,
                [paper("2611.40001", d2, "Twice Listed"), paper("2611.40002", d2, "Honest Paper")],
                [share("8402", d2, "2611.40001", 30, 45), share("8403", d2, "2611.40002", 50, 50)],
                snapshot_time(d2, now),
            ),
        }
    )
    data_dir = tmp_path / "data"
    message = (
        "blocking check failed: digest_daily:papers_belong_to_listing (1 failing row); "
        "the assets downstream of it were not built"
    )
    with world.serve() as api:
        backfill = hotpapers(
            "backfill", "--source", "live", "--start", d1.isoformat(), "--end", d2.isoformat(),
            data_dir=data_dir, env=live_env(api),
        )
        assert backfill.returncode == 1, backfill.stderr
    assert error_lines(backfill.stderr) == [
        f"error: backfill stopped at {d2} (1 of 2 dates done, kept; the same command resumes there): {message}"
    ]
    assert "Traceback" not in backfill.stderr
    assert not (data_dir / "digests" / f"hot-papers-{d2}.md").exists()
    assert (data_dir / "digests" / f"hot-papers-{d1}.md").is_file()

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    blocked = {k for k in descendants(graph, dg.AssetKey("digest_daily")) if graph.get(k).is_partitioned}
    assert dg.AssetKey("hot_papers_post") in blocked
    instance = dg.DagsterInstance.local_temp(tempdir=str(data_dir / "dagster"))
    try:

        def materialized(key: dg.AssetKey, listing_date: date) -> int:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[listing_date.isoformat()]), limit=10
            ).records
            return len(records)

        for key in blocked:
            assert materialized(key, d1) == 1, f"{key.to_user_string()} should have been built for {d1}"
            assert materialized(key, d2) == 0, f"{key.to_user_string()} was built for {d2} despite the failed check"
        # digest_daily itself was built for d2: the check runs after it, and blocks only what reads it
        assert materialized(dg.AssetKey("digest_daily"), d2) == 1
    finally:
        instance.dispose()


def test_backfilling_complete_sample_dates_writes_nothing(sample_run: Path) -> None:
    """The sample run's dates are complete: skipped, no file touched; the range's other listing dates
    are reported in one line as not in the sample."""
    def files() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(sample_run)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sample_run.rglob("*")
            if p.is_file() and "dagster" not in p.relative_to(sample_run).parts
        }

    before = files()
    result = hotpapers("backfill", "--start", "2020-07-06", "--end", "2021-06-07", data_dir=sample_run)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "[1/2] 2020-07-09: already complete, skipped",
        "[2/2] 2021-06-04: already complete, skipped",
    ]
    # Mon 2020-07-06 … Mon 2021-06-07: 48 whole weeks (240 weekdays) + 1 Monday, minus the 2 sample dates
    assert result.stdout.splitlines() == [
        "Backfill 2020-07-06 … 2021-06-07 (sample): 2 listing dates — 0 built, 2 already complete, "
        "239 skipped: not in the embedded sample (2020-07-06 … 2021-06-07; use --source live)"
    ]
    assert files() == before


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--start", "2021-06-04", "--end", "2021-06-01"], {}, "error: --end 2021-06-01 is before --start 2021-06-04"),
        (["--start", "2021-06-01", "--end", "2021-6-4"], {}, "error: --end '2021-6-4' is not a date in the form YYYY-MM-DD"),
        (["--start", "2021-06-05", "--end", "2021-06-06"], {}, "error: no arXiv listing date from 2021-06-05 to 2021-06-06 (no listings on weekends or HOTPAPERS_HOLIDAYS)"),
        (["--start", "2021-06-04", "--end", "2021-06-04"], {"HOTPAPERS_HOLIDAYS": "2021-06-04"}, "error: no arXiv listing date from 2021-06-04 to 2021-06-04 (no listings on weekends or HOTPAPERS_HOLIDAYS)"),
        (["--start", "2021-06-01", "--end", "2099-01-02"], {}, "error: --end 2099-01-02 is in the future: listing 2099-01-02 is not announced yet (the newest announced listing is "),
        (["--start", "2021-01-04", "--end", "2021-01-08"], {}, f"error: the embedded sample holds none of the 5 listing dates from 2021-01-04 to 2021-01-08 (sample dates: {', '.join(SAMPLE_FOLDERS)}; use --source live for others)"),
        (["--start", "2021-06-01", "--end", "2021-06-04", "--source", "live"], {"HOTPAPERS_HOLIDAYS": "2021-06-0x"}, "error: invalid HOTPAPERS_HOLIDAYS"),
        (["--start", "2021-06-01", "--end", "2021-06-04", "--source", "replay"], {}, "error: --source must be one of sample, live, not 'replay'"),
    ],
)
def test_bad_ranges_are_refused_in_one_line(tmp_path: Path, args: list[str], env: dict, message: str) -> None:
    data_dir = tmp_path / "data"
    result = hotpapers("backfill", *args, data_dir=data_dir, env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message), result.stderr
    assert not data_dir.exists()


# --- the completeness rule, on files with chosen modification times ---------------------------------


@pytest.fixture
def dated_files(tmp_path: Path):
    """Writes a file of the data dir with a given mtime (seconds on an arbitrary clock)."""
    from pipelines.config import Settings

    settings = Settings(data_dir=tmp_path / "data")

    def write(relative: str, mtime: int) -> None:
        path = settings.data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        os.utime(path, ns=(mtime * 10**9, mtime * 10**9))

    return settings, write


D = "2021-06-04"
LISTING = f"raw/arxiv_papers/listing_date={D}/data.parquet"
FETCH = f"raw/x_tweets/listing_date={D}/data.parquet"
MODEL = f"models/digest_daily/listing_date={D}/data.parquet"
POST = f"digests/hot-papers-{D}.md"


@pytest.mark.parametrize(
    ("files", "complete"),
    [
        ({LISTING: 1, FETCH: 2, MODEL: 3, POST: 4}, True),  # a whole run, in order
        ({LISTING: 1, FETCH: 2, MODEL: 3}, False),  # stopped before the post
        ({LISTING: 1, MODEL: 3, POST: 4}, True),  # no X fetch (X skipped: no token)
        ({FETCH: 2, MODEL: 3, POST: 4}, False),  # no listing
        ({LISTING: 1, FETCH: 5, MODEL: 3, POST: 4}, False),  # a re-run refetched, then stopped
        ({LISTING: 1, FETCH: 5, MODEL: 6, POST: 4}, False),  # ... after rebuilding a model
        ({LISTING: 1, FETCH: 2, MODEL: 1, POST: 4}, False),  # a model partition older than the fetch
        ({LISTING: 1, FETCH: 2, MODEL: 3, POST: 4, f"raw/hn_stories/listing_date={D}/data.parquet": 5}, False),  # any source of D counts
        ({LISTING: 1, FETCH: 2, MODEL: 3, POST: 4, "raw/x_tweets/listing_date=2021-06-07/data.parquet": 9}, True),  # later dates do not
    ],
)
def test_when_a_date_is_complete(dated_files, files: dict[str, int], complete: bool) -> None:
    from pipelines.backfill import is_complete

    settings, write = dated_files
    for relative, mtime in files.items():
        write(relative, mtime)
    assert is_complete(settings, date.fromisoformat(D)) is complete

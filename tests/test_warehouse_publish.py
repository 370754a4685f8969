"""Publishing at daily-run cost: the warehouse file is rewritten only when its views change, and a model
whose table is missing is rebuilt whole with every partition republished.

The embedded sample through the `hotpapers` CLI (real Dagster runs), then the publishing functions on
the same real DuckDB and Parquet files. tests/test_bench_smoke.py covers the same rebuild through Dagster.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import Settings
from pipelines.sqlmodels import build_and_publish, build_session, discover, publish_warehouse
from tests.conftest import SAMPLE_DATES, hotpapers


def digest_rows(data_dir: Path) -> dict[str, int]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("select cast(listing_date as varchar), count(*) from digest_daily group by all").fetchall()
    finally:
        con.close()
    return dict(rows)


def run_ok(data_dir: Path, listing_date: str, **env: str) -> None:
    result = hotpapers("run", "--date", listing_date, data_dir=data_dir, env=env)
    assert result.returncode == 0, result.stderr


def test_runs_rewrite_the_warehouse_only_when_its_views_change(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for listing_date in SAMPLE_DATES:
        run_ok(data, listing_date)
    published = digest_rows(data)
    assert set(published) == set(SAMPLE_DATES) and all(published.values())

    # the same run again (what every daily refresh is): new Parquet partitions, the same warehouse file
    warehouse = data / "warehouse.duckdb"
    identity = (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns)  # inodes alone get reused
    run_ok(data, SAMPLE_DATES[0], HOTPAPERS_DUCKDB_MEMORY_LIMIT="256MB")
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) == identity, "warehouse rewritten although no view changed"
    assert digest_rows(data) == published

    # a changed setting changes a table of the warehouse: rewritten (renamed into place), once
    models = discover()
    for settings, rewritten in ((Settings(data_dir=data, min_score=51), True), (Settings(data_dir=data), True), (Settings(data_dir=data), False)):
        with build_session(settings) as con:
            assert publish_warehouse(con, settings, models) is rewritten
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) != identity

    # the build database and the published models lost (only raw data kept): each model rebuilt
    # whole when asked for one date, every date republished
    shutil.rmtree(data / "build")
    shutil.rmtree(data / "models")
    settings = Settings(data_dir=data)
    with build_session(settings) as con:
        for model in models:
            _, rebuilt_whole = build_and_publish(con, settings, model, date.fromisoformat(SAMPLE_DATES[0]))
            assert rebuilt_whole, model.name
        publish_warehouse(con, settings, models)
    assert digest_rows(data) == published
    assert not [p.name for p in (data / "models").iterdir() if p.name.startswith(".")], "a staging folder was left behind"


def test_duckdb_memory_limit_is_a_setting(tmp_path: Path) -> None:
    bad = hotpapers("run", data_dir=tmp_path / "data", env={"HOTPAPERS_DUCKDB_MEMORY_LIMIT": "lots"})
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "error: invalid HOTPAPERS_DUCKDB_MEMORY_LIMIT: Value error, 'lots' is not a size like 1GB, 512MiB or 50%"
    ]
    assert not (tmp_path / "data").exists()

    with build_session(Settings(data_dir=tmp_path / "data", duckdb_memory_limit="256MB")) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"  # 256e6 bytes in MiB

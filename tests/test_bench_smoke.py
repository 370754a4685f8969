"""Smoke test of the benchmark (bench/): generate a tiny data set, run every stage once, check the outputs.

No timing is asserted: this only proves that the generator writes what it promises and that the
benchmark's figures come from correct runs (the same tables as raw DuckDB, every row published,
the minimum number of requests, DuckDB's memory limit applied).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME"))}
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_generate_and_bench_at_tiny_size(tmp_path: Path) -> None:
    data = tmp_path / "tiny" / "data"
    run("bench/generate.py", "--size", "tiny", "--out", str(data))
    meta = json.loads((data / "bench.json").read_text())
    params = meta["params"]

    # the raw layout, with exactly the requested rows over the requested listing dates
    for table, wanted in (("arxiv_papers", params["papers"]), ("x_tweets", params["tweets"])):
        files = sorted((data / "raw" / table).glob("listing_date=*/data.parquet"))
        assert [f.parent.name.removeprefix("listing_date=") for f in files] == meta["listing_dates"]
        assert len(files) == params["days"]
        assert sum(pq.read_metadata(f).num_rows for f in files) == wanted
    sample = pq.read_table(sorted((data / "raw" / "x_tweets").glob("*/data.parquet"))[-3])
    ids = sample.column("tweet_id").to_pylist()
    assert len(ids) == len(set(ids)), "one snapshot of a tweet per fetch"

    # recorded pages: the new listing (arXiv + X) and the refreshed listings (X), retweets included
    assert len(meta["recorded"]) == 1 + params["refresh_listings"]
    for listing_date, info in meta["recorded"].items():
        folder = data / "recorded" / listing_date
        manifest = json.loads((folder / "manifest.json").read_text())
        assert len(manifest["arxiv_pages"]) == info["arxiv_pages"] and len(manifest["x_pages"]) == info["x_pages"]
        for page in manifest["x_pages"]:
            assert len(json.loads((folder / page["file"]).read_text()).get("data") or []) <= 100
    assert sum(info["x_retweets"] for info in meta["recorded"].values()) > 0
    assert (data / "recorded" / "ingest" / "arxiv" / "page-0001.xml").exists()

    # every stage once (the data set above is reused: same parameters)
    run("bench/run.py", "--size", "tiny", "--repeat", "1", "--no-month", "--no-warmup", "--data-root", str(tmp_path))
    report = json.loads((tmp_path / "tiny" / "report.json").read_text())
    assert "generate" not in report, "run.py reuses the generated data"
    assert (tmp_path / "tiny" / "report.md").read_text().startswith("## Results")

    # 1. both project paths build the same tables as raw DuckDB, and publish every row of them
    for variant in ("project", "dagster"):
        equal = report["rebuild"]["equal"][variant]
        assert set(equal) >= {"stg_arxiv__papers", "stg_x__tweets", "digest_daily", "digest_tweets"}
        for table, check in equal.items():
            assert check["only_project"] == 0 and check["only_baseline"] == 0, (variant, table)
            assert check["published_rows"] == check["rows"], (variant, table)
        assert equal["stg_arxiv__papers"]["rows"] == params["papers"]
        assert equal["stg_x__tweets"]["rows"] == params["tweets"]
        assert equal["digest_daily"]["rows"] > 0
    assert report["rebuild"]["project"][0]["rows"] == report["rebuild"]["raw"][0]["rows"]
    dagster = report["rebuild"]["dagster"][0]
    assert dagster["rebuilt_whole"] and all(dagster["rebuilt_whole"].values()), "no build database: every model rebuilt whole"

    # 2 + 5. the daily run ingests the recorded pages with the minimum number of requests
    daily = report["daily"]["year"][0]
    assert [d for d, _ in daily["plan"]] == [meta["new_date"], *meta["refreshed_dates"]]
    assert daily["requests"]["arxiv"] == meta["min_requests"]["arxiv"] > 1  # several arXiv pages at this size
    assert daily["requests"]["x"] == meta["min_requests"]["x"]
    for listing_date, info in meta["recorded"].items():
        assert daily["requests"]["per_date"][listing_date] == {"arxiv": info["min_arxiv_requests"], "x": info["min_x_requests"]}
        assert daily["raw_rows"][listing_date]["x_tweets"] == info["x_originals"]  # retweets dropped
        if info["new_listing"]:
            assert daily["raw_rows"][listing_date]["arxiv_papers"] == info["arxiv_entries"]

    # 3. ingestion: the recorded pages parse to the raw rows; the floor is measured too
    ingest = report["ingest"][0]
    assert ingest["arxiv_pages_equal_raw"] is True
    assert ingest["arxiv_entries"] == meta["rows"]["ingest_papers"]
    assert ingest["x_originals_parsed"] == sum(info["x_originals"] for info in meta["recorded"].values())
    for key in ("arxiv_project", "arxiv_floor", "x_project", "x_floor"):
        assert ingest[key]["rows_per_s"] > 0

    # 4. peak RSS of every stage, with DuckDB's memory limit set through the project's own setting
    assert report["memory_limit"] == "1GB"
    runs = [*report["rebuild"]["project"], *report["rebuild"]["dagster"], *report["daily"]["year"], *report["ingest"]]
    assert all(r["peak_rss_mib"] > 0 for r in runs)
    for variant in ("project", "raw"):
        assert report["rebuild"][variant][0]["duckdb_memory_limit"] == "953.6 MiB"  # 1GB as DuckDB shows it

#!/usr/bin/env python
"""Hot Papers benchmark: the project's code paths against raw DuckDB / plain parsers, at scale.

    python bench/run.py --size small --repeat 3          # generates the data first if needed
    python bench/run.py --size full --repeat 3 --profile

Stages (each repetition runs in its own subprocess; its peak RSS is the kernel's max RSS of that child,
read with os.wait4, cross-checked with the child's own VmHWM):

* ``rebuild``: every SQL model over the whole history, three ways, in rotating order —
  *dagster*: one Dagster run of every SQL model asset (and its checks) on a data directory holding
  the raw history and no build database, so every model finds its table missing and is rebuilt and
  republished whole (``build_and_publish``), exactly what a run does after ``data/build/`` is deleted;
  *project*: the same functions without Dagster (``build_session``, ``rebuild`` and ``publish_all`` per
  model, ``publish_warehouse`` once), to split building from publishing;
  *raw*: the same SQL in one plain ``duckdb`` connection (views over the raw Parquet, the settings
  table, ``create table … as <model sql>``), then ``COPY … PARTITION_BY listing_date`` as a publish
  reference. Every table of both project paths is compared row for row with the raw one.
* ``daily``: the daily tick through Dagster: the run requests the project's daily schedule returns for
  the tick, each materialized as the CLI does, with the recorded pages served over loopback
  (tests/loopback.FakeApi + pipelines.sources.replay.RecordedApi), on one year of history and on one
  month. Every repetition starts from the same state, restored from a copy: the history rebuilt and
  published, then the tick run once untimed (``--no-warmup`` skips that), so a repetition sees the
  steady state of a day in production rather than the first tick after a full rebuild (which also
  publishes the first files of the tables the bench leaves empty). Requests are counted against the minimum.
* ``ingest``: Atom pages → the arXiv client's page reader + paper_row → Parquet and X pages → the X
  client's page reader + parse_page → Parquet, in rows/s, against lxml.etree.fromstring / json.loads alone.

DuckDB's memory limit (``--memory-limit``) is the project's own setting, HOTPAPERS_DUCKDB_MEMORY_LIMIT,
for the project's stages, and the same ``memory_limit`` for the raw-DuckDB connection.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# =================================================================================================
# stages (run in subprocesses: ``run.py --stage NAME ...``)
# =================================================================================================


def duckdb_config(limit: str | None) -> dict:
    return {} if not limit or limit.lower() == "none" else {"memory_limit": limit}


def stage_rebuild_project(args: argparse.Namespace) -> dict:
    """Full rebuild + publish through pipelines.sqlmodels, without Dagster, in the data directory ``--work``."""
    from pipelines.config import load_settings
    from pipelines.sqlmodels import build_session, discover, publish_all, publish_partition, publish_warehouse, rebuild

    settings = load_settings()
    models = discover()
    per_model, per_publish, rows = {}, {}, {}
    started = time.perf_counter()
    with build_session(settings) as con:
        for model in models:
            t = time.perf_counter()
            rows[model.name] = rebuild(con, model)
            per_model[model.name] = time.perf_counter() - t
        rebuilt = time.perf_counter()
        for model in models:  # what build_and_publish does after rebuilding a model whole
            t = time.perf_counter()
            if model.partitioned:
                publish_all(con, settings, model.name)
            else:
                publish_partition(con, settings, model.name, None)
            per_publish[model.name] = time.perf_counter() - t
        t = time.perf_counter()
        publish_warehouse(con, settings, models)
        per_publish["(warehouse views)"] = time.perf_counter() - t
        memory_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    finished = time.perf_counter()
    return {
        "rebuild_s": rebuilt - started,
        "publish_s": finished - rebuilt,
        "total_s": finished - started,
        "per_model_s": per_model,
        "per_publish_s": per_publish,
        "rows": rows,
        "duckdb_memory_limit": memory_limit,
    }


def stage_rebuild_dagster(args: argparse.Namespace) -> dict:
    """One Dagster run of every SQL model asset and its checks, on raw history without a build database."""
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore")
    from pipelines.config import load_settings
    from pipelines.definitions import defs
    from pipelines.resources import HotPapersResource
    from pipelines.runs import dagster_instance, first_failure
    from pipelines.sqlmodels import discover

    settings = load_settings()
    assert not settings.build_db_path.exists(), "the rebuild starts without a build database"
    keys = [dg.AssetKey(m.name) for m in discover()]
    instance = dagster_instance(settings)
    started = time.perf_counter()
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=dg.AssetSelection.assets(*keys),
        partition_key=args.partition,
        resources={"hotpapers": HotPapersResource(source="sample")},  # no ingestion asset is selected
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        raise_on_error=False,
        tags={"hotpapers/source": "bench"},
    )
    total = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"full rebuild through Dagster failed: {first_failure(result)}")
    steps = step_seconds(result)
    materializations = [event.materialization for event in result.get_asset_materialization_events()]
    rebuilt_whole = {m.asset_key.to_user_string(): m.metadata["rebuilt_whole"].value for m in materializations if "rebuilt_whole" in m.metadata}
    return {"total_s": total, "steps_s": steps, "rebuilt_whole": rebuilt_whole, "checks": len(result.get_asset_check_evaluations())}


def stage_rebuild_raw(args: argparse.Namespace) -> dict:
    """The same SQL in one plain duckdb connection: views, settings table, create table … as <sql>."""
    import duckdb

    from pipelines.config import load_settings
    from pipelines.sqlmodels import discover, source_statements

    # Everything but executing SQL happens before the clock starts: the settings, the model files, and
    # the text of the source views and the settings table (the project's own statements).
    settings = load_settings()
    models = [(m.name, m.sql, m.partitioned) for m in discover()]
    scratch = duckdb.connect()
    sources = source_statements(scratch, settings)
    scratch.close()
    db = Path(args.work) / "baseline.duckdb"
    out = Path(args.work) / "baseline_models"
    out.mkdir(parents=True, exist_ok=True)
    per_model, rows = {}, {}
    started = time.perf_counter()
    con = duckdb.connect(str(db), config=duckdb_config(args.memory_limit))
    con.execute("set TimeZone = 'UTC'")
    for statement in sources:
        con.execute(statement)
    for name, sql, _ in models:
        t = time.perf_counter()
        con.execute(f"create table {name} as {sql}")
        per_model[name] = time.perf_counter() - t
    rebuilt = time.perf_counter()
    for name, _, partitioned in models:
        if partitioned:
            con.execute(
                f"copy {name} to '{out / name}' (format parquet, compression zstd, "
                "partition_by (listing_date), write_partition_columns true)"
            )
        else:
            con.execute(f"copy {name} to '{out / name}.parquet' (format parquet, compression zstd)")
    published = time.perf_counter()
    for name, _, _ in models:
        rows[name] = con.execute(f"select count(*) from {name}").fetchone()[0]
    memory_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.close()
    return {
        "rebuild_s": rebuilt - started,
        "publish_s": published - rebuilt,
        "total_s": published - started,
        "per_model_s": per_model,
        "rows": rows,
        "duckdb_memory_limit": memory_limit,
    }


def step_seconds(result) -> dict[str, float]:
    steps: dict[str, float] = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    return steps


def stage_daily(args: argparse.Namespace) -> dict:
    """One daily tick through Dagster: the schedule's run requests, each materialized as `hotpapers run` does."""
    import contextlib
    import cProfile
    import pstats
    import warnings

    import dagster as dg
    import pyarrow.parquet as pq

    warnings.filterwarnings("ignore")
    from pipelines.config import load_settings
    from pipelines.definitions import defs
    from pipelines.rawstore import partition_path
    from pipelines.resources import Endpoints, HotPapersResource
    from pipelines.runs import dagster_instance, first_failure
    from pipelines.schedules import daily_hot_papers

    class BenchReplay(HotPapersResource):
        """The project's resource, with the recorded pages of each date on the bench's loopback server."""

        replay_url: str = ""

        @contextlib.contextmanager
        def endpoints(self, listing_date, settings):
            base = f"{self.replay_url}/{listing_date.isoformat()}"
            yield Endpoints(base + "/api/query", 0.0, base + "/2", "bench-token", live=False)

    settings = load_settings()
    tick = datetime.fromisoformat(args.tick)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        requests = list(daily_hot_papers(context))  # what the daily schedule asks for at this tick
    plan = [(date.fromisoformat(r.partition_key), r.tags.get("hotpapers/kind") == "listing") for r in requests]
    instance = dagster_instance(settings)
    resource = BenchReplay(source="bench", replay_url=args.replay_url)
    stat = settings.warehouse_path.stat()
    warehouse_identity = (stat.st_ino, stat.st_mtime_ns)  # an inode alone may be reused
    profiler = cProfile.Profile() if args.profile_out else None
    runs = []
    started = time.perf_counter()
    for request, (listing_date, is_new) in zip(requests, plan):
        t = time.perf_counter()
        if profiler:
            profiler.enable()
        result = dg.materialize(
            [*defs.assets, *defs.asset_checks],
            selection=dg.AssetSelection.assets(*request.asset_selection),
            partition_key=request.partition_key,
            resources={"hotpapers": resource},
            instance=instance,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            raise_on_error=False,
            tags={"hotpapers/source": "bench", **request.tags},
        )
        if profiler:
            profiler.disable()
        if not result.success:
            raise SystemExit(f"daily run of {listing_date} failed: {first_failure(result)}")
        steps = step_seconds(result)
        runs.append({"listing_date": listing_date.isoformat(), "new": is_new, "seconds": time.perf_counter() - t, "steps_s": steps})
    total = time.perf_counter() - started
    raw_rows = {}
    for listing_date, is_new in plan:
        entry = {"x_tweets": pq.read_metadata(partition_path(settings.raw_dir, "x_tweets", listing_date)).num_rows}
        if is_new:
            entry["arxiv_papers"] = pq.read_metadata(partition_path(settings.raw_dir, "arxiv_papers", listing_date)).num_rows
        raw_rows[listing_date.isoformat()] = entry
    if profiler:
        with open(args.profile_out, "w") as handle:
            stats = pstats.Stats(profiler, stream=handle)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
    return {
        "total_s": total,
        "runs": runs,
        "raw_rows": raw_rows,
        "plan": [(d.isoformat(), n) for d, n in plan],
        "warehouse_rewritten": (settings.warehouse_path.stat().st_ino, settings.warehouse_path.stat().st_mtime_ns) != warehouse_identity,
    }


def stage_ingest(args: argparse.Namespace) -> dict:
    """Parse throughput of recorded pages: the project's parsers → Parquet, against parsing alone."""
    import io
    import json as jsonlib

    import pyarrow as pa
    import pyarrow.parquet as pq
    import requests
    from lxml import etree

    from pipelines.categories import category_matches
    from pipelines.config import load_settings
    from pipelines.sources import arxiv_listing, x_search

    settings = load_settings()
    data = Path(args.data)
    meta = jsonlib.loads((data / "bench.json").read_text())
    atom_pages = [p.read_bytes() for p in sorted((data / "recorded" / "ingest" / "arxiv").glob("*.xml"))]
    x_fetches = [[p.read_bytes() for p in sorted((data / "recorded" / d / "x").glob("*.json"))] for d in meta["recorded"]]
    x_pages = [body for fetch in x_fetches for body in fetch]
    entries = sum(body.count(b"<entry>") for body in atom_pages)
    tweets_on_pages = sum(len(jsonlib.loads(body).get("data") or []) for body in x_pages)
    listing_date = date.fromisoformat(meta["listing_dates"][-1])
    fetched_at = datetime.fromisoformat(meta["tick"])

    def response(body: bytes, content_type: str) -> requests.Response:
        """What the HTTP client hands the page reader (the bytes as received)."""
        r = requests.Response()
        r.status_code, r._content, r.url, r.encoding = 200, body, "http://127.0.0.1/", "utf-8"
        r.headers["Content-Type"] = content_type
        return r

    def arxiv_project() -> pa.Table:
        """As fetch_listing does for each page: read it (checks + the package's parser), paper_row, filter."""
        rows = []
        for body in atom_pages:
            page = arxiv_listing.read_page(response(body, "application/atom+xml"), first_page=True)
            for result in page.feed.results:
                row = arxiv_listing.paper_row(result, listing_date, fetched_at)
                if row is not None and any(category_matches(c, settings.categories) for c in row["categories"]):
                    rows.append(row)
        table = arxiv_listing.papers_table(rows)
        pq.write_table(table, io.BytesIO(), compression="zstd")
        return table

    def arxiv_floor() -> int:
        count = 0
        for body in atom_pages:
            count += len(etree.fromstring(body).findall("{http://www.w3.org/2005/Atom}entry"))
        return count

    def x_project() -> int:
        """As fetch_tweets does, per fetch: read and parse every page, one table, one Parquet file."""
        written = 0
        for fetch in x_fetches:
            rows: list[dict] = []
            for body in fetch:
                page_rows, _ = x_search.parse_page(x_search.read_page(response(body, "application/json")), fetched_at, listing_date)
                rows.extend(page_rows)
            table = x_search.tweets_table(rows)
            pq.write_table(table, io.BytesIO(), compression="zstd")
            written += table.num_rows
        return written

    def x_floor() -> int:
        count = 0
        for body in x_pages:
            count += len(jsonlib.loads(body).get("data") or [])
        return count

    def rate(fn, rows: int) -> dict:
        """Rows/s over as many passes as fit in ``--ingest-seconds`` (at least one)."""
        passes, elapsed = 0, 0.0
        while passes == 0 or elapsed < float(args.ingest_seconds):
            t = time.perf_counter()
            fn()
            elapsed += time.perf_counter() - t
            passes += 1
        return {"rows_per_s": rows * passes / elapsed, "seconds_per_pass": elapsed / passes, "passes": passes}

    out = {
        "arxiv_entries": entries,
        "arxiv_pages": len(atom_pages),
        "x_tweets_on_pages": tweets_on_pages,
        "x_pages": len(x_pages),
        "arxiv_floor": rate(arxiv_floor, entries),
        "arxiv_project": rate(arxiv_project, entries),
        "x_floor": rate(x_floor, tweets_on_pages),
        "x_project": rate(x_project, tweets_on_pages),
    }
    # the pages say what the raw Parquet says: parsed rows equal the generated rows (but fetched_at)
    parsed = arxiv_project().drop_columns(["listing_date", "fetched_at"])
    wanted = set(parsed.column("arxiv_id").to_pylist())
    raw_rows = []
    for path in sorted((data / "raw" / "arxiv_papers").glob("*/data.parquet")):
        table = pq.read_table(path).drop_columns(["listing_date", "fetched_at"])
        raw_rows += [r for r in table.to_pylist() if r["arxiv_id"] in wanted]
    out["arxiv_pages_equal_raw"] = sorted(raw_rows, key=lambda r: r["arxiv_id"]) == parsed.to_pylist()
    out["x_originals_parsed"] = x_project()
    return out


def vm_hwm_mib() -> int:
    """This process image's own peak RSS (VmHWM), a cross-check of the rusage figure."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def stage_compare(args: argparse.Namespace) -> dict:
    """Row-for-row equality of each project path's tables with the baseline's (a subprocess: it uses memory)."""
    work = Path(args.work)
    out = {}
    for name in args.tables_from.split(","):
        out[name] = compare_rebuilds(
            work / f"rebuild-{name}" / "build" / "pipeline.duckdb",
            work / "rebuild-raw" / "baseline.duckdb",
            work / f"rebuild-{name}" / "warehouse.duckdb",
            args.tables.split(","),
            args.memory_limit,
        )
    return out


STAGES = {
    "compare": stage_compare,
    "rebuild-project": stage_rebuild_project,
    "rebuild-dagster": stage_rebuild_dagster,
    "rebuild-raw": stage_rebuild_raw,
    "setup": stage_rebuild_project,  # the state before a daily tick: the history built and published
    "daily": stage_daily,
    "ingest": stage_ingest,
}


def run_stage_main(args: argparse.Namespace) -> None:
    result = STAGES[args.stage](args)
    result["vm_hwm_mib"] = vm_hwm_mib()
    Path(args.result).write_text(json.dumps(result, default=str), encoding="utf-8")


# =================================================================================================
# the driver
# =================================================================================================


def stage_env(meta: dict, data_dir: Path | None, memory_limit: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME"))}
    env.update(
        {
            "HOTPAPERS_HOLIDAYS": " ".join(meta["holidays"]),
            "ARXIV_PAGE_SIZE": str(meta["params"]["arxiv_page_size"]),
            "ARXIV_DELAY_SECONDS": "0",
            "HOTPAPERS_REFRESH_LISTINGS": str(meta["params"]["refresh_listings"]),
            "PYTHONPATH": str(ROOT),
        }
    )
    if duckdb_config(memory_limit):
        env["HOTPAPERS_DUCKDB_MEMORY_LIMIT"] = memory_limit
    if data_dir is not None:
        env["HOTPAPERS_DATA_DIR"] = str(data_dir)
    return env


def measured(cmd: list[str], env: dict[str, str], label: str) -> tuple[float, int]:
    """Run a child to completion; (wall seconds, its peak RSS in MiB from the kernel's rusage)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed (exit {proc.returncode})")
    return wall, usage.ru_maxrss // 1024  # Linux reports KiB


def run_stage(name: str, meta: dict, data: Path, work: Path, memory_limit: str, scratch: Path, **extra) -> dict:
    result_file = scratch / f"result-{name}-{time.monotonic_ns()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name, "--data", str(data), "--work", str(work),
           "--result", str(result_file), "--memory-limit", memory_limit]  # fmt: skip
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    wall, rss = measured(cmd, stage_env(meta, work, memory_limit), name)
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["wall_s"], result["peak_rss_mib"] = wall, rss
    return result


def link_raw(data: Path, work: Path, dates: list[str] | None) -> None:
    """A data directory whose raw Parquet are hard links to the generated files (the pipeline replaces, never edits)."""
    if work.exists():
        shutil.rmtree(work)
    for table in ("arxiv_papers", "x_tweets"):
        for source in sorted((data / "raw" / table).glob("*/data.parquet")):
            if dates is not None and source.parent.name.removeprefix("listing_date=") not in dates:
                continue
            target = work / "raw" / table / source.parent.name / "data.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)


def copy_state(source: Path, target: Path) -> None:
    """A copy of a data directory: Parquet hard-linked (always replaced by rename), everything else copied."""
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.suffix == ".parquet":
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def replay_server(data: Path, meta: dict):
    """A FakeApi answering /<date>/api/query and /<date>/2/tweets/search/recent from the recorded pages."""
    from pipelines.sources.replay import RecordedApi
    from tests.loopback import Canned, FakeApi

    api = FakeApi()
    for listing_date in meta["recorded"]:
        recorded = RecordedApi(data / "recorded" / listing_date)

        def answer(request, recorded=recorded):
            page = recorded.page_for(request.path, request.query)
            if page is None:
                return Canned(404, b"no recorded page\n")
            return Canned(200, page.body, {"Date": page.date}, page.content_type)

        api.default(f"/{listing_date}/api/query", answer)
        api.default(f"/{listing_date}/2/tweets/search/recent", answer)
    return api


def count_requests(api, meta: dict, since: int) -> dict:
    requests = api.requests[since:]
    arxiv = sum(1 for r in requests if r.path.endswith("/api/query"))
    x = sum(1 for r in requests if r.path.endswith("/tweets/search/recent"))
    per_date = {d: {"arxiv": sum(1 for r in requests if r.path == f"/{d}/api/query"),
                    "x": sum(1 for r in requests if r.path == f"/{d}/2/tweets/search/recent")} for d in meta["recorded"]}  # fmt: skip
    return {"arxiv": arxiv, "x": x, "per_date": per_date}


def compare_rebuilds(project_db: Path, baseline_db: Path, warehouse: Path, tables: list[str], memory_limit: str) -> dict:
    """Row-for-row equality (EXCEPT ALL both ways) of every model table, and the published views' counts."""
    import duckdb

    con = duckdb.connect(config=duckdb_config(memory_limit))
    con.execute(f"attach '{project_db}' as p (read_only)")
    con.execute(f"attach '{baseline_db}' as b (read_only)")
    con.execute(f"attach '{warehouse}' as w (read_only)")
    out = {}
    for table in tables:
        only_project = con.execute(f"select count(*) from (from p.{table} except all from b.{table})").fetchone()[0]
        only_baseline = con.execute(f"select count(*) from (from b.{table} except all from p.{table})").fetchone()[0]
        rows = con.execute(f"select count(*) from p.{table}").fetchone()[0]
        published = con.execute(f"select count(*) from w.{table}").fetchone()[0]
        out[table] = {"rows": rows, "only_project": only_project, "only_baseline": only_baseline, "published_rows": published}
    con.close()
    return out


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


REBUILDS = ("dagster", "project", "raw")


def bench(args: argparse.Namespace) -> dict:
    root = Path(args.data_root) / args.size
    data = root / "data"
    scratch = root / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    stages = set(args.stages.split(","))
    report: dict = {"size": args.size, "repeat": args.repeat, "memory_limit": args.memory_limit, "machine": machine(),
                    "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}  # fmt: skip

    # --- data
    meta_file = data / "bench.json"
    if args.regenerate or not meta_file.exists() or json.loads(meta_file.read_text())["params"] != preset_params(args.size):
        log(f"generating the {args.size} data set in {data}")
        cmd = [sys.executable, str(BENCH / "generate.py"), "--size", args.size, "--out", str(data)]
        wall, rss = measured(cmd, {**os.environ, "PYTHONPATH": str(ROOT)}, "generate")
        report["generate"] = {"wall_s": wall, "peak_rss_mib": rss}
    meta = json.loads(meta_file.read_text())
    report["data"] = {"rows": meta["rows"], "listing_dates": len(meta["listing_dates"]), "month_dates": len(meta["month_dates"]),
                      "new_date": meta["new_date"], "refreshed": meta["refreshed_dates"], "generate_s": meta["seconds"],
                      "raw_bytes": sum(p.stat().st_size for p in (data / "raw").rglob("*.parquet"))}  # fmt: skip

    # --- 1. full rebuild: through Dagster, the same code without Dagster, raw DuckDB (rotating order)
    if "rebuild" in stages:
        runs: dict[str, list] = {name: [] for name in REBUILDS}
        for i in range(args.repeat):
            order = REBUILDS[i % 3 :] + REBUILDS[: i % 3]
            for which in order:
                work = root / "work" / f"rebuild-{which}"
                link_raw(data, work, None)
                log(f"rebuild {which} #{i + 1}")
                extra = {"partition": meta["listing_dates"][-1]} if which == "dagster" else {}
                result = run_stage(f"rebuild-{which}", meta, data, work, args.memory_limit, scratch, **extra)
                runs[which].append(result)
                split = f"rebuild {result['rebuild_s']:.2f} s + publish {result['publish_s']:.2f} s = " if "rebuild_s" in result else ""
                log(f"  {split}{result['total_s']:.2f} s, peak RSS {result['peak_rss_mib']} MiB")
        tables = ",".join(runs["project"][0]["rows"])
        equal = run_stage("compare", meta, data, root / "work", args.memory_limit, scratch, tables=tables, tables_from="project,dagster")
        report["rebuild"] = {**runs, "equal": {k: v for k, v in equal.items() if isinstance(v, dict)}}

    # --- 2. daily run (year and month of history) + 5. requests
    if "daily" in stages:
        histories = {"year": None, "month": meta["month_dates"]}
        if args.no_month:
            histories.pop("month")
        api = replay_server(data, meta)
        api.__enter__()
        try:
            for name, dates in histories.items():
                work = root / "work" / f"daily-{name}"
                link_raw(data, work, dates)
                log(f"daily ({name}): building the history through the project's code (setup, not timed)")
                report.setdefault("daily_setup", {})[name] = run_stage("setup", meta, data, work, args.memory_limit, scratch)
                if not args.no_warmup:
                    log(f"daily ({name}): one run of the tick (warm-up, not timed: see --no-warmup)")
                    warmup = run_stage("daily", meta, data, work, args.memory_limit, scratch, tick=meta["tick"], replay_url=api.base_url)
                    report.setdefault("daily_warmup", {})[name] = warmup
                    log(f"  {warmup['total_s']:.2f} s, warehouse rewritten: {warmup['warehouse_rewritten']}")
                copy_state(work, root / "work" / f"daily-{name}.base")
            daily: dict[str, list] = {name: [] for name in histories}
            for i in range(args.repeat):
                for name in list(histories) if i % 2 == 0 else list(histories)[::-1]:
                    work = root / "work" / f"daily-{name}"
                    copy_state(root / "work" / f"daily-{name}.base", work)  # the same state every time
                    since = len(api.requests)
                    log(f"daily ({name}) #{i + 1}")
                    result = run_stage("daily", meta, data, work, args.memory_limit, scratch, tick=meta["tick"], replay_url=api.base_url)
                    result["requests"] = count_requests(api, meta, since)
                    daily[name].append(result)
                    log(f"  {result['total_s']:.2f} s, {result['requests']['arxiv']} arXiv + {result['requests']['x']} X requests, "
                        f"warehouse rewritten: {result['warehouse_rewritten']}, peak RSS {result['peak_rss_mib']} MiB")  # fmt: skip
            if args.profile:
                work = root / "work" / "daily-year"
                copy_state(root / "work" / "daily-year.base", work)
                profile_out = root / "profile-daily-year.txt"
                log("daily (year) under cProfile")
                result = run_stage("daily", meta, data, work, args.memory_limit, scratch, tick=meta["tick"], replay_url=api.base_url, profile_out=profile_out)
                report["daily_profile"] = {"file": str(profile_out), "total_s": result["total_s"], "runs": result["runs"]}
        finally:
            api.__exit__(None, None, None)
        report["daily"] = daily
        report["min_requests"] = meta["min_requests"]
        report["recorded"] = meta["recorded"]

    # --- 3. ingestion parse throughput
    if "ingest" in stages:
        report["ingest"] = []
        for i in range(args.repeat):
            log(f"ingest #{i + 1}")
            seconds = 0.2 if args.size == "tiny" else 1.5
            result = run_stage("ingest", meta, data, root / "work" / "ingest", args.memory_limit, scratch, ingest_seconds=seconds)
            report["ingest"].append(result)
            log(f"  arXiv {result['arxiv_project']['rows_per_s']:,.0f} rows/s (floor {result['arxiv_floor']['rows_per_s']:,.0f}), "
                f"X {result['x_project']['rows_per_s']:,.0f} rows/s (floor {result['x_floor']['rows_per_s']:,.0f})")  # fmt: skip

    # --- profile of the slowest SQL: EXPLAIN ANALYZE on the baseline database
    if args.profile and "rebuild" in stages:
        report["explain"] = explain_slowest(root, report)
    return report


def explain_slowest(root: Path, report: dict) -> dict:
    import duckdb

    from pipelines.sqlmodels import discover

    per_model = report["rebuild"]["raw"][0]["per_model_s"]
    slowest = max(per_model, key=per_model.get)
    sql = {m.name: m.sql for m in discover()}[slowest]
    db = root / "work" / "rebuild-raw" / "baseline.duckdb"
    con = duckdb.connect(str(db), config=duckdb_config(report["memory_limit"]))
    con.execute("set TimeZone = 'UTC'")
    con.execute("pragma enable_profiling = 'json'")
    profile_file = root / f"explain-{slowest}.json"
    con.execute(f"pragma profiling_output = '{profile_file}'")
    con.execute(f"create or replace temp table _explain as {sql}")
    con.execute("pragma disable_profiling")
    con.close()
    profile = json.loads(profile_file.read_text())
    return {"model": slowest, "file": str(profile_file), "top_operators": top_operators(profile),
            "peak_buffer_memory_mib": profile.get("system", {}).get("peak_buffer_memory", 0) // 2**20}  # fmt: skip


def top_operators(profile: dict, limit: int = 8) -> list[dict]:
    """The operators that took longest, from DuckDB's JSON profile (``operator``: a list of trees)."""
    found = []

    def walk(node: dict) -> None:
        if "type" in node and "timing" in node:
            found.append({"operator": node["type"], "seconds": round(node["timing"], 3), "rows": node.get("intermediate_rows")})
        for child in node.get("children", []):
            walk(child)

    for node in profile.get("operator", []):
        walk(node)
    return sorted(found, key=lambda o: -o["seconds"])[:limit]


def preset_params(size: str) -> dict:
    from dataclasses import asdict

    sys.path.insert(0, str(BENCH))
    from generate import PRESETS

    return asdict(PRESETS[size])


def machine() -> dict:
    import platform

    import duckdb

    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1), "cpu": cpu, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "platform": platform.platform(), "load_1min": os.getloadavg()[0],
            "commit": commit + (" + uncommitted changes" if dirty else "")}  # fmt: skip


# --- the report -----------------------------------------------------------------------------------


def fmt(value: float, digits: int = 2) -> str:
    if value >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def figure_row(name: str, values: list[float], unit: str, digits: int = 2) -> str:
    s = summary(values)
    return f"| {name} | {fmt(s['median'], digits)} | {fmt(s['min'], digits)} | {fmt(s['max'], digits)} | {unit} |"


def rss_row(label: str, runs: list[dict]) -> str:
    """Peak RSS from the child's rusage, with the process image's own VmHWM as a cross-check."""
    hwm = summary([x["vm_hwm_mib"] for x in runs])
    return figure_row(f"peak RSS, {label}", [x["peak_rss_mib"] for x in runs], f"MiB (VmHWM median {hwm['median']:.0f})", 0)


def ratio_row(name: str, numerators: list[float], denominators: list[float], goal: str = "") -> str:
    pairs = [a / b for a, b in zip(numerators, denominators)]
    med = statistics.median(numerators) / statistics.median(denominators)
    return f"| {name} | {med:.2f} | {min(pairs):.2f} | {max(pairs):.2f} | {goal} |"


def unpartitioned_assets() -> set[str]:
    """Assets rebuilt whole by every run (not partitioned by listing date): their cost follows the history."""
    import warnings

    warnings.filterwarnings("ignore")
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_executable and not graph.get(key).is_partitioned
    }


def step_split(run: dict, whole: set[str]) -> tuple[float, float]:
    """(seconds in steps of assets rebuilt whole, seconds in all other steps) of one daily tick."""
    whole_s = sum(s for r in run["runs"] for step, s in r["steps_s"].items() if step in whole)
    other_s = sum(s for r in run["runs"] for step, s in r["steps_s"].items() if step not in whole)
    return whole_s, other_s


def markdown(report: dict) -> str:
    m = report["machine"]
    d = report["data"]
    lines = [
        f"## Results: `--size {report['size']} --repeat {report['repeat']} --memory-limit {report['memory_limit']}`",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, duckdb {m['duckdb']}, "
        f"{m['platform']}; load average {m['load_1min']:.1f} at the start (shared machine); code at {m['commit']}; started {report['started']}.",
        f"Data: {d['rows']['arxiv_papers']:,} papers and {d['rows']['x_tweets']:,} tweet snapshot rows "
        f"({d['rows']['x_distinct_tweets']:,} distinct tweets) over {d['listing_dates']} listing dates; "
        f"raw Parquet {d['raw_bytes'] / 2**20:,.0f} MiB; generated in {d['generate_s']} s.",
        "",
        "| figure | median | min | max | unit |",
        "|---|---|---|---|---|",
    ]
    if "generate" in report:
        lines.append(f"| generate (one run) | {report['generate']['wall_s']:.1f} | | | s, peak RSS {report['generate']['peak_rss_mib']} MiB |")
    ratios = []
    if "rebuild" in report:
        g, p, r = report["rebuild"]["dagster"], report["rebuild"]["project"], report["rebuild"]["raw"]
        lines += [
            figure_row("full rebuild through Dagster (every model asset + checks, one run)", [x["total_s"] for x in g], "s"),
            figure_row("  same code without Dagster: rebuild (build_session + rebuild × models)", [x["rebuild_s"] for x in p], "s"),
            figure_row("  same code without Dagster: publish (publish_all × models + publish_warehouse)", [x["publish_s"] for x in p], "s"),
            figure_row("  same code without Dagster: rebuild + publish", [x["total_s"] for x in p], "s"),
            figure_row("raw DuckDB: rebuild (views + create table as)", [x["rebuild_s"] for x in r], "s"),
            figure_row("raw DuckDB: COPY … PARTITION_BY listing_date (publish reference)", [x["publish_s"] for x in r], "s"),
            figure_row("raw DuckDB: rebuild + COPY", [x["total_s"] for x in r], "s"),
            rss_row("full rebuild through Dagster", g),
            rss_row("rebuild + publish without Dagster", p),
            rss_row("raw DuckDB rebuild + COPY", r),
        ]
        ratios += [
            ratio_row("rebuild: project code / raw DuckDB (same SQL, same tables)", [x["rebuild_s"] for x in p], [x["rebuild_s"] for x in r], "≤ 1.25"),
            ratio_row("rebuild + publish: through Dagster / raw DuckDB rebuild + COPY (same outputs)", [x["total_s"] for x in g], [x["total_s"] for x in r], "≤ 1.25"),
            ratio_row("rebuild + publish: without Dagster / raw DuckDB rebuild + COPY", [x["total_s"] for x in p], [x["total_s"] for x in r], "≤ 1.25"),
            ratio_row("rebuild + publish through Dagster / raw DuckDB rebuild alone", [x["total_s"] for x in g], [x["rebuild_s"] for x in r]),
        ]
    if "daily" in report:
        for name, runs in report["daily"].items():
            lines.append(figure_row(f"daily run, {name} of history ({len(runs[0]['runs'])} runs through Dagster)", [x["total_s"] for x in runs], "s"))
            for k in range(len(runs[0]["runs"])):
                label = runs[0]["runs"][k]["listing_date"] + (" new listing" if runs[0]["runs"][k]["new"] else " refresh")
                lines.append(figure_row(f"  … {name}: {label}", [x["runs"][k]["seconds"] for x in runs], "s"))
            lines.append(rss_row(f"daily run, {name}", runs))
        whole = unpartitioned_assets()
        for name, runs in report["daily"].items():
            lines += [
                figure_row(f"  … {name}: steps of partitioned assets and checks (incremental)", [step_split(x, whole)[1] for x in runs], "s"),
                figure_row(f"  … {name}: steps of unpartitioned assets (rebuilt whole every run)", [step_split(x, whole)[0] for x in runs], "s"),
            ]
        year = report["daily"]["year"]
        lines.append(figure_row("arXiv requests per daily run", [x["requests"]["arxiv"] for x in year], f"requests (minimum {report['min_requests']['arxiv']})", 0))
        lines.append(figure_row("X requests per daily run", [x["requests"]["x"] for x in year], f"requests (minimum {report['min_requests']['x']})", 0))
        if "month" in report["daily"]:
            month = report["daily"]["month"]
            ratios += [
                ratio_row("daily run: year / month of history", [x["total_s"] for x in year], [x["total_s"] for x in month], "≈ 1"),
                ratio_row("  … steps of partitioned assets and checks", [step_split(x, whole)[1] for x in year], [step_split(x, whole)[1] for x in month], "≈ 1"),
                ratio_row("  … steps of unpartitioned assets", [step_split(x, whole)[0] for x in year], [step_split(x, whole)[0] for x in month]),
            ]
    if "ingest" in report:
        runs = report["ingest"]
        lines += [
            figure_row(f"arXiv Atom → read_page + paper_row → Parquet ({runs[0]['arxiv_entries']:,} entries, {runs[0]['arxiv_pages']} pages)", [x["arxiv_project"]["rows_per_s"] for x in runs], "rows/s", 0),
            figure_row("arXiv floor: lxml.etree.fromstring only", [x["arxiv_floor"]["rows_per_s"] for x in runs], "rows/s", 0),
            figure_row(f"X JSON → read_page + parse_page → Parquet ({runs[0]['x_tweets_on_pages']:,} tweets, {runs[0]['x_pages']} pages)", [x["x_project"]["rows_per_s"] for x in runs], "rows/s", 0),
            figure_row("X floor: json.loads only", [x["x_floor"]["rows_per_s"] for x in runs], "rows/s", 0),
            rss_row("ingestion", runs),
        ]
        ratios += [
            ratio_row("arXiv parse: project rows/s / floor rows/s", [x["arxiv_project"]["rows_per_s"] for x in runs], [x["arxiv_floor"]["rows_per_s"] for x in runs]),
            ratio_row("X parse: project rows/s / floor rows/s", [x["x_project"]["rows_per_s"] for x in runs], [x["x_floor"]["rows_per_s"] for x in runs]),
        ]
    if ratios:
        lines += ["", "| ratio | of medians | min (per repeat) | max (per repeat) | goal |", "|---|---|---|---|---|", *ratios]
    if "rebuild" in report:
        for variant, equal in report["rebuild"]["equal"].items():
            same = all(v["only_project"] == 0 and v["only_baseline"] == 0 and v["published_rows"] == v["rows"] for v in equal.values())
            lines += ["", f"Tables of the {variant} path equal the raw-DuckDB tables row for row, and its published Parquet holds every row: "
                      f"**{same}** (" + ", ".join(f"{t} {v['rows']:,}" for t, v in equal.items() if v["rows"]) + ")."]  # fmt: skip
        p, r, g = report["rebuild"]["project"], report["rebuild"]["raw"], report["rebuild"]["dagster"]
        slow = sorted(p[0]["per_model_s"], key=lambda t: -statistics.median(x["per_model_s"][t] for x in r))[:8]
        lines += ["", "Slowest models (median s, project / raw): " + ", ".join(
            f"{t} {statistics.median(x['per_model_s'][t] for x in p):.2f} / {statistics.median(x['per_model_s'][t] for x in r):.2f}"
            for t in slow) + "."]  # fmt: skip
        slow = sorted(p[0]["per_publish_s"], key=lambda t: -statistics.median(x["per_publish_s"][t] for x in p))[:8]
        lines += ["", "Slowest publishes (median s): " + ", ".join(
            f"{t} {statistics.median(x['per_publish_s'][t] for x in p):.2f}" for t in slow) + "."]  # fmt: skip
        steps = sorted(g[0]["steps_s"].items(), key=lambda kv: -kv[1])
        lines += ["", f"Dagster steps of the first rebuild run ({len(steps)} steps, {g[0]['checks']} checks, sum {sum(s for _, s in steps):.2f} s): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in steps[:8]) + "."]  # fmt: skip
    if "daily" in report:
        for name, runs in report["daily"].items():
            per_step: dict[str, float] = {}
            for run in runs[0]["runs"]:
                for step, seconds in run["steps_s"].items():
                    per_step[step] = per_step.get(step, 0.0) + seconds
            slow = sorted(per_step.items(), key=lambda kv: -kv[1])[:8]
            rewritten = sum(x["warehouse_rewritten"] for x in runs)
            warmup = report.get("daily_warmup", {}).get(name)
            if warmup:
                lines += ["", f"Daily run, {name}, warm-up (the first tick after the full rebuild, not in the figures): "
                          f"{warmup['total_s']:.2f} s, warehouse rewritten: {warmup['warehouse_rewritten']}."]
            lines += ["", f"Daily run, {name}: {sum(len(r['steps_s']) for r in runs[0]['runs'])} steps in the first repetition "
                      f"(sum {sum(per_step.values()):.2f} s), slowest summed over its runs: "
                      + ", ".join(f"{s} {v:.2f}" for s, v in slow) + f"; warehouse rewritten in {rewritten} of {len(runs)} repetitions."]  # fmt: skip
    if "explain" in report:
        e = report["explain"]
        lines += ["", f"Profile of the slowest model in raw DuckDB ({e['model']}, {e['file']}): top operators "
                  + "; ".join(f"{o['operator']} {o['seconds']} s ({o['rows']} rows)" for o in e["top_operators"][:5]) + "."]  # fmt: skip
    if "daily_profile" in report:
        lines += ["", f"cProfile of one daily run (year): {report['daily_profile']['file']}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "small", "full"], default="small")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of every figure (median, min, max)")
    parser.add_argument("--data-root", default="/tmp/hotpapers-bench", help="generated data and work directories (outside the repo)")
    parser.add_argument("--stages", default="rebuild,daily,ingest", help="comma-separated: rebuild, daily, ingest")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit (HOTPAPERS_DUCKDB_MEMORY_LIMIT); none: DuckDB's default")
    parser.add_argument("--regenerate", action="store_true", help="generate the data even if it exists")
    parser.add_argument("--no-month", action="store_true", help="daily run on the year of history only")
    parser.add_argument(
        "--no-warmup", action="store_true",
        help="time the first tick after the full rebuild (default: the tick re-run after one untimed run of it)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one daily run; profile the slowest model in raw DuckDB")
    parser.add_argument("--json", help="write the full report (every run) here; default <data-root>/<size>/report.json")
    parser.add_argument("--report-only", action="store_true", help="only render report.md again from the report.json of an earlier run")
    # internal: one stage in this process
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--tick", help=argparse.SUPPRESS)
    parser.add_argument("--replay-url", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--partition", help=argparse.SUPPRESS)
    parser.add_argument("--tables", help=argparse.SUPPRESS)
    parser.add_argument("--tables-from", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-seconds", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage_main(args)
        return
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    out = Path(args.json) if args.json else Path(args.data_root) / args.size / "report.json"
    if args.report_only:
        text = markdown(json.loads(out.read_text()))
        out.with_suffix(".md").write_text(text, encoding="utf-8")
        print(text)
        return
    started = time.perf_counter()
    report = bench(args)
    report["bench_s"] = time.perf_counter() - started
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    text = markdown(report)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    log(f"report: {out} and {out.with_suffix('.md')} ({report['bench_s']:.0f} s)")


if __name__ == "__main__":
    main()

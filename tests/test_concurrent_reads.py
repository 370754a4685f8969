"""Readers never block a run and never see a half-built table, while a run rewrites the marts.

Three kinds of reader query the digest of 2021-06-04 in a loop while `hotpapers run` rebuilds it with a
higher HOTPAPERS_MIN_SCORE (17 papers → 7): a process holding one read-only connection open the whole
time, a process opening a new connection each round, and `hotpapers sql` subprocesses. Every answer must
be the whole old digest or the whole new one, and the run must succeed.

Known limit (DuckDB 2.0): a query that reads a Parquet file at the very moment it is replaced can fail,
because DuckDB reads the file's footer and its pages through separate opens of the path. `hotpapers sql`
runs such a query again (every one of its queries must succeed); a plain DuckDB reader may see that one
error, and nothing else (second test: the same race forced many times a second).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
from rich.console import Console

from pipelines.config import Settings
from pipelines.files import replace_atomically, temp_path_beside
from pipelines.query import SWAP_SIGNS, make_request, run_query
from pipelines.sqlmodels import build_session, discover, publish_warehouse
from tests.conftest import hotpapers

LISTING_DATE = "2021-06-04"
OLD_MIN, NEW_MIN = 50, 500
DIGEST_QUERY = (
    "select count(*) as n, min(rank) as low, max(rank) as top, count(distinct rank) as ranks, min(score) as min_score"
    f" from digest_daily where listing_date = '{LISTING_DATE}'"
)


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment tests.conftest.hotpapers gives the CLI (no stray settings), for a Popen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME", "HF_", "HN_", "BSKY_"))}
    return {**env, "HOTPAPERS_DATA_DIR": str(data_dir), **extra}


def relocated_copy(sample_run: Path, target: Path) -> Path:
    """A copy of the sample data whose warehouse views point at the copy's own Parquet files."""
    shutil.copytree(sample_run, target)
    settings = Settings(data_dir=target)
    with build_session(settings) as con:
        publish_warehouse(con, settings, discover())
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        view_sql = con.execute("select sql from duckdb_views() where view_name = 'digest_daily'").fetchone()[0]
    finally:
        con.close()
    assert str(target.resolve()) in view_sql
    return target


def digest_state(data_dir: Path) -> dict:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        n = con.execute(DIGEST_QUERY).fetchone()[0]
        listed = con.execute("select count(*) from paper_engagement where listing_date = $d", {"d": LISTING_DATE}).fetchone()[0]
        categories = con.execute(
            "select count(*) from digest_category_daily where listing_date = $d", {"d": LISTING_DATE}
        ).fetchone()[0]
        qualifying = {
            m: con.execute(
                "select count(*) from paper_engagement where listing_date = $d and score >= $m", {"d": LISTING_DATE, "m": m}
            ).fetchone()[0]
            for m in (OLD_MIN, NEW_MIN)
        }
    finally:
        con.close()
    return {"n": n, "listed": listed, "category_rows": categories, "qualifying": qualifying}


def start_reader(data_dir: Path, stop_file: Path, mode: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as answers:  # the child keeps its own copy of the handle
        return subprocess.Popen(
            [sys.executable, "-m", "tests.warehouse_reader", str(data_dir / "warehouse.duckdb"), LISTING_DATE, str(stop_file), mode],
            stdout=answers,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )


def wait_for_lines(path: Path, count: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path.name}: reader produced fewer than {count} answers in {timeout} s")


def test_readers_see_whole_snapshots_while_a_run_rewrites_the_marts(sample_run: Path, tmp_path: Path) -> None:
    data_dir = relocated_copy(sample_run, tmp_path / "data")
    before = digest_state(data_dir)
    warehouse_inode = (data_dir / "warehouse.duckdb").stat().st_ino
    assert before["n"] == before["qualifying"][OLD_MIN] == 17

    stop_file = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.jsonl" for mode in ("held", "fresh")}
    readers = {mode: start_reader(data_dir, stop_file, mode, log) for mode, log in logs.items()}
    try:
        for log in logs.values():
            wait_for_lines(log, 1)

        run_started = time.time()
        run = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run", "--date", LISTING_DATE],
            env=cli_env(data_dir, HOTPAPERS_MIN_SCORE=str(NEW_MIN)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        cli_answers = []
        while run.poll() is None:
            result = hotpapers("sql", "--format", "json", DIGEST_QUERY, data_dir=data_dir)
            cli_answers.append({"at": time.time(), "returncode": result.returncode, "stderr": result.stderr, "stdout": result.stdout})
            time.sleep(0.2)
        run_stdout, run_stderr = run.communicate()
        run_ended = time.time()
        assert run.returncode == 0, run_stderr
        assert f"Hot Papers {LISTING_DATE} (sample)" in run_stdout

        for log in logs.values():  # a few more answers from after the run
            wait_for_lines(log, len(log.read_text().splitlines()) + 3)
    finally:
        stop_file.touch()
        for proc in readers.values():
            proc.wait(timeout=60)

    after = digest_state(data_dir)
    assert (data_dir / "warehouse.duckdb").stat().st_ino != warehouse_inode, "the run swapped a new warehouse in"
    assert after["n"] == after["qualifying"][NEW_MIN] == 7
    assert after["listed"] == before["listed"] == 20
    states = {
        before["n"]: {"min_score": OLD_MIN, "category_rows": before["category_rows"]},
        after["n"]: {"min_score": NEW_MIN, "category_rows": after["category_rows"]},
    }

    for mode, proc in readers.items():
        assert proc.returncode == 0, proc.stderr.read()
        answers = [json.loads(line) for line in logs[mode].read_text().splitlines()]
        errors = [a["error"] for a in answers if "error" in a]
        unexplained = [e for e in errors if not any(sign in e for sign in SWAP_SIGNS)]
        assert not unexplained, f"{mode} reader failed {len(errors)} of {len(answers)} queries: {unexplained[:3]}"
        answers = [a for a in answers if "error" not in a]
        during = [a for a in answers if run_started <= a["at"] <= run_ended]
        assert len(during) >= 5, f"{mode} reader answered only {len(during)} times during the run"
        for answer in answers:
            n, low, top, ranks, min_score = answer["digest"]
            assert n in states, f"{mode}: a digest of {n} rows is neither the old one nor the new one: {answer}"
            assert (low, top, ranks) == (1, n, n), f"{mode}: ranks not 1..{n}: {answer}"
            assert min_score >= states[n]["min_score"], answer
            assert answer["categories"][1] is True, f"{mode}: category ranks not contiguous: {answer}"
            assert answer["categories"][0] in {s["category_rows"] for s in states.values()}, answer
            assert answer["listed"] == [20, 20], answer
        seen = [a["digest"][0] for a in answers]
        assert seen[0] == before["n"] and seen[-1] == after["n"], f"{mode} reader saw {seen}"
        assert seen == sorted(seen, reverse=True), f"{mode} reader went back to the old digest: {seen}"

    assert cli_answers, "hotpapers sql never ran during the run"
    for answer in cli_answers:
        assert answer["returncode"] == 0, answer["stderr"]
        (row,) = json.loads(answer["stdout"])
        assert row["n"] in states and (row["low"], row["top"], row["ranks"]) == (1, row["n"], row["n"]), row
        assert row["min_score"] >= states[row["n"]]["min_score"], row


def test_hotpapers_sql_survives_partition_swaps(sample_run: Path, tmp_path: Path) -> None:
    """DuckDB opens a Parquet file more than once per query, so a query that meets a swap of the file can
    fail; `hotpapers sql` runs such a query again. Swapping a digest partition back and forth as fast as
    possible (every 50 ms), every query of a held connection still answers with one whole version of it."""
    data_dir = relocated_copy(sample_run, tmp_path / "data")
    partition = data_dir / "models" / "digest_daily" / f"listing_date={LISTING_DATE}" / "data.parquet"
    versions = [tmp_path / "all.parquet", tmp_path / "top.parquet"]
    shutil.copyfile(partition, versions[0])
    duckdb.sql(f"copy (select * from '{versions[0]}' where score >= {NEW_MIN}) to '{versions[1]}' (format parquet)")
    sizes = {duckdb.sql(f"select count(*) from '{v}'").fetchall()[0][0] for v in versions}
    assert sizes == {17, 7}

    stop = threading.Event()
    swaps = []

    def swap_forever() -> None:
        while not stop.is_set():
            tmp = temp_path_beside(partition)
            shutil.copyfile(versions[len(swaps) % 2], tmp)
            replace_atomically(tmp, partition)
            swaps.append(1)
            time.sleep(0.05)

    answer_file = tmp_path / "answer.json"
    request = make_request(DIGEST_QUERY, None, "json", answer_file)
    answers, direct_failures = [], 0
    swapper = threading.Thread(target=swap_forever)
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    swapper.start()
    try:
        deadline = time.time() + 3
        while time.time() < deadline:
            run_query(con, request, Console(file=io.StringIO()))
            answers.append(json.loads(answer_file.read_text())[0])
            try:  # the same query without the retry, to show the swaps were met
                con.execute(DIGEST_QUERY).fetchall()
            except duckdb.Error:
                direct_failures += 1
    finally:
        stop.set()
        swapper.join()
        con.close()
    assert len(swaps) > 30 and len(answers) > 30, (len(swaps), len(answers))
    for row in answers:
        assert row["n"] in sizes and (row["low"], row["top"], row["ranks"]) == (1, row["n"], row["n"]), row
    print(f"{len(swaps)} swaps, {len(answers)} answers, {direct_failures} direct queries failed")

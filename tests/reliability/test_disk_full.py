"""A full disk while a partition is written: the partition is not half-written, the old one still reads.

The size-limited directory is a small tmpfs when we are root (mounting needs it), else the file size
limit of the writing process (``RLIMIT_FSIZE``, with SIGXFSZ ignored so the write fails with EFBIG
instead of killing the process). ``HOTPAPERS_FULL_DISK=rlimit`` forces the second way.
"""

from __future__ import annotations

import base64
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from pipelines.rawstore import partition_path, read_partition, write_partition
from tests.loopback import X_SEARCH_PATH, RecordedRequest, http_date, tweet, x_response
from tests.reliability import world
from tests.reliability.outcome import differences, outcome, rows_lost, temp_files, warehouse_views

METHOD = os.environ.get("HOTPAPERS_FULL_DISK", "tmpfs" if os.geteuid() == 0 else "rlimit")
DISK_FULL = r"(No space left on device|File too large)"


@contextmanager
def small_disk(path: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of ``size_bytes`` at ``path`` (root only)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(disk: Path, leave_free: int) -> None:
    """Fill ``disk`` until about ``leave_free`` bytes remain."""
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave_free, 0))


def limit_file_size(limit: int):
    """A preexec_fn: files this process writes may not grow past ``limit`` bytes (EFBIG, not SIGXFSZ)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def random_text(width: int) -> str:
    """``width`` characters that compress little (base64 of random bytes: 6 bits a character)."""
    return base64.b64encode(os.urandom(width * 3 // 4)).decode()


def random_text_table(rows: int, width: int) -> pa.Table:
    """A table whose Parquet file is about rows × width × 3/4 bytes."""
    return pa.table({"text": [random_text(width) for _ in range(rows)]})


# --- the raw store itself -------------------------------------------------------------------------

WRITE_BIG = """
import sys
from datetime import date
from pathlib import Path
from pipelines.files import WriteFailed
from tests.reliability.test_disk_full import random_text_table
from pipelines.rawstore import write_partition
try:
    write_partition(Path(sys.argv[1]), "t", date(2021, 6, 4), random_text_table(400, 1000))  # ~300 KB
except WriteFailed as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_partition_write_that_meets_a_full_disk_keeps_the_previous_version(tmp_path: Path, tally) -> None:
    day = date(2021, 6, 4)
    previous = random_text_table(10, 100)
    if METHOD == "tmpfs":
        with small_disk(tmp_path / "disk", 256 * 1024) as disk:
            raw = disk / "raw"
            write_partition(raw, "t", day, previous)
            try:
                write_partition(raw, "t", day, random_text_table(400, 1000))
            except OSError as exc:
                message = str(exc)
            else:
                raise AssertionError("a 300 KB partition fitted on a 256 KB disk")
            assert read_partition(raw, "t", day).equals(previous)
            assert sorted(p.name for p in partition_path(raw, "t", day).parent.iterdir()) == ["data.parquet"]
    else:
        raw = tmp_path / "raw"
        write_partition(raw, "t", day, previous)
        child = subprocess.run(
            [sys.executable, "-c", WRITE_BIG, str(raw)], cwd=world.REPO, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(world.REPO)}, preexec_fn=limit_file_size(200 * 1024),
        )
        assert child.returncode == 3, child.stderr
        message = child.stdout.strip()
        assert read_partition(raw, "t", day).equals(previous)
        assert sorted(p.name for p in partition_path(raw, "t", day).parent.iterdir()) == ["data.parquet"]
    tally.add(faults=1)
    target = partition_path(raw, "t", day)
    assert re.fullmatch(rf"cannot write {re.escape(str(target))}: {DISK_FULL}; its previous version is kept", message)


# --- a whole run ----------------------------------------------------------------------------------


def big_x_responder(count: int, width: int):
    """The world's X pages, the second one carrying ``count`` extra tweets of ``width`` random characters."""
    extra = [
        tweet(f"95{i:08d}", text=random_text(width), author_id="20", created_at=world.created(30))
        for i in range(count)
    ]

    def respond(request: RecordedRequest):
        first, second = world.x_pages()
        if request.param("next_token") == "page2":
            return x_response({**second, "data": second["data"] + extra}, date=http_date(world.SERVED_AT))
        return x_response(first, date=http_date(world.SERVED_AT))

    return respond


def copy_results(source: Path, target: Path) -> None:
    """The published state of a data directory (not its run history, which stays on a roomy disk)."""
    target.mkdir(parents=True)
    for name in ("raw", "models", "digests", "build"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name)
    shutil.copy2(source / "warehouse.duckdb", target / "warehouse.duckdb")


def test_a_run_that_fills_the_disk_fails_in_one_line_and_loses_nothing(baseline: Path, tmp_path: Path, written, tally) -> None:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    used = sum(p.stat().st_size for p in baseline.rglob("*") if p.is_file() and "dagster" not in p.parts)

    @contextmanager
    def data_dir() -> Iterator[tuple[Path, dict]]:
        if METHOD == "tmpfs":
            with small_disk(tmp_path / "disk", used + 2 * 1024 * 1024) as disk:
                copy_results(baseline, disk / "data")
                fill(disk, leave_free=192 * 1024)
                yield disk / "data", {}
        else:
            copy_results(baseline, tmp_path / "data")
            biggest = max(p.stat().st_size for p in (tmp_path / "data").rglob("*") if p.is_file())
            yield tmp_path / "data", {"preexec_fn": limit_file_size(biggest + 256 * 1024)}

    with data_dir() as (folder, limits):
        before = outcome(folder)
        biggest = max(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        extra = 600 if METHOD == "tmpfs" else (biggest + 1024 * 1024) // 600  # tweets of ~750 stored bytes
        api = world.serve()
        api.default(X_SEARCH_PATH, big_x_responder(extra, 1000))
        with api:
            env = world.live_env(api, DAGSTER_HOME=str(dagster_home))
            run = world.finish(world.hotpapers_run(folder, env, **limits))
        written.add(dagster_home, run=run)
        tally.add(faults=1)
        after = outcome(folder)  # every visible partition still reads completely
        lost = rows_lost(before, after)
        tally.add(rows_lost=lost)

        assert run.returncode == 1, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
        day = world.LISTING.isoformat()
        assert re.fullmatch(
            rf"error: cannot write {re.escape(str(folder))}/raw/x_tweet(s|_snapshots)/listing_date={day}/\S*data\.parquet: "
            rf"{DISK_FULL}; its previous version is kept \(in \S+\)",
            lines[0],
        ), lines[0]
        assert lost == 0 and after == before, differences(before, after)
        assert [p for p in temp_files(folder) if "raw" in p.parts] == []
        assert warehouse_views(folder)["digest_daily"] == 1
        written.scan_now(folder)  # the tmpfs goes with this test


"""The raw Parquet store: one file per table and listing date, replaced atomically.

Layout: ``<data>/raw/<table>/listing_date=YYYY-MM-DD/data.parquet``. Re-running a date replaces
its file, so a partition is never duplicated. A table that keeps a *history* instead (every fetch of
a date) has one file per fetch, ``listing_date=D/snapshot=YYYYMMDDTHHMMSSZ/data.parquet``, named by
the fetch's time: writing the same fetch again replaces its own file and adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.files import atomic_write

PARTITION_FILE = "data.parquet"


UNPARTITIONED = "all"


def partition_path(raw_dir: Path, table: str, listing_date: date | None) -> Path:
    """The file of one listing date, or of a whole table that is not partitioned (``None``)."""
    folder = UNPARTITIONED if listing_date is None else f"listing_date={listing_date.isoformat()}"
    return raw_dir / table / folder / PARTITION_FILE


def table_glob(raw_dir: Path, table: str) -> str:
    """The glob DuckDB reads a whole raw table through (partition files, and snapshot files one level down)."""
    return str(raw_dir.resolve() / table / "**" / PARTITION_FILE)


def snapshot_path(raw_dir: Path, table: str, listing_date: date, taken_at: datetime) -> Path:
    """The file of one fetch of a listing date, in a table that keeps every fetch."""
    stamp = taken_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return partition_path(raw_dir, table, listing_date).parent / f"snapshot={stamp}" / PARTITION_FILE


def write_snapshot(raw_dir: Path, table: str, listing_date: date, taken_at: datetime, rows: pa.Table) -> Path:
    target = snapshot_path(raw_dir, table, listing_date, taken_at)
    return atomic_write(target, lambda handle: pq.write_table(rows, handle, compression="zstd"))


def write_partition(raw_dir: Path, table: str, listing_date: date | None, rows: pa.Table) -> Path:
    target = partition_path(raw_dir, table, listing_date)
    return atomic_write(target, lambda handle: pq.write_table(rows, handle, compression="zstd"))


def read_partition(raw_dir: Path, table: str, listing_date: date | None) -> pa.Table | None:
    path = partition_path(raw_dir, table, listing_date)
    return pq.read_table(path) if path.exists() else None

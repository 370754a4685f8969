"""The raw Parquet store: one file per table and listing date, replaced atomically.

Layout: ``<data>/raw/<table>/listing_date=YYYY-MM-DD/data.parquet``. Re-running a date replaces
its file, so a partition is never duplicated.
"""

from __future__ import annotations

from datetime import date
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
    """The glob DuckDB reads a whole raw table through."""
    return str(raw_dir.resolve() / table / "*" / PARTITION_FILE)


def write_partition(raw_dir: Path, table: str, listing_date: date | None, rows: pa.Table) -> Path:
    target = partition_path(raw_dir, table, listing_date)
    return atomic_write(target, lambda handle: pq.write_table(rows, handle, compression="zstd"))


def read_partition(raw_dir: Path, table: str, listing_date: date | None) -> pa.Table | None:
    path = partition_path(raw_dir, table, listing_date)
    return pq.read_table(path) if path.exists() else None

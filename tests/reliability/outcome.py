"""What a run left in a data directory, in a form two runs can be compared by (and rows lost counted).

``outcome(data_dir)`` reads every published Parquet partition (raw and models) as a multiset of rows,
and the rendered posts as text. Two runs of the same data must leave equal outcomes; rows present in
the expected outcome and missing from the actual one are *lost*. An empty partition counts as no
partition: a first run (models rebuilt whole) publishes only dates with rows, later runs publish
the date they computed even when it is empty.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

PARTITION = "data.parquet"


def _row_key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


def partition_rows(path: Path) -> Counter[str]:
    """A partition file as a multiset of rows; raises if the file is not complete, valid Parquet."""
    return Counter(_row_key(r) for r in pq.read_table(path).to_pylist())


def outcome(data_dir: Path) -> dict[str, Counter[str] | str]:
    found: dict[str, Counter[str] | str] = {}
    for area in ("raw", "models"):
        for path in sorted((data_dir / area).rglob(PARTITION)):
            rows = partition_rows(path)
            if rows:
                found[str(path.relative_to(data_dir))] = rows
    for post in sorted((data_dir / "digests").glob("*.md")):
        found[str(post.relative_to(data_dir))] = post.read_text(encoding="utf-8")
    return found


def rows_lost(expected: dict, actual: dict) -> int:
    """Rows of ``expected``'s partitions that ``actual`` lacks (a missing post counts as one row)."""
    lost = 0
    for name, rows in expected.items():
        got = actual.get(name)
        if isinstance(rows, str):
            lost += int(got != rows)
        else:
            lost += sum((rows - (got or Counter())).values())
    return lost


def differences(expected: dict, actual: dict) -> list[str]:
    """Names of partitions/posts that differ, for assertion messages."""
    return sorted(n for n in set(expected) | set(actual) if expected.get(n) != actual.get(n))


def warehouse_views(data_dir: Path) -> dict[str, int]:
    """Open the user-facing warehouse read-only and count every view: it must open and every view read."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()]
        return {name: con.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    finally:
        con.close()


def temp_files(data_dir: Path) -> list[Path]:
    """Temporary files of our atomic writes (``.<name>.<pid>.<random>.tmp``) under the data directory."""
    return sorted(p for p in data_dir.rglob(".*.tmp*") if "dagster" not in p.relative_to(data_dir).parts)

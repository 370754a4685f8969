"""Search everything a run wrote or printed for the X token, including inside compressed formats.

Raw bytes are searched (UTF-8 and UTF-16), and then the decoded contents of the formats that
compress or page their text: Parquet (zstd), DuckDB databases (their tables) and SQLite databases
(Dagster's run and event-log storage; long records span pages).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Iterable

import duckdb
import pyarrow.parquet as pq

from tests.reliability.world import MARKER

NEEDLES = (MARKER.encode("utf-8"), MARKER.encode("utf-16-le"))


def _decoded(path: Path) -> str:
    head = path.read_bytes()[:16]
    if path.suffix == ".parquet" and head.startswith(b"PAR1"):
        return json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False)
    if head.startswith(b"SQLite format 3\0"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
            return "\n".join(str(con.execute(f'select * from "{t}"').fetchall()) for t in tables)
        finally:
            con.close()
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute("select database_name, schema_name, table_name from duckdb_tables()").fetchall()
            return "\n".join(str(con.execute(f'select * from "{d}"."{s}"."{t}"').fetchall()) for d, s, t in tables)
        finally:
            con.close()
    return ""


def scan(folders: Iterable[Path], texts: Iterable[str] = ()) -> tuple[list[str], Counter[str]]:
    """(where the token was found, how many files of each kind were searched)."""
    hits: list[str] = []
    kinds: Counter[str] = Counter()
    for folder in dict.fromkeys(folders):
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            data = path.read_bytes()
            kinds["files"] += 1
            if any(needle in data for needle in NEEDLES):
                hits.append(str(path))
                continue
            decoded = _decoded(path)
            if decoded:
                kinds[path.suffix or "no suffix"] += 1
            if MARKER in decoded:
                hits.append(f"{path} (decoded)")
    for text in texts:
        kinds["captured outputs"] += 1
        if MARKER in text:
            hits.append("captured stdout/stderr")
    return hits, kinds

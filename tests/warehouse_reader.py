"""A warehouse reader for the concurrency test, run as its own process.

    python -m tests.warehouse_reader WAREHOUSE LISTING_DATE STOP_FILE (held|fresh)

Queries the digest of one listing date in a loop until STOP_FILE exists, printing one JSON line per
round: each figure comes from a single scan, so it is one consistent snapshot of that table. ``held``
keeps one read-only connection open the whole time (a notebook); ``fresh`` opens a new one each round
(a new `duckdb` shell). A failed query is printed as ``{"error": ...}`` and the loop goes on.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

QUERIES = {
    "digest": "select count(*), min(rank), max(rank), count(distinct rank), min(score) from digest_daily where listing_date = $d",
    "categories": (
        "select sum(ranks), coalesce(bool_and(low = 1 and top = ranks and distinct_ranks = ranks), true) from ("
        " select category, count(*) as ranks, min(rank) as low, max(rank) as top, count(distinct rank) as distinct_ranks"
        " from digest_category_daily where listing_date = $d group by category)"
    ),
    "listed": "select count(*), count(distinct arxiv_id) from paper_engagement where listing_date = $d",
}


def round_(con: duckdb.DuckDBPyConnection, listing_date: str) -> dict:
    result: dict = {"at": time.time()}
    for name, query in QUERIES.items():
        result[name] = list(con.execute(query, {"d": listing_date}).fetchone())
    return result


def main(warehouse: str, listing_date: str, stop_file: str, mode: str) -> None:
    held = duckdb.connect(warehouse, read_only=True) if mode == "held" else None
    deadline = time.time() + 300
    while not Path(stop_file).exists() and time.time() < deadline:
        try:
            con = held or duckdb.connect(warehouse, read_only=True)
            try:
                line = round_(con, listing_date)
            finally:
                if held is None:
                    con.close()
        except duckdb.Error as exc:
            line = {"at": time.time(), "error": " ".join(str(exc).split())}
        print(json.dumps(line), flush=True)
        time.sleep(0.05)
    if held is not None:
        held.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])

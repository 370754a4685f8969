"""The X bearer token never reaches anything the pipeline writes or prints.

Every CLI run of this suite uses the marker token ``world.MARKER``, including ``failed_run``, whose X
server fails with the token echoed in its error (so the exception is rendered, stored in Dagster's
event log under a separate DAGSTER_HOME, and printed). The scan covers each run's data directory
(raw and model Parquet, the DuckDB files, digests, the site, Dagster's storage and compute logs
under ``<data>/dagster``), every DAGSTER_HOME used, and all captured stdout and stderr. Run alone,
it scans the baseline and the failed run; after the other files, their runs too.
"""

from __future__ import annotations

from tests.reliability import world
from tests.reliability.secrets_scan import scan


def test_the_token_is_never_written_or_printed(baseline, failed_run, written, tally) -> None:
    assert failed_run.authorizations == {f"Bearer {world.MARKER}"}  # the token was really sent
    hits, kinds = scan(written.folders, written.outputs)
    hits += written.hits
    kinds.update(written.kinds)
    tally.add(secrets_leaked=len(hits))
    assert hits == []
    # what was searched: Parquet, DuckDB and SQLite contents decoded, compute logs, printed output
    assert kinds[".parquet"] >= 20 and kinds[".duckdb"] >= 2 and kinds[".db"] >= 2, kinds
    assert kinds["captured outputs"] >= 4 and kinds["files"] >= 100, kinds
    assert any(p.name.endswith((".out", ".err")) for f in written.folders for p in f.rglob("*")), "no compute logs"


def test_the_scan_finds_a_token_hidden_in_compressed_and_paged_storage(tmp_path) -> None:
    """Guards the scan above against passing vacuously: a planted token is found in each format."""
    import sqlite3

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    secret = f"Bearer {world.MARKER}"
    pq.write_table(pa.table({"t": [secret * 50] * 100}), tmp_path / "data.parquet", compression="zstd")
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("create table t as select ? || range as v from range(20000)", [secret])
    con.close()
    lite = sqlite3.connect(tmp_path / "runs.db")
    lite.execute("create table events (body text)")
    lite.execute("insert into events values (?)", ["x" * 4090 + secret])  # straddles a 4 KB page
    lite.commit()
    lite.close()
    hits, _ = scan([tmp_path], [f"error: {secret}"])
    found = sorted(h.removeprefix(f"{tmp_path}/").removesuffix(" (decoded)") for h in hits)
    assert found == ["build.duckdb", "captured stdout/stderr", "data.parquet", "runs.db"]

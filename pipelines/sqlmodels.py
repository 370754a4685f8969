"""SQL models: one ``.sql`` file under ``sql/`` is one table, dbt-style but without dbt.

A model's upstream models are the tables its SQL reads, found by parsing it with sqlglot, so there is
no second list of dependencies to keep in sync. Tables no model builds are *sources*: views over the
raw Parquet and the one-row ``digest_settings`` table.

A model whose SQL reads the DuckDB variable ``listing_date`` is partitioned by that column: with the
variable set, the query computes that one date (an incremental run replaces just that partition);
unset, every date (a full rebuild). The same file therefore runs as-is in the ``duckdb`` shell.
A model that never reads the variable is rebuilt whole each time (e.g. reading lists).

Where the tables live:

* the *build database* (``data/build/pipeline.duckdb``) is the pipeline's own: only runs write it,
  one at a time (Dagster's ``duckdb`` pool);
* each model partition is then *published* as Parquet
  (``data/models/<model>/listing_date=D/data.parquet``, replaced atomically), and
* the *warehouse* users open (``data/warehouse.duckdb``) holds only views over those files; it is
  rewritten beside itself and renamed into place, so a reader holding it never blocks a run.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from pipelines.config import Settings
from pipelines.files import replace_atomically, temp_path_beside
from pipelines.rawstore import partition_path, table_glob
from pipelines.reading_list import ENTRIES_SCHEMA, FILES_SCHEMA
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.arxiv_lookup import LOOKUPS_SCHEMA
from pipelines.sources.x_search import TWEETS_SCHEMA
from pipelines.warehouse import connect

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("staging", "intermediate", "marts")
PARTITION_COLUMN = "listing_date"

# Source tables the models read, and the raw Parquet table (under data/raw/) behind each.
RAW_SOURCES: dict[str, tuple[str, pa.Schema]] = {
    "raw_arxiv__papers": ("arxiv_papers", PAPERS_SCHEMA),
    "raw_x__tweets": ("x_tweets", TWEETS_SCHEMA),
    "raw_reading_list__entries": ("reading_list_entries", ENTRIES_SCHEMA),
    "raw_reading_list__files": ("reading_list_files", FILES_SCHEMA),
    "raw_arxiv__looked_up_papers": ("arxiv_looked_up_papers", LOOKUPS_SCHEMA),
}
SETTINGS_TABLE = "digest_settings"


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    reads: tuple[str, ...]

    @property
    def partitioned(self) -> bool:
        return "getvariable('listing_date')" in self.sql

    @property
    def description(self) -> str:
        """The leading ``--`` comment of the file: what the table holds."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line.lstrip("- ").rstrip())
        return " ".join(lines)


def tables_read(sql: str) -> tuple[str, ...]:
    """Names of the tables a query reads, without its own CTEs."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = {table.name for table in tree.find_all(exp.Table) if table.name and table.name not in ctes}
    return tuple(sorted(names))


@cache
def discover(sql_dir: Path = SQL_DIR) -> tuple[SqlModel, ...]:
    """Every model under sql/<layer>/, in an order where each model follows what it reads."""
    found: dict[str, SqlModel] = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            if path.stem in found:
                raise ValueError(f"two SQL models are named {path.stem}")
            found[path.stem] = SqlModel(path.stem, layer, path, sql, tables_read(sql))
    known = set(found) | set(RAW_SOURCES) | {SETTINGS_TABLE}
    for model in found.values():
        unknown = set(model.reads) - known
        if unknown:
            raise ValueError(f"{model.path.name} reads unknown table(s): {', '.join(sorted(unknown))}")
    graph = {name: [r for r in model.reads if r in found] for name, model in found.items()}
    return tuple(found[name] for name in TopologicalSorter(graph).static_order())


@dataclass(frozen=True)
class SqlTest:
    """A dbt-style data test: SQL under sql/tests/ that returns the failing rows (none = pass).

    Named ``<table>__<what_must_hold>.sql``; it becomes an asset check on that table's asset.
    """

    table: str
    name: str
    path: Path
    sql: str

    @property
    def description(self) -> str:
        return SqlModel(self.name, "tests", self.path, self.sql, ()).description


@cache
def discover_tests(sql_dir: Path = SQL_DIR) -> tuple[SqlTest, ...]:
    models = {m.name for m in discover(sql_dir)}
    tests = []
    for path in sorted((sql_dir / "tests").glob("*.sql")):
        table = max((m for m in models if path.stem.startswith(m + "__")), key=len, default="")
        name = path.stem.removeprefix(table + "__")
        if not table or not name:
            raise ValueError(f"{path.name}: name data tests <model>__<check>.sql after an existing model")
        tests.append(SqlTest(table, name, path, path.read_text(encoding="utf-8")))
    return tuple(tests)


def count_failures(con: duckdb.DuckDBPyConnection, test: SqlTest, listing_date: date | None) -> int:
    """Run a data test for one listing date (or all when None) and count the rows it returns.

    The variable stays set, so the caller can show the failing rows of the same date.
    """
    if listing_date is None:
        con.execute("reset variable listing_date")
    else:
        con.execute("set variable listing_date = ?", [listing_date])
    return con.execute(f"select count(*) from ({test.sql})").fetchone()[0]


# --- sources -----------------------------------------------------------------------------------


def source_statements(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """Statements that (re)create the raw Parquet views and the settings table."""
    statements = []
    for view, (raw_table, schema) in RAW_SOURCES.items():
        statements.append(f"create or replace view {view} as {parquet_select(con, settings.raw_dir, raw_table, schema)}")
    statements.append(
        f"create or replace table {SETTINGS_TABLE} as select "
        f"cast({settings.min_score} as bigint) as min_score, "
        f"cast({settings.embed_min_score} as bigint) as embed_min_score, "
        f"cast({settings.embed_limit} as bigint) as embed_limit"
    )
    return statements


def parquet_select(con: duckdb.DuckDBPyConnection, base: Path, table: str, schema: pa.Schema | list) -> str:
    """``select *`` over every partition file of a table; an empty typed select while it has none."""
    if any(base.glob(f"{table}/*/data.parquet")):
        glob = table_glob(base, table).replace("'", "''")
        return f"select * from read_parquet('{glob}', hive_partitioning = false, union_by_name = true)"
    if isinstance(schema, pa.Schema):
        empty = schema.empty_table()  # noqa: F841 (read by DuckDB's replacement scan below)
        rel = con.sql("select * from empty")
        schema = list(zip(rel.columns, [str(t) for t in rel.types]))
    columns = ", ".join(f'cast(null as {dtype}) as "{name}"' for name, dtype in schema)
    return f"select {columns} where false"


# --- building ----------------------------------------------------------------------------------


@contextmanager
def build_session(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's own database with its sources refreshed, closed on exit (one writer per file)."""
    with connect(settings.build_db_path) as con:
        for statement in source_statements(con, settings):
            con.execute(statement)
        yield con


def build_partition(con: duckdb.DuckDBPyConnection, model: SqlModel, listing_date: date) -> int:
    """Replace one listing date of the model's table in one transaction; returns that partition's rows.

    When the table is missing or its columns no longer match the SQL, the whole model is rebuilt.
    """
    if not _schema_matches(con, model):
        rebuild(con, model)
    else:
        con.execute("set variable listing_date = ?", [listing_date])
        try:
            _in_transaction(
                con,
                f"delete from {model.name} where {PARTITION_COLUMN} = getvariable('listing_date')",
                f"insert into {model.name} by name {model.sql}",
            )
        finally:
            con.execute("reset variable listing_date")
    return con.execute(f"select count(*) from {model.name} where {PARTITION_COLUMN} = ?", [listing_date]).fetchone()[0]


def rebuild(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int:
    """Recompute every partition of a model (the variable unset); returns its rows."""
    con.execute("reset variable listing_date")
    _in_transaction(con, f"create or replace table {model.name} as {model.sql}")
    return con.execute(f"select count(*) from {model.name}").fetchone()[0]


def _in_transaction(con: duckdb.DuckDBPyConnection, *statements: str) -> None:
    con.execute("begin transaction")
    try:
        for statement in statements:
            con.execute(statement)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _schema_matches(con: duckdb.DuckDBPyConnection, model: SqlModel) -> bool:
    existing = con.execute(
        "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
        [model.name],
    ).fetchall()
    if not existing:
        return False
    wanted = con.sql(f"select * from ({model.sql}) limit 0")
    return [(c, str(t)) for c, t in zip(wanted.columns, wanted.types)] == [(c, t) for c, t in existing]


# --- publishing --------------------------------------------------------------------------------


def publish_partition(
    con: duckdb.DuckDBPyConnection, settings: Settings, table: str, listing_date: date | None
) -> Path:
    """Export one partition of a built table (the whole table for ``None``) as Parquet, atomically.

    An empty partition is still written, so rows that disappeared also disappear for readers.
    """
    target = partition_path(settings.models_dir, table, listing_date)
    where = "" if listing_date is None else f"where {PARTITION_COLUMN} = DATE '{listing_date.isoformat()}'"
    tmp = temp_path_beside(target)
    try:
        con.execute(f"copy (select * from {table} {where}) to '{_quote(str(tmp))}' (format parquet, compression zstd)")
        return replace_atomically(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def publish_all(con: duckdb.DuckDBPyConnection, settings: Settings, table: str) -> int:
    """Export every partition of a table (after a full rebuild), dropping partitions that vanished."""
    dates = [row[0] for row in con.execute(f"select distinct {PARTITION_COLUMN} from {table}").fetchall()]
    for listing_date in dates:
        publish_partition(con, settings, table, listing_date)
    keep = {f"{PARTITION_COLUMN}={d.isoformat()}" for d in dates}
    for folder in (settings.models_dir / table).glob(f"{PARTITION_COLUMN}=*"):
        if folder.name not in keep:
            shutil.rmtree(folder)
    return len(dates)


def publish_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings, models: tuple[SqlModel, ...]) -> Path:
    """Write the user-facing warehouse (views over the published Parquet) beside it, then rename it in."""
    target = settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    statements = source_statements(con, settings)
    for model in models:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
            [model.name],
        ).fetchall()
        if columns:
            select = parquet_select(con, settings.models_dir, model.name, columns)
            statements.append(f"create or replace view {model.name} as {select}")
    tmp = temp_path_beside(target)
    tmp.unlink()  # DuckDB wants to create the file itself
    try:
        out = duckdb.connect(str(tmp))
        try:
            for statement in statements:
                out.execute(statement)
            out.execute("checkpoint")
        finally:
            out.close()
        replace_atomically(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target


def _quote(text: str) -> str:
    return text.replace("'", "''")

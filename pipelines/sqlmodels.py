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
  rewritten beside itself and renamed into place, so a reader holding it never blocks a run. Its views
  read the files through globs, so a newly published partition shows at once: the warehouse is
  rewritten only when its views change (a model's first partition, new columns, new settings).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
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

from pipelines.config import ENGAGEMENT_SOURCES, Settings
from pipelines.files import replace_atomically, replace_many_atomically, temp_path_beside
from pipelines.rawstore import PARTITION_FILE, partition_path, table_glob
from pipelines.reading_list import ENTRIES_SCHEMA, FILES_SCHEMA
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.arxiv_lookup import LOOKUPS_SCHEMA
from pipelines.sources.bluesky import POSTS_SCHEMA
from pipelines.sources.hf_daily_papers import PAPERS_SCHEMA as HF_PAPERS_SCHEMA
from pipelines.sources.hn_algolia import STORIES_SCHEMA
from pipelines.snapshots import SNAPSHOTS_SCHEMA, SNAPSHOTS_TABLE
from pipelines.sources.x_search import TWEETS_SCHEMA
from pipelines.warehouse import connect

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("staging", "intermediate", "marts")
PARTITION_COLUMN = "listing_date"

# Source tables the models read, and the raw Parquet table (under data/raw/) behind each.
RAW_SOURCES: dict[str, tuple[str, pa.Schema]] = {
    "raw_arxiv__papers": ("arxiv_papers", PAPERS_SCHEMA),
    "raw_x__tweets": ("x_tweets", TWEETS_SCHEMA),
    "raw_x__tweet_snapshots": (SNAPSHOTS_TABLE, SNAPSHOTS_SCHEMA),
    "raw_hf__daily_papers": ("hf_daily_papers", HF_PAPERS_SCHEMA),
    "raw_hn__stories": ("hn_stories", STORIES_SCHEMA),
    "raw_bluesky__posts": ("bluesky_posts", POSTS_SCHEMA),
    "raw_reading_list__entries": ("reading_list_entries", ENTRIES_SCHEMA),
    "raw_reading_list__files": ("reading_list_files", FILES_SCHEMA),
    "raw_arxiv__looked_up_papers": ("arxiv_looked_up_papers", LOOKUPS_SCHEMA),
}
SETTINGS_TABLE = "digest_settings"
STATE_TABLE = "_hotpapers_state"
"""Bookkeeping in the build database: what its source views and the published warehouse were made from.

Creating a view over Parquet read with ``union_by_name`` reads the footer of every file (a year of
history is hundreds of files), so both are redone only when what they are made from changes; redoing
them in every step made a daily run's cost grow with the history.
"""


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
        f"cast({settings.embed_limit} as bigint) as embed_limit, "
        + engagement_settings_columns(settings)
    )
    return statements


def engagement_settings_columns(settings: Settings) -> str:
    """The score's weights, the per-account cap and the ignore list (entries are validated ``source:account``)."""
    ignored = ", ".join("'" + entry.replace("'", "''") + "'" for entry in settings.ignore_accounts)
    weights = ", ".join(
        f"cast({float(getattr(settings, f'weight_{s}'))!r} as double) as weight_{s}" for s in ENGAGEMENT_SOURCES
    )
    return f"{weights}, cast({float(settings.account_cap)!r} as double) as account_cap, cast([{ignored}] as varchar[]) as ignored_accounts"


def parquet_select(con: duckdb.DuckDBPyConnection, base: Path, table: str, schema: pa.Schema | list) -> str:
    """``select *`` over every partition file of a table; an empty typed select while it has none."""
    if any(base.glob(f"{table}/**/data.parquet")):
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
    """The pipeline's own database with its sources up to date, closed on exit (one writer per file)."""
    with connect(settings.build_db_path) as con:
        if settings.duckdb_memory_limit:
            con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        refresh_sources(con, settings)
        yield con


def refresh_sources(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """(Re)create the source views and the settings table if what they are made from changed."""
    statements = source_statements(con, settings)
    fingerprint = _fingerprint(statements, [str(schema) for _, schema in RAW_SOURCES.values()])
    if _state(con).get("sources") == fingerprint:
        return False
    _in_transaction(con, *statements)
    _set_state(con, "sources", fingerprint)
    return True


def build_partition(con: duckdb.DuckDBPyConnection, model: SqlModel, listing_date: date) -> int:
    """Replace one listing date of the model's table in one transaction; returns that partition's rows.

    When the table is missing or its columns no longer match the SQL, the whole model is rebuilt.
    """
    if not _schema_matches(con, model):
        rebuild(con, model)
    else:
        _replace_partition(con, model, listing_date)
    return con.execute(f"select count(*) from {model.name} where {PARTITION_COLUMN} = ?", [listing_date]).fetchone()[0]


def build_and_publish(
    con: duckdb.DuckDBPyConnection, settings: Settings, model: SqlModel, listing_date: date | None
) -> tuple[Path, bool]:
    """Build one listing date of a model and publish it; returns (what was published, rebuilt whole).

    The whole model is rebuilt, and every partition republished, when it is not partitioned (or
    ``listing_date`` is None), when its table is missing, or when its columns no longer match the SQL:
    readers then never miss the dates a new model computed, nor see partitions of two schemas.
    """
    if listing_date is not None and model.partitioned and _schema_matches(con, model):
        _replace_partition(con, model, listing_date)
        return publish_partition(con, settings, model.name, listing_date), False
    rebuild(con, model)
    if model.partitioned:
        publish_all(con, settings, model.name)
        return settings.models_dir / model.name, True
    return publish_partition(con, settings, model.name, None), True


def _replace_partition(con: duckdb.DuckDBPyConnection, model: SqlModel, listing_date: date) -> None:
    con.execute("set variable listing_date = ?", [listing_date])
    try:
        _in_transaction(
            con,
            f"delete from {model.name} where {PARTITION_COLUMN} = getvariable('listing_date')",
            f"insert into {model.name} by name {model.sql}",
        )
    finally:
        con.execute("reset variable listing_date")


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


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    con.execute(f"create table if not exists {STATE_TABLE} (key varchar primary key, value varchar)")
    return dict(con.execute(f"select key, value from {STATE_TABLE}").fetchall())


def _set_state(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(f"insert or replace into {STATE_TABLE} values (?, ?)", [key, value])


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


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
    """Export every partition of a table (after a full rebuild), dropping partitions that vanished.

    One ``COPY … PARTITION_BY`` into a staging folder beside the models (a single scan: a query per date
    would scan the whole table each time, its rows not being clustered by date), then each file is
    renamed over its partition's file, so readers see every partition old or new, never half-written.
    """
    for stale in settings.models_dir.glob(f".{table}.publish.*"):  # left by a killed run (one writer at a time)
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{table}.publish.", dir=_mkdir(settings.models_dir)))
    dates, moves = [], []
    try:
        con.execute(
            f"copy {table} to '{_quote(str(staging))}' (format parquet, compression zstd, "
            f"partition_by ({PARTITION_COLUMN}), write_partition_columns true)"
        )
        for folder in sorted(staging.iterdir()):
            value = folder.name.removeprefix(f"{PARTITION_COLUMN}=")
            if value == "NULL":
                raise ValueError(f"{table} has rows without a {PARTITION_COLUMN}: they cannot be published")
            listing_date = date.fromisoformat(value)
            dates.append(listing_date)
            files = list(folder.iterdir())
            if len(files) == 1:
                moves.append((files[0], _mkdir(partition_path(settings.models_dir, table, listing_date).parent) / PARTITION_FILE))
            else:  # DuckDB split the date over several files: export it on its own
                publish_partition(con, settings, table, listing_date)
        replace_many_atomically(moves)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    keep = {f"{PARTITION_COLUMN}={d.isoformat()}" for d in dates}
    for folder in (settings.models_dir / table).glob(f"{PARTITION_COLUMN}=*"):
        if folder.name not in keep:
            shutil.rmtree(folder)
    return len(dates)


def publish_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings, models: tuple[SqlModel, ...]) -> bool:
    """Write the user-facing warehouse (views over the published Parquet) beside it, then rename it in.

    Only when its views change: a new model or partition file shows through the views' globs, so an
    unchanged warehouse is left alone. Returns whether it was rewritten.
    """
    target = settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    statements = source_statements(con, settings)
    built: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in con.execute(
        "select table_name, column_name, data_type from information_schema.columns order by table_name, ordinal_position"
    ).fetchall():  # one query: one per model costs more than the rest of a skipped publish
        built.setdefault(table, []).append((column, dtype))
    model_columns = {}
    for model in models:
        columns = built.get(model.name)
        if columns:
            select = parquet_select(con, settings.models_dir, model.name, columns)
            statements.append(f"create or replace view {model.name} as {select}")
            model_columns[model.name] = columns
    fingerprint = _fingerprint(statements, model_columns, [str(schema) for _, schema in RAW_SOURCES.values()])
    if target.exists() and _state(con).get("warehouse") == fingerprint:
        return False
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
    _set_state(con, "warehouse", fingerprint)
    return True


def _mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _quote(text: str) -> str:
    return text.replace("'", "''")

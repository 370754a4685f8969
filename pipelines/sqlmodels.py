"""SQL models: one ``.sql`` file under ``sql/`` is one DuckDB table, dbt-style but without dbt.

A model's upstream models are the tables its SQL reads, found by parsing it with sqlglot, so there is
no second list of dependencies to keep in sync. Tables no model builds are *sources*: raw Parquet
views and the settings table, created by :func:`prepare_sources` before any model runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from pipelines.config import Settings
from pipelines.rawstore import table_glob
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.x_search import TWEETS_SCHEMA

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("staging", "intermediate", "marts")

# Source tables the models read, and the raw Parquet table (under data/raw/) behind each.
RAW_SOURCES: dict[str, tuple[str, pa.Schema]] = {
    "raw_arxiv__papers": ("arxiv_papers", PAPERS_SCHEMA),
    "raw_x__tweets": ("x_tweets", TWEETS_SCHEMA),
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


def prepare_sources(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create the source views over raw Parquet and the one-row settings table."""
    for view, (raw_table, schema) in RAW_SOURCES.items():
        glob = table_glob(settings.raw_dir, raw_table)
        if list(settings.raw_dir.glob(f"{raw_table}/*/data.parquet")):
            select = f"select * from read_parquet('{_quote(glob)}', hive_partitioning = false, union_by_name = true)"
        else:
            select = _empty_select(con, schema)
        con.execute(f"create or replace view {view} as {select}")
    con.execute(
        f"create or replace table {SETTINGS_TABLE} as select "
        f"cast({settings.min_score} as bigint) as min_score, "
        f"cast({settings.embed_min_score} as bigint) as embed_min_score, "
        f"cast({settings.embed_limit} as bigint) as embed_limit"
    )


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int:
    """Replace the model's table in one transaction; returns its row count."""
    con.execute("begin transaction")
    try:
        con.execute(f"create or replace table {model.name} as {model.sql}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return con.execute(f"select count(*) from {model.name}").fetchone()[0]


def _empty_select(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> str:
    empty = schema.empty_table()  # noqa: F841 (read by DuckDB's replacement scan below)
    rel = con.sql("select * from empty")
    columns = ", ".join(f"cast(null as {t}) as {c}" for c, t in zip(rel.columns, rel.types))
    return f"select {columns} where false"


def _quote(text: str) -> str:
    return text.replace("'", "''")

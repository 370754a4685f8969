"""Ad-hoc queries for ``hotpapers sql``: read-only, written as a table, CSV, JSON or Parquet.

The result is written by DuckDB itself (``COPY``), so every type (lists, timestamps, decimals) comes
out the way DuckDB's own tools write it; files appear atomically, and only once the query succeeded.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.files import atomic_write_text, replace_atomically, temp_path_beside
from pipelines.sources.http import one_line

FORMATS = ("table", "csv", "json", "parquet")
COPY_OPTIONS = {
    "csv": "format csv, header true",
    "json": "format json, array true",
    "parquet": "format parquet, compression zstd",
}
NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"}
)
# Statement kinds a read-only session may run. Anything else (CREATE, INSERT, COPY, EXPORT, ATTACH,
# INSTALL, ...) is refused before it runs: the connection is read-only too, but COPY and ATTACH would
# still write files elsewhere.
READ_ONLY_KINDS = frozenset(
    getattr(duckdb.StatementType, name)
    for name in ("SELECT", "EXPLAIN", "PRAGMA", "SET", "VARIABLE_SET", "CALL", "MULTI", "TRANSACTION")
)
SWAP_RETRIES = 3
# What DuckDB 2.0 raised in tests/test_concurrent_reads.py when a file changed under a query: it read the
# file's footer from one version and its pages from the next.
SWAP_SIGNS = ("Failed to read file", "don't know what type", "No magic bytes", "Could not read enough bytes", "decompression")


class QueryError(ValueError):
    """Something the user can fix; the message is one line."""


@dataclass(frozen=True)
class QueryRequest:
    sql: str
    format: str
    output: Path | None


def make_request(query: str | None, file: Path | None, format_: str, output: Path | None) -> QueryRequest:
    """Check the command line before the warehouse is opened."""
    if format_ not in FORMATS:
        raise QueryError(f"--format must be one of {', '.join(FORMATS)}, not {format_!r}")
    if query is not None and file is not None:
        raise QueryError("give the query as an argument or with -f FILE, not both")
    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise QueryError(f"query file {file} does not exist") from None
        except UnicodeDecodeError:
            raise QueryError(f"query file {file} is not UTF-8 text") from None
        except OSError as exc:
            raise QueryError(f"cannot read query file {file}: {exc.strerror}") from None
    if query is None:
        raise QueryError("give a query, e.g. hotpapers sql \"select * from digest_daily limit 5\", or -f FILE")
    if not query.strip():
        raise QueryError("the query is empty")
    if format_ == "parquet" and output is None:
        raise QueryError("--format parquet writes a file: give --output FILE")
    if output is not None:
        if output.is_dir():
            raise QueryError(f"--output {output} is a folder, give a file name")
        if not output.parent.is_dir():
            raise QueryError(f"--output folder {output.parent} does not exist")
    return QueryRequest(query, format_, output)


def run_query(con: duckdb.DuckDBPyConnection, request: QueryRequest, stdout: Console) -> int:
    """Run the query and write its result where asked; returns the number of rows.

    A read that meets a model partition being republished can fail (DuckDB opens a Parquet file more
    than once per query, so the file may change in between); such a query is run again, which is safe
    because nothing has been written yet and the statements only read.
    """
    try:
        statements = con.extract_statements(request.sql)
        refused = [s.type.name for s in statements if s.type not in READ_ONLY_KINDS]
        if refused:
            raise QueryError(f"hotpapers sql is read-only: statements that write are refused ({', '.join(refused)})")
        if not statements:
            raise QueryError("the query is empty")
        attempt = 0
        while True:
            try:
                return _run_once(con, request, stdout)
            except duckdb.Error as exc:
                if attempt == SWAP_RETRIES or not _met_a_swap(exc):
                    raise
                time.sleep(0.05 * 2**attempt)
                attempt += 1
    except duckdb.Error as exc:
        message = one_line(exc)
        if "read-only mode" in message:
            raise QueryError("hotpapers sql is read-only: statements that write are refused") from None
        raise QueryError(message) from None


def _run_once(con: duckdb.DuckDBPyConnection, request: QueryRequest, stdout: Console) -> int:
    result = con.sql(request.sql)
    if result is None:
        raise QueryError("the last statement returns no rows: end with a query")
    if request.format == "table":
        return _table(result, request.output, stdout)
    if request.output is not None:
        return _copy_atomically(result, request.format, request.output)
    return _copy_to_stream(result, request.format, sys.stdout.buffer)


def _met_a_swap(exc: duckdb.Error) -> bool:
    """The errors DuckDB raises when a Parquet file is replaced while a query reads it."""
    text = str(exc)
    return isinstance(exc, duckdb.IOException) or any(sign in text for sign in SWAP_SIGNS)


def _copy(result: duckdb.DuckDBPyRelation, format_: str, path: Path) -> int:
    target = str(path).replace("'", "''")
    written = result.query("result", f"copy (select * from result) to '{target}' ({COPY_OPTIONS[format_]})")
    return written.fetchall()[0][0]


def _copy_atomically(result: duckdb.DuckDBPyRelation, format_: str, output: Path) -> int:
    tmp = temp_path_beside(output)
    try:
        rows = _copy(result, format_, tmp)
        replace_atomically(tmp, output)
        return rows
    finally:
        tmp.unlink(missing_ok=True)


def _copy_to_stream(result: duckdb.DuckDBPyRelation, format_: str, stream: BinaryIO) -> int:
    with tempfile.TemporaryDirectory(prefix="hotpapers-sql-") as folder:
        path = Path(folder) / f"result.{format_}"
        rows = _copy(result, format_, path)
        with open(path, "rb") as handle:
            shutil.copyfileobj(handle, stream)
        stream.flush()
    return rows


def _table(result: duckdb.DuckDBPyRelation, output: Path | None, stdout: Console) -> int:
    names, types = result.columns, [str(t) for t in result.types]
    rows = result.fetchall()
    table = Table(show_lines=False)
    for name, dtype in zip(names, types):
        table.add_column(Text(name), justify="right" if dtype in NUMERIC_TYPES or dtype.startswith("DECIMAL") else "left")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    if output is None:
        stdout.print(table, markup=False)
        stdout.print(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    else:
        text = io.StringIO()
        Console(file=text, width=100_000, soft_wrap=True, color_system=None).print(table, markup=False)
        atomic_write_text(output, text.getvalue())
    return len(rows)

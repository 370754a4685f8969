"""Metadata that makes an asset page in the Dagster UI useful: counts, schema, a preview."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb

from pipelines.schema import column_schema


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, listing_date: date | None, preview_rows: int = 5
) -> dict:
    """Row count, column schema and a Markdown preview of one listing date of a table (or all of it).

    Column types are the built table's; descriptions come from sql/schema.yml.
    """
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    where = "" if listing_date is None else f"where listing_date = DATE '{listing_date.isoformat()}'"
    count = con.execute(f"select count(*) from {table} {where}").fetchone()[0]
    return {
        "dagster/row_count": count,
        "dagster/column_schema": column_schema(table, columns),
        "preview": dg.MetadataValue.md(markdown_preview(con, f"(select * from {table} {where})", preview_rows)),
    }


def markdown_preview(con: duckdb.DuckDBPyConnection, relation: str, limit: int) -> str:
    cursor = con.execute(f"select * from {relation} limit {int(limit)}")
    names = [d[0] for d in cursor.description]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in cursor.fetchall():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = " ".join(str(value).split())
    text = text if len(text) <= 60 else text[:57] + "..."
    return text.replace("|", "\\|").replace("<", "&lt;")

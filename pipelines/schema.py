"""The documented schema (``sql/schema.yml``): the one place tables and columns are described.

``docs/schema.md`` is rendered from it (``scripts/schema_docs.py``), the SQL model assets take their
Dagster column metadata from it, and ``undocumented`` compares it with a real warehouse so a test can
say exactly which column of which table to document.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.sqlmodels import LAYERS, SQL_DIR, discover

SCHEMA_PATH = SQL_DIR / "schema.yml"
DOCS_PATH = SQL_DIR.parent / "docs" / "schema.md"
TEMPLATES = Path(__file__).resolve().parent / "templates"


class ColumnDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    data_type: str = Field(min_length=1)
    description: str = Field(min_length=1)


class TableDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    columns: list[ColumnDoc] = Field(min_length=1)

    def column(self, name: str) -> ColumnDoc | None:
        return next((c for c in self.columns if c.name == name), None)


class SchemaFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    models: list[TableDoc]


class SchemaError(ValueError):
    """schema.yml is malformed: the message names the entry."""


@cache
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, TableDoc]:
    """The documented tables by name, in file order."""
    try:
        parsed = SchemaFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise SchemaError(f"{path}: {exc}") from None
    tables: dict[str, TableDoc] = {}
    for table in parsed.models:
        if table.name in tables:
            raise SchemaError(f"{path}: table {table.name} is documented twice")
        names = [c.name for c in table.columns]
        if len(set(names)) != len(names):
            raise SchemaError(f"{path}: {table.name} documents a column twice")
        tables[table.name] = table
    return tables


def same_type(documented: str, actual: str) -> bool:
    return " ".join(documented.split()).upper() == " ".join(actual.split()).upper()


def column_schema(table: str, actual: list[tuple[str, str]] | None = None) -> dg.TableSchema | None:
    """Dagster's ``dagster/column_schema`` of a table: documented descriptions, types as built when known."""
    doc = load_schema().get(table)
    if actual is None:
        if doc is None:
            return None
        actual = [(c.name, c.data_type.upper()) for c in doc.columns]
    columns = []
    for name, dtype in actual:
        column = doc.column(name) if doc else None
        columns.append(dg.TableColumn(name=name, type=dtype, description=column.description if column else None))
    return dg.TableSchema(columns=columns)


def layer_of(table: str) -> str:
    """The layer a documented table belongs to: a model's folder under sql/, else source."""
    model = next((m for m in discover() if m.name == table), None)
    return model.layer if model else "sources"


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What schema.yml gets wrong about this warehouse, one fix per line (empty: all documented).

    Every mart must be documented column by column; every documented table must match.
    """
    actual: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in con.execute(
        "select table_name, column_name, data_type from information_schema.columns order by table_name, ordinal_position"
    ).fetchall():
        actual.setdefault(table, []).append((column, dtype))
    docs = load_schema()
    marts = [m.name for m in discover() if m.layer == "marts"]
    problems = []
    for table in [*marts, *(t for t in docs if t not in marts)]:
        doc = docs.get(table)
        if table not in actual:
            if doc is not None:
                problems.append(f"{table}: documented in sql/schema.yml but not in the warehouse")
            continue
        if doc is None:
            columns = ", ".join(f"{c} ({t})" for c, t in actual[table])
            problems.append(f"{table}: mart not documented; add it to sql/schema.yml with columns {columns}")
            continue
        for column, dtype in actual[table]:
            documented = doc.column(column)
            if documented is None:
                problems.append(f"{table}.{column}: not documented; add it to sql/schema.yml (data_type: {dtype.lower()})")
            elif not same_type(documented.data_type, dtype):
                problems.append(f"{table}.{column}: documented as {documented.data_type} but is {dtype} in the warehouse")
        for column in doc.columns:
            if column.name not in dict(actual[table]):
                problems.append(f"{table}.{column.name}: documented in sql/schema.yml but the warehouse has no such column")
    return problems


def render_markdown() -> str:
    """docs/schema.md: the documented tables grouped by layer, marts first."""
    docs = load_schema()
    order = ["marts", *reversed([layer for layer in LAYERS if layer != "marts"]), "sources"]
    groups = [(layer, [t for t in docs.values() if layer_of(t.name) == layer]) for layer in order]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    env.filters["cell"] = lambda text: " ".join(str(text).split()).replace("|", "\\|")
    return env.get_template("schema.md.j2").render(groups=[g for g in groups if g[1]])

"""The documented schema (sql/schema.yml) matches the real warehouse, docs/schema.md and the Dagster metadata."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from assets.models import SQL_MODEL_ASSETS
from pipelines.schema import DOCS_PATH, load_schema, render_markdown, undocumented
from pipelines.sqlmodels import discover

REPO = Path(__file__).resolve().parent.parent


def warehouse_columns(data_dir: Path, table: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    finally:
        con.close()


def test_every_mart_column_is_documented_with_its_type(sample_run: Path) -> None:
    con = duckdb.connect(str(sample_run / "warehouse.duckdb"), read_only=True)
    try:
        problems = undocumented(con)
    finally:
        con.close()
    assert not problems, "fix sql/schema.yml, then run `python scripts/schema_docs.py`:\n  " + "\n  ".join(problems)


def test_every_mart_and_the_readme_tables_are_documented() -> None:
    documented = set(load_schema())
    marts = {m.name for m in discover() if m.layer == "marts"}
    readme_tables = {
        "stg_arxiv__papers", "stg_x__tweets", "int_tweets_linked_to_papers", "int_paper_engagement_summed", "digest_settings"
    }
    assert marts | readme_tables <= documented, f"document in sql/schema.yml: {sorted(marts | readme_tables - documented)}"


def test_the_check_says_which_column_of_which_table_to_fix() -> None:
    """Against a warehouse that differs from the docs in known ways, each difference is named exactly."""
    docs = load_schema()
    con = duckdb.connect()
    try:
        for table in docs.values():
            columns = ", ".join(f'"{c.name}" {c.data_type}' for c in table.columns)
            con.execute(f"create table {table.name} ({columns})")
        con.execute("alter table digest_daily add column mystery_flag boolean")
        con.execute("alter table paper_engagement alter score type double")
        con.execute("alter table digest_tweets drop column lang")
        con.execute("drop table digest_settings")
        problems = [p for p in undocumented(con) if p.split(".")[0].split(":")[0] in docs]
    finally:
        con.close()
    assert sorted(problems) == sorted([
        "digest_daily.mystery_flag: not documented; add it to sql/schema.yml (data_type: boolean)",
        "paper_engagement.score: documented as bigint but is DOUBLE in the warehouse",
        "digest_tweets.lang: documented in sql/schema.yml but the warehouse has no such column",
        "digest_settings: documented in sql/schema.yml but not in the warehouse",
    ])


def test_docs_schema_md_is_generated_from_schema_yml() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render_markdown(), "docs/schema.md is stale: run python scripts/schema_docs.py"
    check = subprocess.run([sys.executable, "scripts/schema_docs.py", "--check"], cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    text = DOCS_PATH.read_text(encoding="utf-8")
    for table in load_schema().values():
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` | `{column.data_type.upper()}` |" in text, f"{table.name}.{column.name}"


def test_model_assets_take_their_column_metadata_from_the_docs() -> None:
    docs = load_schema()
    specs = {spec.key.to_user_string(): spec for asset in SQL_MODEL_ASSETS for spec in asset.specs}
    for name, table in docs.items():
        if name not in specs:
            continue
        schema = specs[name].metadata["dagster/column_schema"]
        assert [(c.name, c.type, c.description) for c in schema.columns] == [
            (c.name, c.data_type.upper(), c.description) for c in table.columns
        ], name
        assert specs[name].description == table.description.strip()
    assert "digest_daily" in specs and "stg_x__tweets" in specs


def test_materializations_record_documented_columns(sample_run: Path) -> None:
    """The sample run's own Dagster events carry each column's description and built type."""
    instance = dg.DagsterInstance.local_temp(tempdir=str(sample_run / "dagster"))
    try:
        for name in ("digest_daily", "paper_engagement", "stg_x__tweets"):
            event = instance.get_latest_materialization_event(dg.AssetKey(name))
            assert event is not None, name
            schema = event.asset_materialization.metadata["dagster/column_schema"].schema
            documented = {c.name: c.description for c in load_schema()[name].columns}
            assert [(c.name, c.type) for c in schema.columns] == warehouse_columns(sample_run, name)
            assert [c.description for c in schema.columns] == [documented.get(c.name) for c in schema.columns]
            assert all(c.description for c in schema.columns), f"{name}: undocumented columns"
    finally:
        instance.dispose()

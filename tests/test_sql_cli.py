"""`hotpapers sql`: every output format parsed back and compared with the same query run directly in DuckDB."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import hotpapers
from tests.test_cli_errors import assert_one_line_error

REPO = Path(__file__).resolve().parent.parent
QUERY = (
    "select listing_date, rank, arxiv_id, title, authors, score, as_of, on_reading_list"
    " from digest_daily order by listing_date desc, rank"
)


def direct(data_dir: Path, query: str = QUERY) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        cursor = con.execute(query)
        return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        con.close()


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_table_format_shows_every_row(sample_run: Path) -> None:
    query = "select rank, arxiv_id, score from digest_daily where listing_date = '2021-06-04' order by rank"
    names, rows = direct(sample_run, query)
    lines = ok(hotpapers("sql", query, data_dir=sample_run)).splitlines()
    cells = [[c.strip() for c in line[1:-1].replace("┃", "│").split("│")] for line in lines if line[:1] in "┃│"]
    assert cells[0] == names
    assert cells[1:] == [[str(v) for v in row] for row in rows]
    assert lines[-1] == f"({len(rows)} rows)" and len(rows) == 17


def test_csv_to_stdout(sample_run: Path) -> None:
    names, rows = direct(sample_run)
    parsed = list(csv.reader(io.StringIO(ok(hotpapers("sql", "--format", "csv", QUERY, data_dir=sample_run)))))
    assert parsed[0] == names
    expected = [
        [str(d), str(rank), arxiv_id, title, "[" + ", ".join(authors) + "]", str(score), str(as_of), str(on_list).lower()]
        for d, rank, arxiv_id, title, authors, score, as_of, on_list in rows
    ]
    assert parsed[1:] == expected
    assert len(rows) == 24 and any("," in row[3] for row in parsed[1:]), "a title with a comma is quoted, not split"


def test_json_to_stdout_and_to_a_file(sample_run: Path, tmp_path: Path) -> None:
    names, rows = direct(sample_run)
    expected = [
        {**dict(zip(names, row)), "listing_date": row[0].isoformat(), "as_of": row[6].isoformat(sep=" ")} for row in rows
    ]
    assert json.loads(ok(hotpapers("sql", "--format", "json", QUERY, data_dir=sample_run))) == expected
    target = tmp_path / "digest.json"
    stdout = ok(hotpapers("sql", "--format", "json", "--output", str(target), QUERY, data_dir=sample_run))
    assert stdout.strip() == f"24 rows written to {target}"
    assert json.loads(target.read_text(encoding="utf-8")) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["digest.json"], "no temp file left beside the output"


def test_parquet_file_keeps_the_types(sample_run: Path, tmp_path: Path) -> None:
    names, rows = direct(sample_run)
    target = tmp_path / "digest.parquet"
    ok(hotpapers("sql", "--format", "parquet", "-o", str(target), QUERY, data_dir=sample_run))
    table = pq.read_table(target)
    assert table.column_names == names
    assert [tuple(r.values()) for r in table.to_pylist()] == rows
    assert isinstance(table.to_pylist()[0]["listing_date"], date)
    assert isinstance(table.to_pylist()[0]["as_of"], datetime)
    assert table.to_pylist()[0]["authors"] == list(rows[0][4])


def test_query_from_a_file_runs_a_model_as_is(sample_run: Path, tmp_path: Path) -> None:
    """-f takes several statements; the last one's result is shown. A model's SQL runs unchanged."""
    model_sql = (REPO / "sql" / "marts" / "digest_daily.sql").read_text(encoding="utf-8")
    query_file = tmp_path / "digest.sql"
    query_file.write_text(f"set variable listing_date = DATE '2020-07-09';\n{model_sql}", encoding="utf-8")
    parsed = list(csv.DictReader(io.StringIO(ok(hotpapers("sql", "-f", str(query_file), "--format", "csv", data_dir=sample_run)))))
    _, rows = direct(sample_run, "select arxiv_id, score from digest_daily where listing_date = '2020-07-09' order by rank")
    assert [(r["arxiv_id"], int(r["score"])) for r in parsed] == rows and len(rows) == 7
    assert {r["listing_date"] for r in parsed} == {"2020-07-09"}


def test_output_is_replaced_atomically_and_kept_when_the_query_fails(sample_run: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    failing = "select case when rank = 5 then error('boom at rank 5') else rank end as rank from digest_daily"
    assert_one_line_error(hotpapers("sql", "--format", "csv", "-o", str(target), failing, data_dir=sample_run), "boom at rank 5")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    ok(hotpapers("sql", "--format", "csv", "-o", str(target), "select 1 as one", data_dir=sample_run))
    assert target.read_text() == "one\n1\n"
    table_file = tmp_path / "table.txt"
    ok(hotpapers("sql", "-o", str(table_file), "select title from digest_daily order by length(title) desc limit 1", data_dir=sample_run))
    longest = direct(sample_run, "select max(length(title)) from digest_daily")[1][0][0]
    assert any(len(line.strip("│ ")) == longest for line in table_file.read_text().splitlines()), "a table file never wraps"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--format", "xml", "select 1"], "--format must be one of table, csv, json, parquet"),
        (["--format", "parquet", "select 1"], "give --output FILE"),
        (["-f", "{tmp}/missing.sql"], "does not exist"),
        (["-f", "{tmp}/query.sql", "select 1"], "not both"),
        ([], "give a query"),
        (["  -- only a comment\n"], "empty"),
        (["-o", "{tmp}/no/such/folder/out.csv", "select 1"], "does not exist"),
        (["copy digest_daily to '{tmp}/copied.csv'"], "read-only"),
        (["attach '{tmp}/other.duckdb' as other; create table other.t as select 1"], "read-only"),
        (["install httpfs"], "read-only"),
        (["insert into digest_settings values (1, 1, 1)"], "read-only"),
        (["select 1; drop view digest_daily"], "read-only"),
        (["select * form digest_daily"], "syntax error"),
        (["select no_such_column from digest_daily"], "no_such_column"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(sample_run: Path, tmp_path: Path, args: list[str], fragment: str) -> None:
    (tmp_path / "query.sql").write_text("select 1")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = hotpapers("sql", *[a.replace("{tmp}", str(tmp_path)) for a in args], data_dir=sample_run)
    assert_one_line_error(result, fragment)
    assert result.returncode == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert direct(sample_run, "select count(*) from digest_daily")[1] == [(24,)]


def test_query_file_that_is_not_text(sample_run: Path, tmp_path: Path) -> None:
    binary = tmp_path / "query.sql"
    binary.write_bytes(b"select \xff\xfe")
    assert_one_line_error(hotpapers("sql", "-f", str(binary), data_dir=sample_run), "not UTF-8")

"""The example questions (docs/examples.sql, shown in README) run against the sample warehouse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import hotpapers

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples.sql"


def examples() -> dict[int, str]:
    """Each numbered question's block: its ``-- N.`` comment and its query."""
    text = EXAMPLES.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=-- \d+\. )", text)[1:]
    return {int(re.match(r"-- (\d+)\. ", block).group(1)): block.strip() for block in blocks}


def run(data_dir: Path, query: str) -> list[dict]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        relation = con.sql(query.rstrip().rstrip(";"))
        return [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    finally:
        con.close()


def test_five_numbered_questions() -> None:
    assert sorted(examples()) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_example_runs_on_the_sample(sample_run: Path, number: int) -> None:
    rows = run(sample_run, examples()[number])
    if number == 3:  # the sample holds one engagement fetch per listing date: nothing has risen yet
        assert rows == []
        return
    assert rows, f"example {number} returns nothing on the sample"
    if number == 1:
        cv_in_june = run(sample_run, "select arxiv_id from digest_daily where list_contains(categories, 'cs.CV')"
                         " and listing_date between '2021-06-01' and '2021-06-30' order by score desc")
        assert [r["arxiv_id"] for r in rows] == [r["arxiv_id"] for r in cv_in_june][:10]
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    if number == 2:
        assert rows[0]["author_handle"] == "ak92501" and rows[0]["engagement"] == max(r["engagement"] for r in rows)
    if number == 4:
        assert all(0 < r["score"] < 50 and r["short_by"] == 50 - r["score"] for r in rows)


def test_the_whole_file_runs_through_hotpapers_sql(sample_run: Path) -> None:
    result = hotpapers("sql", "-f", str(EXAMPLES), "--format", "json", data_dir=sample_run)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(run(sample_run, examples()[5]), default=str))


def test_readme_shows_exactly_these_examples() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = "\n\n".join(examples()[n] for n in sorted(examples()))
    assert shown in readme, "README's example questions differ from docs/examples.sql: paste the file's numbered blocks"

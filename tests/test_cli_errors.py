"""User errors end as one `error:` line on stderr and a non-zero exit, never a traceback, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import hotpapers


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (["run", "--source", "live", "--date", "2021-06-05"], {"X_BEARER_TOKEN": "t"}, ["Saturday"]),
        (["run", "--source", "live", "--date", "2021-07-05"], {"X_BEARER_TOKEN": "t", "HOTPAPERS_HOLIDAYS": "2021-07-05"}, ["holiday"]),
        (["run", "--source", "live", "--date", "2999-01-04"], {"X_BEARER_TOKEN": "t"}, ["not announced yet"]),
        (["run", "--date", "2021-13-01"], {}, ["YYYY-MM-DD"]),
        (["run", "--date", "2021-06-03"], {}, ["sample has no listing 2021-06-03"]),
        (["run", "--source", "elsewhere"], {}, ["--source"]),
        (["run"], {"HOTPAPERS_CATEGORIES": "cs.NOPE"}, ["unknown arXiv category"]),
        (["run"], {"HOTPAPERS_MIN_SCORE": "lots"}, ["HOTPAPERS_MIN_SCORE"]),
        (["run"], {"HOTPAPERS_HOLIDAYS": "2021-02-30"}, ["2021-02-30"]),
        (["digest", "--date", "2021-06-04", "--category", "cs.NOPE"], {}, ["unknown arXiv category"]),
    ],
)
def test_bad_input_is_refused_before_any_work(tmp_path: Path, args, env, fragments) -> None:
    data_dir = tmp_path / "data"
    result = hotpapers(*args, data_dir=data_dir, env=env)
    assert_one_line_error(result, *fragments)
    assert not data_dir.exists(), "nothing may be written before the input is known to be good"


def test_queries_before_any_run_say_what_to_do(tmp_path: Path) -> None:
    assert_one_line_error(hotpapers("sql", "select 1", data_dir=tmp_path), "hotpapers run")
    assert_one_line_error(hotpapers("digest", "--date", "2021-06-04", data_dir=tmp_path), "hotpapers run")


def test_sql_refuses_writes_and_reports_bad_queries(sample_run: Path) -> None:
    assert_one_line_error(hotpapers("sql", "drop table digest_daily", data_dir=sample_run), "read-only")
    assert_one_line_error(hotpapers("sql", "create table x as select 1", data_dir=sample_run), "read-only")
    assert_one_line_error(hotpapers("sql", "selec nothing", data_dir=sample_run), "syntax error")
    assert_one_line_error(hotpapers("sql", "select * from no_such_table", data_dir=sample_run), "no_such_table")
    still_there = hotpapers("sql", "select count(*) as n from digest_daily", data_dir=sample_run)
    assert still_there.returncode == 0 and "24" in still_there.stdout


def test_digest_for_a_date_never_run(sample_run: Path) -> None:
    assert_one_line_error(hotpapers("digest", "--date", "2021-06-07", data_dir=sample_run), "hotpapers run --date 2021-06-07")
    assert_one_line_error(hotpapers("digest", "--date", "June 4", data_dir=sample_run), "YYYY-MM-DD")


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = hotpapers("run", data_dir=blocker / "data")
    assert_one_line_error(result, "not writable")

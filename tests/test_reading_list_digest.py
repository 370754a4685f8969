"""Digests mark the papers already on a reading list: a column in the marts, a line in the post."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.conftest import hotpapers

READING_LIST = """# My reading list

Progress: ▓▓░░ 1/2

## 1. When Vision Transformers Outperform ResNets without Pretraining or Strong Data Augmentations ([link](https://arxiv.org/abs/2106.01548))

Sharpness-aware minimization makes ViTs train well from scratch.

## 2. Attention Is All You Need ([link](https://arxiv.org/abs/1706.03762))

The transformer.
"""


def test_digest_marks_papers_on_a_reading_list(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "mine.md").write_text(READING_LIST, encoding="utf-8")
    data = tmp_path / "data"
    result = hotpapers("run", "--date", "2021-06-04", data_dir=data, env={"HOTPAPERS_READING_LISTS_DIR": str(lists)})
    assert result.returncode == 0, result.stderr

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        marked = con.execute(
            "select arxiv_id from digest_daily where listing_date = '2021-06-04' and on_reading_list"
        ).fetchall()
        unmarked = con.execute(
            "select count(*) from digest_daily where listing_date = '2021-06-04' and not on_reading_list"
        ).fetchone()[0]
        by_category = con.execute(
            "select distinct category from digest_category_daily where on_reading_list order by 1"
        ).fetchall()
    assert marked == [("2106.01548",)]
    assert unmarked > 10
    assert [c for (c,) in by_category] == ["cs.CV", "cs.LG"]

    post = hotpapers("digest", "--date", "2021-06-04", data_dir=data)
    assert post.returncode == 0, post.stderr
    sections = post.stdout.split("\n# ")
    assert "on your reading list" in sections[1] and sections[1].startswith("1. When Vision Transformers")
    assert sum("on your reading list" in s for s in sections) == 1

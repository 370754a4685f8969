"""Bad input from arXiv, from X and from the user: parsed into clean rows, or refused in one clear line.

The arXiv and X cases run the real clients against loopback servers; the user cases run the real
`hotpapers` typer app in-process (fast: no interpreter start per case). tests/test_cli_errors.py
already covers weekends, holidays, month 13, unknown categories in the environment and a data
directory below a file; these are the cases it leaves out.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pipelines.sources.arxiv_listing import fetch_listing
from pipelines.sources.http import RequestStats, SourceError
from pipelines.sources.x_search import INT64_MAX, TWEETS_SCHEMA, fetch_tweets
from tests.loopback import ARXIV_PATH, X_SEARCH_PATH, Canned, FakeApi, arxiv_responder, atom_feed, atom_response
from tests.reliability import world

FRIDAY = date(2021, 6, 4)
IN_WINDOW = "2021-06-02T20:00:00Z"


# --- arXiv ------------------------------------------------------------------------------------------


def fetch_arxiv(body_or_entries, retries: int = 1) -> tuple[pa.Table, RequestStats]:
    with FakeApi() as api:
        if isinstance(body_or_entries, bytes):
            api.default(ARXIV_PATH, atom_response(body_or_entries))
        else:
            api.default(ARXIV_PATH, arxiv_responder(body_or_entries))
        stats = RequestStats()
        table = fetch_listing(
            FRIDAY, api_url=api.url(ARXIV_PATH), categories=("cs.*",), holidays=frozenset(), delay_seconds=0.0,
            page_size=100, timeout=2.0, retries=retries, stats=stats,
        )
    return table, stats


def entry(arxiv_id: str, **fields) -> dict:
    return {"id": arxiv_id, "published": IN_WINDOW, "categories": ["cs.LG"], **fields}


GOOD = entry("2106.01548v1", title="A Good Paper")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (atom_feed([GOOD], total_results=1).replace(b"</entry>", b"</entyr>"), "not well-formed XML"),
        (atom_feed([GOOD], total_results=1).replace(b"A Good Paper", b"A \x01 control"), "not well-formed XML"),
        (atom_feed([GOOD], total_results=1).replace(b"A Good Paper", b"Caf&eacute;"), "not well-formed XML"),
        (atom_feed([GOOD], total_results=1)[:-40], "cut off mid-body"),
        (b'<?xml version="1.0"?><rss><channel/></rss>', "not an Atom feed"),
        (b"", "cut off mid-body"),
        (atom_feed([GOOD], total_results=1).replace(b"2021-06-02T20:00:00Z", b"yesterday-ish"), "unreadable entry"),
    ],
    ids=["mismatched_tags", "raw_control_char", "undefined_entity", "truncated", "rss_not_atom", "empty_body", "bad_date"],
)
def test_malformed_feeds_are_refused_in_one_line(body: bytes, reason: str, tally) -> None:
    with pytest.raises(SourceError) as failure:
        fetch_arxiv(body)
    tally.add(bad_inputs=1)
    message = str(failure.value)
    assert message.startswith("arXiv listing 2021-06-04: gave up after 2 requests (1 retry)")
    assert reason in message and "\n" not in message


def test_entity_expansion_bomb_is_refused_quickly(tally) -> None:
    lol = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    body = atom_feed([entry("2106.01548v1", title="TITLE")], total_results=1).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>', f'<?xml version="1.0"?><!DOCTYPE feed [{lol}]>'.encode()
    ).replace(b"TITLE", b"&lol9;")
    started = datetime.now()
    with pytest.raises(SourceError) as failure:
        fetch_arxiv(body)
    tally.add(bad_inputs=1)
    assert (datetime.now() - started).total_seconds() < 5  # a billion "lol"s are never built
    assert "not well-formed XML" in str(failure.value) and len(str(failure.value)) < 400


def test_entries_missing_fields_or_with_odd_ids_are_skipped_and_counted(tally) -> None:
    entries = [
        entry("2106.00001v1", title="Kept"),
        entry("2106.00002v12", title="Version twelve"),
        entry("2106.00003", title="No version at all"),
        entry("2106.00004v0", title="Version zero"),
        entry("2106.00005v99999", title="Version 99999"),
        entry("2106.00006v", title="A bare v"),
        entry("2113.00007v1", title="Month thirteen"),
        entry("math.AG/0601008v2", title="Old style with a subject class"),
        entry("2106.00009v1", title="No published date", published=""),
        entry("2106.00010v1", title="No category", categories=[], primary_category="cs.LG"),
        entry("2106.00011v1", title=""),
    ]
    table, stats = fetch_arxiv(entries)
    tally.add(bad_inputs=len(entries) - 1)
    rows = {r["arxiv_id"]: r for r in table.to_pylist()}
    assert {k: v["version"] for k, v in rows.items()} == {
        "2106.00001": 1, "2106.00002": 12, "2106.00003": 1, "math/0601008": 2, "2106.00011": 1,
    }
    assert rows["2106.00011"]["title"] == ""
    # v0, v99999, a bare "v", month 13 and the entry without <published>; the one without a
    # category is a real paper outside the configured categories, so it is filtered, not skipped
    assert stats.entries_skipped == 5


def test_withdrawn_tex_entities_and_control_characters(tally) -> None:
    withdrawn = entry(
        "2106.00020v3", title="Withdrawn", summary="This paper has been withdrawn by the author.",
        comment="This paper has been withdrawn",
    )
    tex = entry(
        "2106.00021v1",
        title="$\\mathcal{O}(n)$ &amp; <b>bold</b> CAFE_ACUTE \u0085DEL\u007f",
        summary="Line one\n\n  line\ttwo \u2028 with \u200b zero-width, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and e\u0301",
        authors=["Zoë  Ünal", "  李雷 "],
    )
    body = atom_feed([withdrawn, tex], total_results=2).replace(b"CAFE_ACUTE", b"Caf&#233; &#x1F600;")
    table, stats = fetch_arxiv(body)
    tally.add(bad_inputs=2)
    rows = {r["arxiv_id"]: r for r in table.to_pylist()}
    assert rows["2106.00020"]["comment"] == "This paper has been withdrawn" and rows["2106.00020"]["version"] == 3
    paper = rows["2106.00021"]
    assert paper["title"] == "$\\mathcal{O}(n)$ &amp; <b>bold</b> Café 😀 DEL"
    assert paper["abstract"] == "Line one line two with \u200b zero-width, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and e\u0301"
    assert paper["authors"] == ["Zoë Ünal", "李雷"]
    assert stats.entries_skipped == 0


# --- X --------------------------------------------------------------------------------------------


def test_awkward_tweets_become_clean_rows(tally) -> None:
    with FakeApi() as api:
        api.default(X_SEARCH_PATH, world.x_responder)
        start, end = world.ANNOUNCED, world.SERVED_AT
        table, retweets = fetch_tweets(
            world.LISTING, api_url=api.url("/2"), token=world.MARKER, start=start, end=end, timeout=2.0, retries=0
        )
    tally.add(bad_inputs=10)
    assert table.schema == TWEETS_SCHEMA
    rows = {r["tweet_id"]: r for r in table.to_pylist()}
    assert list(rows) == world.EXPECTED_TWEET_IDS  # "not-a-number" skipped, the retweet dropped
    assert retweets == 1
    assert {t: r["cited_arxiv_ids"] for t, r in rows.items()} == world.EXPECTED_CITATIONS
    assert (rows["9000001"]["retweet_count"], rows["9000001"]["like_count"]) == (21, 32)  # page 2's newer copy
    assert (rows["9000006"]["retweet_count"], rows["9000006"]["like_count"], rows["9000006"]["reply_count"]) == (
        0, 0, INT64_MAX,
    )
    assert rows["9000002"]["text"] == f"{world.RTL_TEXT} arXiv:{world.HOT}" and rows["9000002"]["lang"] == "he"
    assert rows["9000004"]["text"] == "no links at all, just vibes" + " " * 4 + "\ufffd"  # NUL, BEL blanked; lone surrogate replaced
    assert len(rows["9000007"]["text"]) == 10_000 + len(f"arxiv.org/abs/{world.LONG}")
    assert rows["9000003"]["author_name"] == world.SCRIPT_NAME  # stored as sent; escaping is the renderer's job


def test_x_page_shapes_that_are_not_the_api_format(tally) -> None:
    pages = [
        {"data": "not a list", "meta": {"next_token": ["not", "a", "string"]}},
        {"data": [{"id": 5}, {"id": "6", "public_metrics": [1, 2]}, {"id": "7", "entities": {"urls": "x"}}],
         "includes": {"users": {"id": "not a list"}}, "meta": None},
    ]
    for page in pages:
        with FakeApi() as api:
            api.default(X_SEARCH_PATH, Canned(200, __import__("json").dumps(page).encode(), {}, "application/json"))
            table, _ = fetch_tweets(
                FRIDAY, api_url=api.url("/2"), token="test-token-0123",
                start=datetime(2021, 6, 4, tzinfo=timezone.utc), end=datetime(2021, 6, 5, tzinfo=timezone.utc),
                timeout=2.0, retries=0,
            )
            assert len(api.requests) == 1  # a next_token that is not a string ends the paging
        tally.add(bad_inputs=1)
    assert table.column("tweet_id").to_pylist() == ["5", "6", "7"]


# --- the user -------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The real `hotpapers` app, in-process, with a clean environment and a fresh data directory."""
    for name in list(os.environ):
        if name.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_", "HF_", "HN_", "BSKY_")):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(data_dir))

    def invoke(*args: str, env: dict[str, str] | None = None):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        from pipelines.cli import app

        return CliRunner().invoke(app, list(args))

    invoke.data_dir = data_dir
    return invoke


def assert_refused(result, *fragments: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["run", "--date", "2021-6-4"], {}, "YYYY-MM-DD"),
        (["run", "--date", "June 4, 2021"], {}, "YYYY-MM-DD"),
        (["run", "--date", ""], {}, "YYYY-MM-DD"),
        (["run", "--date", "2021-06-04T00:00"], {}, "YYYY-MM-DD"),
        (["run", "--date", "2021-02-30"], {}, "YYYY-MM-DD"),
        (["run", "--date", "２０２１-06-04"], {}, "YYYY-MM-DD"),  # full-width digits
        (["run", "--date", "2021-06-04; rm -rf /"], {}, "YYYY-MM-DD"),
        (["run", "--source", "live", "--date", "2021-06-06"], {"X_BEARER_TOKEN": "t"}, "Sunday"),
        (["run", "--source", "live", "--date", "2021-12-24"], {"X_BEARER_TOKEN": "t", "HOTPAPERS_HOLIDAYS": "2021-12-24,2021-12-31"}, "holiday"),
        (["run", "--source", "live", "--date", "2099-06-05"], {"X_BEARER_TOKEN": "t"}, "not announced yet"),
        (["run"], {"HOTPAPERS_CATEGORIES": "cs.LG physics.nope"}, "unknown arXiv category 'physics.nope'"),
        (["run"], {"HOTPAPERS_CATEGORIES": "cs.LG'; drop table x; --"}, "unknown arXiv category"),
        (["run"], {"HOTPAPERS_CATEGORIES": " , "}, "HOTPAPERS_CATEGORIES"),
        (["run"], {"X_WINDOW_DAYS": "30"}, "X_WINDOW_DAYS"),
        (["run"], {"ARXIV_DELAY_SECONDS": "-3"}, "ARXIV_DELAY_SECONDS"),
        (["run"], {"HOTPAPERS_HTTP_TIMEOUT_SECONDS": "0"}, "HOTPAPERS_HTTP_TIMEOUT_SECONDS"),
        (["digest", "--date", "2021-06-04", "--category", "../../etc/passwd"], {}, "unknown arXiv category"),
        (["digest", "--date", "tomorrow"], {}, "YYYY-MM-DD"),
    ],
)
def test_bad_user_input_is_refused_before_any_work(cli, args, env, fragment, tally) -> None:
    result = cli(*args, env=env)
    tally.add(bad_inputs=1)
    assert_refused(result, fragment)
    assert not cli.data_dir.exists(), "nothing may be written before the input is known to be good"


@pytest.mark.parametrize("args", [["sql", "select 1"], ["digest", "--date", "2021-06-04"]])
def test_a_missing_data_directory_is_not_created_by_readers(cli, args, tally) -> None:
    result = cli(*args)
    tally.add(bad_inputs=1)
    assert_refused(result, "no warehouse", "hotpapers run")
    assert not cli.data_dir.exists()


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody can write: a read-only tmpfs when we are root (root ignores modes), else mode 0555."""
    path.mkdir(parents=True)
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)], check=True)
        try:
            yield path
        finally:
            subprocess.run(["umount", "-l", str(path)], check=True)
    else:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)


def test_a_read_only_data_directory_is_refused(cli, monkeypatch, tmp_path, tally) -> None:
    with read_only_folder(tmp_path / "readonly") as folder:
        monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(folder))
        result = cli("run")
        tally.add(bad_inputs=1)
        assert_refused(result, "not writable")
        assert list(folder.iterdir()) == []

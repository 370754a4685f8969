"""Real `hotpapers run --source live` subprocesses against loopback APIs: faults, awkward data, failures.

The runs themselves are session fixtures (tests/reliability/conftest.py) shared with the secret scan:
``baseline`` (undisturbed), ``faulty_run`` (a fault on every page of every source, each survivable)
and ``failed_run`` (arXiv and X failing for good over the faulty run's good data).
"""

from __future__ import annotations

import re

import duckdb

from tests.reliability import world
from tests.reliability.outcome import differences, outcome, rows_lost, temp_files, warehouse_views


def test_a_run_through_network_faults_gives_the_undisturbed_result(baseline_outcome, faulty_run, tally) -> None:
    assert faulty_run.run.returncode == 0, faulty_run.run.stderr
    assert faulty_run.faults >= 8  # reset, empty page, cut-off body; 503, 429 + Retry-After, cut-off; 502; timeout
    got = outcome(faulty_run.data_dir)
    lost = rows_lost(baseline_outcome, got)
    tally.add(rows_lost=lost, recovered=int(got == baseline_outcome))
    assert lost == 0 and got == baseline_outcome, differences(baseline_outcome, got)
    assert faulty_run.requests[world.ARXIV_PATH] == 3 + 3  # three pages, each retried once


def test_a_failing_run_says_what_failed_in_one_line_and_keeps_the_good_data(failed_run, tally) -> None:
    run = failed_run.run
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr + run.stdout, run.stderr
    date = world.LISTING.isoformat()
    pattern = (
        rf"error: (arXiv listing {date}|X recent search for listing {date}): gave up after 3 requests \(2 retries\) "
        rf"to http://127\.0\.0\.1:\d+/\S+: (response cut off mid-body|HTTP 503 Service Unavailable for Bearer \[redacted\]) "
        rf"\(in raw_(arxiv__papers|x__tweets)\)"
    )
    assert re.fullmatch(pattern, lines[0]), lines[0]
    lost = rows_lost(failed_run.before, failed_run.after)
    tally.add(rows_lost=lost)
    assert lost == 0 and failed_run.after == failed_run.before, differences(failed_run.before, failed_run.after)
    assert temp_files(failed_run.data_dir) == []
    assert warehouse_views(failed_run.data_dir)["digest_daily"] == 1


def test_awkward_data_is_stored_exactly_and_rendered_inert(baseline, tally) -> None:
    tally.add(bad_inputs=len(world.ENTRIES) + len(world.EXPECTED_TWEET_IDS) + 3)
    post = (baseline / "digests" / f"hot-papers-{world.LISTING.isoformat()}.md").read_text(encoding="utf-8")
    headings = [line for line in post.splitlines() if line.startswith("# ")]
    # lookalike hosts, month 13 and the tweet without a link carry 900+900 and 500+500: none may count
    assert headings == ["# 1. A Hot Paper"]
    assert f"- retweets: {world.HOT_RETWEETS}, favorites: {world.HOT_LIKES} " in post
    assert "<script>alert" not in post and "onerror=alert(2)>" not in post
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in post
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; Mallory" in post
    assert "https://twitter.com/mallory%22%3E%3Cscript%3Ex%3C/script%3E/status/9000003" in post
    assert f'<p lang="he" dir="rtl">{world.RTL_TEXT} arXiv:{world.HOT}</p>' in post
    assert set(re.findall(r"<script[^>]*>", post)) == {'<script async src="https://platform.twitter.com/widgets.js" charset="utf-8">'}

    con = duckdb.connect(str(baseline / "warehouse.duckdb"), read_only=True)
    try:
        papers = dict(con.execute("select arxiv_id, title from stg_arxiv__papers").fetchall())
        versions = dict(con.execute("select arxiv_id, version from raw_arxiv__papers").fetchall())
        tweets = dict(con.execute("select tweet_id, length(text) from stg_x__tweets").fetchall())
    finally:
        con.close()
    assert sorted(papers) == world.PAPERS  # v0, v99999 and the entry without <published> are not papers
    assert papers[world.TEX] == world.TEX_TITLE  # TeX and entities verbatim, the C1 control and DEL gone
    assert versions[world.V12] == 12 and versions[world.WITHDRAWN] == 2
    assert sorted(tweets) == world.EXPECTED_TWEET_IDS
    assert tweets["9000007"] == len(world.LONG_TEXT) + len(f"arxiv.org/abs/{world.LONG}")

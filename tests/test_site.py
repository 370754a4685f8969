"""The static site, the Atom feed and `digest --format`, from the sample plus a second X fetch that carries
hostile markup: built by real Dagster runs, written by the real CLI, opened in headless Chromium.

Screenshots and the DOM Chromium produced land in test-artifacts/site/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lxml import etree
from PIL import Image

from pipelines.charts import BAR_COLOR
from pipelines.rawstore import partition_path, write_partition
from pipelines.resources import HotPapersResource
from pipelines.site import SiteError, write_site
from pipelines.snapshots import snapshot_files
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA
from pipelines.sources.x_search import TWEETS_SCHEMA
from tests.conftest import hotpapers
from tests.dagster_server import render_page

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "site"
DAY = date(2021, 6, 4)
ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"

EVIL_TEXT = "Look <script>document.title='pwned'</script> <img src=x onerror=\"document.title='pwned-img'\"> arXiv:2106.01548"
EVIL_NAME = "<b onmouseover=\"document.title='pwned-name'\">Mallory</b>"
EVIL_TITLE = "The Contestation of Tech Ethics <script>document.title='pwned-title'</script><i>&amp; more</i>"
EVIL_TWEET_ID = "1999999999999999999"
BUMPS = {"2106.02019": ("like_count", 400), "2106.01540": ("retweet_count", 50)}


# --- the world: the sample, then a second fetch of 2021-06-04 --------------------------------------


def second_fetch(data_dir: Path) -> None:
    """A day later: two papers' tweets grew, and a hostile tweet appeared; one title turned hostile too."""
    first = pq.read_table(partition_path(data_dir / "raw", "x_tweets", DAY)).to_pylist()
    rows = []
    for row in first:
        row = {**row, "fetched_at": row["fetched_at"] + timedelta(days=1)}
        for arxiv_id, (column, bump) in BUMPS.items():
            if arxiv_id in row["cited_arxiv_ids"]:
                row[column] += bump
        rows.append(row)
    template = next(r for r in rows if r["cited_arxiv_ids"] == ["2106.01548"])
    rows.append({
        **template, "tweet_id": EVIL_TWEET_ID, "author_id": "666", "author_name": EVIL_NAME, "author_handle": "mallory",
        "text": EVIL_TEXT, "expanded_urls": [], "retweet_count": 30, "like_count": 40,
    })
    write_partition(data_dir / "raw", "x_tweets", DAY, pa.Table.from_pylist(rows, schema=TWEETS_SCHEMA))
    papers = pq.read_table(partition_path(data_dir / "raw", "arxiv_papers", DAY)).to_pylist()
    for paper in papers:
        if paper["arxiv_id"] == "2106.01784":
            paper["title"] = EVIL_TITLE
    write_partition(data_dir / "raw", "arxiv_papers", DAY, pa.Table.from_pylist(papers, schema=PAPERS_SCHEMA))


def rebuild_after_fetch(data_dir: Path, keys: list[str] | None = None) -> dg.ExecuteInProcessResult:
    """Materialize what follows the fetch (the snapshot, every model, check and page) for 2021-06-04."""
    from pipelines.definitions import defs

    specs = defs.resolve_all_asset_specs()
    selection = keys or [
        s.key.to_user_string() for s in specs
        if s.group_name != "ingestion" or s.key.to_user_string() == "raw_x__tweet_snapshots"
    ]
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME")):
                env.delenv(name)
        env.setenv("HOTPAPERS_DATA_DIR", str(data_dir))
        instance = dg.DagsterInstance.ephemeral()
        try:
            return dg.materialize(
                [*defs.assets, *defs.asset_checks],
                selection=dg.AssetSelection.assets(*selection),
                partition_key=DAY.isoformat(),
                resources={"hotpapers": HotPapersResource(source="sample")},
                instance=instance,
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                raise_on_error=True,
            )
        finally:
            instance.dispose()


@pytest.fixture(scope="module")
def world(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("site")
    data_dir = root / "data"
    shutil.copytree(sample_run, data_dir, ignore=shutil.ignore_patterns("dagster", "site"))
    second_fetch(data_dir)
    assert rebuild_after_fetch(data_dir).success
    site = root / "public"
    result = hotpapers("site", "--out", str(site), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(data_dir=data_dir, site=site, profile=root / "chromium")


def warehouse(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


class Dom(HTMLParser):
    """The elements (tag, attributes) and the text of a page, as Chromium serialized it."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        if self._in_title:
            self.title += data

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and (cls is None or cls in a.get("class", "").split())]


def open_in_chromium(world: SimpleNamespace, relative: str, name: str) -> Dom:
    page = render_page((world.site / relative).as_uri(), ARTIFACTS / f"{name}.png", world.profile, virtual_time_ms=2000)
    (ARTIFACTS / f"{name}.html").write_text(page.dom, encoding="utf-8")
    return Dom(page.dom)


# --- the pages in Chromium -------------------------------------------------------------------------


def test_index_links_to_every_digest_date(world: SimpleNamespace) -> None:
    dom = open_in_chromium(world, "index.html", "index")
    dates = {d.isoformat() for (d,) in warehouse(world.data_dir, "select distinct listing_date from paper_engagement")}
    assert dates == {"2021-06-04", "2020-07-09"}
    links = {a["href"] for a in dom.find("a", "digest-link")}
    assert links == {f"daily/{d}.html" for d in dates}
    hrefs = {a["href"] for a in dom.find("a") if not a["href"].startswith("http")}
    weeks = {f"weekly/{d}.html" for (d,) in warehouse(world.data_dir, "select distinct week_start from digest_weekly")}
    months = {f"monthly/{d:%Y-%m}.html" for (d,) in warehouse(world.data_dir, "select distinct month_start from digest_monthly")}
    assert weeks | months | {"rising.html", "feed.xml"} <= hrefs and len(weeks) == len(months) == 2
    missing = [h for h in hrefs if not (world.site / h).is_file()]
    assert not missing, f"links to nothing: {missing}"


def test_digest_page_draws_the_chart_of_its_top_papers(world: SimpleNamespace) -> None:
    dom = open_in_chromium(world, f"daily/{DAY}.html", "daily")
    top = warehouse(world.data_dir, "select arxiv_id, score from digest_daily where listing_date = ? order by rank limit 10", [DAY])
    bars = dom.find("rect", "bar")
    assert len(bars) == len(top) == 10
    widths = [float(b["width"]) for b in bars]
    assert all(w > 0 and float(b["height"]) > 0 for w, b in zip(widths, bars))
    for (_, score), width in zip(top, widths):  # lengths in proportion to the scores in digest_daily
        assert width / widths[0] == pytest.approx(score / top[0][1], rel=1e-3, abs=1e-3)
    labels = [a["href"] for a in dom.find("a") if a["href"].startswith("#paper-")]
    assert labels == [f"#paper-{arxiv_id}" for arxiv_id, _ in top]
    # and Chromium painted them: the screenshot holds about as many bar-coloured pixels as the bars cover
    target = tuple(int(BAR_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(ARTIFACTS / "daily.png").convert("RGB")
    painted = {color: count for count, color in image.getcolors(image.width * image.height)}.get(target, 0)
    area = sum(w * float(b["height"]) for w, b in zip(widths, bars))
    assert painted >= 0.9 * area, (painted, area)


def test_tweet_and_title_markup_is_shown_as_text(world: SimpleNamespace) -> None:
    dom = open_in_chromium(world, f"daily/{DAY}.html", "daily-hostile")
    assert dom.find("script") == [] and dom.find("img") == [] and dom.find("b") == [] and dom.find("i") == []
    assert dom.title == f"Hot Papers {DAY}", "an injected script ran"
    text = " ".join(dom.text.split())
    for hostile in (EVIL_TEXT.removesuffix(" arXiv:2106.01548"), EVIL_NAME, EVIL_TITLE):
        assert " ".join(hostile.split()) in text
    # the category page of the hostile paper, and the JSON, carry the same characters
    cy = Dom((world.site / f"daily/{DAY}/cs-cy.html").read_text(encoding="utf-8"))
    assert EVIL_TITLE in cy.text and cy.find("script") == [] and cy.find("i") == []
    document = json.loads((world.site / f"daily/{DAY}.json").read_text(encoding="utf-8"))
    tweets = [t for p in document["papers"] for t in p["tweets"] if t["tweet_id"] == EVIL_TWEET_ID]
    assert [(t["text"], t["author_name"]) for t in tweets] == [(EVIL_TEXT, EVIL_NAME)]


def expected_gains(data_dir: Path) -> dict[str, int]:
    """Score gained by each paper of DAY between the two kept fetches, from the raw snapshot files."""
    first, second = [pq.read_table(p).to_pylist() for p in snapshot_files(data_dir / "raw", DAY)]
    papers = {p["arxiv_id"] for p in pq.read_table(partition_path(data_dir / "raw", "arxiv_papers", DAY)).to_pylist()}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, fetch in enumerate((first, second)):
        for tweet in fetch:
            for arxiv_id in set(tweet["cited_arxiv_ids"]) & papers:
                totals[arxiv_id][i] += tweet["retweet_count"] + tweet["like_count"]
    return {k: after - before for k, (before, after) in totals.items() if after > before}


def test_rising_page_charts_the_gain_since_the_previous_snapshot(world: SimpleNamespace) -> None:
    gains = expected_gains(world.data_dir)
    assert gains["2106.02019"] >= 400 and gains["2106.01540"] >= 50 and gains["2106.01548"] == 70
    rising = warehouse(world.data_dir, "select arxiv_id, score_gained, rank from rising_papers where listing_date = ? order by rank", [DAY])
    assert {a: g for a, g, _ in rising} == gains
    assert [g for _, g, _ in rising] == sorted(gains.values(), reverse=True)
    dom = open_in_chromium(world, "rising.html", "rising")
    rows = [a["id"] for a in dom.find("tr", "rising-paper")]
    assert rows == [f"paper-{a}" for a, _, _ in rising]
    lines = dom.find("polyline")
    assert len(lines) == min(5, len(rising))
    for line in lines:  # two snapshots each: the line rises from the first to the second
        (x0, y0), (x1, y1) = [tuple(map(float, p.split(","))) for p in line["points"].split()]
        assert x1 > x0 and y1 < y0
    assert len(dom.find("circle")) == 2 * len(lines)


def test_snapshot_history_gains_one_file_per_new_fetch_only(world: SimpleNamespace, sample_run: Path) -> None:
    for listing_date in (date(2020, 7, 9), DAY):  # the sample run, however often re-run, fetched each date once
        files = snapshot_files(sample_run / "raw", listing_date)
        assert len(files) == 1
        assert pq.read_table(files[0]).num_rows == pq.read_metadata(partition_path(sample_run / "raw", "x_tweets", listing_date)).num_rows
    before = snapshot_files(world.data_dir / "raw", DAY)
    assert [f.parent.name for f in before] == ["snapshot=20210606T221917Z", "snapshot=20210607T221917Z"]
    assert rebuild_after_fetch(world.data_dir, ["raw_x__tweet_snapshots"]).success  # the same fetch again
    assert snapshot_files(world.data_dir / "raw", DAY) == before
    assert [pq.read_metadata(f).num_rows for f in before] == [43, 44]


# --- feed and formats ------------------------------------------------------------------------------


def test_feed_is_atom_with_one_entry_per_digest(world: SimpleNamespace) -> None:
    feed = etree.parse(str(world.site / "feed.xml")).getroot()  # a strict XML parser: malformed XML raises
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text.strip()
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Hot Papers"
    entries = feed.findall(f"{ATOM}entry")
    dates = [d.isoformat() for (d,) in warehouse(world.data_dir, "select distinct listing_date from paper_engagement order by 1 desc")]
    assert [e.find(f"{ATOM}title").text for e in entries] == [f"Hot Papers {d}" for d in dates]
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)
    for entry, listing_date in zip(entries, dates):
        datetime.strptime(entry.find(f"{ATOM}updated").text, "%Y-%m-%dT%H:%M:%SZ")
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert (world.site / link).is_file()
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "xhtml"
        items = content.findall(f"{XHTML}div/{XHTML}ol/{XHTML}li")
        in_digest = warehouse(world.data_dir, "select arxiv_id from digest_daily where listing_date = ? order by rank limit 10", [listing_date])
        assert [li.find(f"{XHTML}a").get("href") for li in items] == [f"https://arxiv.org/abs/{a}" for (a,) in in_digest]
    hostile = [li for li in feed.iter(f"{XHTML}li") if "Contestation" in "".join(li.itertext())]
    assert len(hostile) == 1 and "".join(hostile[0].find(f"{XHTML}a").itertext()) == EVIL_TITLE
    assert not list(feed.iter(f"{XHTML}script")) and not list(feed.iter(f"{XHTML}i"))


def test_digest_json_holds_the_figures_of_digest_daily(world: SimpleNamespace) -> None:
    result = hotpapers("digest", "--date", DAY.isoformat(), "--format", "json", data_dir=world.data_dir)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    columns = ["rank", "arxiv_id", "retweets", "favorites", "score", "tweet_count"]
    rows = warehouse(world.data_dir, f"select {', '.join(columns)} from digest_daily where listing_date = ? order by rank", [DAY])
    assert [tuple(p[c] for c in columns) for p in document["papers"]] == rows
    embedded = warehouse(
        world.data_dir,
        "select arxiv_id, list(tweet_id order by tweet_rank) from digest_tweets where listing_date = ? group by arxiv_id",
        [DAY],
    )
    assert {p["arxiv_id"]: [t["tweet_id"] for t in p["tweets"]] for p in document["papers"] if p["tweets"]} == dict(embedded)
    assert document["listing_date"] == DAY.isoformat() and document["min_score"] == 50
    assert result.stdout == (world.site / f"daily/{DAY}.json").read_text(encoding="utf-8")


def test_digest_html_and_md_formats(world: SimpleNamespace, sample_run: Path) -> None:
    page = hotpapers("digest", "--date", DAY.isoformat(), "--format", "html", "--category", "cs.CV", data_dir=world.data_dir)
    assert page.returncode == 0, page.stderr
    dom = Dom(page.stdout)
    in_cv = warehouse(
        world.data_dir, "select arxiv_id from digest_category_daily where listing_date = ? and category = 'cs.CV' order by rank", [DAY]
    )
    assert [li["id"] for li in dom.find("li", "paper")] == [f"paper-{a}" for (a,) in in_cv]
    assert len(dom.find("rect", "bar")) == min(10, len(in_cv)) and dom.title == f"Hot Papers {DAY} cs.CV"
    assert not [a for a in dom.find("a") if a["href"].endswith("index.html")], "a standalone page links to no site"
    md = hotpapers("digest", "--date", DAY.isoformat(), "--format", "md", data_dir=sample_run)
    assert md.returncode == 0, md.stderr
    assert md.stdout == (sample_run / "digests" / f"hot-papers-{DAY}.md").read_text(encoding="utf-8")


# --- writing the site ------------------------------------------------------------------------------


def test_site_is_replaced_whole_and_never_over_other_folders(world: SimpleNamespace, tmp_path: Path) -> None:
    site = tmp_path / "public"
    assert hotpapers("site", "--out", str(site), data_dir=world.data_dir).returncode == 0
    (site / "daily" / "stale.html").write_text("from an older site")
    again = hotpapers("site", "--out", str(site), data_dir=world.data_dir)
    assert again.returncode == 0, again.stderr
    assert not (site / "daily" / "stale.html").exists() and (site / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"], "no temporary folder left beside it"

    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    plain_file = tmp_path / "file.txt"
    plain_file.write_text("a file")
    cases = [
        (["site", "--out", str(other)], "is a folder with other content"),
        (["site", "--out", str(tmp_path / "x"), "--base-url", "javascript:alert(1)"], "--base-url must start with"),
        (["digest", "--date", DAY.isoformat(), "--format", "pdf"], "--format must be one of md, json, html"),
    ]
    for args, message in cases:
        result = hotpapers(*args, data_dir=world.data_dir)
        assert result.returncode == 1 and result.stdout == "", args
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    with pytest.raises(SiteError, match="exists and is not a folder"):
        write_site(plain_file, {"index.html": "x"})
    assert [p.name for p in other.iterdir()] == ["mine.txt"] and plain_file.read_text() == "a file"
    missing = hotpapers("site", "--out", str(tmp_path / "y"), data_dir=tmp_path / "empty")
    assert missing.returncode == 1 and missing.stderr.startswith("error: no warehouse") and not (tmp_path / "y").exists()


POLL = """
import os, sys
page, stop = sys.argv[1], sys.argv[2]
polls = missing = 0
print("polling", flush=True)
while not os.path.exists(stop):
    polls += 1
    missing += not os.path.exists(page)
print(polls, missing)
"""


def test_readers_never_find_the_site_missing_while_it_is_replaced(tmp_path: Path) -> None:
    """Each rewrite swaps the whole folder in one step: another process polling a page always finds one
    (with two renames instead, it finds none thousands of times in 200 rewrites)."""
    site, stop = tmp_path / "public", tmp_path / "stop"
    write_site(site, {"index.html": "generation 0"})
    reader = subprocess.Popen(
        [sys.executable, "-c", POLL, str(site / "index.html"), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline() == "polling\n"
        for generation in range(1, 201):
            write_site(site, {"index.html": f"generation {generation}", "daily/x.html": str(generation)})
    finally:
        stop.touch()
        polls, missing = map(int, reader.communicate(timeout=30)[0].split()[-2:])
    assert polls > 1000 and missing == 0
    assert (site / "index.html").read_text() == "generation 200"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "stop"]

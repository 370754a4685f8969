"""Reading lists: parsing, title matching, arXiv lookups on a loopback arXiv API, the CLI, and the
Dagster assets and SQL models run in-process.

The loopback arXiv's catalogue is built from the reference list's own titles (they are the real
titles), keyed by the id each paper really has; it differs from the list only where the list is wrong
or annotated: entries 3 and 31 link another entry's paper, entry 15 links PMLR (FetchSGD is
2007.07682 on arXiv), and arXiv's titles of 15, 24, 26, 33 and 37 are spelled differently.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from pipelines.reading_list import (
    ARXIV,
    ARXIV_OTHER,
    NO_LINK,
    OTHER_SITE,
    TITLE_MATCH_THRESHOLD,
    entries_table,
    evaluate,
    files_table,
    normalize_title,
    parse_reading_list,
    read_reading_list,
    title_similarity,
    titles_match,
)
from pipelines.sources.arxiv_lookup import BATCH_SIZE, ArxivLookup, look_up
from pipelines.sources.http import SourceError
from pipelines.warehouse import connect
from tests.loopback import ARXIV_PATH, FakeApi, RecordedRequest, atom_feed, atom_response, error

FIXTURES = Path(__file__).parent / "fixtures" / "reading_lists"
REFERENCE = FIXTURES / "101-papers.md"
TOLERANCE = 0.01  # seconds of scheduling slack between client send and server arrival

# --- the loopback arXiv's catalogue ------------------------------------------------------------

# The reference list's titles and links, read with a regex of its own (not the parser under test).
_HEADING = re.compile(r"^## (\d+)\. (.*?)\s*\(\[link\]\s*\(?(\S+?)\)*$", re.MULTILINE)
LIST_ENTRIES = {int(n): (title, link) for n, title, link in _HEADING.findall(REFERENCE.read_text(encoding="utf-8"))}
_LINKED_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(v\d+)?")

# Where the list is wrong: the id each of these titles really has on arXiv.
TRUE_IDS = {3: "2012.09841", 15: "2007.07682", 31: "1801.06146"}
# Where arXiv spells the title differently from the list (annotations, punctuation, case).
ARXIV_TITLES = {
    15: "FetchSGD: Communication-Efficient Federated Learning with Sketching",
    24: "Improved Baselines with Momentum Contrastive Learning",
    26: "The Reversible Residual Network: Backpropagation Without Storing Activations",
    33: "Character-Level Language Modeling with Deeper Self-Attention",
    37: "Aggregated Residual Transformations for Deep Neural Networks",
}
# Papers of tests/fixtures-free lists built below.
OTHER_PAPERS = {
    "1706.03762": "Attention Is All You Need",
    "1502.03167": "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
    "1607.06450": "Layer Normalization",
    "1609.04747": "An overview of gradient descent optimization algorithms",
    "1412.6980": "Adam: A Method for Stochastic Optimization",
    "1409.0473": "Neural Machine Translation by Jointly Learning to Align and Translate",
}


def reference_catalogue() -> dict[str, dict]:
    """arXiv id → Atom entry for every paper the reference list means (and the extra list's)."""
    catalogue = {}
    for number, (title, link) in LIST_ENTRIES.items():
        match = _LINKED_ID.search(link)
        arxiv_id = TRUE_IDS.get(number) or match.group(1)
        version = (match.group(2) if match and number not in TRUE_IDS else None) or "v1"
        catalogue[arxiv_id] = atom(arxiv_id + version, ARXIV_TITLES.get(number, title))
    # arXiv wraps long titles across lines in its Atom feed
    catalogue["2003.08983"]["title"] = catalogue["2003.08983"]["title"].replace(": ", ":\n  ")
    for arxiv_id, title in OTHER_PAPERS.items():
        catalogue[arxiv_id] = atom(arxiv_id + "v1", title)
    return catalogue


def atom(versioned_id: str, title: str) -> dict:
    return {
        "id": versioned_id,
        "title": title,
        "published": "2020-01-01T00:00:00Z",
        "authors": ["A. Author"],
        "categories": ["cs.LG"],
    }


def _words(text: str) -> set[str]:
    return set(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def catalogue_responder(catalogue: dict[str, dict]):
    """Answers like arXiv: ``id_list`` → the entries that exist (in another order, with arXiv's
    ``totalResults`` = ids asked for, as the API reports it); ``ti:"…"`` → papers sharing at least
    half the phrase's words, in id order (relevance is arXiv's, not ours to rely on)."""

    def respond(request: RecordedRequest):
        ids = [i for i in (request.param("id_list") or "").split(",") if i]
        size = int(request.param("max_results") or 10)
        if ids:
            found = [catalogue[i] for i in reversed(ids) if i in catalogue]
            return atom_response(atom_feed(found, total_results=len(ids), items_per_page=size))
        query = request.param("search_query") or ""
        phrase = re.fullmatch(r'ti:"(.*)"', query)
        assert phrase, f"unexpected search_query {query!r}"
        words = _words(phrase.group(1))
        hits = [e for _, e in sorted(catalogue.items()) if len(words & _words(e["title"])) * 2 >= len(words)]
        return atom_response(atom_feed(hits[:size], total_results=len(hits), items_per_page=size, query=query))

    return respond


@pytest.fixture
def arxiv_api():
    with FakeApi() as api:
        api.default(ARXIV_PATH, catalogue_responder(reference_catalogue()))
        yield api


EXTRA_LIST = """\
---
title: "Extra: every other kind of problem"
---
## Progress
Done: 9 / 12

## 1. Attention Is All You Need ([link](https://arxiv.org/abs/1706.03762))
ok

## 2. Layer Normalization ([link](https://arxiv.org/abs/1502.03167))
links the paper of entry 3, and entry 3 links this one

## 3. Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift ([link](https://arxiv.org/abs/1607.06450))

## 4. Adam: A Method for Stochastic Optimization ([link](https://arxiv.org/abs/1609.04747v2))
links another paper that is on no list: an arXiv title search finds the right one

## 5. A Paper That Does Not Exist ([link](https://arxiv.org/abs/2106.99999))

## 6. What's New in Machine Learning ([link](https://arxiv.org/list/cs.LG/recent))

## 6. Deep Learning
numbered twice, no link, and no arXiv paper has this title

```
## 7. not an entry: inside a code block
```

## 8. Neural Machine Translation by Jointly Learning to Align and Translate (https://arxiv.org/abs/1409.0473)

## 9. Attention Is All You Need ([link](https://arxiv.org/abs/1706.03762v5))
the same paper again
"""

REFERENCE_PROBLEMS = {
    # number: (status, resolved id, duplicate of, suggested id)
    3: ("duplicate id", "1907.06390", 2, "2012.09841"),
    5: ("malformed link", "1603.08983", None, None),
    15: ("not arXiv", None, None, "2007.07682"),
    31: ("duplicate id", "1906.02634", 28, "1801.06146"),
}
EXTRA_STATUSES = [
    # (number, status, resolved id, duplicate of, suggested id, suggested from)
    (1, "ok", "1706.03762", None, None, None),
    (2, "title mismatch", "1502.03167", None, "1607.06450", "reading_list"),
    (3, "title mismatch", "1607.06450", None, "1502.03167", "reading_list"),
    (4, "title mismatch", "1609.04747", None, "1412.6980", "title_search"),
    (5, "not found", "2106.99999", None, None, None),
    (6, "malformed link", None, None, None, None),
    (6, "malformed link", None, None, None, None),
    (8, "malformed link", "1409.0473", None, None, None),
    (9, "duplicate id", "1706.03762", 1, None, None),
]


# --- titles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "normalized"),
    [
        ("The Reversible Residual Network:Backpropagation Without Storing Activations",
         "the reversible residual network backpropagation without storing activations"),
        ("FetchSGD- Communication-Efficient Federated Learning", "fetchsgd communication efficient federated learning"),
        ("  Attention\n   Is All\tYou Need ", "attention is all you need"),
        ("Sch\\\"olkopf and Sch\\\"{o}lkopf meet Schölkopf", "scholkopf and scholkopf meet scholkopf"),
        ("$\\mathcal{O}(n)$ Attention with \\emph{Linear} Cost", "o n attention with linear cost"),
        ("$\\alpha$-Divergence Don't Care", "alpha divergence dont care"),
        ("How to train your ViT?", "how to train your vit"),
    ],
)  # fmt: skip
def test_normalize_title(title: str, normalized: str) -> None:
    assert normalize_title(title) == normalized


def test_titles_match_at_the_documented_threshold() -> None:
    assert TITLE_MATCH_THRESHOLD == 0.85
    same = [
        ("Improved Baselines with Momentum Contrastive Learning aka MoCov2", ARXIV_TITLES[24]),
        ("Aggregated Residual Transformations for Deep Neural Networks aka ResNext", ARXIV_TITLES[37]),
        ("FetchSGD- Communication-Efficient Federated Learning with Sketching", ARXIV_TITLES[15]),
        ("Universal Transformer", "Universal Transformers"),
        ("$k$-means++: the advantages of careful seeding", "k-means++: The Advantages of Careful Seeding"),
    ]
    for written, actual in same:
        assert titles_match(written, actual), (written, title_similarity(written, actual))
    different = [
        (LIST_ENTRIES[3][0], LIST_ENTRIES[2][0]),
        (LIST_ENTRIES[31][0], LIST_ENTRIES[28][0]),
        ("Momentum Contrast for Unsupervised Visual Representation Learning", ARXIV_TITLES[24]),
        ("Deep Learning", "Learning Deep Representations of Fine-grained Visual Descriptions"),
        ("Layer Normalization", OTHER_PAPERS["1502.03167"]),
    ]
    for written, actual in different:
        assert not titles_match(written, actual), (written, title_similarity(written, actual))
    assert title_similarity("", "Anything") == 0.0


# --- parsing -----------------------------------------------------------------------------------


def test_reference_list_is_parsed_with_every_link_kind() -> None:
    reading_list = read_reading_list(REFERENCE, "101-papers.md")
    assert reading_list.list_title == "101 papers"
    assert (reading_list.declared_done, reading_list.declared_total) == (None, 101)  # done: filled in by the page
    entries = {e.number: e for e in reading_list.entries}
    assert sorted(entries) == [n for n in range(1, 38) if n != 29]
    for number, (title, _) in LIST_ENTRIES.items():
        assert entries[number].title == title
    assert entries[17].title == "GRAF: Generative Radiance Fields for 3D-Aware Image Synthesis"  # no space before ([link]

    assert (entries[5].link, entries[5].link_well_formed, entries[5].arxiv_id) == (
        "https://arxiv.org/abs/1603.08983", False, "1603.08983")  # fmt: skip
    assert (entries[15].link_kind, entries[15].arxiv_id) == (OTHER_SITE, None)
    assert [n for n, e in entries.items() if e.links_pdf] == [13, 26]
    assert (entries[13].arxiv_id, entries[26].arxiv_id) == ("2006.13164", "1707.04585")
    assert entries[28].link_well_formed and entries[28].arxiv_id == "1906.02634"  # outer ")" missing: harmless
    assert entries[2].arxiv_id == entries[3].arxiv_id == "1907.06390"
    assert all(e.link_kind == ARXIV and e.link_well_formed for n, e in entries.items() if n not in (5, 15))
    assert entries[2].line == 85 and entries[27].note_chars == len(
        "See [here]({{site.baseurl}}{% post_url cs294/_posts/2020-11-23-CS294-Week1 %})")
    assert entries[9].arxiv_id == "1807.03819"  # the note's own arXiv link is not the entry's


def test_heading_variants() -> None:
    reading_list = parse_reading_list(EXTRA_LIST, "extra.md")
    assert reading_list.list_title == "Extra: every other kind of problem"
    assert (reading_list.declared_done, reading_list.declared_total) == (9, 12)
    got = [(e.number, e.title, e.link_well_formed, e.link_kind, e.arxiv_id) for e in reading_list.entries]
    assert got == [
        (1, "Attention Is All You Need", True, ARXIV, "1706.03762"),
        (2, "Layer Normalization", True, ARXIV, "1502.03167"),
        (3, OTHER_PAPERS["1502.03167"], True, ARXIV, "1607.06450"),
        (4, "Adam: A Method for Stochastic Optimization", True, ARXIV, "1609.04747"),
        (5, "A Paper That Does Not Exist", True, ARXIV, "2106.99999"),
        (6, "What's New in Machine Learning", True, ARXIV_OTHER, None),
        (6, "Deep Learning", False, NO_LINK, None),
        (8, OTHER_PAPERS["1409.0473"], False, ARXIV, "1409.0473"),
        (9, "Attention Is All You Need", True, ARXIV, "1706.03762"),
    ]
    whole_link = parse_reading_list("## 1. [Layer Normalization](https://arxiv.org/abs/1607.06450)\n", "x.md")
    assert [(e.title, e.arxiv_id, e.link_well_formed) for e in whole_link.entries] == [
        ("Layer Normalization", "1607.06450", True)
    ]
    assert parse_reading_list("# 1. Not h2\n### 2. Not h2 either\n", "x.md").entries == ()


# --- lookups -----------------------------------------------------------------------------------


def lookup_for(api: FakeApi, delay: float = 0.0) -> ArxivLookup:
    return ArxivLookup(api.url(ARXIV_PATH), delay_seconds=delay, timeout=5.0, retries=1)


def id_requests(api: FakeApi) -> list[RecordedRequest]:
    return [r for r in api.requests_to(ARXIV_PATH) if r.param("id_list")]


def test_ids_are_looked_up_in_paced_batches_of_at_most_100() -> None:
    ids = [f"2101.{n:05d}" for n in range(1, 231)]
    catalogue = {i: atom(i + "v1", f"Paper number {i}") for i in ids[:-5]}  # the last 5 do not exist
    delay = 0.2
    with FakeApi() as api:
        api.default(ARXIV_PATH, catalogue_responder(catalogue))
        with lookup_for(api, delay) as lookup:
            answers = lookup.by_ids(ids)
        requests = api.requests_to(ARXIV_PATH)

    batches = [r.param("id_list").split(",") for r in requests]
    assert [len(b) for b in batches] == [100, 100, 30]  # one request per batch, also with ids missing
    assert [i for b in batches for i in b] == ids
    assert all(int(r.param("max_results")) == len(b) for r, b in zip(requests, batches))
    assert all(r.param("start") == "0" and r.param("search_query") == "" for r in requests)
    gaps = [b.arrived - a.arrived for a, b in zip(requests, requests[1:])]
    assert min(gaps) >= delay - TOLERANCE, gaps
    assert sorted(i for i, a in answers.items() if a.paper is None) == ids[-5:]
    assert answers["2101.00007"].paper["title"] == "Paper number 2101.00007"
    assert BATCH_SIZE == 100


def test_reference_lookups_ask_once_per_batch_and_search_titles_that_do_not_match(arxiv_api: FakeApi) -> None:
    reading_list = read_reading_list(REFERENCE, "101-papers.md")
    pairs = [(e.arxiv_id, e.title) for e in reading_list.entries]
    with lookup_for(arxiv_api, 0.1) as lookup:
        table = look_up(pairs, lookup)
    requests = arxiv_api.requests_to(ARXIV_PATH)
    (batch,) = id_requests(arxiv_api)
    assert len(batch.param("id_list").split(",")) == 33  # 35 links to arXiv, 2 of them to the same papers
    searches = sorted(r.param("search_query") for r in requests if not r.param("id_list"))
    assert searches == [
        'ti:"fetchsgd communication efficient federated learning with sketching"',
        'ti:"taming transformers for high resolution image synthesis"',
        'ti:"universal language model fine tuning for text classification"',
    ]
    gaps = [b.arrived - a.arrived for a, b in zip(requests, requests[1:])]
    assert min(gaps) >= 0.1 - TOLERANCE, gaps

    rows = table.to_pylist()
    by_id = {(r["query"], r["written_title"]): r for r in rows if r["looked_up_by"] == "id"}
    assert len(by_id) == 35
    assert not by_id[("1907.06390", LIST_ENTRIES[3][0])]["title_matches"]
    assert by_id[("1907.06390", LIST_ENTRIES[2][0])]["title_matches"]
    assert by_id[("2003.04297", LIST_ENTRIES[24][0])]["title_matches"]  # " aka MoCov2"
    assert by_id[("2003.08983", LIST_ENTRIES[6][0])]["title"] == LIST_ENTRIES[6][0]  # line-wrapped in the feed
    by_title = {r["query"]: (r["arxiv_id"], r["answered_by"]) for r in rows if r["looked_up_by"] == "title"}
    assert by_title == {
        LIST_ENTRIES[3][0]: ("2012.09841", "title_search"),
        LIST_ENTRIES[15][0]: ("2007.07682", "title_search"),
        LIST_ENTRIES[31][0]: ("1801.06146", "title_search"),
    }

    # Earlier answers are reused: no request at all the second time.
    with lookup_for(arxiv_api) as lookup:
        again = look_up(pairs, lookup, previous=table)
    assert len(arxiv_api.requests_to(ARXIV_PATH)) == len(requests)
    assert again.drop(["fetched_at"]).equals(table.drop(["fetched_at"]))


def test_lookup_failure_is_one_line_source_error() -> None:
    with FakeApi() as api:
        api.default(ARXIV_PATH, error(503))
        with pytest.raises(SourceError) as raised, lookup_for(api) as lookup:
            lookup.by_ids(["2101.00001"])
        assert len(api.requests) == 2  # HOTPAPERS_HTTP_RETRIES=1: one retry, by the session
    message = str(raised.value)
    assert "\n" not in message
    assert message == f"arXiv lookup of 1 ids (2101.00001 …) at {api.url(ARXIV_PATH)} failed: HTTP 503"


# --- statuses, through the SQL models ----------------------------------------------------------


def check_lists(api: FakeApi, *lists) -> tuple[dict, dict]:
    pairs = [(e.arxiv_id, e.title) for r in lists for e in r.entries]
    with lookup_for(api) as lookup:
        lookups = look_up(pairs, lookup)
    now = lookups.column("fetched_at")[0].as_py()
    status, progress = evaluate(entries_table(list(lists), now), files_table(list(lists), now), lookups)
    return status, {p["list_file"]: p for p in progress}


def assert_reference_statuses(rows: list[dict]) -> None:
    rows = [r for r in rows if r["list_file"] == "101-papers.md"]
    assert len(rows) == 36
    for row in rows:
        expected = REFERENCE_PROBLEMS.get(row["number"])
        if expected is None:
            assert row["status"] == "ok", row
            assert row["suggested_arxiv_id"] is None
            assert row["paper_arxiv_id"] == row["resolved_arxiv_id"]
        else:
            got = (row["status"], row["resolved_arxiv_id"], row["duplicate_of"], row["suggested_arxiv_id"])
            assert got == expected, row
    pdfs = {r["number"]: (r["status"], r["resolved_arxiv_id"]) for r in rows if r["links_pdf"]}
    assert pdfs == {13: ("ok", "2006.13164"), 26: ("ok", "1707.04585")}


def assert_extra_statuses(rows: list[dict]) -> None:
    got = [
        (r["number"], r["status"], r["resolved_arxiv_id"], r["duplicate_of"], r["suggested_arxiv_id"], r["suggested_from"])
        for r in rows
        if r["list_file"] == "extra.md"
    ]
    assert got == EXTRA_STATUSES


def test_statuses_of_the_reference_list(arxiv_api: FakeApi) -> None:
    status, progress = check_lists(arxiv_api, read_reading_list(REFERENCE, "101-papers.md"))
    assert_reference_statuses(status)
    assert {k: progress["101-papers.md"][k] for k in ("entries_done", "total", "shown_done", "missing_numbers")} == {
        "entries_done": 36, "total": 101, "shown_done": 37, "missing_numbers": [29],
    }  # fmt: skip


def test_statuses_of_every_other_problem_kind(arxiv_api: FakeApi) -> None:
    status, progress = check_lists(arxiv_api, parse_reading_list(EXTRA_LIST, "extra.md"))
    assert_extra_statuses(status)
    extra = progress["extra.md"]
    assert (extra["entries_done"], extra["total"], extra["shown_done"]) == (9, 12, 9)
    assert (extra["missing_numbers"], extra["duplicate_numbers"], extra["problem_entries"]) == ([7], [6], 8)
    # entry 4's title was searched; entries 2 and 3 were answered from each other's links
    searches = [r.param("search_query") for r in arxiv_api.requests_to(ARXIV_PATH) if not r.param("id_list")]
    assert 'ti:"adam a method for stochastic optimization"' in searches
    assert not any("normalization" in s for s in searches)


# --- the CLI -----------------------------------------------------------------------------------


def cli(*args: str, api: FakeApi | None = None, delay: str = "0") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME"))}
    env["ARXIV_API_URL"] = api.url(ARXIV_PATH) if api else "http://127.0.0.1:9/api/query"
    env["ARXIV_DELAY_SECONDS"] = delay
    env["HOTPAPERS_HTTP_RETRIES"] = "0"
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "reading-list", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_prints_each_problem_of_the_reference_list(arxiv_api: FakeApi) -> None:
    result = cli("check", str(REFERENCE), api=arxiv_api, delay="0.2")
    assert result.returncode == 1, result.stderr
    path = str(REFERENCE)
    assert result.stdout.splitlines() == [
        f'{path}:94: entry 3 "{LIST_ENTRIES[3][0]}": duplicate id: 1907.06390 is the paper of entry 2; its title is arXiv 2012.09841',
        f'{path}:101: entry 5 "{LIST_ENTRIES[5][0]}": malformed link: https://arxiv.org/abs/1603.08983 is not written as a Markdown link ([link](url))',
        f'{path}:184: entry 15 "{LIST_ENTRIES[15][0]}": not arXiv: links proceedings.mlr.press; its title is arXiv 2007.07682',
        f'{path}:363: entry 31 "{LIST_ENTRIES[31][0]}": duplicate id: 1906.02634 is the paper of entry 28; its title is arXiv 1801.06146',
        f"{path}: number 29 is missing",
    ]
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2 and "entry 13 links the PDF https://arxiv.org/pdf/2006.13164v2" in notes[0]
    assert f"{path}: 36/101 papers read (its progress bar shows 37/101), 4 entries with problems" in result.stderr
    requests = arxiv_api.requests_to(ARXIV_PATH)
    assert len(requests) == 4 and len(id_requests(arxiv_api)) == 1
    gaps = [b.arrived - a.arrived for a, b in zip(requests, requests[1:])]
    assert min(gaps) >= 0.2 - TOLERANCE, gaps


def test_check_of_a_clean_list_exits_0(arxiv_api: FakeApi, tmp_path: Path) -> None:
    clean = tmp_path / "clean.md"
    clean.write_text(
        "<span id='done'>2</span>/<span id='total'>3</span>\n\n"
        "## 1. Attention Is All You Need ([link](https://arxiv.org/abs/1706.03762))\nnote\n\n"
        "## 2. Layer normalization ([link](https://arxiv.org/pdf/1607.06450v1.pdf))\n",
        encoding="utf-8",
    )
    result = cli("check", str(clean), api=arxiv_api)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert "2/3 papers read, 0 entries with problems" in result.stderr


@pytest.mark.parametrize("case", ["missing", "directory", "not utf-8", "empty"])
def test_check_of_an_unusable_file_is_one_error_line(case: str, tmp_path: Path) -> None:
    target = tmp_path / "list.md"
    if case == "directory":
        target.mkdir()
    elif case == "not utf-8":
        target.write_bytes(b"## 1. Caf\xe9 ([link](https://arxiv.org/abs/1706.03762))\n")
    elif case == "empty":
        target.write_text("# My list\n\nnothing read yet\n", encoding="utf-8")
    result = cli("check", str(target))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    if case == "empty":  # readable, but no entries: a problem, not an error
        assert result.stdout == f"{target}: no entries (numbered headings like '## 1. Title ([link](url))')\n"
    else:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: reading list {target}: ")


def test_check_reports_an_unreachable_api_in_one_line() -> None:
    result = cli("check", str(REFERENCE))  # port 9: nothing listens
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr == (
        "error: arXiv lookup of 33 ids (1502.03509 …) at http://127.0.0.1:9/api/query failed: "
        "cannot connect (Connection refused)\n"
    )


# --- the Dagster assets ------------------------------------------------------------------------

READING_LIST_ASSETS = [
    "raw_reading_list__entries",
    "raw_reading_list__files",
    "raw_arxiv__looked_up_papers",
    "stg_reading_list__entries",
    "stg_reading_list__files",
    "stg_arxiv__looked_up_papers",
    "int_reading_list_entries_resolved",
    "int_reading_list_papers",
    "reading_list_status",
    "reading_list_progress",
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory whose reading_lists/ (the default folder) holds the reference and extra lists."""
    for name in list(os.environ):
        if name.startswith(("X_", "ARXIV_", "HOTPAPERS_")):
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    lists = data / "reading_lists"
    (lists / "more").mkdir(parents=True)
    (lists / "101-papers.md").write_bytes(REFERENCE.read_bytes())
    (lists / "more" / "extra.md").write_text(EXTRA_LIST, encoding="utf-8")
    (lists / "not-a-list.txt").write_text("ignored", encoding="utf-8")
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(data))
    monkeypatch.setenv("ARXIV_DELAY_SECONDS", "0.05")
    return data


def materialize(source: str, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    from pipelines.definitions import defs
    from pipelines.resources import HotPapersResource

    return dg.materialize(
        [*defs.assets, *defs.asset_checks],  # type: ignore[misc]
        selection=dg.AssetSelection.assets(*READING_LIST_ASSETS),
        resources={"hotpapers": HotPapersResource(source=source)},
        instance=dg.DagsterInstance.ephemeral(),
        run_config=run_config,
    )


def warehouse_rows(data_dir: Path, query: str) -> list[dict]:
    with connect(data_dir / "warehouse.duckdb", read_only=True) as con:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_assets_build_the_status_and_progress_marts(
    data_dir: Path, arxiv_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url(ARXIV_PATH))
    result = materialize("live")
    assert result.success
    assert (data_dir / "raw" / "reading_list_entries" / "all" / "data.parquet").is_file()
    assert (data_dir / "raw" / "arxiv_looked_up_papers" / "all" / "data.parquet").is_file()

    status = warehouse_rows(data_dir, "select * from reading_list_status order by list_file, line")
    assert_reference_statuses(status)
    status = [{**r, "list_file": r["list_file"].removeprefix("more/")} for r in status]
    assert_extra_statuses(status)

    progress = {p["list_file"]: p for p in warehouse_rows(data_dir, "select * from reading_list_progress")}
    assert sorted(progress) == ["101-papers.md", "more/extra.md"]
    reference = progress["101-papers.md"]
    assert reference["list_title"] == "101 papers"
    assert (reference["entries_done"], reference["total"], reference["shown_done"]) == (36, 101, 37)
    assert (reference["missing_numbers"], reference["duplicate_numbers"], reference["problem_entries"]) == ([29], [], 4)
    assert float(reference["percent_done"]) == 35.6

    # What the digests join on: one row per paper, the paper each entry means.
    papers = {r["arxiv_id"]: r for r in warehouse_rows(data_dir, "select * from int_reading_list_papers")}
    assert "2012.09841" in papers and "1801.06146" in papers and "2007.07682" in papers  # by title
    assert "1603.08983" in papers and "2006.13164" in papers  # malformed link, PDF link
    assert papers["1907.06390"]["entry_count"] == 1  # entry 2 only: entry 3 means another paper
    assert papers["1706.03762"] == {"arxiv_id": "1706.03762", "list_files": ["more/extra.md"], "entry_count": 2}
    assert "2106.99999" not in papers and "1609.04747" not in papers
    assert len(papers) == len(set(papers))

    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "entries_check_out" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["entries_with_problems"].value == 12

    # A second run asks arXiv nothing (earlier answers are reused) and builds the same statuses;
    # refresh asks again.
    before = statuses(data_dir)
    requests = len(arxiv_api.requests)
    assert materialize("live").success
    assert len(arxiv_api.requests) == requests
    assert statuses(data_dir) == before
    assert materialize("live", {"ops": {"raw_arxiv__looked_up_papers": {"config": {"refresh": True}}}}).success
    assert len(id_requests(arxiv_api)) == 2
    assert statuses(data_dir) == before


def statuses(data_dir: Path) -> list[dict]:
    rows = warehouse_rows(data_dir, "select * from reading_list_status order by list_file, line")
    return [{k: v for k, v in row.items() if k != "parsed_at"} for row in rows]


def test_sample_source_asks_arxiv_nothing(data_dir: Path, arxiv_api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url(ARXIV_PATH))
    assert materialize("sample").success
    assert arxiv_api.requests == []
    status = {
        (r["list_file"], r["number"]): r
        for r in warehouse_rows(data_dir, "select * from reading_list_status where list_file = '101-papers.md'")
    }
    assert status[("101-papers.md", 1)]["status"] == "not checked"
    assert status[("101-papers.md", 5)]["status"] == "malformed link"
    assert status[("101-papers.md", 15)]["status"] == "not arXiv"
    # Unchecked links still count as the papers on the list.
    papers = {r["arxiv_id"] for r in warehouse_rows(data_dir, "select arxiv_id from int_reading_list_papers")}
    assert {"1907.06390", "2005.10821"} <= papers


def test_no_reading_lists_folder_builds_empty_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("X_", "ARXIV_", "HOTPAPERS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOTPAPERS_READING_LISTS_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    assert materialize("live").success
    assert warehouse_rows(tmp_path / "data", "select count(*) as n from reading_list_status") == [{"n": 0}]
    assert warehouse_rows(tmp_path / "data", "select count(*) as n from int_reading_list_papers") == [{"n": 0}]


def test_raw_tables_have_the_declared_schemas(arxiv_api: FakeApi) -> None:
    from pipelines.sqlmodels import RAW_SOURCES

    reading_list = read_reading_list(REFERENCE, "101-papers.md")
    now = pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()
    assert RAW_SOURCES["raw_reading_list__entries"][1] == entries_table([reading_list], now).schema
    assert RAW_SOURCES["raw_reading_list__files"][1] == files_table([reading_list], now).schema
    with lookup_for(arxiv_api) as lookup:
        assert RAW_SOURCES["raw_arxiv__looked_up_papers"][1] == look_up([("1706.03762", "x")], lookup).schema

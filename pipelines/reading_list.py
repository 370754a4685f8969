"""Reading lists: a researcher's Markdown list of papers read, with notes, and the rules to check it.

The format (``../shared/reference/101-papers.md``): optional Jekyll front matter, a progress bar
(``<span id='done'>…</span> / <span id='total'>101</span>``; an empty ``done`` is filled in by the
page's script with the highest entry number), then one level-2 heading per paper read::

    ## 12. Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks ([link](https://arxiv.org/abs/1703.03400v3))
    the note, any number of lines, up to the next level-2 heading

Only ``##`` headings count (the page's script counts ``<h2>``s; notes may have deeper headings),
and none inside fenced code. A heading that is entirely a link (``## 3. [Title](url)``) is read too.

Titles are compared after ``normalize_title`` (accents, TeX markup, case, punctuation, whitespace)
by ``difflib``'s ratio: they match at ``TITLE_MATCH_THRESHOLD`` (0.85) or above. That tolerates a
short annotation (" aka MoCov2" on a 53-character title scores 0.91), a missing space or a typo;
two different papers score far below it (the reference list's entries 3 and 31 against the papers
their links resolve to: 0.29 and 0.27).

The statuses themselves are computed by the SQL models (``sql/*/…reading_list…``);
``evaluate`` runs those same models in memory for ``hotpapers reading-list check``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from pipelines.arxiv_ids import ARXIV_HOSTS, ids_from_url

TITLE_MATCH_THRESHOLD = 0.85

# Raw tables (data/raw/<table>/all/data.parquet) and the source views the SQL models read them by.
ENTRIES_TABLE, ENTRIES_SOURCE = "reading_list_entries", "raw_reading_list__entries"
FILES_TABLE, FILES_SOURCE = "reading_list_files", "raw_reading_list__files"
STATUS_MART, PROGRESS_MART = "reading_list_status", "reading_list_progress"

# What an entry's link is (``link_kind``).
ARXIV, ARXIV_OTHER, OTHER_SITE, NO_LINK = "arxiv", "arxiv_other", "other", "none"

ENTRIES_SCHEMA = pa.schema(
    [
        ("list_file", pa.string()),
        ("line", pa.int32()),
        ("number", pa.int32()),
        ("title", pa.string()),
        ("link", pa.string()),
        ("link_well_formed", pa.bool_()),
        ("link_kind", pa.string()),
        ("arxiv_id", pa.string()),
        ("links_pdf", pa.bool_()),
        ("note_chars", pa.int32()),
        ("parsed_at", pa.timestamp("us", tz="UTC")),
    ]
)

FILES_SCHEMA = pa.schema(
    [
        ("list_file", pa.string()),
        ("list_title", pa.string()),
        ("declared_total", pa.int32()),
        ("declared_done", pa.int32()),
        ("entry_count", pa.int32()),
        ("parsed_at", pa.timestamp("us", tz="UTC")),
    ]
)


class ReadingListError(ValueError):
    """A reading list that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True)
class Entry:
    """One paper of a list, as written."""

    list_file: str
    line: int  # of the heading, 1-based
    number: int
    title: str
    link: str | None  # the URL, also when its Markdown is broken
    link_well_formed: bool  # written as [text](url)
    link_kind: str  # ARXIV, ARXIV_OTHER, OTHER_SITE or NO_LINK
    arxiv_id: str | None  # versionless, from pipelines.arxiv_ids
    links_pdf: bool  # an arxiv.org/pdf/ link: resolvable, but the abstract page is the usual one
    note_chars: int


@dataclass(frozen=True)
class ReadingList:
    list_file: str
    list_title: str | None  # from the front matter
    declared_total: int | None  # the progress bar's total
    declared_done: int | None  # the progress bar's done, when written as a number
    entries: tuple[Entry, ...]


# --- titles ------------------------------------------------------------------------------------

_TEX_ACCENT = re.compile(r"\\[`'^\"~=.uvHc](?:\{(\w)\}|(\w))")
_TEX_STYLE = re.compile(
    r"\\(?:math(?:rm|bf|cal|it|sf|tt|bb|frak)|boldsymbol|text(?:bf|it|rm|sc|tt|sf|normal)?|emph|operatorname"
    r"|it|bf|rm|sc|tt|em)(?![A-Za-z])"
)
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_APOSTROPHES = re.compile(r"['\u2019`]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """A title reduced to lowercase words: accents, TeX markup, punctuation and spacing removed.

    ``Sch\\"olkopf`` and ``Schölkopf`` → ``scholkopf``; ``$\\mathcal{O}(n)$`` → ``o n``;
    ``Network:Backpropagation`` → ``network backpropagation``.
    """
    text = _TEX_ACCENT.sub(lambda m: m.group(1) or m.group(2), title)
    text = _TEX_STYLE.sub(" ", text)
    text = _TEX_COMMAND.sub(r" \1 ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def title_similarity(written: str, actual: str) -> float:
    """difflib's ratio of the normalized titles, 0..1 (rounded to 4 places, so it is stable in Parquet)."""
    a, b = normalize_title(written), normalize_title(actual)
    if not a or not b:
        return 0.0
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 4)


def titles_match(written: str, actual: str) -> bool:
    return title_similarity(written, actual) >= TITLE_MATCH_THRESHOLD


# --- parsing -----------------------------------------------------------------------------------

_HEADING = re.compile(r"^##[ \t]+(?P<rest>.*?)\s*$")
_ENTRY = re.compile(r"^(?P<number>\d+)\.\s*(?P<rest>.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# ([text](url)) at the end of the heading; the outer parentheses are optional (entry 28 lost one).
_LINK = re.compile(
    r"\(?\s*\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^\s()<>]*)>?(?:\s+\"[^\"]*\")?\s*\)\s*\)?$"
)
# The same, broken: "([link] https://…))", "[link](https://…" or a bare "(https://…)".
_BROKEN_LINK = re.compile(
    r"\(?\s*(?:\[(?P<text>[^\]]*)\]\s*\(?)?\s*<?(?P<url>https?://[^\s()<>]+)>?\s*\)*$"
)
_FRONT_MATTER_TITLE = re.compile(r"""^title:\s*(?P<q>["']?)(?P<title>.*?)(?P=q)\s*$""")
_SPAN = r"""<span[^>]*\bid\s*=\s*['"]{}['"][^>]*>\s*(?P<value>[^<]*?)\s*</span>"""
_TOTAL_SPAN = re.compile(_SPAN.format("total"), re.IGNORECASE)
_DONE_SPAN = re.compile(_SPAN.format("done"), re.IGNORECASE)
_DONE_OF_TOTAL = re.compile(r"\b(?P<done>\d+)\s*/\s*(?P<total>\d+)\b")
_TAG = re.compile(r"<[^>]+>")


def parse_reading_list(text: str, list_file: str) -> ReadingList:
    """Every numbered ``##`` entry of a list, with its link classified, and the progress bar's figures."""
    lines = text.splitlines()
    body_start, list_title = _front_matter(lines)
    headings: list[tuple[int, str]] = []  # (index, heading text) of every ## heading outside code
    in_fence = False
    for index in range(body_start, len(lines)):
        line = lines[index]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _HEADING.match(line)):
            headings.append((index, match.group("rest")))

    entries = []
    preamble_end = len(lines)
    for position, (index, heading) in enumerate(headings):
        match = _ENTRY.match(heading)
        if match is None:
            continue
        preamble_end = min(preamble_end, index)
        next_heading = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
        note = "\n".join(lines[index + 1 : next_heading]).strip()
        entries.append(_entry(list_file, index + 1, int(match.group("number")), match.group("rest"), len(note)))

    done, total = _progress(lines[body_start:preamble_end], headings)
    return ReadingList(list_file, list_title, total, done, tuple(entries))


def read_reading_list(path: Path, list_file: str | None = None) -> ReadingList:
    """Parse one file; an unreadable one raises ReadingListError (one line)."""
    name = list_file if list_file is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReadingListError(f"reading list {name}: no such file") from None
    except IsADirectoryError:
        raise ReadingListError(f"reading list {name}: is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise ReadingListError(f"reading list {name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ReadingListError(f"reading list {name}: cannot be read ({exc.strerror or exc})") from None
    return parse_reading_list(text, name)


def read_reading_lists(folder: Path) -> list[ReadingList]:
    """Every ``*.md`` list under a folder (recursively), named by their path relative to it."""
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".md", ".markdown") and p.is_file())
    return [read_reading_list(p, p.relative_to(folder).as_posix()) for p in paths]


def _front_matter(lines: list[str]) -> tuple[int, str | None]:
    """Where the body starts, and the front matter's title."""
    if not lines or lines[0].strip() != "---":
        return 0, None
    title = None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return index + 1, title
        if match := _FRONT_MATTER_TITLE.match(lines[index]):
            title = match.group("title").strip() or None
    return 0, None  # never closed: not front matter


def _entry(list_file: str, line: int, number: int, rest: str, note_chars: int) -> Entry:
    title, url, well_formed = _split_heading(rest)
    kind, arxiv_id, pdf = classify_link(url)
    return Entry(list_file, line, number, title, url, well_formed, kind, arxiv_id, pdf, note_chars)


def _split_heading(rest: str) -> tuple[str, str | None, bool]:
    """(title, link URL, whether the link is written as a Markdown link)."""
    if match := _LINK.search(rest):
        title = rest[: match.start()].strip() or match.group("text").strip()
        url = match.group("url").strip() or None
        return title, url, url is not None
    if match := _BROKEN_LINK.search(rest):
        return rest[: match.start()].strip(), match.group("url"), False
    if "[link]" in rest.lower():
        return rest[: rest.lower().rindex("[link]")].rstrip(" (").strip(), None, False
    return rest.strip(), None, False


def classify_link(url: str | None) -> tuple[str, str | None, bool]:
    """(link kind, arXiv id, links a PDF) of an entry's URL."""
    if not url:
        return NO_LINK, None, False
    ids = ids_from_url(url)
    if ids:
        path = urlsplit(url if "://" in url else "https://" + url).path
        return ARXIV, ids[0], path.startswith("/pdf/")
    try:
        host = urlsplit(url if "://" in url else "https://" + url).hostname
    except ValueError:
        host = None
    return (ARXIV_OTHER if host in ARXIV_HOSTS else OTHER_SITE), None, False


def _progress(preamble: list[str], headings: list[tuple[int, str]]) -> tuple[int | None, int | None]:
    """(done, total) of the progress bar: its HTML spans, else a "done / total" in a Progress section."""
    text = "\n".join(preamble)
    total = _int_or_none(m.group("value")) if (m := _TOTAL_SPAN.search(text)) else None
    done = _int_or_none(m.group("value")) if (m := _DONE_SPAN.search(text)) else None
    if total is None:
        plain = _TAG.sub(" ", text)
        section = re.split(r"^##\s+progress\b.*$", plain, maxsplit=1, flags=re.IGNORECASE | re.MULTILINE)
        if len(section) == 2 and (m := _DONE_OF_TOTAL.search(section[1])):
            done, total = int(m.group("done")), int(m.group("total"))
    return done, total


def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


# --- raw tables --------------------------------------------------------------------------------


def entries_table(lists: list[ReadingList], parsed_at: datetime) -> pa.Table:
    rows = [
        {**asdict(entry), "parsed_at": parsed_at}
        for reading_list in lists
        for entry in reading_list.entries
    ]
    return pa.Table.from_pylist(rows, schema=ENTRIES_SCHEMA)


def files_table(lists: list[ReadingList], parsed_at: datetime) -> pa.Table:
    rows = [
        {
            "list_file": r.list_file,
            "list_title": r.list_title,
            "declared_total": r.declared_total,
            "declared_done": r.declared_done,
            "entry_count": len(r.entries),
            "parsed_at": parsed_at,
        }
        for r in lists
    ]
    return pa.Table.from_pylist(rows, schema=FILES_SCHEMA)


# --- checking ----------------------------------------------------------------------------------


def evaluate(entries: pa.Table, files: pa.Table, lookups: pa.Table) -> tuple[list[dict], list[dict]]:
    """Run the reading-list SQL models in an in-memory DuckDB over these raw tables.

    Returns the rows of ``reading_list_status`` and ``reading_list_progress``: the very models the
    pipeline builds, so ``hotpapers reading-list check`` and the warehouse never disagree.
    """
    import duckdb

    from pipelines.sources.arxiv_lookup import LOOKUPS_SOURCE
    from pipelines.sqlmodels import discover  # imported late: sqlmodels imports this module's schemas

    models = discover()
    by_name = {m.name: m for m in models}
    needed: set[str] = set()
    pending = [STATUS_MART, PROGRESS_MART]
    while pending:
        name = pending.pop()
        if name in by_name and name not in needed:
            needed.add(name)
            pending.extend(by_name[name].reads)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for source, table in ((ENTRIES_SOURCE, entries), (FILES_SOURCE, files), (LOOKUPS_SOURCE, lookups)):
            con.register(source, table)
        for model in models:
            if model.name in needed:
                con.execute(f"create table {model.name} as {model.sql}")
        status = _rows(con, f"select * from {STATUS_MART} order by list_file, line")
        progress = _rows(con, f"select * from {PROGRESS_MART} order by list_file")
    finally:
        con.close()
    return status, progress


def _rows(con: Any, query: str) -> list[dict]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def entry_problem(row: dict) -> str | None:
    """One line for an entry of ``reading_list_status`` that is not ok (None when it is)."""
    status = row["status"]
    if status == "ok":
        return None
    where = f'{row["list_file"]}:{row["line"]}: entry {row["number"]} "{row["title"]}"'
    suggestion = f"; its title is arXiv {row['suggested_arxiv_id']}" if row.get("suggested_arxiv_id") else ""
    arxiv_id, link = row["resolved_arxiv_id"], row["link"]
    if status == "malformed link":
        if link is None:
            detail = "no link"
        elif not row["link_well_formed"]:
            detail = f"{link} is not written as a Markdown link ([link](url))"
        else:
            detail = f"{link} is not an arXiv paper page"
        return f"{where}: malformed link: {detail}{suggestion}"
    if status == "not arXiv":
        return f"{where}: not arXiv: links {_host(link)}{suggestion}"
    if status == "not found":
        return f"{where}: not found: arXiv has no paper {arxiv_id}{suggestion}"
    if status == "duplicate id":
        return f"{where}: duplicate id: {arxiv_id} is the paper of entry {row['duplicate_of']}{suggestion}"
    if status == "title mismatch":
        return f'{where}: title mismatch: {arxiv_id} is "{row["arxiv_title"]}"{suggestion}'
    return f"{where}: {status}: {arxiv_id}"


def progress_problems(row: dict) -> list[str]:
    """Lines for what is wrong with a list's numbering and progress bar."""
    name = row["list_file"]
    problems = [f"{name}: number {n} is missing" for n in row["missing_numbers"] or []]
    problems += [f"{name}: number {n} is used by more than one entry" for n in row["duplicate_numbers"] or []]
    if row["total"] is not None and row["entries_done"] > row["total"]:
        problems.append(f"{name}: {row['entries_done']} entries, more than the list's total of {row['total']}")
    if row["entries_done"] == 0:
        problems.append(f"{name}: no entries (numbered headings like '## 1. Title ([link](url))')")
    return problems


def entry_notes(row: dict) -> list[str]:
    """Lines about an entry that is fine but worth knowing (a PDF link)."""
    if row["links_pdf"]:
        where = f'{row["list_file"]}:{row["line"]}: entry {row["number"]}'
        return [f"{where} links the PDF {row['link']}; the abstract page is https://arxiv.org/abs/{row['resolved_arxiv_id']}"]
    return []


def progress_summary(row: dict) -> str:
    total = row["total"] if row["total"] is not None else "?"
    shown = f" (its progress bar shows {row['shown_done']}/{total})" if row["shown_done"] != row["entries_done"] else ""
    return f"{row['list_file']}: {row['entries_done']}/{total} papers read{shown}, {row['problem_entries']} entries with problems"


def _host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or str(url)
    except ValueError:
        return str(url)

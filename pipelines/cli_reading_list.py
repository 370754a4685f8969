"""``hotpapers reading-list``: check a Markdown reading list against arXiv.

``check FILE`` prints each problem on one line of stdout (``file:line: entry N "Title": status: …``,
``file: number 29 is missing``) and exits 1 when there is any, 0 for a clean list. Notes (PDF links)
and a progress summary go to stderr. A file that cannot be read, a bad setting or an arXiv API that
keeps failing end as one ``error: …`` line and exit 1.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import typer

from pipelines.cli_support import fail
from pipelines.config import ConfigError, load_settings
from pipelines.reading_list import (
    ReadingListError,
    entries_table,
    entry_notes,
    entry_problem,
    evaluate,
    files_table,
    progress_problems,
    progress_summary,
    read_reading_list,
)
from pipelines.sources.arxiv_lookup import ArxivLookup, look_up
from pipelines.sources.http import SourceError

reading_list_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Check Markdown reading lists (## N. Title ([link](url)) entries) against arXiv.",
)


@reading_list_app.callback()
def _group() -> None:
    """A group even with one command: ``hotpapers reading-list check FILE``, not ``hotpapers reading-list FILE``."""


@reading_list_app.command()
def check(file: Path = typer.Argument(..., help="A Markdown reading list, e.g. data/reading_lists/101-papers.md.")) -> None:
    """Check every entry's link and title against arXiv (ARXIV_API_URL, ARXIV_DELAY_SECONDS apart)."""
    try:
        settings = load_settings()
        reading_list = read_reading_list(file)
    except (ConfigError, ReadingListError) as exc:
        fail(str(exc))
    parsed_at = datetime.now(timezone.utc)
    pairs = [(entry.arxiv_id, entry.title) for entry in reading_list.entries]
    try:
        with ArxivLookup(
            settings.arxiv_api_url,
            delay_seconds=settings.arxiv_delay_seconds,
            timeout=settings.http_timeout_seconds,
            retries=settings.http_retries,
        ) as lookup:
            lookups = look_up(pairs, lookup)
    except SourceError as exc:
        fail(str(exc))
    statuses, progress = evaluate(
        entries_table([reading_list], parsed_at), files_table([reading_list], parsed_at), lookups
    )
    problems = [p for row in statuses if (p := entry_problem(row))]
    problems += [p for row in progress for p in progress_problems(row)]
    for line in problems:
        print(line)
    for row in statuses:
        for note in entry_notes(row):
            print(f"note: {note}", file=sys.stderr)
    for row in progress:
        print(progress_summary(row), file=sys.stderr)
    raise typer.Exit(1 if problems else 0)

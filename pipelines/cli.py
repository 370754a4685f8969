"""The ``hotpapers`` command: run the pipeline, query the warehouse, print digests.

Errors a user can cause end as one ``error: …`` line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipelines.calendar import NotAListingDate, announcement_time, latest_listing_date, submission_window
from pipelines.categories import UnknownCategory, expand_categories
from pipelines.cli_reading_list import reading_list_app
from pipelines.cli_support import fail, run_with_one_line_errors
from pipelines.config import ConfigError, Settings, load_settings
from pipelines.files import remove_orphaned_temps
from pipelines.query import QueryError, make_request, run_query
from pipelines.render import load_digest, post_path, render_json, render_post
from pipelines.site import SiteError, build_site, load_site_data, render_digest_page, write_site
from pipelines.resources import SOURCES, HotPapersResource, sample_dates
from pipelines.backfill import BackfillError, plan_backfill, run_backfill, summary as backfill_summary
from pipelines.runs import build_listing_date, dagster_instance
from pipelines.warehouse import WarehouseMissing, connect

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=__doc__.splitlines()[0]
)
out = Console(soft_wrap=True)




def settings_or_fail() -> Settings:
    try:
        settings = load_settings()
        expand_categories(settings.categories)
        return settings
    except (ConfigError, UnknownCategory) as exc:
        fail(str(exc))


def parse_date(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date in the form YYYY-MM-DD")


def choose_listing_date(text: Optional[str], source: str, settings: Settings) -> date:
    """The date asked for, checked against arXiv's calendar and what the source can serve."""
    if source == "sample":
        available = sample_dates(settings)
        if text is None:
            if not available:
                fail(f"no embedded sample found under {settings.sample_dir}")
            return available[-1]
        listing_date = parse_date(text)
        if listing_date not in available:
            fail(
                f"the embedded sample has no listing {listing_date} "
                f"(sample dates: {', '.join(d.isoformat() for d in available)}; use --source live for others)"
            )
        return listing_date
    now = datetime.now(timezone.utc)
    listing_date = parse_date(text) if text else latest_listing_date(now, settings.holidays)
    try:
        submission_window(listing_date, settings.holidays)
    except NotAListingDate as exc:
        fail(str(exc))
    if announcement_time(listing_date) > now:
        fail(f"listing {listing_date} is not announced yet (at {announcement_time(listing_date):%Y-%m-%d %H:%M} UTC)")
    return listing_date


def writable_data_dir_or_fail(settings: Settings) -> None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".write-test"
        probe.touch()
        probe.unlink()
        remove_orphaned_temps(settings.data_dir, recursive=True)  # what killed runs left half-written
    except OSError as exc:
        fail(f"data directory {settings.data_dir} is not writable: {exc.strerror}")


@app.command()
def run(
    date_: Optional[str] = typer.Option(None, "--date", help="Listing date YYYY-MM-DD (default: newest sample date, or newest listing for live)."),
    source: str = typer.Option("sample", "--source", help="sample: replay the embedded sample; live: call arXiv and every configured engagement source."),
    refresh_listing: bool = typer.Option(False, help="Fetch the arXiv listing again even if it was ingested."),
) -> None:
    """Materialize everything the digest of one listing date needs, through Dagster, in-process."""
    if source not in SOURCES:
        fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    settings = settings_or_fail()
    listing_date = choose_listing_date(date_, source, settings)
    writable_data_dir_or_fail(settings)
    for reason in HotPapersResource(source=source).skip_reasons(listing_date, settings).values():
        out.print(reason)  # e.g. "skipped X: no X_BEARER_TOKEN": the other sources still make the digest
    built = build_listing_date(
        settings, listing_date, source, dagster_instance(settings), refresh_listing=refresh_listing
    )
    if built.failure is not None:
        fail(built.failure)
    report(settings, listing_date, source, built.listing_kept)


@app.command()
def backfill(
    start: str = typer.Option(..., "--start", help="First listing date YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last listing date YYYY-MM-DD (inclusive, already announced)."),
    source: str = typer.Option("sample", "--source", help="sample: replay the embedded sample; live: call arXiv and every configured engagement source."),
) -> None:
    """Build every listing date from --start to --end, oldest first; complete dates are skipped, so an
    interrupted backfill resumes where it stopped."""
    if source not in SOURCES:
        fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    settings = settings_or_fail()
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    try:
        plan = plan_backfill(first, last, source, settings, datetime.now(timezone.utc))
    except BackfillError as exc:
        fail(str(exc))
    writable_data_dir_or_fail(settings)
    if source == "live":
        for reason in HotPapersResource(source=source).skip_reasons(first, settings).values():
            out.print(reason)
    instance = dagster_instance(settings)
    tags = {"hotpapers/backfill": f"{first}..{last}"}
    result = run_backfill(
        plan,
        settings,
        lambda d: build_listing_date(settings, d, source, instance, tags=tags),
        Console(stderr=True, soft_wrap=True),
    )
    out.print(backfill_summary(plan, result))
    if result.failed is not None:
        done = len(result.built) + len(result.complete)
        fail(
            f"backfill stopped at {result.failed.listing_date} ({done} of {len(plan.dates)} dates done, kept; "
            f"the same command resumes there): {result.failed.failure}"
        )


def report(settings: Settings, listing_date: date, source: str, listing_kept: bool) -> None:
    """Say what the run built and where its outputs are."""
    with connect(settings.warehouse_path, read_only=True) as con:
        listed, linked, digest = con.execute(
            "select (select count(*) from stg_arxiv__papers where listing_date = $d),"
            " (select count(distinct tweet_id) from int_tweets_linked_to_papers where listing_date = $d),"
            " (select count(*) from digest_daily where listing_date = $d)",
            {"d": listing_date},
        ).fetchone()
        by_source = dict(
            con.execute(
                "select source, count(distinct post_id) from int_engagement_linked_to_papers"
                " where listing_date = ? and not ignored group by source",
                [listing_date],
            ).fetchall()
        )
    out.print(f"Hot Papers {listing_date} ({source}): {listed} papers listed, {linked} tweets citing them, {digest} in the digest")
    out.print(
        f"  engagement: {by_source.get('x', 0)} tweets (X), {by_source.get('hf', 0)} papers on Hugging Face,"
        f" {by_source.get('hn', 0)} Hacker News stories, {by_source.get('bluesky', 0)} Bluesky posts"
    )
    if listing_kept:
        out.print("  listing already ingested, kept (use --refresh-listing to fetch it again)")
    out.print(f"  digest:    {post_path(settings.digests_dir, listing_date)}")
    out.print(f"  site:      {settings.site_dir / 'index.html'}")
    out.print(f"  warehouse: {settings.warehouse_path}  (tables digest_daily, digest_category_daily, paper_engagement, ...)")
    out.print(f"  raw:       {settings.raw_dir}")


@app.command()
def sql(
    query: Optional[str] = typer.Argument(None, help="A read-only SQL query on the warehouse (or use -f)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the query from this file."),
    format_: str = typer.Option("table", "--format", help="table, csv, json or parquet."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file (atomically)."),
) -> None:
    """Run a read-only query on the warehouse; print the result or write it to a file."""
    settings = settings_or_fail()
    try:
        request = make_request(query, file, format_, output)
        with connect(settings.warehouse_path, read_only=True) as con:
            rows = run_query(con, request, out)
    except (QueryError, WarehouseMissing) as exc:
        fail(str(exc))
    if output is not None:
        out.print(f"{rows} rows written to {output}")


DIGEST_FORMATS = ("md", "json", "html")


@app.command()
def digest(
    date_: str = typer.Option(..., "--date", help="Listing date YYYY-MM-DD."),
    category: Optional[str] = typer.Option(None, "--category", help="Only this category, e.g. cs.CV."),
    format_: str = typer.Option("md", "--format", help="md: the published post; json: the digest as data; html: one web page."),
) -> None:
    """Print the rendered digest of one listing date (from the marts)."""
    if format_ not in DIGEST_FORMATS:
        fail(f"--format must be one of {', '.join(DIGEST_FORMATS)}, not {format_!r}")
    settings = settings_or_fail()
    listing_date = parse_date(date_)
    if category is not None:
        try:
            expand_categories((category,))
        except UnknownCategory as exc:
            fail(str(exc))
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            listed = con.execute(
                "select count(*) from stg_arxiv__papers where listing_date = ?", [listing_date]
            ).fetchone()[0]
            if not listed:
                fail(f"no listing {listing_date} in the warehouse: run `hotpapers run --date {listing_date}` first")
            papers = load_digest(con, listing_date, category)
    except WarehouseMissing as exc:
        fail(str(exc))
    if format_ == "json":
        sys.stdout.write(render_json(papers, listing_date, min_score=settings.min_score, category=category))
    elif format_ == "html":
        sys.stdout.write(
            render_digest_page(papers, listing_date, min_score=settings.min_score, listed=listed, category=category, standalone=True)
        )
    else:
        sys.stdout.write(render_post(papers, listing_date, min_score=settings.min_score, category=category))


@app.command()
def site(
    out_dir: Path = typer.Option(..., "--out", help="Folder to write the site to (replaced whole; created if missing)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Where the site will be served, e.g. https://example.org/hot/ (sets the feed's xml:base)."),
) -> None:
    """Write the static HTML site (every digest, category, week, month, rising papers, Atom feed) from the marts."""
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        fail(f"--base-url must start with https:// or http://, not {base_url!r}")
    settings = settings_or_fail()
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            data = load_site_data(con, settings.min_score)
        written = write_site(out_dir, build_site(data, base_url=base_url))
    except (WarehouseMissing, SiteError) as exc:
        fail(str(exc))
    out.print(f"Hot Papers site: {len(data.dates)} listing dates, {len(data.weekly)} weeks, {len(data.monthly)} months")
    out.print(f"  open: {written / 'index.html'}")


app.add_typer(reading_list_app, name="reading-list")


def main() -> None:
    """Entry point: anything unexpected still ends as one line (HOTPAPERS_DEBUG=1 shows the traceback)."""
    run_with_one_line_errors(app)


if __name__ == "__main__":
    main()

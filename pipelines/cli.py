"""The ``hotpapers`` command: run the pipeline, query the warehouse, print digests.

Errors a user can cause end as one ``error: …`` line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timezone
from typing import Optional

import dagster as dg
import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipelines.calendar import NotAListingDate, announcement_time, latest_listing_date, submission_window
from pipelines.categories import UnknownCategory, expand_categories
from pipelines.cli_reading_list import reading_list_app
from pipelines.cli_support import fail, run_with_one_line_errors
from pipelines.config import ConfigError, Settings, load_settings
from pipelines.rawstore import partition_path
from pipelines.render import load_digest, post_path, render_post
from pipelines.sources.http import one_line
from pipelines.resources import SOURCES, HotPapersResource, sample_dates
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


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--date {text!r} is not a date in the form YYYY-MM-DD")


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


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME when set, else the data directory's own (``<data>/dagster``).

    Either way it persists, so concurrent runs share the ``duckdb`` pool and `dagster dev` (which
    uses ./data/dagster by default, see dagster.yaml) shows the CLI's runs.
    """
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = settings.data_dir / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(
        tempdir=str(home.resolve()),
        overrides={"concurrency": {"pools": {"default_limit": 1}}, "telemetry": {"enabled": False}},
    )


def first_failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
                error = error.cause
            return " ".join(error.message.split()).removeprefix(f"{error.cls_name}: ") + f" (in {event.step_key})"
    return "the run failed"


@app.command()
def run(
    date_: Optional[str] = typer.Option(None, "--date", help="Listing date YYYY-MM-DD (default: newest sample date, or newest listing for live)."),
    source: str = typer.Option("sample", "--source", help="sample: replay the embedded sample; live: call arXiv and X."),
    refresh_listing: bool = typer.Option(False, help="Fetch the arXiv listing again even if it was ingested."),
) -> None:
    """Materialize everything the digest of one listing date needs, through Dagster, in-process."""
    if source not in SOURCES:
        fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    settings = settings_or_fail()
    if source == "live" and settings.x_bearer_token is None:
        fail("--source live needs X_BEARER_TOKEN in the environment (or use --source sample)")
    listing_date = choose_listing_date(date_, source, settings)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        fail(f"data directory {settings.data_dir} is not writable: {exc.strerror}")

    from pipelines.definitions import defs  # imported late: loading assets parses every SQL model

    selection = [spec.key for spec in defs.resolve_all_asset_specs()]
    listing_kept = partition_path(settings.raw_dir, "arxiv_papers", listing_date).exists() and not refresh_listing
    if listing_kept:
        selection.remove(dg.AssetKey("raw_arxiv__papers"))
    try:
        result = materialize_listing(defs, selection, listing_date, source, dagster_instance(settings))
    except dg.DagsterError as exc:
        fail(one_line(exc))
    if not result.success:
        fail(first_failure(result))
    report(settings, listing_date, source, listing_kept)


def materialize_listing(
    defs: dg.Definitions,
    selection: list[dg.AssetKey],
    listing_date: date,
    source: str,
    instance: dg.DagsterInstance,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],  # type: ignore[misc]
        selection=dg.AssetSelection.assets(*selection),
        partition_key=listing_date.isoformat(),
        resources={"hotpapers": HotPapersResource(source=source)},
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        raise_on_error=False,
        tags={"hotpapers/source": source},
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
    out.print(f"Hot Papers {listing_date} ({source}): {listed} papers listed, {linked} tweets citing them, {digest} in the digest")
    if listing_kept:
        out.print("  listing already ingested, kept (use --refresh-listing to fetch it again)")
    out.print(f"  digest:    {post_path(settings.digests_dir, listing_date)}")
    out.print(f"  warehouse: {settings.warehouse_path}  (tables digest_daily, digest_category_daily, paper_engagement, ...)")
    out.print(f"  raw:       {settings.raw_dir}")


@app.command()
def sql(query: str = typer.Argument(..., help="A read-only SQL query on the warehouse.")) -> None:
    """Run a read-only query on the warehouse and print the result as a table."""
    settings = settings_or_fail()
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            cursor = con.execute(query)
            if cursor.description is None:
                return
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except WarehouseMissing as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        message = one_line(exc)
        if "read-only mode" in message:
            fail("hotpapers sql is read-only: statements that write are refused")
        fail(message)
    table = Table(*names, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)
    out.print(f"({len(rows)} rows)")


@app.command()
def digest(
    date_: str = typer.Option(..., "--date", help="Listing date YYYY-MM-DD."),
    category: Optional[str] = typer.Option(None, "--category", help="Only this category, e.g. cs.CV."),
) -> None:
    """Print the rendered digest of one listing date (from the marts)."""
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
    sys.stdout.write(render_post(papers, listing_date, min_score=settings.min_score, category=category))


app.add_typer(reading_list_app, name="reading-list")


def main() -> None:
    """Entry point: anything unexpected still ends as one line (HOTPAPERS_DEBUG=1 shows the traceback)."""
    run_with_one_line_errors(app)


if __name__ == "__main__":
    main()

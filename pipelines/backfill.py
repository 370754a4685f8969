"""Backfills from the CLI: every listing date of a range, oldest first, each through the same
in-process run as `hotpapers run`, resumable.

**When is a listing date complete?** When its post (``digests/hot-papers-D.md``) exists and nothing
published for D — the post, and partition D of every SQL model that has one
(``models/<model>/listing_date=D/data.parquet``) — is older than D's raw inputs
(``raw/<table>/listing_date=D/data.parquet``; the arXiv listing must exist).
A run writes the raw files first, then the models, and the post last, so a run that failed or was
killed part-way leaves D incomplete (no post, or a post older than a raw file it rewrote) and the
next backfill redoes it; a complete date is skipped without a single request or write. Only D's own
inputs count: later dates' fetches (which may refresh snapshots of posts citing D's papers) do not
make D incomplete — `hotpapers run --date D` or the daily schedule's refresh picks those up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.calendar import latest_listing_date, listing_dates_between
from pipelines.config import Settings
from pipelines.rawstore import partition_path
from pipelines.render import post_path
from pipelines.resources import sample_dates
from pipelines.runs import ListingRun
from pipelines.sqlmodels import RAW_SOURCES, discover

REQUIRED_INPUTS = ("raw_arxiv__papers",)
"""Raw sources every built listing date has; the engagement sources' files of the date count when
present (a source the run could not use, e.g. X without a token, is skipped and writes none)."""


class BackfillError(ValueError):
    """A range that cannot be backfilled; the CLI prints the message as one line."""


@dataclass(frozen=True)
class BackfillPlan:
    start: date
    end: date
    source: str
    dates: list[date]
    """Listing dates to backfill, oldest first."""
    not_in_sample: list[date] = field(default_factory=list)
    """Listing dates of the range the embedded sample does not hold (``--source sample`` only)."""


def plan_backfill(start: date, end: date, source: str, settings: Settings, now: datetime) -> BackfillPlan:
    """The listing dates of [start, end] on arXiv's calendar; a range that holds none, ends after the
    newest announced listing, or (for the sample) holds no sample date is refused."""
    if end < start:
        raise BackfillError(f"--end {end} is before --start {start}")
    dates = listing_dates_between(start, end, settings.holidays)
    if not dates:
        raise BackfillError(
            f"no arXiv listing date from {start} to {end} (no listings on weekends or HOTPAPERS_HOLIDAYS)"
        )
    newest = latest_listing_date(now, settings.holidays)
    if dates[-1] > newest:
        raise BackfillError(
            f"--end {end} is in the future: listing {dates[-1]} is not announced yet "
            f"(the newest announced listing is {newest})"
        )
    if source != "sample":
        return BackfillPlan(start, end, source, dates)
    available = set(sample_dates(settings))
    held = [d for d in dates if d in available]
    if not held:
        listed = ", ".join(d.isoformat() for d in sorted(available)) or "none"
        raise BackfillError(
            f"the embedded sample holds none of the {len(dates)} listing dates from {start} to {end} "
            f"(sample dates: {listed}; use --source live for others)"
        )
    return BackfillPlan(start, end, source, held, [d for d in dates if d not in available])


def date_inputs(settings: Settings, listing_date: date) -> list[Path]:
    """D's raw files: the required ones (missing or not) and any other source's partition D."""
    required = [partition_path(settings.raw_dir, RAW_SOURCES[name][0], listing_date) for name in REQUIRED_INPUTS]
    present = settings.raw_dir.glob(f"*/listing_date={listing_date.isoformat()}/data.parquet")
    return sorted(set(required) | set(present))


def date_outputs(settings: Settings, listing_date: date) -> list[Path]:
    """D's post (existing or not) and the published model partitions of D that exist (a model with
    no rows for D may have none)."""
    partition = f"listing_date={listing_date.isoformat()}"
    models = [settings.models_dir / m.name / partition / "data.parquet" for m in discover() if m.partitioned]
    return [*(p for p in models if p.exists()), post_path(settings.digests_dir, listing_date)]


def is_complete(settings: Settings, listing_date: date) -> bool:
    """The post and the required raw inputs exist and no output is older than an input (module doc)."""
    try:
        newest_input = max(p.stat().st_mtime_ns for p in date_inputs(settings, listing_date))
        oldest_output = min(p.stat().st_mtime_ns for p in date_outputs(settings, listing_date))
    except FileNotFoundError:
        return False
    return oldest_output >= newest_input


@dataclass
class BackfillResult:
    built: list[date] = field(default_factory=list)
    complete: list[date] = field(default_factory=list)
    failed: ListingRun | None = None
    remaining: list[date] = field(default_factory=list)


def run_backfill(
    plan: BackfillPlan,
    settings: Settings,
    build: Callable[[date], ListingRun],
    console: Console,
) -> BackfillResult:
    """Build the plan's dates oldest first, skipping complete ones; stop at the first failure.

    Progress goes to ``console`` (stderr): a bar on a terminal, one line per date either way.
    """
    result = BackfillResult()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task("backfill", total=len(plan.dates))
        for index, listing_date in enumerate(plan.dates):
            prefix = f"[{index + 1}/{len(plan.dates)}] {listing_date}"
            if is_complete(settings, listing_date):
                result.complete.append(listing_date)
                console.print(f"{prefix}: already complete, skipped", markup=False, highlight=False)
                progress.advance(task)
                continue
            progress.update(task, description=f"backfill {listing_date}")
            run = build(listing_date)
            if run.failure is not None:
                result.failed = run
                result.remaining = plan.dates[index + 1 :]
                console.print(f"{prefix}: failed", markup=False, highlight=False)
                break
            result.built.append(listing_date)
            kept = " (listing kept)" if run.listing_kept else ""
            console.print(f"{prefix}: built{kept}", markup=False, highlight=False)
            progress.advance(task)
    return result


def summary(plan: BackfillPlan, result: BackfillResult) -> str:
    """One line: what the backfill did."""
    parts = [f"{len(result.built)} built", f"{len(result.complete)} already complete"]
    if result.failed is not None:
        parts.append(f"1 failed, {len(result.remaining)} not started")
    if plan.not_in_sample:
        first, last = plan.not_in_sample[0], plan.not_in_sample[-1]
        span = f"{first}" if first == last else f"{first} … {last}"
        parts.append(f"{len(plan.not_in_sample)} skipped: not in the embedded sample ({span}; use --source live)")
    return f"Backfill {plan.start} … {plan.end} ({plan.source}): {len(plan.dates)} listing dates — " + ", ".join(parts)

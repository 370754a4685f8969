"""The daily schedule: after arXiv's 20:00 New York announcement, build the new listing and refresh
the engagement of the last few listing dates (shares keep coming for days). And a second daily
schedule for the freshness check, which looks at the clock, not at a partition."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg

from assets.checks import FRESHNESS_CHECK
from pipelines.calendar import announcement_time, latest_listing_date, previous_listing_date
from pipelines.config import Settings, load_settings
from pipelines.rawstore import partition_path
from pipelines.runs import LISTING_ASSET, executable_asset_keys

# The site renders every date's pages: once per tick (its own schedule), not in each of the tick's
# per-date runs, so a daily tick's cost does not grow with history.
SITE_ASSET = dg.AssetKey("hot_papers_site")

daily_job = dg.define_asset_job(
    "hot_papers_daily",
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(FRESHNESS_CHECK) - dg.AssetSelection.assets(SITE_ASSET),
    description="Everything one listing date's digest needs: listing, engagement, models, post.",
)

site_job = dg.define_asset_job(
    "render_site",  # not the asset's name: a job and an op may not share one
    selection=dg.AssetSelection.assets(SITE_ASSET),
    description="The static site (every date's pages, feed, charts) from the marts as they are.",
)

site_schedule = dg.ScheduleDefinition(
    name="hot_papers_site_daily",
    job=site_job,
    cron_schedule="0 22 * * 0-4",
    execution_timezone="America/New_York",
    description="Sun-Thu 22:00 New York, after the daily runs: render the site once.",
)

freshness_job = dg.define_asset_job(
    "listing_freshness",
    selection=dg.AssetSelection.checks(FRESHNESS_CHECK),
    description="Is the newest announced listing ingested? (the freshness check alone, against the clock)",
)

freshness_schedule = dg.ScheduleDefinition(
    name="listing_freshness_daily",
    job=freshness_job,
    cron_schedule="30 22 * * *",
    execution_timezone="America/New_York",
    description="Every day 22:30 New York, two hours after arXiv's announcement: is the new listing in?",
)


def schedule_plan(tick: datetime, settings: Settings) -> list[tuple[date, bool]]:
    """(listing date, is it the new listing) for one tick: the listing announced in the last day if
    there is one, then engagement refreshes of the ``refresh_listings`` listing dates before it."""
    newest = latest_listing_date(tick, settings.holidays)
    is_new = announcement_time(newest) > tick - timedelta(days=1)
    plan = [(newest, True)] if is_new else []
    current = previous_listing_date(newest, settings.holidays) if is_new else newest
    for _ in range(settings.refresh_listings):
        plan.append((current, False))
        current = previous_listing_date(current, settings.holidays)
    return plan


def run_requests(tick: datetime, settings: Settings, all_keys: list[dg.AssetKey]) -> list[dg.RunRequest]:
    """One run per planned date: a refresh keeps the ingested listing (engagement only), unless the
    listing was never ingested (the daemon was down), which it then fetches too."""
    requests = []
    for listing_date, is_new in schedule_plan(tick, settings):
        partition = listing_date.isoformat()
        ingested = partition_path(settings.raw_dir, "arxiv_papers", listing_date).exists()
        keys = [k for k in all_keys if k != LISTING_ASSET] if ingested and not is_new else all_keys
        kind = "listing" if is_new else "refresh"
        requests.append(
            dg.RunRequest(
                run_key=f"{kind}-{partition}-{tick:%Y%m%dT%H%M}",
                partition_key=partition,
                asset_selection=keys,
                tags={"hotpapers/kind": kind},
            )
        )
    return requests


@dg.schedule(
    cron_schedule="30 20 * * 0-4",
    execution_timezone="America/New_York",
    job=daily_job,
    description="Sun-Thu 20:30 New York: the new listing, plus an engagement refresh of the previous ones.",
)
def daily_hot_papers(context: dg.ScheduleEvaluationContext):
    from pipelines.definitions import defs  # the schedule is part of defs: look the assets up lazily

    keys = [key for key in executable_asset_keys(defs) if key != SITE_ASSET]
    requests = run_requests(context.scheduled_execution_time, load_settings(), keys)
    return requests or dg.SkipReason("no listing date to build or refresh")

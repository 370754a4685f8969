"""The daily schedule: after arXiv's 20:00 New York announcement, build the new listing and refresh
the engagement of the last few listing dates (shares keep coming for days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg

from pipelines.calendar import announcement_time, latest_listing_date, previous_listing_date
from pipelines.config import Settings, load_settings
from pipelines.partitions import LISTING_DATES

LISTING_ASSET = dg.AssetKey("raw_arxiv__papers")

daily_job = dg.define_asset_job(
    "hot_papers_daily",
    selection=dg.AssetSelection.all(),
    partitions_def=LISTING_DATES,
    description="Everything one listing date's digest needs: listing, engagement, models, post.",
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
    requests = []
    for listing_date, is_new in schedule_plan(tick, settings):
        partition = listing_date.isoformat()
        keys = all_keys if is_new else [k for k in all_keys if k != LISTING_ASSET]
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

    keys = sorted((spec.key for spec in defs.resolve_all_asset_specs()), key=lambda k: k.to_user_string())
    requests = run_requests(context.scheduled_execution_time, load_settings(), keys)
    return requests or dg.SkipReason("no listing date to build or refresh")
